import { InputError, metricOf, type SweepSpec } from "@tailsweep/schemas";
import {
  type ComparisonTable,
  type Correction,
  compareConfigurations,
  type Observation,
  summarize,
} from "@tailsweep/stats";
import type { RunStore, SweepRecord, TrialRecord, TrialResult } from "@tailsweep/sweep";
import { InvalidQueryError } from "./errors";
import { loadSweepRuns, SweepNotFoundError } from "./sweep-runs";

/** A parameter value as labels and axes show it: objects (e.g. a list of widths) as JSON. */
export function paramValue(value: unknown): string {
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

/** A configuration's label: its searched parameters without the seed, sorted (`model.nu=5 variant=proposed`). */
export function configLabel(params: Record<string, unknown>): string {
  const label = Object.keys(params)
    .sort()
    .map((k) => `${k}=${paramValue(params[k])}`)
    .join(" ");
  return label || "(no search)";
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

/** Configurations ranked by the objective's seed mean, best first, with the sd over seeds (NaN for one seed). */
export function rankConfigurations(
  trials: readonly TrialRecord[],
  results: ReadonlyMap<string, TrialResult>,
  objective: SweepSpec["objective"],
): { config: string; seeds: number; mean: number; sd: number }[] {
  const byConfig = new Map<string, number[]>();
  for (const { trial, value } of finishedValues(trials, results, objective.metric)) {
    const label = configLabel(trial.params);
    byConfig.set(label, [...(byConfig.get(label) ?? []), value]);
  }
  const sign = objective.direction === "maximize" ? -1 : 1;
  return [...byConfig]
    .map(([config, values]) => {
      const s = summarize(values);
      return { config, seeds: s.n, mean: s.mean, sd: s.sd };
    })
    .sort((a, b) => sign * (a.mean - b.mean));
}

/**
 * The baseline a user named, by its full label or by some of its `key=value` pairs, matching one configuration.
 * Without a name: the gaussian variant when exactly one configuration is it, else the first configuration.
 * `field` names the input the name came from in the error (`baseline`, `groups[1].config`).
 */
export function resolveBaseline(configs: string[], wanted: string | undefined, field = "baseline"): string {
  if (configs.length === 0)
    throw new InvalidQueryError("metric: no finished trials with this metric to compare");
  if (wanted === undefined) {
    const gaussian = configs.filter((c) => c.split(" ").includes("variant=gaussian"));
    return gaussian.length === 1 ? gaussian[0]! : configs[0]!;
  }
  if (configs.includes(wanted)) return wanted;
  const parts = wanted.split(/\s+/).filter(Boolean);
  const matches = configs.filter((c) => parts.every((p) => c.split(" ").includes(p)));
  if (matches.length === 1) return matches[0]!;
  throw new InputError(
    field,
    `'${wanted}' matches ${matches.length === 0 ? "no configuration" : `${matches.length} configurations`}; use one of: ${configs.join(" | ")}`,
  );
}

/** Settings of {@link compareSweep}. */
export interface CompareSweepOptions {
  baseline?: string;
  /** Default: the sweep's objective metric. */
  metric?: string;
  correction?: Correction;
  alpha?: number;
}

/** A sweep's finished trials compared across seeds (one read of trials and one of results). */
export async function compareSweep(
  store: RunStore,
  sweep: SweepRecord,
  options: CompareSweepOptions = {},
): Promise<ComparisonTable & { metric: string }> {
  const metric = options.metric ?? sweep.spec.objective.metric;
  const { trials, results } = await loadSweepRuns(store, sweep);
  const observations: Observation[] = [...finishedValues(trials, results, metric)].map(
    ({ trial, value }) => ({
      config: configLabel(trial.params),
      seed: trial.seed,
      value,
    }),
  );
  if (observations.length === 0)
    throw new InvalidQueryError(
      `metric: no finished trial of sweep ${sweep.id} reports the metric '${metric}'`,
    );
  const configs = [...new Set(observations.map((x) => x.config))].sort();
  const table = compareConfigurations(observations, {
    baseline: resolveBaseline(configs, options.baseline),
    direction: sweep.spec.objective.direction,
    ...(options.correction && { correction: options.correction }),
    ...(options.alpha !== undefined && { alpha: options.alpha }),
  });
  return { metric, ...table };
}

/** One side of a comparison across sweeps: a sweep, and the configuration in it (its label, or some `key=value` pairs). */
export interface RunGroup {
  sweepId: string;
  config?: string;
}

/** Settings of {@link compareAcrossSweeps}. */
export interface CompareAcrossOptions {
  /** Default: the first group's sweep objective. */
  metric?: string;
  direction?: "maximize" | "minimize";
  /** Which group is the baseline (default 0). */
  baseline?: number;
  correction?: Correction;
  alpha?: number;
}

/**
 * Runs from any sweeps compared across matched seeds (team history): each group is one configuration of one sweep,
 * labelled `project/sweep: config`, and the first (or `baseline`) group is what the others are compared with.
 */
export async function compareAcrossSweeps(
  store: RunStore,
  groups: RunGroup[],
  options: CompareAcrossOptions = {},
): Promise<ComparisonTable & { metric: string }> {
  if (groups.length < 2) throw new InvalidQueryError(`groups: compare at least 2, got ${groups.length}`);
  const baselineIndex = options.baseline ?? 0;
  if (!(baselineIndex >= 0 && baselineIndex < groups.length))
    throw new InvalidQueryError(
      `baseline: must be a group index from 0 to ${groups.length - 1}, got ${baselineIndex}`,
    );
  const observations: Observation[] = [];
  const labels: string[] = [];
  let metric = options.metric;
  let direction = options.direction;
  const sweeps = await Promise.all(
    groups.map(async (group, i) => {
      const sweep = await store.getSweep(group.sweepId);
      if (!sweep) throw new SweepNotFoundError(group.sweepId, `groups[${i}].sweepId`);
      return sweep;
    }),
  );
  // Re-runs of one sweep file share project/name: the id tells them apart where that happens.
  const named = (sweep: SweepRecord) => `${sweep.project}/${sweep.name}`;
  const ambiguous = (sweep: SweepRecord) =>
    sweeps.some((other) => other.id !== sweep.id && named(other) === named(sweep));
  for (const [i, group] of groups.entries()) {
    const sweep = sweeps[i]!;
    metric ??= sweep.spec.objective.metric;
    direction ??= sweep.spec.objective.direction;
    const { trials, results } = await loadSweepRuns(store, sweep);
    const configs = [...new Set(trials.map((t) => configLabel(t.params)))].sort();
    const config =
      group.config === undefined && configs.length === 1
        ? configs[0]!
        : resolveBaseline(configs, group.config, `groups[${i}].config`);
    const label = `${named(sweep)}${ambiguous(sweep) ? `#${sweep.id.slice(0, 8)}` : ""}: ${config}`;
    if (labels.includes(label))
      throw new InvalidQueryError(`groups[${i}]: the same runs as an earlier group (${label})`);
    labels.push(label);
    for (const { trial, value } of finishedValues(trials, results, metric)) {
      if (configLabel(trial.params) === config) observations.push({ config: label, seed: trial.seed, value });
    }
  }
  const table = compareConfigurations(observations, {
    baseline: labels[baselineIndex]!,
    direction: direction!,
    ...(options.correction && { correction: options.correction }),
    ...(options.alpha !== undefined && { alpha: options.alpha }),
  });
  return { metric: metric!, ...table };
}
