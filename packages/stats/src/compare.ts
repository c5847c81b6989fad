import { randomStream } from "@tailsweep/random";
import { InputError } from "@tailsweep/schemas";
import { LRUCache } from "lru-cache";
import { adjustPValues, type Correction } from "./multiple";
import {
  type ComparisonOptions,
  comparePaired,
  compareUnpaired,
  type PairedComparison,
  type UnpairedComparison,
} from "./paired";
import { seedsNeeded } from "./power";
import { type Summary, summarize } from "./summary";
import { requireInteger, requireProbability } from "./validate";

/** One run's value of the metric being compared. */
export interface Observation {
  /** The configuration (e.g. `model.nu=5 variant=proposed`): what is being compared. */
  config: string;
  seed: number;
  value: number;
}

/** Settings of {@link compareConfigurations}. */
export interface CompareOptions extends ComparisonOptions {
  /** The configuration every other one is compared with. */
  baseline: string;
  direction: "maximize" | "minimize";
  /** Correction across the comparisons with the baseline (default Holm). */
  correction?: Correction;
  /** Significance level after correction (default 0.05). */
  alpha?: number;
  /** Power the seed estimate aims for (default 0.8). */
  power?: number;
}

/**
 * What the comparison concludes: better/worse than the baseline (corrected p at most alpha), inconclusive (not
 * significant; `seedsNeeded` says how many matched seeds would detect the observed effect), degenerate (every seed
 * gives the same difference, or neither side varies: nothing to test against, which is not certainty), or too few
 * seeds to test. The last two come with a `reason`.
 */
export type Verdict = "better" | "worse" | "inconclusive" | "degenerate" | "too few seeds";

/** One configuration's row of the comparison table. */
export interface ComparisonRow {
  config: string;
  summary: Summary;
  seeds: number[];
  /** Absent for the baseline itself. */
  vsBaseline?: {
    comparison: PairedComparison | UnpairedComparison | null;
    /** The test's p-value before and after correction (the paired t-test, or Welch when seeds do not match). */
    p: number;
    pAdjusted: number;
    /**
     * Matched seeds needed for `power` (80 %) at the observed effect and at the level α/m the correction leaves one
     * of the m comparisons with the baseline whatever the others do (paired comparisons only; NaN otherwise).
     */
    seedsNeeded: number;
    verdict: Verdict;
    /** Why there is no test, for the verdicts `degenerate` and `too few seeds`. */
    reason?: string;
  };
}

/** The comparison table: every configuration against the baseline, and which configuration is best. */
export interface ComparisonTable {
  baseline: string;
  direction: "maximize" | "minimize";
  correction: Correction;
  alpha: number;
  rows: ComparisonRow[];
  best: {
    config: string;
    /**
     * Whether it beats every other configuration, each tested against it (corrected p ≤ α) with the difference its
     * way. False when any was not tested (`untested`) or there is no other: a claim over zero tests would be vacuous.
     */
    beatsAllOthers: boolean;
    /**
     * Configurations significantly ahead of it (corrected p ≤ α, the difference their way) on the seeds both ran. It
     * is best by its mean over all its seeds; where the others ran fewer, the seeds they share can say the opposite.
     */
    beatenBy: string[];
    /** The other configurations it could not be tested against, and why (too few seeds, no spread). */
    untested: { config: string; reason: string }[];
    /** How many other configurations it was tested against. */
    compared: number;
    /**
     * The other configurations whose mean is exactly its own: it is first among them by label only, so no mean makes
     * it best (and no resample does: a tie counts for nobody).
     */
    tiedWith: string[];
    /**
     * Share of seed resamples in which it stays best: the seeds every configuration with ≥ 2 seeds ran, resampled
     * together. NaN when fewer than two seeds are common to them all (configurations on different seeds: no matched
     * resample).
     */
    probabilityBest: number;
  } | null;
}

/**
 * Compares every configuration with a baseline across seeds: paired on the seeds both ran (t-test, Wilcoxon,
 * bootstrap interval, d_z), Welch when fewer than two seeds match, p-values corrected across configurations, a
 * verdict per row, and the best configuration with how sure that is.
 *
 * Bad input is an InputError, never a partly-NaN table: a value or seed that is not a finite number (naming its
 * configuration and seed: leave a run without a value out instead), the same configuration and seed twice, a
 * baseline without results, or an `alpha`, `power` or `confidence` outside (0, 1).
 */
export function compareConfigurations(
  observations: readonly Observation[],
  options: CompareOptions,
): ComparisonTable {
  const { baseline, direction, correction = "holm", alpha = 0.05, power = 0.8 } = options;
  requireProbability("alpha", alpha);
  requireProbability("power", power);
  requireProbability("confidence", options.confidence ?? 0.95);
  if (options.resamples !== undefined) requireInteger("resamples", options.resamples, 0);
  if (correction !== "holm" && correction !== "bh")
    throw new InputError("correction", `must be holm or bh, got ${correction}`);
  if (direction !== "maximize" && direction !== "minimize")
    throw new InputError("direction", `must be maximize or minimize, got ${direction}`);
  const byConfig = groupBySeed(observations);
  const base = byConfig.get(baseline);
  if (!base)
    throw new InputError(
      "baseline",
      `no results for '${baseline}'; configurations: ${[...byConfig.keys()].join(", ")}`,
    );
  const sign = direction === "maximize" ? 1 : -1;
  const configs = [...byConfig.keys()].sort();
  // The seeds-needed hint aims at the level the correction will hold a row to. With m comparisons, α/m is what one
  // of them must reach whatever the others' p-values: Holm's first step (and Bonferroni's level), and what
  // Benjamini–Hochberg asks of a single discovery. At α it promised too few seeds: a row "needing 12" was still
  // inconclusive at 12 once corrected.
  const hintAlpha = alpha / Math.max(1, configs.length - 1);
  const rows: ComparisonRow[] = configs.map((config) => {
    const values = byConfig.get(config)!;
    const seeds = [...values.keys()].sort((x, y) => x - y);
    const row: ComparisonRow = {
      config,
      summary: summarize(
        seeds.map((s) => values.get(s)!),
        options.confidence,
      ),
      seeds,
    };
    if (config === baseline) return row;
    const matched = seeds.filter((s) => base.has(s));
    let comparison: PairedComparison | UnpairedComparison | null = null;
    if (matched.length >= 2)
      comparison = comparePaired(
        matched.map((s) => values.get(s)!),
        matched.map((s) => base.get(s)!),
        options,
      );
    else if (values.size >= 2 && base.size >= 2)
      comparison = compareUnpaired([...values.values()], [...base.values()], options);
    // a degenerate comparison has no p-value (NaN): it is no test, so it is not in the correction's family either
    row.vsBaseline = {
      comparison,
      p: comparison?.t.p ?? Number.NaN,
      pAdjusted: Number.NaN,
      seedsNeeded:
        comparison?.method === "paired" && !comparison.degenerate
          ? seedsNeeded(comparison.dz, { alpha: hintAlpha, power })
          : Number.NaN,
      verdict: comparison ? "inconclusive" : "too few seeds",
    };
    if (!comparison)
      row.vsBaseline.reason =
        `${matched.length} seed${matched.length === 1 ? "" : "s"} shared with the baseline, and ` +
        `${values.size} run${values.size === 1 ? "" : "s"} here against its ${base.size}: a test needs 2 shared ` +
        "seeds, or 2 runs on each side";
    else if (comparison.degenerate) {
      row.vsBaseline.verdict = "degenerate";
      row.vsBaseline.reason = comparison.degenerate;
    }
    return row;
  });
  const compared = rows.filter((r) => r.vsBaseline);
  const adjusted = adjustPValues(
    compared.map((r) => r.vsBaseline!.p),
    correction,
  );
  compared.forEach((r, i) => {
    const v = r.vsBaseline!;
    v.pAdjusted = adjusted[i]!;
    if (!v.comparison || v.comparison.degenerate) return;
    // reject when the adjusted p is at most α: Holm's (1979) and Benjamini–Hochberg's (1995) rules are ≤, and so is
    // a p-value test's (reject at level α iff p ≤ α)
    if (v.pAdjusted <= alpha) v.verdict = sign * v.comparison.meanDiff > 0 ? "better" : "worse";
    else v.verdict = "inconclusive";
  });
  return {
    baseline,
    direction,
    correction,
    alpha,
    rows,
    best: findBest(byConfig, sign, correction, alpha, options),
  };
}

/** Each configuration's value per seed; a value or seed that is not finite, or a seed given twice, is an InputError. */
function groupBySeed(observations: readonly Observation[]): Map<string, Map<number, number>> {
  const byConfig = new Map<string, Map<number, number>>();
  observations.forEach((o, i) => {
    if (!Number.isFinite(o.seed))
      throw new InputError(
        `observations[${i}].seed`,
        `configuration '${o.config}': seed ${o.seed} is not a finite number`,
      );
    if (!Number.isFinite(o.value))
      throw new InputError(
        `observations[${i}].value`,
        `configuration '${o.config}', seed ${o.seed}: ${o.value} is not a finite number (leave a run without a value out)`,
      );
    const seeds = byConfig.get(o.config) ?? new Map<number, number>();
    const earlier = seeds.get(o.seed);
    if (earlier !== undefined)
      throw new InputError(
        `observations[${i}]`,
        `configuration '${o.config}' has seed ${o.seed} twice (${earlier} and ${o.value}): one value per configuration and seed`,
      );
    seeds.set(o.seed, o.value);
    byConfig.set(o.config, seeds);
  });
  return byConfig;
}

function findBest(
  byConfig: Map<string, Map<number, number>>,
  sign: number,
  correction: Correction,
  alpha: number,
  options: ComparisonOptions,
): ComparisonTable["best"] {
  const eligible = [...byConfig].filter(([, v]) => v.size >= 2);
  if (eligible.length === 0) return null;
  const meanOf = (v: Map<number, number>) => [...v.values()].reduce((a, b) => a + b, 0) / v.size;
  eligible.sort((x, y) => sign * (meanOf(y[1]) - meanOf(x[1])) || x[0].localeCompare(y[0]));
  const [bestConfig, bestValues] = eligible[0]!;
  // Every other configuration must have been tested and beaten: with none tested, "beats all" would be vacuous.
  const untested: { config: string; reason: string }[] = [...byConfig]
    .filter(([config, v]) => config !== bestConfig && v.size < 2)
    .map(([config, v]) => ({ config, reason: `${v.size} seed${v.size === 1 ? "" : "s"}: too few to test` }));
  const tests = eligible.slice(1).map(([config, other]) => {
    const matched = [...bestValues.keys()].filter((s) => other.has(s));
    const c =
      matched.length >= 2
        ? comparePaired(
            matched.map((s) => bestValues.get(s)!),
            matched.map((s) => other.get(s)!),
            { ...options, resamples: 0 }, // only the p-value is needed here
          )
        : compareUnpaired([...bestValues.values()], [...other.values()], options);
    if (c.degenerate) untested.push({ config, reason: c.degenerate });
    // meanDiff is best − other: its way when it has the objective's sign
    return { config, p: c.t.p, ahead: sign * c.meanDiff > 0 };
  });
  const adjusted = adjustPValues(
    tests.map((t) => t.p),
    correction,
  );
  const significant = tests.filter((_, i) => adjusted[i]! <= alpha);
  return {
    config: bestConfig,
    beatsAllOthers:
      byConfig.size > 1 &&
      untested.length === 0 &&
      significant.length === tests.length &&
      tests.every((t) => t.ahead),
    beatenBy: significant.filter((t) => !t.ahead).map((t) => t.config),
    untested,
    compared: tests.length - untested.filter((u) => eligible.some(([c]) => c === u.config)).length,
    tiedWith: eligible.slice(1).flatMap(([config, v]) => (meanOf(v) === meanOf(bestValues) ? [config] : [])),
    probabilityBest: probabilityBest(eligible, bestConfig, sign, options),
  };
}

/**
 * Resamples the seeds every candidate ran, with replacement (the same draw for every configuration), and counts how
 * often `best` wins outright (a tie for first counts as no win); NaN with fewer than two such seeds.
 */
function probabilityBest(
  eligible: [string, Map<number, number>][],
  best: string,
  sign: number,
  options: ComparisonOptions,
): number {
  const resamples = Math.min(options.resamples ?? 10_000, 2_000);
  const seed = options.seed ?? 1;
  // The whole input: the candidates in their order (a tie goes to the first), their seeds' values, the draws.
  const key = JSON.stringify([best, sign, resamples, seed, eligible.map(([c, v]) => [c, [...v]])]);
  return recentProbabilities.memo(key, { context: { eligible, best, sign, resamples, seed } });
}

/**
 * The last answers of {@link probabilityBest}, by its whole input; bounded by its keys' length (≈ 16 MB of text: a
 * key holds every configuration's seed values, and a sweep watched live makes a new one with every result).
 */
const recentProbabilities = new LRUCache<
  string,
  number,
  { eligible: [string, Map<number, number>][]; best: string; sign: number; resamples: number; seed: number }
>({
  maxSize: 8_000_000,
  sizeCalculation: (_probability, key) => key.length,
  memoMethod: (_key, _stale, { context: c }) =>
    resampledProbabilityBest(c.eligible, c.best, c.sign, c.resamples, c.seed),
});

function resampledProbabilityBest(
  eligible: [string, Map<number, number>][],
  best: string,
  sign: number,
  resamples: number,
  seed: number,
): number {
  // Only the seeds every candidate ran: averaged over its own seeds, a configuration stopped early (or with failed
  // trials) would never be charged for the hard seeds the others ran, and would stay "best" in most resamples.
  const common = [...eligible[0]![1].keys()]
    .filter((s) => eligible.every(([, v]) => v.has(s)))
    .sort((x, y) => x - y);
  if (common.length < 2) return Number.NaN;
  const draws = randomStream(seed, "probability-best");
  let wins = 0;
  for (let r = 0; r < resamples; r++) {
    const draw = common.map(() => common[draws.int(common.length)]!);
    let winner = "";
    let winnerScore = Number.NEGATIVE_INFINITY;
    for (const [config, values] of eligible) {
      let sum = 0;
      for (const s of draw) sum += values.get(s)!;
      const score = (sign * sum) / draw.length;
      if (score > winnerScore) {
        winnerScore = score;
        winner = config;
      } else if (score === winnerScore) winner = ""; // a tie has no winner
    }
    if (winner === best) wins++;
  }
  return wins / resamples;
}
