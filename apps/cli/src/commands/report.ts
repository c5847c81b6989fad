import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative } from "node:path";
import { buildStudyReport, renderStudyMarkdown } from "@tailsweep/analysis";
import type { RunStore } from "@tailsweep/sweep";
import type { Command } from "commander";
import { PRESETS } from "../presets";
import { openRuntime } from "../runtime";

const log = (line: string) => process.stderr.write(`${line}\n`);

/** The command line as typed, for the report's first lines (arguments with spaces quoted). */
function commandLine(): string {
  return ["tailsweep", ...process.argv.slice(2).map((a) => (/[\s"'$]/.test(a) ? `'${a}'` : a))].join(" ");
}

/** Full sweep ids from ids or unique id prefixes (the 8 characters tables show). */
async function resolveSweepIds(store: RunStore, wanted: readonly string[]): Promise<string[]> {
  const ids = (await store.listSweeps()).map((s) => s.id);
  return wanted.map((w, i) => {
    if (ids.includes(w)) return w;
    const matches = ids.filter((id) => id.startsWith(w));
    if (matches.length === 1) return matches[0]!;
    throw new Error(
      `sweeps[${i}]: ${matches.length ? `'${w}' is the start of ${matches.length} sweep ids; give more of it` : `no sweep with id ${w}`}`,
    );
  });
}

/** Registers `tailsweep report`. */
export function registerReport(program: Command): void {
  program
    .command("report <sweeps...>")
    .summary("write a Markdown study report of sweeps, with figures")
    .description(
      "write a Markdown study report of sweeps from the run store: methods against the proposed model per setting, sensitivity grids, missing-modality results, with SVG figures",
    )
    .option("-o, --out <file>", "write the Markdown here (figures go beside it); default: stdout, no figures")
    .option("--figures <dir>", "folder for the SVG figures (default: <out without .md>-figures)")
    .option("--title <text>", "the report's title", "Study report")
    .option("--notes <file>", "Markdown to place after the introduction (your reading of the numbers)")
    .option("--baseline <method>", "the method every other is compared with", "proposed")
    .option("--json", "print the report's numbers as JSON instead of Markdown")
    .action(
      async (
        sweeps: string[],
        o: {
          out?: string;
          figures?: string;
          title: string;
          notes?: string;
          baseline: string;
          json?: boolean;
        },
      ) => {
        const notes = o.notes === undefined ? undefined : readFileSync(o.notes, "utf8");
        const rt = await openRuntime(log, { needsBus: false });
        let report: Awaited<ReturnType<typeof buildStudyReport>>;
        try {
          report = await buildStudyReport(rt.opened.store, await resolveSweepIds(rt.opened.store, sweeps), {
            title: o.title,
            baseline: o.baseline,
            reference: { name: "paper preset", config: PRESETS.paper },
          });
        } finally {
          await rt.close();
        }
        if (o.json) {
          process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
          return;
        }
        if (!o.out) {
          process.stdout.write(renderStudyMarkdown(report, { notes, command: commandLine() }).markdown);
          return;
        }
        const figuresDir =
          o.figures ?? join(dirname(o.out), `${basename(o.out).replace(/\.md$/i, "")}-figures`);
        const rendered = renderStudyMarkdown(report, {
          notes,
          command: commandLine(),
          figuresPath: relative(dirname(o.out), figuresDir) || ".",
        });
        mkdirSync(figuresDir, { recursive: true });
        // The folder holds this report's figures only: old ones from a previous run would linger unlinked.
        for (const f of readdirSync(figuresDir)) if (f.endsWith(".svg")) rmSync(join(figuresDir, f));
        for (const [name, svg] of rendered.figures) writeFileSync(join(figuresDir, name), svg);
        writeFileSync(o.out, rendered.markdown);
        log(`report: ${o.out} (${rendered.figures.size} figures in ${figuresDir})`);
      },
    );
}
