import type { Command } from "commander";
import { lazyAction } from "./lazy-action";

/** Registers `tailsweep report`. */
export function registerReport(program: Command): void {
  program
    .command("report <sweeps...>")
    .summary("write a Markdown study report of sweeps, with figures")
    .description(
      "write a Markdown study report of sweeps (ids or unique id prefixes): methods against the proposed model per setting, sensitivity grids, missing-modality results, with SVG figures",
    )
    .option("-o, --out <file>", "write the Markdown here (figures go beside it); default: stdout, no figures")
    .option("--figures <dir>", "folder for the SVG figures (default: <out without .md>-figures)")
    .option("--title <text>", "the report's title", "Study report")
    .option("--notes <file>", "Markdown to place after the introduction (your reading of the numbers)")
    .option("--baseline <method>", "the method every other is compared with", "proposed")
    .option("--json", "print the report's numbers as JSON instead of Markdown")
    .action(lazyAction(async () => (await import("./report-action")).reportCommand));
}
