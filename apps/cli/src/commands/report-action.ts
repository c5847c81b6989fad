import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, relative } from "node:path";
import { z } from "zod";
import { withApi } from "../api-client";
import { readFlagFile } from "../config-input";
import { PRESETS } from "../presets";
import { lineProblems } from "./line-problems";
import { type ObjectiveArg, ObjectiveArgSchema, readObjectives } from "./objectives-arg";

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

/** The flags of `report` by the API input fields they fill: a refusal of a field is said as the flag's. */
const REPORT_FLAGS = { baseline: "--baseline", title: "--title", "pareto.objectives": "--pareto" };

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
    { flags: REPORT_FLAGS },
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

/** The flags {@link reportStoreProblems} reads: those of the line that could be read. */
const ReadableReportFlagsSchema = z.object({
  title: z.string().optional(),
  baseline: z.string().optional(),
  family: z.enum(["primary", "all"]).optional(),
  familyCorrection: z.enum(["holm", "bh"]).optional(),
  pareto: z.union([z.literal(true), z.array(ObjectiveArgSchema)]).optional(),
});

/**
 * What the sweeps find wrong with a `report` line some of whose values were refused before it ran (`--family some`,
 * `--pareto balancedAccuracy:up,nope`): the report's numbers asked for with the flags that could be read (the refused
 * ones at their defaults, a refused --pareto's metrics as far as they could be read), and their refusal's problems
 * (a --baseline that is no method, a metric no trial reports), so that one run names them all. Nothing where it
 * answers, or fails for another reason than bad input (a missing sweep, no store): said once the flags are fixed.
 */
export async function reportStoreProblems(
  args: readonly unknown[],
  options: unknown,
  refused: ReadonlyMap<string, string>,
): Promise<string[]> {
  const sweeps = z.array(z.string()).min(1).safeParse(args[0]);
  const flags = ReadableReportFlagsSchema.safeParse(options);
  if (!sweeps.success || !flags.success) return [];
  const { pareto: readPareto, ...read } = flags.data;
  const refusedPareto = refused.get("pareto");
  const pareto = refusedPareto === undefined ? readPareto : readObjectives(refusedPareto).objectives;
  return lineProblems(undefined, () =>
    withApi(
      (api) =>
        api.reports.study.query({
          sweeps: sweeps.data,
          ...read,
          reference: { name: "paper preset", config: PRESETS.paper },
          // fewer than two objectives is the flag's own refusal, not the sweeps' to repeat
          ...(pareto === true && { pareto: {} }),
          ...(Array.isArray(pareto) && pareto.length >= 2 && { pareto: { objectives: pareto } }),
        }),
      { flags: REPORT_FLAGS },
    ),
  );
}
