// Pareto fronts of a sweep's configurations over two or more objectives (issue #23, multi-objective part): which
// configurations no other beats on every objective at once, by their seed means, and which of the "beats" behind
// that the seeds actually support — paired two-sided t-tests on matched seeds, Holm-corrected across every claim, each
// read in the direction its mean difference shows (Shaffer 1980).
// docs/statistics.md, "Pareto fronts across seeds" (equations P1–P3), says what is tested and what is not.
import { InputError, metricDirection, OBJECTIVES_LIMITS } from "@tailsweep/schemas";
import { adjustPValues, type Correction, comparePaired, type Summary, summarize } from "@tailsweep/stats";
import { configurationsOf, finishedValues, METRIC_CHOICES } from "./configurations";
import { selectionRuns } from "./confirmation";
import { posthocRevisionSet } from "./posthoc";
import type { SweepRuns } from "./sweep-runs";

/** One objective of a front: a metric and which way is better. */
export interface ParetoObjective {
  metric: string;
  direction: "maximize" | "minimize";
}

/** One run's value of one objective's metric. */
export interface ParetoObservation {
  config: string;
  seed: number;
  metric: string;
  value: number;
}

/** Settings of {@link paretoFront}. */
export interface ParetoOptions {
  /** Significance level after correction (default 0.05). */
  alpha?: number;
  /** Correction across every test behind every claim (default Holm, as the comparison table). */
  correction?: Correction;
  /** Confidence of each mean's Student-t interval (default 0.95). */
  confidence?: number;
}

/** One configuration's numbers on one objective. */
export interface ParetoEstimate {
  metric: string;
  /** Seed mean with its Student-t interval (the comparison table's summary); the interval is NaN below 2 seeds. */
  summary: Summary;
  seeds: number[];
}

/**
 * One configuration of a front: its estimate per objective (in the objectives' order) and where it stands.
 * `front`: no other configuration dominates it by means (P1). `dominated`: one that does is significantly better on
 * at least one objective (a backed claim, P3). `not separable`: dominated by means only — the seeds cannot tell it
 * from the front, so it may belong there.
 */
export interface ParetoConfiguration {
  config: string;
  estimates: ParetoEstimate[];
  status: "front" | "dominated" | "not separable";
  /** The configurations that dominate it by means (P1), by label. */
  dominatedBy: string[];
}

/** One objective of a dominance claim: the dominant configuration's lead on it, and its test (P2). */
export interface ClaimTest {
  metric: string;
  direction: ParetoObjective["direction"];
  /**
   * `better`: the dominant configuration's seed mean is better, so the lead is tested; `tie`: the means are equal
   * (to 1e-12 of their magnitude), nothing to test — "not worse" rests on the means.
   */
  lead: "better" | "tie";
  /** Difference of the seed means, dominant − dominated, in the metric's units. */
  meanDiff: number;
  /** The seeds both ran with this metric: the pairs of the test. */
  seeds: number[];
  /** Mean of the paired differences (dominant − dominated) on those seeds; NaN below one pair. */
  pairedDiff: number;
  /**
   * Two-sided paired t-test p of "no difference" on the matched seeds (P2); NaN when there is no test. Two-sided
   * because which way a lead points was read from these same seeds: a one-sided test in the observed direction is a
   * two-sided test at 2α.
   */
  p: number;
  /** p after the correction across every claim's tests (P3); NaN when there is no test. */
  pAdjusted: number;
  /**
   * Whether the dominant configuration is significantly better: pAdjusted ≤ α and the paired differences point its
   * way (P3). Significant the other way is not a lead, and so not significant here.
   */
  significant: boolean;
  /** Why there is no test: a tie, fewer than 2 matched seeds, or every pair giving the same difference. */
  reason?: string;
}

/** A front member that dominates another configuration by means (P1), and what the seeds say about it (P3). */
export interface DominanceClaim {
  dominant: string;
  dominated: string;
  /** One per objective, in the objectives' order. */
  tests: ClaimTest[];
  /** Whether the seeds back it: significantly better on at least one objective after the correction. */
  backed: boolean;
}

/** {@link paretoFront}'s answer. */
export interface ParetoFront {
  objectives: ParetoObjective[];
  alpha: number;
  correction: Correction;
  confidence: number;
  /** Every configuration with a value for every objective, in label order. */
  configurations: ParetoConfiguration[];
  /** The non-dominated configurations by means, ordered by the first objective, best first (the front's steps). */
  front: string[];
  /** Each front member against each configuration it dominates by means, front order then label order. */
  claims: DominanceClaim[];
  /** Configurations without a value for some objective, left out, and why. */
  excluded: { config: string; reason: string }[];
  /** How many tests the correction ran across (the claims' tests that had a p-value). */
  tests: number;
}

/** Relative size below which two seed means count as equal: the last bits of a sum, not a difference (as noSpread). */
const TIE = 1e-12;

/** Whether two means are equal up to rounding. */
function tied(a: number, b: number): boolean {
  return Math.abs(a - b) <= TIE * Math.max(Math.abs(a), Math.abs(b));
}

/**
 * Whether `a` dominates `b` by means (docs/statistics.md eq. P1): not worse on any objective, better on at least one,
 * each mean turned by its objective's sign (+1 to maximise, −1 to minimise); equal up to rounding counts as a tie.
 */
export function dominatesByMeans(
  a: readonly number[],
  b: readonly number[],
  objectives: readonly ParetoObjective[],
): boolean {
  let better = false;
  for (const [k, o] of objectives.entries()) {
    const sign = o.direction === "maximize" ? 1 : -1;
    if (tied(a[k]!, b[k]!)) continue;
    if (sign * (a[k]! - b[k]!) < 0) return false;
    better = true;
  }
  return better;
}

/**
 * Whether a test's correction-adjusted two-sided p backs a lead in the direction `sign` (docs/statistics.md eq. P3):
 * significant at α, and the paired t statistic on that side — the directional reading of a two-sided test, which
 * keeps the chance of any wrong-way claim within α under Holm (Shaffer 1980, Ann. Statist. 8(6):1342–1347).
 */
export function backsLead(pAdjusted: number, statistic: number, sign: 1 | -1, alpha: number): boolean {
  // ≤, as the comparison table: Holm (1979) and Benjamini–Hochberg (1995) reject at an adjusted p of exactly α
  return pAdjusted <= alpha && sign * statistic > 0;
}

/** Each configuration's value per objective (by metric) and seed; a bad or repeated value is an InputError. */
function valuesOf(
  observations: readonly ParetoObservation[],
  metrics: ReadonlySet<string>,
): Map<string, Map<string, Map<number, number>>> {
  const out = new Map<string, Map<string, Map<number, number>>>();
  observations.forEach((o, i) => {
    if (!metrics.has(o.metric)) return;
    if (!Number.isFinite(o.seed) || !Number.isFinite(o.value))
      throw new InputError(
        `observations[${i}]`,
        `configuration '${o.config}', ${o.metric}, seed ${o.seed}: ${o.value} is not a finite number (leave a run without a value out)`,
      );
    const byMetric = out.get(o.config) ?? new Map<string, Map<number, number>>();
    const bySeed = byMetric.get(o.metric) ?? new Map<number, number>();
    const earlier = bySeed.get(o.seed);
    if (earlier !== undefined)
      throw new InputError(
        `observations[${i}]`,
        `configuration '${o.config}' has ${o.metric} on seed ${o.seed} twice (${earlier} and ${o.value}): one value per configuration, metric and seed`,
      );
    bySeed.set(o.seed, o.value);
    byMetric.set(o.metric, bySeed);
    out.set(o.config, byMetric);
  });
  return out;
}

/**
 * The Pareto front of configurations over `objectives` (at least two, distinct metrics), from their per-seed values:
 * each configuration's seed mean per objective with its Student-t interval, the front by means (P1), and for each
 * front member against each configuration it dominates by means, a paired two-sided t-test per objective on which its
 * mean is better, on the seeds both ran (P2), corrected across every claim's tests (P3). A claim is backed when at
 * least one of its tests is significant with the paired differences on the lead's side; "not worse" on the other objectives rests on the means (no test shows it).
 *
 * Bad input is an InputError: fewer than two objectives, a metric twice, a value or seed that is not finite, the same
 * (configuration, metric, seed) twice, or α or the confidence outside (0, 1).
 */
export function paretoFront(
  observations: readonly ParetoObservation[],
  objectives: readonly ParetoObjective[],
  options: ParetoOptions = {},
): ParetoFront {
  const { alpha = 0.05, correction = "holm", confidence = 0.95 } = options;
  if (objectives.length < 2)
    throw new InputError("objectives", `a front needs at least 2 objectives, got ${objectives.length}`);
  const metrics = objectives.map((o) => o.metric);
  const repeated = metrics.filter((m, i) => metrics.indexOf(m) !== i);
  if (repeated.length > 0)
    throw new InputError("objectives", `each metric once: ${[...new Set(repeated)].join(", ")} repeated`);
  for (const [name, level] of [
    ["alpha", alpha],
    ["confidence", confidence],
  ] as const)
    if (!(level > 0 && level < 1)) throw new InputError(name, `must be in (0, 1), got ${level}`);
  const byConfig = valuesOf(observations, new Set(metrics));
  const labels = [...byConfig.keys()].sort();
  const excluded: ParetoFront["excluded"] = [];
  const estimates = new Map<string, ParetoEstimate[]>();
  for (const config of labels) {
    const byMetric = byConfig.get(config)!;
    const missing = metrics.filter((m) => !byMetric.has(m));
    if (missing.length > 0) {
      excluded.push({ config, reason: `no finished seed reports ${missing.join(", ")}` });
      continue;
    }
    estimates.set(
      config,
      metrics.map((metric) => {
        const bySeed = byMetric.get(metric)!;
        const seeds = [...bySeed.keys()].sort((a, b) => a - b);
        return {
          metric,
          summary: summarize(
            seeds.map((s) => bySeed.get(s)!),
            confidence,
          ),
          seeds,
        };
      }),
    );
  }
  const placed = [...estimates.keys()];
  const meansOf = (config: string) => estimates.get(config)!.map((e) => e.summary.mean);
  const dominatedBy = new Map(
    placed.map((c) => [
      c,
      placed.filter((d) => d !== c && dominatesByMeans(meansOf(d), meansOf(c), objectives)),
    ]),
  );
  // the front's steps: best on the first objective first, then by the second and on (a tie on every mean: label)
  const front = placed
    .filter((c) => dominatedBy.get(c)!.length === 0)
    .sort((a, b) => {
      const [ma, mb] = [meansOf(a), meansOf(b)];
      for (const [k, o] of objectives.entries()) {
        if (tied(ma[k]!, mb[k]!)) continue;
        return (o.direction === "maximize" ? 1 : -1) * (mb[k]! - ma[k]!);
      }
      return a < b ? -1 : 1;
    });
  const claims: DominanceClaim[] = front.flatMap((dominant) =>
    placed
      .filter((c) => dominatedBy.get(c)!.includes(dominant))
      .map((dominated) => ({
        dominant,
        dominated,
        tests: objectives.map((o, k) =>
          claimTest(byConfig, dominant, dominated, o, [meansOf(dominant)[k]!, meansOf(dominated)[k]!]),
        ),
        backed: false,
      })),
  );
  const tested = claims.flatMap((c) => c.tests.filter((t) => !Number.isNaN(t.p)));
  const adjusted = adjustPValues(
    tested.map((t) => t.p),
    correction,
  );
  tested.forEach((t, i) => {
    t.pAdjusted = adjusted[i]!;
    t.significant = backsLead(t.pAdjusted, t.pairedDiff, t.direction === "maximize" ? 1 : -1, alpha);
  });
  for (const claim of claims) claim.backed = claim.tests.some((t) => t.significant);
  const configurations: ParetoConfiguration[] = placed.map((config) => {
    const by = dominatedBy.get(config)!;
    const backed = claims.some((c) => c.dominated === config && c.backed);
    return {
      config,
      estimates: estimates.get(config)!,
      status: by.length === 0 ? "front" : backed ? "dominated" : "not separable",
      dominatedBy: by,
    };
  });
  return {
    objectives: objectives.map((o) => ({ metric: o.metric, direction: o.direction })),
    alpha,
    correction,
    confidence,
    configurations,
    front,
    claims,
    excluded,
    tests: tested.length,
  };
}

/** The test of one objective of a claim (P2): a tie is not tested; a lead is, on the seeds both ran. */
function claimTest(
  byConfig: ReadonlyMap<string, ReadonlyMap<string, ReadonlyMap<number, number>>>,
  dominant: string,
  dominated: string,
  objective: ParetoObjective,
  means: [dominant: number, dominated: number],
): ClaimTest {
  const a = byConfig.get(dominant)!.get(objective.metric)!;
  const b = byConfig.get(dominated)!.get(objective.metric)!;
  const seeds = [...a.keys()].filter((s) => b.has(s)).sort((x, y) => x - y);
  const diffs = seeds.map((s) => a.get(s)! - b.get(s)!);
  const base = {
    metric: objective.metric,
    direction: objective.direction,
    meanDiff: means[0] - means[1],
    seeds,
    pairedDiff: diffs.length > 0 ? diffs.reduce((x, y) => x + y, 0) / diffs.length : Number.NaN,
    p: Number.NaN,
    pAdjusted: Number.NaN,
    significant: false,
  };
  if (tied(...means)) return { ...base, lead: "tie", reason: "equal means: not worse, by the means alone" };
  if (seeds.length < 2)
    return {
      ...base,
      lead: "better",
      reason: `${seeds.length} seed${seeds.length === 1 ? "" : "s"} run by both: a paired test needs 2`,
    };
  const c = comparePaired(
    seeds.map((s) => a.get(s)!),
    seeds.map((s) => b.get(s)!),
    { resamples: 0, confidence: 0.95 },
  );
  // a constant difference has no spread to test against: no p-value, left out of the correction (as in compare)
  if (c.degenerate) return { ...base, lead: "better", reason: c.degenerate };
  // two-sided: the lead's direction came from the data, so the test may not also pick its side (P2)
  return { ...base, lead: "better", p: c.t.p };
}

/** Settings of {@link sweepPareto}: the objectives as asked (a direction left out is the metric's own). */
export interface SweepParetoOptions extends Omit<ParetoOptions, "confidence"> {
  objectives: readonly { metric: string; direction?: ParetoObjective["direction"] | undefined }[];
}

/** {@link paretoFront} of a sweep, with each claim marked where its pairs use seeds added after looking. */
export type SweepPareto = Omit<ParetoFront, "configurations" | "claims"> & {
  sweepId: string;
  configurations: (ParetoConfiguration & { configKey: string })[];
  claims: (DominanceClaim & { posthocRevisions: number[] })[];
  /** What the numbers do not say: post-hoc seeds, a sequential design's seeds. */
  notes: string[];
};

/**
 * The direction of an objective as asked: the metric's own where it has one (`pseudoClassShift`: lower is better),
 * else the sweep's for its objective metric, else higher is better. A direction that contradicts the metric's own is
 * a problem, not a silent override.
 */
export function directionOf(
  asked: SweepParetoOptions["objectives"][number],
  objective?: { metric: string; direction: ParetoObjective["direction"] },
): { direction: ParetoObjective["direction"] } | { problem: string } {
  const own = metricDirection(asked.metric);
  if (own && asked.direction && asked.direction !== own)
    return {
      problem: `${asked.metric} is ${own === "minimize" ? "lower" : "higher"}-is-better, not ${asked.direction === "maximize" ? "max" : "min"}`,
    };
  return {
    direction:
      asked.direction ?? own ?? (asked.metric === objective?.metric ? objective.direction : "maximize"),
  };
}

/**
 * Objectives as asked, checked once for every front (a sweep's, a report's): 2 to OBJECTIVES_LIMITS.max of them, each
 * metric once, each direction its metric's own ({@link directionOf}), each metric reported by some finished trial
 * (`reports`; `notReported` says where it was looked for). The problems are named together, each under the
 * objective as written (`pseudoClassShift:max`), for the caller's one InputError.
 */
export function checkedObjectives(
  asked: SweepParetoOptions["objectives"],
  objective: { metric: string; direction: ParetoObjective["direction"] } | undefined,
  reports: (metric: string) => boolean,
  notReported: (metric: string) => string,
): { objectives: ParetoObjective[]; problems: string[] } {
  const problems: string[] = [];
  if (asked.length < OBJECTIVES_LIMITS.min)
    problems.push(`a front needs at least ${OBJECTIVES_LIMITS.min} objectives, got ${asked.length}`);
  // the most a sweep's objectives may list: a front over more is a cloud, and every one adds tests to the correction
  if (asked.length > OBJECTIVES_LIMITS.max)
    problems.push(`at most ${OBJECTIVES_LIMITS.max} objectives, got ${asked.length}`);
  const objectives: ParetoObjective[] = [];
  for (const [i, o] of asked.entries()) {
    const name = `${o.metric}${o.direction ? `:${o.direction === "maximize" ? "max" : "min"}` : ""}`;
    if (asked.findIndex((other) => other.metric === o.metric) < i) {
      problems.push(`${name}: ${o.metric} is already an objective`);
      continue;
    }
    const direction = directionOf(o, objective);
    if ("problem" in direction) problems.push(`${name}: ${direction.problem}`);
    else objectives.push({ metric: o.metric, direction: direction.direction });
    if (!reports(o.metric)) problems.push(`${name}: ${notReported(o.metric)}`);
  }
  return { objectives, problems };
}

/**
 * The Pareto front of a sweep's configurations (the selection stage: a confirmation's fresh seeds are left out, as in
 * the comparison table). Every problem with the objectives — fewer than two, a metric twice, a direction against the
 * metric's own, a metric no finished trial reports — is one InputError at `objectives` naming each.
 */
export function sweepPareto(all: SweepRuns, options: SweepParetoOptions): SweepPareto {
  const runs = selectionRuns(all);
  const { sweep, trials, results } = runs;
  const configs = configurationsOf(trials);
  const values = new Map(
    options.objectives.map(({ metric }) => [metric, [...finishedValues(trials, results, metric)]]),
  );
  // before any trial has finished every metric is missing: said once, not as if each were a bad metric name
  const finished = trials.some((t) => t.state === "succeeded");
  const notYet = `no trial of sweep ${sweep.id} has finished yet, so there is nothing to draw`;
  // the metrics it could be are said with the first one missing, not again with each
  let choicesSaid = false;
  const notReported = (metric: string) => {
    if (!finished) return notYet;
    const choices = choicesSaid ? "" : ` (${METRIC_CHOICES})`;
    choicesSaid = true;
    return `no finished trial of sweep ${sweep.id} reports ${metric}${choices}`;
  };
  const { objectives, problems: checked } = checkedObjectives(
    options.objectives,
    sweep.spec.objective,
    (metric) => (values.get(metric)?.length ?? 0) > 0,
    notReported,
  );
  const observations: ParetoObservation[] = objectives.flatMap(({ metric }) =>
    values.get(metric)!.map(({ trial, value }) => ({
      config: configs.get(trial.configKey)!.label,
      seed: trial.seed,
      metric,
      value,
    })),
  );
  const problems = [
    ...checked.filter((p) => !p.endsWith(notYet)),
    ...(checked.some((p) => p.endsWith(notYet)) ? [notYet] : []),
  ];
  if (problems.length > 0) throw new InputError("objectives", problems.join("; "));
  const front = paretoFront(observations, objectives, options);
  const keyOf = new Map([...configs.values()].map((c) => [c.label, c.key]));
  const { claims, notes } = markedClaims(front, runs, (t) => configs.get(t.configKey)!.label);
  return {
    sweepId: sweep.id,
    ...front,
    configurations: front.configurations.map((c) => ({ ...c, configKey: keyOf.get(c.config)! })),
    claims,
    notes,
  };
}

/**
 * A front's claims, each with the post-hoc revisions whose seeds its tests pair (`posthocRevisions`), and the notes that
 * say what that and a sequential design do to the p-values. `trials`: those the front was drawn from, `labelOf` the
 * configuration each stands for in the front (a trial's seed and label name one pair member).
 */
export function markedClaims(
  front: Pick<ParetoFront, "claims">,
  runs: Pick<SweepRuns, "sweep" | "trials" | "revisions">,
  labelOf: (trial: SweepRuns["trials"][number]) => string,
): { claims: (DominanceClaim & { posthocRevisions: number[] })[]; notes: string[] } {
  const posthoc = posthocRevisionSet(runs.revisions);
  const addedBy = new Map(
    runs.trials.filter((t) => posthoc.has(t.revision)).map((t) => [`${labelOf(t)}#${t.seed}`, t.revision]),
  );
  const claims = front.claims.map((claim) => {
    const revisions = new Set<number>();
    for (const test of claim.tests)
      if (!Number.isNaN(test.p))
        for (const seed of test.seeds)
          for (const label of [claim.dominant, claim.dominated]) {
            const revision = addedBy.get(`${label}#${seed}`);
            if (revision !== undefined) revisions.add(revision);
          }
    return { ...claim, posthocRevisions: [...revisions].sort((a, b) => a - b) };
  });
  const marked = claims.filter((c) => c.posthocRevisions.length > 0).length;
  const notes = [
    ...(marked > 0
      ? [
          `${marked} claim${marked === 1 ? " pairs" : "s pair"} seeds added after looking at the results (post-hoc top-up): ${marked === 1 ? "its" : "their"} p-values are optimistic (optional stopping); confirm on fresh seeds`,
        ]
      : []),
    ...(runs.sweep.spec.sequential
      ? [
          "this sweep ran a sequential design: which configurations got more seeds depended on interim results, so these fixed-n p-values are optimistic",
        ]
      : []),
  ];
  return { claims, notes };
}
