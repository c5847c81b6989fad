import type { Confirmation, StageEstimate, SweepComparison, SweepPareto } from "@tailsweep/analysis";
import {
  bestClaim,
  bestInResamples,
  comparisonFamilyText,
  confirmationFamilyText,
  correctionName,
  FEW_SEEDS,
  fixed,
  intervalWriter,
  isShare,
  leadText,
  MANY_SEEDS,
  namesInBrief,
  pValue,
  seedsNeededText,
  signedDifference,
  soleResultText,
  tiedBestText,
  withoutResultsText,
} from "@tailsweep/analysis/format";
import { AppError, errorCategory, isInputError, messageOf } from "@tailsweep/schemas";
import type { Correction } from "@tailsweep/stats";
import { z } from "zod";
import { apiError, sweepOrLatest, withApi } from "../api-client";
import type { RemoteLogin } from "../remote";
import { printAligned } from "./aligned";
import { lineProblems } from "./line-problems";
import { type ObjectiveArg, ObjectiveArgSchema, readObjectives } from "./objectives-arg";

/** The flags of `tailsweep compare`. */
interface CompareFlags {
  baseline?: string;
  metric?: string;
  correction: Correction;
  alpha: number;
  objectives?: ObjectiveArg[];
  json?: boolean;
}

function printTable(table: Omit<SweepComparison, "metric">, metric: string): void {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  out(
    `${metric} (${table.direction}), seed means with 95% t intervals; vs baseline ${table.baseline}, ${comparisonFamilyText(table)}`,
  );
  const header = [
    "configuration",
    "n",
    "mean [95% CI]",
    "Δ vs baseline [95% CI]",
    "p",
    "p adj",
    "effect",
    "seeds for 80%",
    "verdict",
  ];
  const intervals = intervalWriter();
  const few = (n: number) => (n < FEW_SEEDS ? " !" : "");
  const lines = table.rows.map((r) => {
    const v = r.vsBaseline;
    const c = v?.comparison;
    const effect = c ? (c.method === "paired" ? c.dz : c.d) : Number.NaN;
    return [
      r.config === table.baseline ? `${r.config} (baseline)` : r.config,
      `${r.summary.n}${few(r.summary.n)}`,
      intervals.estimate(metric, r.summary),
      c ? `${intervals.difference(metric, c.meanDiff, c.ci)}${c.method === "welch" ? " welch" : ""}` : "",
      v ? pValue(v.p) : "",
      v ? pValue(v.pAdjusted) : "",
      Number.isFinite(effect) ? `${fixed(effect, 2)}${few(r.summary.n)}` : v ? "—" : "",
      v ? seedsNeededText(v.seedsNeeded, c) : "",
      `${v?.verdict ?? ""}${r.posthocRevisions.length > 0 ? " †" : ""}`,
    ];
  });
  printAligned(header, lines, out);
  // why a row has no test (every seed the same difference, too few seeds): the verdict alone does not say
  for (const r of table.rows)
    if (r.vsBaseline?.reason) out(`  ${r.config}: ${r.vsBaseline.verdict}: ${r.vsBaseline.reason}`);
  if (table.best)
    out(
      soleResultText(table.best) ??
        tiedBestText(table.best) ??
        `best: ${table.best.config} — ${bestInResamples(table.best.probabilityBest)}; ${bestClaim(table.best)}`,
    );
  if (table.unevenSeedsNote) out(`  note: ${table.unevenSeedsNote}`);
  if (table.baselineNote) out(`  note: ${table.baselineNote}`);
  // `?? []`: a dashboard older than these fields answers without them.
  const withoutResults = table.withoutResults ?? [];
  if (withoutResults.length > 0)
    out(`not compared, no result for ${metric}: ${withoutResultsText(withoutResults)}`);
  out(
    `Δ and intervals in ${isShare(metric) ? "percentage points" : `${metric}'s own units`}; welch = seeds not matched, unpaired test; effect = Cohen's d_z of the paired differences, or d*_s (the difference over the root mean of the two variances) for welch; seeds for 80% >${MANY_SEEDS} = more than ${MANY_SEEDS} matched seeds (an effect as good as none). — = not computable.`,
  );
  for (const note of intervals.notes(table.rows.map((r) => r.summary.n))) out(note);
  if (table.posthocNote) out(`† ${table.posthocNote}`);
  if (table.sequentialNote) out(`Note: ${table.sequentialNote}`);
  for (const c of table.confirmations) printConfirmation(c, out);
}

/** A confirmation stage: each selected configuration's difference on the selection seeds and on the fresh ones. */
function printConfirmation(c: Confirmation, out: (line: string) => void): void {
  out("");
  out(
    `Confirmation (revision ${c.revision}): ${c.heading}; vs baseline ${c.baseline}, ${confirmationFamilyText(c)}`,
  );
  // a dashboard older than selectionFamily answers without it
  if (c.selectionFamily !== undefined)
    out(`Selection rows: the sweep's own tests on the seeds they were chosen on, ${c.selectionFamily}.`);
  const header = ["configuration", "stage", "n", "Δ vs baseline [95% CI]", "p", "p adj", "verdict"];
  const stageCells = (name: string, e: StageEstimate | null) =>
    e
      ? [
          name,
          String(e.seeds),
          signedDifference(c.metric, e.meanDiff, e.ci),
          pValue(e.p),
          pValue(e.pAdjusted),
          `${e.verdict}${(e.posthocRevisions ?? []).length > 0 ? " †" : ""}`,
        ]
      : [name, "0", "—", "—", "—", "no result"];
  const lines = c.rows.flatMap((r) => [
    [r.config, ...stageCells("selection", r.selection)],
    ["", ...stageCells("confirmation", r.confirmation)],
  ]);
  printAligned(header, lines, out);
  // why a stage has no test (every seed the same difference, too few seeds), as under the comparison table
  for (const r of c.rows)
    for (const [stage, e] of Object.entries({ selection: r.selection, confirmation: r.confirmation }))
      if (e?.reason) out(`  ${r.config} (${stage}): ${e.verdict}: ${e.reason}`);
  for (const r of c.rows) {
    if (Number.isFinite(r.retained))
      out(
        `${r.config}: the fresh seeds keep ${fixed(100 * r.retained, 0)}% of the selection's difference${r.retained < 1 ? " (less is what the winner's curse predicts: it was chosen for being high)" : ""}`,
      );
    // Both differences there and no share: the selection showed no clear lead (confirmationsOf leaves it out then).
    else if (Number.isFinite(r.selection?.meanDiff) && Number.isFinite(r.confirmation?.meanDiff))
      out(
        `${r.config}: the selection showed no clear lead over the baseline in the objective's direction (its interval does not lie wholly on the better side), so no share of it is measured`,
      );
  }
  if (c.rows.some((r) => (r.selection?.posthocRevisions ?? []).length > 0))
    out(
      "† the selection's test uses seeds added after looking at the results (post hoc): its p-value is optimistic; the confirmation's is not",
    );
  if (c.pending > 0)
    out(`${c.pending} confirmation trials still to finish: the test uses the seeds that are in`);
}

/** The front over the objectives: a row per configuration, then the dominance claims and what they rest on. */
function printPareto(front: SweepPareto, out: (line: string) => void): void {
  const names = front.objectives.map((o) => `${o.metric} (${o.direction === "maximize" ? "max" : "min"})`);
  out("");
  out(
    `Pareto front over ${names.join(" × ")}: seed means with ${Math.round(100 * front.confidence)}% t intervals; ${front.front.length} of ${front.configurations.length} configurations on it by means`,
  );
  const intervals = intervalWriter();
  const few = (n: number) => (n < FEW_SEEDS ? " !" : "");
  const status = { front: "front", dominated: "dominated", "not separable": "not separable ?" };
  printAligned(
    [
      "configuration",
      ...front.objectives.map((o) => `${o.metric} [95% CI]`),
      "status",
      "dominated by (means; --json lists all)",
    ],
    front.configurations.map((c) => [
      c.config,
      ...c.estimates.map(
        (e) => `${intervals.estimate(e.metric, e.summary)} n=${e.summary.n}${few(e.summary.n)}`,
      ),
      status[c.status],
      namesInBrief(c.dominatedBy),
    ]),
    out,
  );
  if (front.claims.length > 0) {
    out(
      `Dominance claims: each lead tested by a two-sided paired t-test on the seeds both ran (backed when significant with the paired difference its way), ${correctionName(front.correction)} across ${front.tests} test${front.tests === 1 ? "" : "s"}, α = ${front.alpha}:`,
    );
    for (const claim of front.claims) {
      const tests = claim.tests.map((t) => (t.lead === "tie" ? `${t.metric} tied` : leadText(t)));
      out(
        `  ${claim.dominant} dominates ${claim.dominated}: ${claim.backed ? "backed" : "by means only, not separable"} — ${tests.join("; ")}${claim.posthocRevisions.length > 0 ? " †" : ""}`,
      );
    }
    out(
      "* significant after correction. A backed claim leads significantly on the starred objective and is not behind on the others by the means (no test shows 'not worse').",
    );
  }
  const notSeparable = front.configurations.filter((c) => c.status === "not separable").map((c) => c.config);
  if (notSeparable.length > 0)
    out(
      `? dominated by means, but no claim against ${notSeparable.length === 1 ? "it" : "them"} is significant: ${notSeparable.join(", ")} may belong on the front (more seeds would tell)`,
    );
  for (const e of front.excluded) out(`left out: ${e.config} (${e.reason})`);
  for (const note of intervals.notes(
    front.configurations.flatMap((c) => c.estimates.map((e) => e.summary.n)),
  ))
    out(note);
  for (const note of front.notes) out(`Note: ${note}`);
}

/** The flags of `compare` by the API input fields they fill: a refusal of a field is said as the flag's. */
const COMPARE_FLAGS = { baseline: "--baseline", metric: "--metric", objectives: "--objectives" };

/**
 * The table and the front of one command line, asked together: where both refuse it as bad input (a bad --baseline
 * and a bad --objectives), one error says both; else the table's refusal, which a missing sweep or no server fails
 * first, or the front's.
 */
async function tableAndFront<T, F>(
  login: RemoteLogin | undefined,
  table: Promise<T>,
  front: Promise<F>,
): Promise<[T, F]> {
  const [t, f] = await Promise.allSettled([table, front]);
  if (t.status === "rejected" && f.status === "rejected") {
    const tableError = apiError(t.reason, login, COMPARE_FLAGS);
    const frontError = apiError(f.reason, login, COMPARE_FLAGS);
    if (errorCategory(tableError) === "invalid" && errorCategory(frontError) === "invalid")
      throw new AppError("COMPARE_INVALID", "invalid", `${messageOf(tableError)}\n${messageOf(frontError)}`);
  }
  if (t.status === "rejected") throw t.reason;
  if (f.status === "rejected") throw f.reason;
  return [t.value, f.value];
}

/**
 * `tailsweep compare [sweep]`: the sweep's configurations against the baseline, and with `--objectives` their
 * Pareto front, from a store or a server alike.
 */
export async function compareCommand(id: string | undefined, o: CompareFlags): Promise<void> {
  // the flag's own syntax was checked as the line was read; the metrics the sweep has are the API's to check
  const { objectives } = o;
  // `id`: the whole id of the sweep named by its start (a dashboard older than it answers without it)
  const {
    sweep,
    id: whole = sweep,
    metric,
    pareto,
    paretoNote,
    ...table
  } = await withApi(
    async (api, login) => {
      const sweep = await sweepOrLatest(api, id);
      const compare = () =>
        api.sweeps.compare.query({
          id: sweep,
          ...(o.baseline !== undefined && { baseline: o.baseline }),
          ...(o.metric !== undefined && { metric: o.metric }),
          correction: o.correction,
          alpha: o.alpha,
        });
      // a sweep launched with `objectives` shows its front unless asked for others
      const front = () =>
        api.pareto.front.query({
          id: sweep,
          ...(objectives && { objectives }),
          correction: o.correction,
          alpha: o.alpha,
        });
      if (objectives) {
        // both asked for: a bad --baseline and bad --objectives are said together, not the table's first
        const [compared, pareto] = await tableAndFront(login, compare(), front());
        return { sweep, ...compared, pareto, paretoNote: undefined };
      }
      const compared = await compare();
      try {
        return { sweep, ...compared, pareto: await front(), paretoNote: undefined };
      } catch (e) {
        // The front nobody asked for (the sweep's own objectives) is refused when the sweep cannot draw it yet — a
        // metric no finished trial reports so far: the table is still the answer, with a note why there is no front.
        // Asked for with --objectives, that refusal is the answer. Only a refusal of the objectives (INPUT_INVALID)
        // is passed over: anything else (no server, no access) would fail the table as well.
        const refused = apiError(e, login);
        if (objectives || !isInputError(refused)) throw e;
        return {
          sweep,
          ...compared,
          pareto: null,
          paretoNote: `the Pareto front over the sweep's objectives is not shown: ${refused.problem}`,
        };
      }
    },
    { flags: COMPARE_FLAGS },
  );
  if (o.json)
    process.stdout.write(
      `${JSON.stringify({ sweep: whole, metric, ...table, ...(pareto && { pareto }), ...(paretoNote !== undefined && { paretoNote }) })}\n`,
    );
  else {
    printTable(table, metric);
    if (pareto) printPareto(pareto, (line) => process.stdout.write(`${line}\n`));
  }
  if (paretoNote !== undefined) process.stderr.write(`Note: ${paretoNote}\n`);
}

/** The flags {@link compareStoreProblems} reads: those of the line that could be read. */
const ReadableFlagsSchema = z.object({
  baseline: z.string().optional(),
  metric: z.string().optional(),
  correction: z.enum(["holm", "bh"]).optional(),
  alpha: z.number().optional(),
  objectives: z.array(ObjectiveArgSchema).optional(),
});

/**
 * What the sweep finds wrong with a `compare` line some of whose values were refused before it ran (`--alpha 1.5`,
 * `--objectives balancedAccuracy:up,nope`): the table asked for with the flags that could be read (the refused ones
 * at their defaults), and the front over the objectives the line names (a refused list's metrics, as far as they
 * could be read), and their refusals' problems (an unknown --metric, a --baseline that is no configuration, a metric
 * no trial reports), so that one run names them all. Nothing where they answer, or fail for another reason than bad
 * input (no such sweep, no store): that is said once the flags are fixed.
 */
export async function compareStoreProblems(
  args: readonly unknown[],
  options: unknown,
  refused: ReadonlyMap<string, string>,
): Promise<string[]> {
  const flags = ReadableFlagsSchema.safeParse(options);
  if (!flags.success) return [];
  const { baseline, metric, correction = "holm", alpha = 0.05 } = flags.data;
  const refusedObjectives = refused.get("objectives");
  const objectives =
    refusedObjectives === undefined ? flags.data.objectives : readObjectives(refusedObjectives).objectives;
  const [given] = args;
  return lineProblems(given, () =>
    withApi(
      async (api, login) => {
        const id = await sweepOrLatest(api, typeof given === "string" ? given : undefined);
        await tableAndFront(
          login,
          api.sweeps.compare.query({
            id,
            ...(baseline !== undefined && { baseline }),
            ...(metric !== undefined && { metric }),
            correction,
            alpha,
          }),
          // fewer than two objectives is the flag's own refusal, not the sweep's to repeat
          objectives !== undefined && objectives.length >= 2
            ? api.pareto.front.query({ id, objectives, correction, alpha })
            : Promise.resolve(undefined),
        );
      },
      { flags: COMPARE_FLAGS },
    ),
  );
}
