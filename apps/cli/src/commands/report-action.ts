import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative } from "node:path";
import { withApi } from "../api-client";
import { readFlagFile } from "../config-input";
import { PRESETS } from "../presets";
import type { ObjectiveArg } from "./objectives-arg";

const log = (line: string) => process.stderr.write(`${line}\n`);

/** The flags of `tailsweep report`. */
interface ReportFlags {
  out?: string;
  figures?: string;
  title: string;
  notes?: string;
  baseline: string;
  family: "primary" | "all";
  familyCorrection: "holm" | "bh";
  /** `--pareto` alone: the default objectives; with a list, those. */
  pareto?: true | ObjectiveArg[];
  json?: boolean;
}

/** The command line as typed, for the report's first lines (arguments with spaces quoted). */
function commandLine(): string {
  return ["tailsweep", ...process.argv.slice(2).map((a) => (/[\s"'$]/.test(a) ? `'${a}'` : a))].join(" ");
}

/**
 * `tailsweep report <sweeps...>`: the report's numbers (--json), or its Markdown to stdout, or with --out the
 * Markdown and its SVG figures beside it. Computed and rendered by the API, from a store or a server alike.
 */
export async function reportCommand(sweeps: string[], o: ReportFlags): Promise<void> {
  const figuresDir =
    o.out && (o.figures ?? join(dirname(o.out), `${basename(o.out).replace(/\.md$/i, "")}-figures`));
  const objectives = o.pareto === true ? undefined : o.pareto;
  const { report, rendered } = await withApi(
    (api) =>
      api.reports.study.query({
        sweeps,
        title: o.title,
        baseline: o.baseline,
        family: o.family,
        familyCorrection: o.familyCorrection,
        reference: { name: "paper preset", config: PRESETS.paper },
        ...(o.pareto !== undefined && { pareto: objectives ? { objectives } : {} }),
        ...(!o.json && {
          render: {
            command: commandLine(),
            ...(o.notes !== undefined && { notes: readFlagFile(o.notes, "--notes") }),
            ...(o.out && figuresDir && { figuresPath: relative(dirname(o.out), figuresDir) || "." }),
          },
        }),
      }),
    { flags: { baseline: "--baseline", title: "--title", "pareto.objectives": "--pareto" } },
  );
  if (o.json || !rendered) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return;
  }
  if (!o.out || !figuresDir) {
    process.stdout.write(rendered.markdown);
    return;
  }
  mkdirSync(figuresDir, { recursive: true });
  // The folder holds this report's figures only: old ones from a previous run would linger unlinked.
  for (const f of readdirSync(figuresDir)) if (f.endsWith(".svg")) rmSync(join(figuresDir, f));
  for (const { name, svg } of rendered.figures) writeFileSync(join(figuresDir, name), svg);
  writeFileSync(o.out, rendered.markdown);
  log(`report: ${o.out} (${rendered.figures.length} figures in ${figuresDir})`);
}
