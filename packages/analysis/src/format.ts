import { ObjectiveMetricSchema, plural, RESULT_METRICS } from "@tailsweep/schemas";
import type { ComparisonTable, Correction, SequentialDecision, Verdict } from "@tailsweep/stats";
import type { Confirmation } from "./confirmation";

// Where a data set's launch check (lower than analysis) also writes seeds.
// A Pareto front's dominators in a table cell: a front of 100 listed each dominated one's every dominator, and the
// sweep page went from 1.82 to 1.53 MB with this (HTML and React payload). The JSON views keep every name.
export { namesInBrief, seedRanges } from "@tailsweep/schemas";

/**
 * Past this many matched seeds a "seeds needed" count means nothing (the effect is as good as none): the report's
 * `n>1000` and compare's `>1000` alike.
 */
export const MANY_SEEDS = 1000;

/**
 * The "seeds for 80 % power" cell, as compare and the dashboard write it: the count, `>1000` past {@link MANY_SEEDS} —
 * Infinity too, an effect too small for any count the power search tries, which JSON (the dashboard's and `--json`'s
 * answer) turns into null as it does NaN, so a paired test that is no degenerate one reads as that — and `—` where
 * there is no paired test to power (Welch, degenerate, too few seeds).
 */
export function seedsNeededText(
  needed: number | null,
  comparison: { method: string; degenerate?: string } | null | undefined,
): string {
  if (needed !== null && Number.isFinite(needed))
    return needed > MANY_SEEDS ? `>${MANY_SEEDS}` : String(needed);
  const powered = comparison?.method === "paired" && comparison.degenerate === undefined;
  return powered && !Number.isNaN(needed) ? `>${MANY_SEEDS}` : "—";
}

/** Why a succeeded trial has no files where its sweep keeps them (its result's `artifactsNotStored`), on every surface. */
export const artifactsNotStoredText = (reason: string) =>
  `storing its artifacts failed (${reason}); it succeeded without them`;

/** What a running sweep that no controller serves is told with (`sweeps.get`'s `servedBy: null`), on every surface. */
export const NO_CONTROLLER_TEXT =
  "no controller serves this store now: the sweep's trials wait, queued, until one starts (tailsweep controller)";

/**
 * A number to `digits` decimals without a sign on zero: a difference of −1e-17 (two seeds' identical means, summed
 * in another order) reads `0.00`, not `-0.00`; `—` for what is not a number (the effect size of a degenerate
 * comparison), as {@link pct} writes it.
 */
export function fixed(v: number, digits: number): string {
  if (!Number.isFinite(v)) return "—";
  const text = v.toFixed(digits);
  return /^-0\.?0*$/.test(text) ? text.slice(1) : text;
}

/**
 * A number as written (by {@link fixed} or {@link pct}) with a plus where it has no minus: `+1.20`, `+0.00`, `-0.40`;
 * `—` (no number) as it is.
 */
export function withPlus(text: string): string {
  // not on a dash standing for no number (`pct(NaN)`)
  return /^\d/.test(text) ? `+${text}` : text;
}

/** A number written by {@link fixed} with its sign, a typographic minus or a plus (`+0.00` for what rounds to 0). */
export function withSign(text: string): string {
  return text.startsWith("-") ? `−${text.slice(1)}` : `+${text}`;
}

/** A share as a percentage (`0.6512` → `65.1`), or an em dash for what is not a number. */
export function pct(v: number | undefined | null, digits = 1): string {
  return typeof v === "number" && Number.isFinite(v) ? fixed(100 * v, digits) : "—";
}

/** Levels a p-value is read against: one that rounds onto them shows a fourth decimal. */
const USUAL_LEVELS = new Set(["0.005", "0.010", "0.025", "0.050", "0.100"]);

/**
 * A p-value as papers print it: three decimals, `<0.001` below that, and four where three would round onto a usual
 * level (0.0503 beside "no detectable difference" read as 0.050, which is α).
 */
export function pValue(p: number | null | undefined): string {
  // null: a NaN that went through JSON (a comparison that was not made)
  if (p === undefined || p === null || Number.isNaN(p)) return "—";
  if (p < 0.001) return "<0.001";
  const three = p.toFixed(3);
  return USUAL_LEVELS.has(three) && Number(three) !== p ? p.toFixed(4) : three;
}

/** A duration in words at the precision people read (`45 s`, `3 min 20 s`, `2 h 5 min`, `3 d 4 h`). */
export function duration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "—";
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86_400)} d ${Math.floor((s % 86_400) / 3600)} h`;
}

/**
 * What a table's correction ran over, as its notes say it: "Holm-corrected across the 2 comparisons at α = 0.05", or
 * "… across the 1 comparison with a test at α = 0.05, leaving out 1 degenerate". A degenerate comparison, one with
 * too few seeds and a confirmation without a result (its trials not finished, or failed) have no p-value, and the
 * correction leaves them out (adjustPValues; docs/statistics.md): counting them said a larger family than the p-values
 * were corrected for. Where none has a test, nothing was corrected, and it says so. `verdicts`: each comparison's
 * (null or absent: no result to test).
 */
export function correctedFamilyText(
  how: { correction: Correction; alpha: number },
  // a report's verdicts say "no detectable difference" for inconclusive
  verdicts: readonly (Verdict | "no detectable difference" | null | undefined)[],
  noun = "comparison",
): string {
  const count = (test: (v: (typeof verdicts)[number]) => boolean) => verdicts.filter(test).length;
  const degenerate = count((v) => v === "degenerate");
  const tooFew = count((v) => v === "too few seeds");
  const noResult = count((v) => v === null || v === undefined);
  const tested = verdicts.length - degenerate - tooFew - noResult;
  const leftOut = [
    ...(degenerate > 0 ? [`${degenerate} degenerate`] : []),
    ...(tooFew > 0 ? [`${tooFew} with too few seeds`] : []),
    ...(noResult > 0 ? [`${noResult} without a result`] : []),
  ];
  const list = `${leftOut.slice(0, -1).join(", ")}${leftOut.length > 1 ? " and " : ""}${leftOut.at(-1) ?? ""}`;
  if (tested === 0) return `nothing corrected: no ${noun} has a test${list ? ` (${list})` : ""}`;
  const family = `${correctionName(how.correction)}-corrected across the ${plural(tested, noun)}`;
  return leftOut.length === 0
    ? `${family} at α = ${how.alpha}`
    : `${family} with a test at α = ${how.alpha}, leaving out ${list}`;
}

/** {@link correctedFamilyText} of a comparison table: its rows' tests against the baseline. */
export function comparisonFamilyText(table: Pick<ComparisonTable, "rows" | "correction" | "alpha">): string {
  return correctedFamilyText(
    table,
    table.rows.flatMap((r) => (r.vsBaseline ? [r.vsBaseline.verdict] : [])),
  );
}

/** {@link correctedFamilyText} of a confirmation stage: each selected configuration's test on the fresh seeds. */
export function confirmationFamilyText(c: Pick<Confirmation, "rows" | "correction" | "alpha">): string {
  return correctedFamilyText(
    c,
    c.rows.map((r) => r.confirmation?.verdict),
    "selected configuration",
  );
}

/**
 * Names of metrics that are shares in [0, 1]: every metric a sweep's objectives name (accuracies, recalls, F1, G-mean),
 * the pseudo-labels' (class shift, a total variation distance), and the result fields they are read from.
 */
const SHARES = new Set<string>([...ObjectiveMetricSchema.options, ...RESULT_METRICS, "classShift"]);

/**
 * Whether a metric is a share, printed in percent with its interval kept inside [0, 1]. `compare --metric`,
 * `--objectives` and `report --pareto` also take a result path (parameterCount, steps, selection.epoch), a count or a
 * number of its own: printed as it is, its interval unclipped, rather than ×100 and cut at 100.
 */
export function isShare(metric: string): boolean {
  return SHARES.has(metric.split(".").at(-1) ?? metric);
}

/** A number that is not a share, to 5 significant digits (`12345`, `0.012345`), or an em dash. */
export function plain(v: number): string {
  return Number.isFinite(v) ? String(Number(v.toPrecision(5))) : "—";
}

/** An interval of a number that is not a share, unclipped: `[1100, 1300]`. */
export function plainInterval(ci: readonly [number, number]): string {
  return `[${plain(ci[0])}, ${plain(ci[1])}]`;
}

/** A correction's name as tables and notes print it. */
export function correctionName(correction: Correction): string {
  return correction === "holm" ? "Holm" : "Benjamini–Hochberg";
}

/** A difference of shares in percentage points with its sign and interval: `+1.20 [−0.40, 2.80]`. */
export function signedPctInterval(diff: number, ci: readonly [number, number], digits = 2): string {
  return `${withPlus(pct(diff, digits))} [${pct(ci[0], digits)}, ${pct(ci[1], digits)}]`;
}

/**
 * A difference of means with its sign and interval in the metric's units, unclipped: a share's in percentage points
 * (`+1.20 [-0.40, 2.80]`), anything else as it is (`-1200 [-1500, -900]`, {@link isShare}); an em dash where none.
 */
export function signedDifference(metric: string, diff: number, ci: readonly [number, number]): string {
  if (!Number.isFinite(diff)) return "—";
  return isShare(metric) ? signedPctInterval(diff, ci) : `${withPlus(plain(diff))} ${plainInterval(ci)}`;
}

/**
 * What may be said of the best configuration (issue #20: a claim over zero tests was vacuous): better than every
 * other only when each was tested against it; otherwise which were not, and why.
 */
export function bestClaim(best: NonNullable<ComparisonTable["best"]>): string {
  if (best.beatsAllOthers) return "significantly better than every other configuration";
  // best by its mean over all its seeds, behind on the seeds it shares with these (they ran fewer)
  // `?? []`: a dashboard older than beatenBy answers without it
  const beatenBy = best.beatenBy ?? [];
  if (beatenBy.length > 0)
    return `not better than every other configuration: ${beatenBy.join(", ")} ${beatenBy.length === 1 ? "is" : "are"} significantly ahead of it on the seeds both ran`;
  if (best.untested.length > 0)
    return `not shown better than every other configuration: not tested against ${best.untested.map((u) => `${u.config} (${u.reason})`).join("; ")}`;
  if (best.compared === 0) return "no other configuration with results to test it against";
  return "not significantly better than every other configuration";
}

/**
 * Said instead of a best configuration where others have exactly its mean: it is first among them by label only.
 * Undefined otherwise (and from a dashboard older than `tiedWith`).
 */
export function tiedBestText(best: NonNullable<ComparisonTable["best"]>): string | undefined {
  const tied = best.tiedWith ?? [];
  return tied.length === 0
    ? undefined
    : `No best by mean: ${[best.config, ...tied].join(", ")} have the same mean, so none is ahead`;
}

/**
 * Said instead of a best configuration where it is the only one with results (a sweep's first trials, or a cancelled
 * one): a "best outright in 100% of seed resamples" over nothing else would be vacuous. Undefined otherwise.
 */
export function soleResultText(best: NonNullable<ComparisonTable["best"]>): string | undefined {
  return best.compared === 0 && best.untested.length === 0
    ? `Only ${best.config} has results so far: nothing to compare it with`
    : undefined;
}

/**
 * An interval of a share in percent (`[61.2, 74.0]`), its ends kept inside `range` (a share's [0, 1], a difference
 * of shares' [−1, 1]): a t interval assumes an unbounded normal and can pass a bound near it, and an interval that
 * says a recall of 122 % is possible helps no one. `clipped` says whether an end was moved, for a mark and a note.
 */
export function pctInterval(
  ci: readonly [number, number],
  range: readonly [number, number] = [0, 1],
  digits = 1,
): { text: string; clipped: boolean } {
  const clip = (v: number) => (Number.isFinite(v) ? Math.min(range[1], Math.max(range[0], v)) : v);
  const [lo, hi] = [clip(ci[0]), clip(ci[1])];
  return {
    text: `[${pct(lo, digits)}, ${pct(hi, digits)}]`,
    clipped: !Object.is(lo, ci[0]) || !Object.is(hi, ci[1]),
  };
}

/** Fewer seeds than this and an interval or effect size is too unstable to read without a warning (issue #20). */
export const FEW_SEEDS = 3;

/** The note under a table whose intervals were clipped, or that has rows on fewer than {@link FEW_SEEDS} seeds. */
export function intervalNotes(clipped: boolean, fewSeeds: boolean): string[] {
  return [
    ...(clipped
      ? [
          "‡ interval clipped to the metric's range: the t interval assumes an unbounded normal, which a share near 0 or 100 % is not",
        ]
      : []),
    ...(fewSeeds
      ? [
          `! fewer than ${FEW_SEEDS} seeds: that row's intervals and effect size rest on one or two differences and can be wildly off (d = 250 from 2 seeds says nothing); add seeds before reading them`,
        ]
      : []),
  ];
}

/**
 * Writes a table's intervals with {@link pctInterval}, a clipped one marked ‡, then the notes those marks and the
 * table's seed counts call for: the CLI's, the dashboard's and the report's tables share it, so a mark never goes
 * without its note. `estimate` writes a seed mean with its interval in the metric's units: a share in percent, its
 * interval kept inside [0, 100] %, anything else ({@link isShare}) as it is, unclipped; `difference` a signed
 * difference of means the same way (a share's in points, its interval inside ±100).
 */
export function intervalWriter(): {
  text: (ci: readonly [number, number], range: readonly [number, number], digits: number) => string;
  estimate: (metric: string, summary: { mean: number; ci: readonly [number, number] }) => string;
  difference: (metric: string, diff: number, ci: readonly [number, number]) => string;
  notes: (seedCounts: readonly number[]) => string[];
} {
  let clipped = false;
  const text = (ci: readonly [number, number], range: readonly [number, number], digits: number) => {
    const shown = pctInterval(ci, range, digits);
    clipped ||= shown.clipped;
    return `${shown.text}${shown.clipped ? "‡" : ""}`;
  };
  return {
    text,
    estimate: (metric, { mean, ci }) =>
      isShare(metric) ? `${pct(mean)} ${text(ci, [0, 1], 1)}` : `${plain(mean)} ${plainInterval(ci)}`,
    difference: (metric, diff, ci) =>
      isShare(metric)
        ? `${withPlus(pct(diff, 2))} ${text(ci, [-1, 1], 2)}`
        : signedDifference(metric, diff, ci),
    notes: (seedCounts) =>
      intervalNotes(
        clipped,
        seedCounts.some((n) => n < FEW_SEEDS),
      ),
  };
}

/**
 * A tested lead of a Pareto dominance claim as every surface writes it: the paired difference its test is about, on
 * its pairs, and the seed means' difference beside it where the two differ (the configurations ran different seeds,
 * as a sequential design's do: "+1.79 pp" of means over 5 pairs whose own difference is 0.00 misled). A difference is
 * in the metric's units: percentage points for a share, else as it is ({@link isShare}).
 */
export function leadText(t: {
  metric: string;
  meanDiff: number;
  pairedDiff: number;
  seeds: readonly number[];
  pAdjusted: number;
  reason?: string;
  significant: boolean;
}): string {
  const value = (v: number) => (isShare(t.metric) ? `${pct(v, 2)} pp` : plain(v));
  const paired = Number.isFinite(t.pairedDiff) ? t.pairedDiff : t.meanDiff;
  const differs = Math.abs(t.meanDiff - paired) > 1e-9 * Math.max(1, Math.abs(t.meanDiff));
  const signed = (v: number) => withPlus(value(v));
  const n = t.seeds.length;
  return `${t.metric} ${signed(paired)} (${n} pair${n === 1 ? "" : "s"}${differs ? `; seed means ${signed(t.meanDiff)}` : ""}, p adj ${pValue(t.pAdjusted)}${t.reason ? `: ${t.reason}` : ""})${t.significant ? " *" : ""}`;
}

/**
 * A dry run's compute in words, from its TrainingEstimate (sweep-runs.ts): `at most about 2 min of training` for trials
 * queued again (one that resumes from a checkpoint takes less), `about 2 min` for new ones. Where some are of
 * configurations none of whose trials succeeded, it is a guess and says so: those are timed at the sweep's mean, and
 * the large configurations are the ones that time out (a retry of 400-epoch trials read "at most about 3 s" from
 * 1-epoch ones, and took minutes). A retried trial whose failed attempt ran longer than that is timed at its run, which
 * it takes at least (so no "at most"), and said.
 */
export function computeText(
  estimate: { estimatedSeconds: number | null; unmeasuredTrials?: number; timedByFailedAttempt?: number },
  of: string,
  queuedAgain: boolean,
): string {
  if (estimate.estimatedSeconds === null) return `unknown ${of} (no trial has succeeded yet)`;
  const about = `about ${duration(estimate.estimatedSeconds)} of ${of}`;
  const guessed = estimate.unmeasuredTrials ?? 0;
  const floored = estimate.timedByFailedAttempt ?? 0;
  // a failed attempt's run is what that trial took at least, not at most
  const failedRun =
    floored > 0
      ? `; ${floored === 1 ? "1 trial is" : `${floored} trials are each`} timed at least as long as its failed attempt ran`
      : "";
  if (guessed === 0) return `${queuedAgain && floored === 0 ? `at most ${about}` : about}${failedRun}`;
  return `${about}, a guess: ${guessed === 1 ? "1 trial is" : `${guessed} trials are`} of configurations none of whose trials succeeded, timed at the sweep's mean (large ones take far longer)${failedRun}`;
}

/**
 * What a retry trains, as its dry run and the dashboard's dialog say it: `at most about 2 min of training if they
 * train to the end`. Undefined where every trial it queues again was refused (CONFIG_INVALID): each fails again at
 * once and trains for no time, which read "at most about 0 s of training".
 */
export function retryTrainingText(
  estimate: Parameters<typeof computeText>[0],
  n: number,
  refusedTrials: number,
  of: string,
): string | undefined {
  if (refusedTrials === n) return undefined;
  return `${computeText(estimate, of, true)} if ${n === 1 ? "it trains" : "they train"} to the end`;
}

/**
 * A share of resamples as a whole percentage that never rounds to certainty: 0.995 reads ">99%", not "100%", and
 * 0.004 "<1%", not "0%"; only 1 and 0 themselves read 100 and 0.
 */
export function resampleShare(p: number): string {
  if (p > 0.99 && p < 1) return ">99%";
  if (p > 0 && p < 0.01) return "<1%";
  return `${fixed(100 * p, 0)}%`;
}

/**
 * How sure the best by mean is, as every surface says it: `best outright in 56% of seed resamples`, or why there is
 * no share (no two seeds every configuration ran: NaN here, null once it has crossed JSON).
 */
export function bestInResamples(probabilityBest: number | null): string {
  return probabilityBest !== null && Number.isFinite(probabilityBest)
    ? `best outright in ${resampleShare(probabilityBest)} of seed resamples`
    : "no share of seed resamples (fewer than two seeds common to the configurations with two or more)";
}

/** Configurations a comparison has no result for, each with why: `a (3 failed), b (2 not run yet)`. */
export function withoutResultsText(
  rows: readonly { config: string; failed: number; open: number; cancelled: number }[],
): string {
  return rows
    .map((r) => {
      const why = [
        r.failed > 0 ? `${r.failed} failed` : "",
        r.open > 0 ? `${r.open} not finished yet` : "",
        r.cancelled > 0 ? `${r.cancelled} cancelled` : "",
      ].filter(Boolean);
      return `${r.config} (${why.join(", ") || "no trial reports it"})`;
    })
    .join("; ");
}

const DECISIONS: Record<SequentialDecision, string> = {
  better: "better",
  worse: "worse",
  // stopped for futility or at `max` seeds: no evidence the two are equal, as "no difference" would read
  "no difference": "not shown to differ",
  continue: "undecided",
};

/**
 * A sequential design's decision in words, in `sweep status`, on the sweep page and in the controller's log; the
 * report takes its "not shown to differ" (and says better or worse from the baseline's side, as its tables do).
 */
export function decisionText(decision: SequentialDecision): string {
  return DECISIONS[decision];
}

/**
 * What adding seeds says of the new trials left to fail at load (the API's `failingTrials`): their configuration's
 * data split is short of rows at every seed its stored trials ran, or its class order is no permutation of the classes
 * (splitFailsAtLoad), so its new ones fail as those did.
 */
export function failingTrialsText(n: number): string {
  return `${n} of these trials will fail at load, as ${n === 1 ? "its configuration's" : "their configurations'"} stored trials did: the data split cannot be drawn — a class asked for more rows than the data set has, or a class order that is not a permutation of the classes (a sweep stored before launches checked these; a short split may also be a TPE proposal)`;
}

/**
 * What a retry says of the failed trials whose configuration the model refused (the API's `refusedTrials`: stored
 * with CONFIG_INVALID, an explicit γ a TPE proposal cannot train, say): queued again, they fail the same way.
 */
export function refusedTrialsText(n: number, of: number): string {
  const them = n === of ? (n === 1 ? "it" : "they") : `${n} of them`;
  return `${them} failed because the model refused ${n === 1 ? "its configuration" : "their configurations"} (CONFIG_INVALID), and ${n === 1 ? "fails" : "fail"} the same way again unless the code that refused ${n === 1 ? "it" : "them"} changed`;
}

/**
 * Why a top-up to a power refuses `only: all` (`--only all`): the power analysis sizes the open comparisons alone, so
 * seeds for every configuration would be a number nobody asked for. Said by the API and by the CLI's own check.
 */
export const ONLY_ALL_TO_POWER =
  "a power to reach tops up only the undecided comparisons and their baseline: leave it out, or give seeds for every configuration";

/** Said with a top-up of a sequential sweep whose open comparisons came from its design's decisions. */
export const OPEN_BY_DESIGN_TEXT =
  "a comparison no top-up has added seeds to is open where its sequential design did not decide it better or worse (after the design's data-dependent stopping, fixed-n verdicts are optimistic)";

/**
 * What a capped top-up leaves undone, for its dry run and its confirmation dialog: empty when it reaches the power.
 * `needed` may have crossed JSON as null (Infinity), or be absent from a dashboard older than it; `further` says how
 * to go past the cap where the caller can.
 */
export function cappedTopUpText(
  target: { seeds: number; power: number; capped: boolean; needed?: number | null },
  further: string,
): string {
  if (!target.capped) return "";
  const needs =
    target.needed === undefined
      ? "needs more seeds"
      : target.needed !== null && Number.isFinite(target.needed)
        ? `needs ${target.needed} seeds`
        : "needs more than 10,000 seeds (or there is no effect to power)";
  return `capped at ${target.seeds} seeds: ${fixed(100 * target.power, 0)}% power ${needs} for the weakest comparison, which stays underpowered (${further})`;
}

/** The training a sweep's checkpoints saved, as `sweep status` and the sweep page say it (docs/sweeps.md). */
export function checkpointSavingsText(savings: { resumedTrials: number; savedSeconds: number }): string {
  const n = savings.resumedTrials;
  return `checkpoints: ${n} interrupted trial${n === 1 ? "" : "s"} (retried or handed back) resumed from a checkpoint, saving ${duration(savings.savedSeconds)} of training`;
}
