import { InputError, metricOf, type SweepSpec } from "@tailsweep/schemas";
import {
  type ComparisonRow,
  type ComparisonTable,
  type Correction,
  compareConfigurations,
  type Observation,
  summarize,
} from "@tailsweep/stats";
import {
  paramValue,
  type RunStore,
  type SweepRecord,
  type TrialRecord,
  type TrialResult,
} from "@tailsweep/sweep";
import { InvalidQueryError } from "./errors";
import { loadSweepRuns, SweepNotFoundError, type SweepRuns } from "./sweep-runs";

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

/** Configurations ranked by the objective's seed mean, best first, with the sd over seeds (NaN for one seed). */
export function rankConfigurations(
  trials: readonly TrialRecord[],
  results: ReadonlyMap<string, TrialResult>,
  objective: SweepSpec["objective"],
): { config: string; configKey: string; seeds: number; mean: number; sd: number }[] {
  const configs = configurationsOf(trials);
  const byConfig = new Map<string, number[]>();
  for (const { trial, value } of finishedValues(trials, results, objective.metric))
    byConfig.set(trial.configKey, [...(byConfig.get(trial.configKey) ?? []), value]);
  const sign = objective.direction === "maximize" ? -1 : 1;
  return [...byConfig]
    .map(([key, values]) => {
      const s = summarize(values);
      return { config: configs.get(key)!.label, configKey: key, seeds: s.n, mean: s.mean, sd: s.sd };
    })
    .sort((a, b) => sign * (a.mean - b.mean));
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
      return { name: part.slice(0, at), value: part.slice(at + 1), whole: at > 0 };
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

/** Settings of {@link compareSweep}. */
export interface CompareSweepOptions {
  baseline?: string;
  /** Default: the sweep's objective metric. */
  metric?: string;
  correction?: Correction;
  alpha?: number;
  /** The power `seedsNeeded` aims for (default 0.8). */
  power?: number;
}

/**
 * A comparison row, marked when seeds added after looking at results (a post-hoc `extend` revision) are among the
 * seeds it pairs: its fixed-n p-value is then optimistic (optional stopping), whatever it says.
 */
export type SweepComparisonRow = ComparisonRow & {
  /** The configuration's `configKey`. */
  configKey: string;
  /** The post-hoc revisions whose seeds this row's test uses (empty: none). */
  posthocRevisions: number[];
};

/** {@link compareSweep}'s table: the stats' table, its rows marked, with the metric compared. */
export type SweepComparison = Omit<MarkedTable, "rows"> & {
  metric: string;
  rows: SweepComparisonRow[];
  /** For a sequential sweep: why these fixed-n p-values are not its decisions, and where those are. */
  sequentialNote?: string;
};

/** A comparison table's rows marked with the post-hoc revisions their tests use ({@link SweepComparisonRow}). */
export type MarkedTable = Omit<ComparisonTable, "rows"> & {
  rows: (ComparisonRow & { posthocRevisions: number[] })[];
  posthocNote?: string;
};

/**
 * Marks each comparison whose test uses a run a post-hoc revision added (`addedBy`: `label#seed` → revision): for a
 * paired test the seeds both sides ran, for Welch (fewer than two matched) every seed of either side; and says once
 * what that means for every row, the correction carrying the optimism to the others' adjusted p.
 */
export function markPosthoc(table: ComparisonTable, addedBy: ReadonlyMap<string, number>): MarkedTable {
  const baseRow = table.rows.find((r) => r.config === table.baseline)!;
  const baseSeeds = new Set(baseRow.seeds);
  const rows = table.rows.map((row) => {
    const revisions = new Set<number>();
    if (row.vsBaseline) {
      const welch = row.vsBaseline.comparison?.method === "welch";
      const used = welch
        ? [...new Set([...row.seeds, ...baseSeeds])]
        : row.seeds.filter((s) => baseSeeds.has(s));
      for (const seed of used)
        for (const label of [row.config, table.baseline]) {
          const revision = addedBy.get(`${label}#${seed}`);
          if (revision !== undefined) revisions.add(revision);
        }
    }
    return { ...row, posthocRevisions: [...revisions].sort((a, b) => a - b) };
  });
  const marked = rows.filter((r) => r.posthocRevisions.length > 0).length;
  return {
    ...table,
    rows,
    ...(marked > 0 && {
      posthocNote: `${marked} comparison${marked === 1 ? " uses" : "s use"} seeds added after looking at the results (post-hoc top-up): ${marked === 1 ? "its" : "their"} p-value${marked === 1 ? " is" : "s are"} optimistic (optional stopping), and through the ${table.correction === "holm" ? "Holm" : "Benjamini–Hochberg"} correction so are the other rows' adjusted p-values; confirm on fresh seeds, or run a sequential design (seeds: { initial, step, max })`,
    }),
  };
}

/** A sweep's finished trials compared across seeds (one read of trials, results and revisions). */
export async function compareSweep(
  store: RunStore,
  sweep: SweepRecord,
  options: CompareSweepOptions = {},
): Promise<SweepComparison> {
  return compareRuns(await loadSweepRuns(store, sweep), options);
}

/** {@link compareSweep} on runs already read. */
export function compareRuns(runs: SweepRuns, options: CompareSweepOptions = {}): SweepComparison {
  const { sweep, trials, results } = runs;
  const metric = options.metric ?? sweep.spec.objective.metric;
  const configs = configurationsOf(trials);
  // Grouped by configKey; the stats see each configuration's (unique) label, which is what the table shows.
  const observations: Observation[] = [...finishedValues(trials, results, metric)].map(
    ({ trial, value }) => ({ config: configs.get(trial.configKey)!.label, seed: trial.seed, value }),
  );
  if (observations.length === 0)
    throw new InvalidQueryError(
      `metric: no finished trial of sweep ${sweep.id} reports the metric '${metric}'`,
    );
  const reported = new Set(observations.map((o) => o.config));
  const table = compareConfigurations(observations, {
    baseline: resolveBaseline(
      [...configs.values()].filter((c) => reported.has(c.label)),
      options.baseline,
    ).label,
    direction: sweep.spec.objective.direction,
    ...(options.correction && { correction: options.correction }),
    ...(options.alpha !== undefined && { alpha: options.alpha }),
    ...(options.power !== undefined && { power: options.power }),
  });
  const keyOf = new Map([...configs.values()].map((c) => [c.label, c.key]));
  const posthoc = new Set(runs.revisions.filter((r) => r.posthoc).map((r) => r.revision));
  // Which post-hoc revision added each (configuration, seed) run, by the label the table shows.
  const addedBy = new Map(
    trials
      .filter((t) => posthoc.has(t.revision))
      .map((t) => [`${configs.get(t.configKey)!.label}#${t.seed}`, t.revision]),
  );
  const marked = markPosthoc(table, addedBy);
  return {
    metric,
    ...marked,
    rows: marked.rows.map((row) => ({ ...row, configKey: keyOf.get(row.config)! })),
    ...(sweep.spec.sequential && {
      sequentialNote:
        "this sweep ran a sequential design: which configurations got more seeds depended on interim results, so these fixed-n p-values are optimistic; its decisions, with error control under that stopping, are in tailsweep sweep status (sweeps.sequential)",
    }),
  };
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
): Promise<MarkedTable & { metric: string }> {
  if (groups.length < 2) throw new InvalidQueryError(`groups: compare at least 2, got ${groups.length}`);
  const baselineIndex = options.baseline ?? 0;
  if (!(baselineIndex >= 0 && baselineIndex < groups.length))
    throw new InvalidQueryError(
      `baseline: must be a group index from 0 to ${groups.length - 1}, got ${baselineIndex}`,
    );
  const observations: Observation[] = [];
  const labels: string[] = [];
  /** The runs a post-hoc revision of their sweep added, by `label#seed`. */
  const addedBy = new Map<string, number>();
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
    const { trials, results, revisions } = await loadSweepRuns(store, sweep);
    const posthoc = new Set(revisions.filter((r) => r.posthoc).map((r) => r.revision));
    const configs = [...configurationsOf(trials).values()];
    const config =
      group.config === undefined && configs.length === 1
        ? configs[0]!
        : resolveBaseline(configs, group.config, `groups[${i}].config`);
    const label = `${named(sweep)}${ambiguous(sweep) ? `#${sweep.id.slice(0, 8)}` : ""}: ${config.label}`;
    if (labels.includes(label))
      throw new InvalidQueryError(`groups[${i}]: the same runs as an earlier group (${label})`);
    labels.push(label);
    for (const { trial, value } of finishedValues(trials, results, metric)) {
      if (trial.configKey !== config.key) continue;
      observations.push({ config: label, seed: trial.seed, value });
      if (posthoc.has(trial.revision)) addedBy.set(`${label}#${trial.seed}`, trial.revision);
    }
  }
  const table = compareConfigurations(observations, {
    baseline: labels[baselineIndex]!,
    direction: direction!,
    ...(options.correction && { correction: options.correction }),
    ...(options.alpha !== undefined && { alpha: options.alpha }),
  });
  return { metric: metric!, ...markPosthoc(table, addedBy) };
}
