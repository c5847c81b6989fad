import { Option } from "commander";
import type { TailsweepCommand } from "../command";
import { lazyAction } from "./lazy-action";
import { objectivesArg } from "./objectives-arg";

/** Registers `tailsweep report`. */
export function registerReport(program: TailsweepCommand): void {
  program
    .command("report <sweeps...>")
    .summary("write a Markdown study report of sweeps, with figures")
    .description(
      "write a Markdown study report of sweeps (ids or unique id prefixes): the other methods against the --baseline method (default proposed) per setting, sensitivity grids, missing-modality results, with SVG figures",
    )
    .option("-o, --out <file>", "write the Markdown here (figures go beside it); default: stdout, no figures")
    .option("--figures <dir>", "folder for the SVG figures (default: <out without .md>-figures)")
    .option("--title <text>", "the report's title", "Study report")
    .option("--notes <file>", "Markdown to place after the introduction (your reading of the numbers)")
    .option("--baseline <method>", "the method every other is compared with", "proposed")
    .addOption(
      new Option(
        "--family <which>",
        "what the study-level correction covers: the primary metric across all settings, or every comparison",
      )
        .choices(["primary", "all"])
        .default("primary"),
    )
    .addOption(
      new Option(
        "--family-correction <method>",
        "Holm (family-wise error) or Benjamini–Hochberg (false discovery rate)",
      )
        .choices(["holm", "bh"])
        .default("holm"),
    )
    .option(
      "--pareto [objectives]",
      "add a Pareto section: per setting, the methods' front over two or more metrics (each metric:max or metric:min; default balancedAccuracy:max,minorityRecall:max), with dominance claims backed by paired tests",
      // --pareto takes an optional value, so `--pareto s1 s2` reads s1 as the objectives: say how to write it
      objectivesArg(
        "--pareto",
        "a word after --pareto is read as its objectives: put --pareto after the sweeps, or write --pareto=balancedAccuracy:max,minorityRecall:max",
      ),
    )
    .option("--json", "print the report's numbers as JSON instead of Markdown")
    // what the sweeps find wrong with the rest (a --baseline that is no method, an objective no trial reports) when
    // a value was refused (--family some): one run names them all
    .checksWithStore(async (args, options, refused) =>
      (await import("./report-action")).reportStoreProblems(args, options, refused),
    )
    .action(lazyAction(async () => (await import("./report-action")).reportCommand));
}
