import {
  baselinePoint,
  canonicalParam,
  InputError,
  metricOf,
  ObjectiveMetricSchema,
  RESULT_METRICS,
  type SweepSpec,
} from "@tailsweep/schemas";
import { summarize } from "@tailsweep/stats";
import {
  decisionBaseline,
  hasDecisionStage,
  paramValue,
  type TrialRecord,
  type TrialResult,
} from "@tailsweep/sweep";

/** One configuration of a sweep: its key (what results are grouped and joined on), label and searched params. */
export interface Configuration {
  key: string;
  /** The stored display label; unique within the sweep (a clash of two keys' labels gets `#` and the key's start). */
  label: string;
  params: Record<string, unknown>;
}

/**
 * The configurations the trials belong to, by `configKey`, ordered by label. Labels are for people: two
 * configurations whose params print alike (a string "[8]" and a list [8]) keep apart by key, and their labels are
 * made distinct so that a table keyed by label still has one row each.
 */
export function configurationsOf(
  trials: readonly Pick<TrialRecord, "configKey" | "configLabel" | "params">[],
): Map<string, Configuration> {
  const byKey = new Map<string, Configuration>();
  for (const t of trials)
    if (!byKey.has(t.configKey))
      byKey.set(t.configKey, { key: t.configKey, label: t.configLabel, params: t.params });
  const labelCount = new Map<string, number>();
  for (const c of byKey.values()) labelCount.set(c.label, (labelCount.get(c.label) ?? 0) + 1);
  for (const c of byKey.values())
    if (labelCount.get(c.label)! > 1) c.label = `${c.label} #${c.key.slice(0, 8)}`;
  return new Map([...byKey].sort(([, a], [, b]) => (a.label < b.label ? -1 : a.label > b.label ? 1 : 0)));
}

/** The succeeded trials that report `metric`, each with its value (what every per-configuration view reads). */
export function* finishedValues(
  trials: readonly TrialRecord[],
  results: ReadonlyMap<string, TrialResult>,
  metric: string,
): Generator<{ trial: TrialRecord; value: number }> {
  for (const trial of trials) {
    const result = trial.state === "succeeded" ? results.get(trial.id) : undefined;
    const value = result && metricOf(result.metrics, metric);
    if (value !== undefined) yield { trial, value };
  }
}

/** Configurations ranked by the objective's seed mean, best first (ties by label), with the sd over seeds (NaN for one seed). */
export function rankConfigurations(
  trials: readonly TrialRecord[],
  results: ReadonlyMap<string, TrialResult>,
  objective: { metric: string; direction: SweepSpec["objective"]["direction"] },
): { config: string; configKey: string; seeds: number; mean: number; sd: number }[] {
  const configs = configurationsOf(trials);
  const byConfig = new Map<string, { seed: number; value: number }[]>();
  for (const { trial, value } of finishedValues(trials, results, objective.metric))
    byConfig.set(trial.configKey, [...(byConfig.get(trial.configKey) ?? []), { seed: trial.seed, value }]);
  const sign = objective.direction === "maximize" ? -1 : 1;
  return (
    [...byConfig]
      .map(([key, runs]) => {
        // summed in seed order, as the comparison table sums them: in the store's order the same mean could differ in
        // its last bit and round the other way (14.4 here, 14.5 in compare)
        const s = summarize(runs.sort((a, b) => a.seed - b.seed).map((r) => r.value));
        return { config: configs.get(key)!.label, configKey: key, seeds: s.n, mean: s.mean, sd: s.sd };
      })
      // an exact tie goes to the label first in order, as compare's best does (findBest), not to the store's order
      .sort((a, b) => sign * (a.mean - b.mean) || a.config.localeCompare(b.config))
  );
}

/** A configuration's lead over the baseline: its mean paired difference, signed so that ahead is positive. */
export interface Lead {
  /** The configuration's key (`configKey` of its trials). */
  configKey: string;
  /** Its label, as the comparison table shows it. */
  config: string;
  /** Mean of (configuration − baseline) over the seeds both ran, times −1 where lower is better. */
  lead: number;
  /** The seeds both ran. */
  pairs: number;
}

/**
 * Every configuration's lead over `baselineKey` on `metric`, best first (ties by label): the mean paired difference
 * over the seeds each shares with the baseline, as the comparison table's Δ column pairs them. A mean over each
 * configuration's own seeds would rank one a sequential design stopped early, on whatever seeds it had, above one
 * that beat the baseline seed by seed (it once chose a configuration stopped for futility). Those that share fewer
 * than two seeds with the baseline are left out: one pair is too few to compare, as the comparison table says.
 */
export function leadsOverBaseline(
  trials: readonly TrialRecord[],
  results: ReadonlyMap<string, TrialResult>,
  baselineKey: string,
  objective: { metric: string; direction: SweepSpec["objective"]["direction"] },
): Lead[] {
  const configs = configurationsOf(trials);
  const bySeed = new Map<string, Map<number, number>>();
  for (const { trial, value } of finishedValues(trials, results, objective.metric))
    bySeed.set(trial.configKey, (bySeed.get(trial.configKey) ?? new Map()).set(trial.seed, value));
  const base = bySeed.get(baselineKey) ?? new Map<number, number>();
  const sign = objective.direction === "maximize" ? 1 : -1;
  return [...bySeed]
    .filter(([key]) => key !== baselineKey)
    .flatMap(([key, values]) => {
      const diffs = [...values].flatMap(([seed, v]) => (base.has(seed) ? [v - base.get(seed)!] : []));
      if (diffs.length < 2) return [];
      const lead = (sign * diffs.reduce((a, b) => a + b, 0)) / diffs.length;
      return [{ configKey: key, config: configs.get(key)!.label, lead, pairs: diffs.length }];
    })
    .sort((a, b) => b.lead - a.lead || a.config.localeCompare(b.config));
}

/**
 * The configuration a user named, by its full label or by some `key=value` pairs of its params (`variant=gaussian`),
 * matching exactly one. Without a name: the gaussian variant when exactly one configuration is it, else the first.
 * `field` names the input the name came from in the error (`baseline`, `groups[1].config`).
 */
export function resolveBaseline(
  configs: readonly Configuration[],
  wanted: string | undefined,
  field = "baseline",
): Configuration {
  if (configs.length === 0) throw new InputError("metric", "no finished trials with this metric to compare");
  if (wanted === undefined) {
    const gaussian = configs.filter((c) => c.params.variant === "gaussian");
    return gaussian.length === 1 ? gaussian[0]! : configs[0]!;
  }
  const exact = configs.find((c) => c.label === wanted);
  if (exact) return exact;
  const parts = wanted
    .split(/\s+/)
    .filter(Boolean)
    .map((part) => {
      const at = part.indexOf("=");
      // read as the sweep file does: `beta=0.3` is `dataset.labelRatio=0.3`
      const name = part.slice(0, at);
      return { name: canonicalParam(name) ?? name, value: part.slice(at + 1), whole: at > 0 };
    });
  const matches = configs.filter((c) =>
    parts.every((p) => p.whole && p.name in c.params && paramValue(c.params[p.name]) === p.value),
  );
  if (matches.length === 1) return matches[0]!;
  throw new InputError(
    field,
    `'${wanted}' matches ${matches.length === 0 ? "no configuration" : `${matches.length} configurations`}; use one of: ${configs.map((c) => c.label).join(" | ")}`,
  );
}

/**
 * The configuration a sequential design compares with (`decide.baseline`), among `configs`: the one `sweep status`
 * decides against, and so the default of every comparison of its sweep. A TPE search's by its configuration key
 * (undefined until its decision stage runs it: a label may match several proposals); a grid's by the knobs it names,
 * read as the sweep file does (`nu=5` is `model.nu=5`), an InputError at `decide.baseline` when it names no
 * configuration or several. Undefined for a sweep without a design.
 */
export function designBaselineOf(
  spec: Pick<SweepSpec, "method" | "search" | "sequential">,
  configs: ReadonlyMap<string, Configuration>,
): Configuration | undefined {
  const found = storedDesignBaseline(spec, configs);
  if ("problem" in found)
    throw new InputError("decide.baseline", `${found.problem}; use one of: ${found.choices}`);
  return found.baseline;
}

/**
 * {@link designBaselineOf} for a sweep as it was stored, which may predate the sweep file's check that a grid's
 * `decide.baseline` names one configuration (openBaselineKnobs in @tailsweep/schemas): such a sweep's baseline, or
 * what is wrong with it in words (`problem`, and `choices`: the configurations' labels), so that its status,
 * comparisons and controller can say so rather than refuse it.
 */
export function storedDesignBaseline(
  spec: Pick<SweepSpec, "method" | "search" | "sequential">,
  configs: ReadonlyMap<string, Configuration>,
): { baseline: Configuration | undefined } | { problem: string; choices: string } {
  if (!spec.sequential) return { baseline: undefined };
  if (hasDecisionStage(spec)) return { baseline: configs.get(decisionBaseline(spec).configKey) };
  const { point } = baselinePoint(spec.search, spec.sequential.decide.baseline);
  const named = Object.entries(point);
  const matches = [...configs.values()].filter((c) =>
    named.every(([path, value]) => path in c.params && paramValue(c.params[path]) === paramValue(value)),
  );
  if (matches.length === 1) return { baseline: matches[0] };
  return {
    problem: `'${spec.sequential.decide.baseline}' matches ${matches.length === 0 ? "no configuration" : `${matches.length} configurations`} of the sweep`,
    choices: [...configs.values()].map((c) => c.label).join(" | "),
  };
}

/**
 * The baseline a comparison of a sweep is against when none is named: its sequential design's, else
 * {@link resolveBaseline}'s default (the one Gaussian variant, else the first configuration by label). A design whose
 * stored baseline names no single configuration has none: the usual default stands in (its status says why).
 */
export function defaultBaseline(
  spec: Pick<SweepSpec, "method" | "search" | "sequential">,
  configs: ReadonlyMap<string, Configuration>,
): Configuration {
  const design = storedDesignBaseline(spec, configs);
  return ("baseline" in design && design.baseline) || resolveBaseline([...configs.values()], undefined);
}

/**
 * The metrics a comparison or a front can read, for the error that names them: what a sweep's objective takes and
 * the ones `metricOf` reads from a result beside them, from the schemas' own lists (so a metric added there is named
 * here).
 */
export const METRIC_CHOICES = `a test metric: ${[...new Set([...ObjectiveMetricSchema.options, ...RESULT_METRICS])].join(", ")}, or a result path such as pseudoLabels.accuracy`;
