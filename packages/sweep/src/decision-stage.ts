/**
 * A TPE search with a sequential design (docs/sweeps.md, "TPE with a sequential design"): the search proposes its
 * `budget` configurations on seeds 1..initial; when they are all in, the decision stage takes the `decide.top` best
 * of them by their mean on those seeds, with the baseline, and runs them on fresh seeds (`sequential.seeds`) in the
 * design's looks. The family of comparisons is fixed when the stage starts, before its first look; deciding on
 * seeds the configurations were not chosen by keeps the winner's curse out of the tests (Cawley & Talbot 2010:
 * selection on the data that then scores the choice biases the score; docs/statistics.md, "Sequential design").
 */

import {
  baselinePoint,
  DEFAULT_DECIDE_TOP,
  metricDirection,
  metricOf,
  type ObjectiveDirection,
  type ObjectiveMetric,
  type SweepSpec,
} from "@tailsweep/schemas";
import stringify from "safe-stable-stringify";
import { planTrials } from "./expand";
import type { TrialRecord, TrialResult } from "./run-store";
import { configKey } from "./trial-key";

/** Whether a sweep is a TPE search with a sequential design, whose decision stage runs on `sequential.seeds`. */
export function hasDecisionStage(spec: Pick<SweepSpec, "method" | "sequential">): boolean {
  return spec.method === "tpe" && spec.sequential !== undefined;
}

/**
 * A sweep's trials of its search: for a TPE search with a sequential design, those not on its decision seeds (fresh
 * seeds, disjoint from the search's by construction); for any other sweep, all of them.
 */
export function searchStageTrials<T extends Pick<TrialRecord, "seed">>(
  spec: Pick<SweepSpec, "method" | "sequential">,
  trials: readonly T[],
): T[] {
  if (!hasDecisionStage(spec)) return [...trials];
  const decision = new Set(spec.sequential!.seeds);
  return trials.filter((t) => !decision.has(t.seed));
}

/** Which way a sequential design's metric is better: the objective's when it is the objective, else its own. */
export function decisionDirection(spec: Pick<SweepSpec, "objective" | "sequential">): ObjectiveDirection {
  const metric: ObjectiveMetric = spec.sequential?.decide.metric ?? spec.objective.metric;
  if (metric === spec.objective.metric) return spec.objective.direction;
  return metricDirection(metric) ?? "maximize";
}

/** The configuration `decide.baseline` names, and its configuration key. */
export function decisionBaseline(spec: Pick<SweepSpec, "search" | "sequential">): {
  params: Record<string, unknown>;
  configKey: string;
} {
  const { point } = baselinePoint(spec.search, spec.sequential!.decide.baseline);
  return { params: point, configKey: configKey(point) };
}

/** One configuration the decision stage takes from the search, with what it was chosen by. */
export interface DecisionCandidate {
  configKey: string;
  configLabel: string;
  params: Record<string, unknown>;
  /** Its mean of the design's metric on the search seeds. */
  mean: number;
}

/** What a TPE search's decision stage starts with ({@link decisionStageStart}). */
export interface DecisionStageStart {
  /** The `decide.top` best configurations of the search, best first (fewer when fewer finished every seed). */
  chosen: DecisionCandidate[];
  /** Configurations the search proposed and how many of them finished every search seed. */
  proposed: number;
  complete: number;
  baseline: { params: Record<string, unknown>; configKey: string };
  /** The seeds of the first look: the first `initial` of the fresh seeds. */
  seeds: number[];
}

/**
 * The family a TPE search's decision stage compares with the baseline: the `decide.top` configurations with the best
 * mean of the design's metric on the search seeds, among those that succeeded on every one of them (a mean over
 * fewer seeds is a different, noisier estimate), the baseline itself left out. Ties keep the order of proposal.
 */
export function decisionStageStart(
  spec: SweepSpec,
  trials: readonly TrialRecord[],
  results: ReadonlyMap<string, TrialResult>,
): DecisionStageStart {
  const design = spec.sequential!;
  const baseline = decisionBaseline(spec);
  const sign = decisionDirection(spec) === "maximize" ? -1 : 1;
  const byKey = new Map<string, { t: TrialRecord; values: Map<number, number> }>();
  for (const t of [...searchStageTrials(spec, trials)].sort((a, b) => a.index - b.index)) {
    const c = byKey.get(t.configKey) ?? { t, values: new Map<number, number>() };
    byKey.set(t.configKey, c);
    const result = t.state === "succeeded" ? results.get(t.id) : undefined;
    const value = result && metricOf(result.metrics, design.decide.metric);
    if (value !== undefined) c.values.set(t.seed, value);
  }
  const complete = [...byKey.values()].filter(({ values }) => spec.seeds.every((seed) => values.has(seed)));
  // The baseline names some knobs; a proposal with those values and the base's for the rest is the same model under
  // another key: its configuration (the trial's run config but for the seed) tells it, and it is left out too.
  const seed = spec.seeds[0]!;
  const [planned] = planTrials({ ...spec, seeds: [seed] }, [baseline.params]);
  const runOf = (config: TrialRecord["config"]) =>
    stringify({ ...config, train: { ...config.train, seed: 0 } });
  const baselineRun = runOf(planned!.config);
  const twin = (t: TrialRecord) =>
    t.configKey === baseline.configKey || (t.seed === seed && runOf(t.config) === baselineRun);
  const twins = new Set(trials.filter(twin).map((t) => t.configKey));
  const chosen = complete
    .filter(({ t }) => !twins.has(t.configKey))
    .map(({ t, values }) => ({
      configKey: t.configKey,
      configLabel: t.configLabel,
      params: t.params,
      mean: spec.seeds.reduce((sum, seed) => sum + values.get(seed)!, 0) / spec.seeds.length,
    }))
    .map((c, order) => ({ c, order }))
    .sort((a, b) => sign * (a.c.mean - b.c.mean) || a.order - b.order)
    .slice(0, design.decide.top ?? DEFAULT_DECIDE_TOP)
    .map(({ c }) => c);
  return {
    chosen,
    proposed: byKey.size,
    complete: complete.length,
    baseline,
    seeds: design.seeds.slice(0, design.initial),
  };
}
