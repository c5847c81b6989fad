import {
  InputError,
  messageOf,
  metricDirection,
  NotFoundError,
  plural,
  type RunConfig,
} from "@tailsweep/schemas";
import {
  type ComparisonRow,
  type Correction,
  compareConfigurations,
  type Observation,
} from "@tailsweep/stats";
import {
  countByState,
  hasDecisionStage,
  paramValue,
  type RunStore,
  type SweepRecord,
  type TrialRecord,
} from "@tailsweep/sweep";
import {
  type Configuration,
  configurationsOf,
  defaultBaseline,
  finishedValues,
  type Lead,
  METRIC_CHOICES,
  rankConfigurations,
  resolveBaseline,
  storedDesignBaseline,
} from "./configurations";
import { type Confirmation, confirmationChoice, confirmationsOf, selectionRuns } from "./confirmation";
import { InvalidQueryError } from "./errors";
import { withoutResultsText } from "./format";
import { groupBy } from "./group-by";
import { type MarkedTable, markPosthoc, posthocAddedBy, posthocRevisionSet } from "./posthoc";
import { sequentialStatus } from "./sequential-sweep";
import { loadSweepRuns, SweepNotFoundError, type SweepRuns } from "./sweep-runs";

export {
  type Configuration,
  configurationsOf,
  finishedValues,
  rankConfigurations,
  resolveBaseline,
} from "./configurations";
export { type MarkedTable, markPosthoc } from "./posthoc";

/**
 * A sweep's configurations ranked by its objective's seed mean, best first, on the selection seeds: a confirmation's
 * fresh seeds, run for the chosen configurations only, would tilt the ranking (and its seed counts) toward them.
 */
export function rankSelection(runs: SweepRuns) {
  const { sweep, trials, results, revisions } = selectionRuns(runs);
  const objective = sweep.spec.objective;
  // a mean over seeds a post-hoc top-up added: the ranking is then shaped by where seeds were added after looking
  const late = posthocRevisionSet(revisions);
  const lateConfigs = new Set(
    [...finishedValues(trials, results, objective.metric)]
      .filter(({ trial }) => late.has(trial.revision))
      .map(({ trial }) => trial.configKey),
  );
  return rankConfigurations(trials, results, objective).map((r) => ({
    ...r,
    posthoc: lateConfigs.has(r.configKey),
  }));
}

/**
 * Where {@link rankSelection}'s means are over different seeds, in words (`the means cover 5 to 9 seeds per
 * configuration`, or `… 3 seeds each, not the same ones` where a failed seed differs): the order is then no matched
 * comparison. Undefined where every configuration ran the same seeds.
 */
export function unevenRankingNote(runs: SweepRuns): string | undefined {
  const { sweep, trials, results } = selectionRuns(runs);
  const seedsOf = new Map<string, number[]>();
  for (const { trial } of finishedValues(trials, results, sweep.spec.objective.metric))
    seedsOf.set(trial.configKey, [...(seedsOf.get(trial.configKey) ?? []), trial.seed]);
  const sets = [...seedsOf.values()].map((seeds) => seeds.sort((a, b) => a - b).join(","));
  if (new Set(sets).size <= 1) return undefined;
  const counts = [...seedsOf.values()].map((seeds) => seeds.length);
  const [fewest, most] = [Math.min(...counts), Math.max(...counts)];
  return fewest < most
    ? `the means cover ${fewest} to ${most} seeds per configuration`
    : `the means cover ${fewest} seeds each, not the same ones`;
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
  /**
   * Its trials on the selection's seeds in any state (waiting, failed… as well as finished): what a top-up counts as
   * there already, where `summary.n` counts results.
   */
  trials: number;
};

/** {@link compareSweep}'s table: the stats' table, its rows marked, with the metric compared. */
export type SweepComparison = Omit<MarkedTable, "rows"> & {
  metric: string;
  rows: SweepComparisonRow[];
  /** For a sequential sweep: why these fixed-n p-values are not its decisions, and where those are. */
  sequentialNote?: string;
  /**
   * Where the configurations' means cover different numbers of seeds (a sequential design stops some early, a
   * top-up adds to some): the best by mean is then no matched comparison, and says so.
   */
  unevenSeedsNote?: string;
  /** Where the default baseline has no result for the metric yet: which it is, and which the table uses instead. */
  baselineNote?: string;
  /**
   * Where this table compares on the sweep's sequential design's baseline and metric and the design's look is taken:
   * the configurations (by `configKey`) whose comparison the design still governs — those whose test uses no seed a
   * post-hoc top-up added — by whether it decided them (better or worse) or not. A top-up calls these open by the
   * design's decision, not by the fixed-n verdict: after data-dependent stopping the fixed-n p-values are optimistic,
   * and the design's last boundary is above the one-look critical value. Once topped up, a comparison is the
   * person's: its (marked) fixed-n verdict decides.
   */
  designDecisions?: Record<string, "decided" | "undecided">;
  /** Configurations of the sweep with no finished trial reporting the metric, and why: failed, not run yet. */
  withoutResults: { config: string; failed: number; open: number; cancelled: number }[];
  /**
   * The sweep's confirmation stages (`sweep confirm`), each its selected configurations' test on fresh seeds beside
   * the selection's; the rows above are the selection stage, without those seeds.
   */
  confirmations: Confirmation[];
  /**
   * The configuration a confirmation against this baseline would run by default ({@link confirmationChoice}, as
   * `planConfirmation` chooses): the one furthest ahead of it by the mean paired difference (`lead`, over `pairs`
   * seeds) that no confirmation against this baseline has run yet; null where there is none.
   */
  toConfirm: Lead | null;
};

/** A sweep's finished trials compared across seeds (one read of trials, results and revisions). */
export async function compareSweep(
  store: RunStore,
  sweep: SweepRecord,
  options: CompareSweepOptions = {},
): Promise<SweepComparison> {
  return compareRuns(await loadSweepRuns(store, sweep), options);
}

/**
 * {@link compareSweep} on runs already read. The table is the selection stage: trials of a confirmation stage are
 * left out of it and tested on their own (`confirmations`).
 */
export function compareRuns(all: SweepRuns, options: CompareSweepOptions = {}): SweepComparison {
  const runs = selectionRuns(all);
  const { sweep, trials, results } = runs;
  const metric = options.metric ?? sweep.spec.objective.metric;
  const configs = configurationsOf(trials);
  // Grouped by configKey; the stats see each configuration's (unique) label, which is what the table shows.
  const observations: Observation[] = [...finishedValues(trials, results, metric)].map(
    ({ trial, value }) => ({ config: configs.get(trial.configKey)!.label, seed: trial.seed, value }),
  );
  if (observations.length === 0) {
    // Nothing finished at all: no metric would do, and the user may not have named one.
    if (results.size === 0) {
      const n = countByState(trials);
      throw new NotFoundError(
        "RESULTS_NOT_FOUND",
        `sweep ${sweep.id} has no finished trial to compare yet (${n.failed} failed, ${n.waiting + n.running} waiting or running, ${n.cancelled} cancelled)${n.failed > 0 ? `: tailsweep sweep status ${sweep.id} says why they failed` : ""}`,
      );
    }
    const problems = [
      `metric: no finished trial of sweep ${sweep.id} reports the metric '${metric}'${options.metric === undefined ? " (the sweep's objective)" : ""} (${METRIC_CHOICES})`,
    ];
    // a named baseline that matches no configuration is said too, not after the metric is fixed
    if (options.baseline !== undefined)
      try {
        resolveBaseline([...configs.values()], options.baseline);
      } catch (e) {
        problems.push(messageOf(e));
      }
    throw new InvalidQueryError(problems);
  }
  const reported = new Set(observations.map((o) => o.config));
  const trialsOf = groupBy(trials, (t) => t.configKey);
  // A configuration without a result for the metric, and why: failed, not run yet or cancelled.
  const resultless = (c: Configuration) => {
    const n = countByState(trialsOf.get(c.key) ?? []);
    return { config: c.label, failed: n.failed, open: n.waiting + n.running, cancelled: n.cancelled };
  };
  // a metric that says which way is better (lower class shift) overrides the objective's direction
  const direction = metricDirection(metric) ?? sweep.spec.objective.direction;
  const reporting = [...configs.values()].filter((c) => reported.has(c.label));
  const reportingKeys = new Set(reporting.map((c) => c.key));
  // A named baseline must have results; the default one (the design's, else the Gaussian) may not have them yet, and
  // then the table compares with the default among those that do and says so, rather than switch without a word.
  const usual = options.baseline === undefined ? defaultBaseline(sweep.spec, configs) : undefined;
  const named =
    options.baseline === undefined ? undefined : resolveBaseline([...configs.values()], options.baseline);
  if (named && !reported.has(named.label))
    throw new InputError(
      "baseline",
      `${withoutResultsText([resultless(named)])} has no result for ${metric}; use one of: ${reporting.map((c) => c.label).join(" | ")}`,
    );
  const baseline =
    named ?? (usual && reported.has(usual.label) ? usual : resolveBaseline(reporting, undefined));
  const table = compareConfigurations(observations, {
    baseline: baseline.label,
    direction,
    ...(options.correction && { correction: options.correction }),
    ...(options.alpha !== undefined && { alpha: options.alpha }),
    ...(options.power !== undefined && { power: options.power }),
  });
  const keyOf = new Map([...configs.values()].map((c) => [c.label, c.key]));
  const posthoc = posthocRevisionSet(runs.revisions);
  // Which post-hoc revision added each (configuration, seed) run, by the label the table shows.
  const marked = markPosthoc(
    table,
    posthocAddedBy(trials, posthoc, (key) => configs.get(key)!.label),
    { sequential: sweep.spec.sequential !== undefined },
  );
  const seedCounts = table.rows.map((r) => r.summary.n);
  const [fewest, most] = [Math.min(...seedCounts), Math.max(...seedCounts)];
  const withoutResults = [...configs.values()].filter((c) => !reported.has(c.label)).map(resultless);
  const design = storedDesignBaseline(sweep.spec, configs);
  const designDecisions =
    "baseline" in design && design.baseline?.key === baseline.key
      ? decisionsOfDesign(all, marked.rows, keyOf, metric)
      : undefined;
  const confirmations = confirmationsOf(all, {
    metric,
    direction,
    ...(options.correction && { correction: options.correction }),
    ...(options.alpha !== undefined && { alpha: options.alpha }),
  });
  // what a confirmation against this baseline would choose by default (one already confirmed has its table below)
  const [toConfirm] = confirmationChoice(runs, baseline.key, { metric, direction }).ahead;
  return {
    metric,
    ...marked,
    rows: marked.rows.map((row) => {
      const configKey = keyOf.get(row.config)!;
      return { ...row, configKey, trials: trialsOf.get(configKey)?.length ?? 0 };
    }),
    ...(fewest < most && {
      unevenSeedsNote: unevenSeeds(
        `${fewest} to ${most} per configuration${unevenBecause(trials.filter((t) => reportingKeys.has(t.configKey)))}`,
      ),
    }),
    withoutResults,
    ...(() => {
      const notes = [
        ...(usual && usual.key !== baseline.key
          ? [
              `the default baseline, ${withoutResultsText([resultless(usual)])}, has no result for ${metric}, so this compares with ${baseline.label}; choose a baseline to compare with another`,
            ]
          : []),
        ...(options.baseline === undefined ? crossedKnobsNote(reporting, baseline) : []),
      ];
      return notes.length > 0 ? { baselineNote: notes.join("; ") } : {};
    })(),
    ...(designDecisions && { designDecisions }),
    // only once a look has added a round: before it every configuration runs the same planned seeds (a TPE search's
    // first round starts its decision stage, which no look has extended yet)
    ...(sweep.spec.sequential &&
      runs.revisions.filter((r) => r.kind === "round").length > (hasDecisionStage(sweep.spec) ? 1 : 0) && {
        sequentialNote:
          "this sweep ran a sequential design: which configurations got more seeds depended on interim results, so these fixed-n p-values are optimistic; its decisions, with error control under that stopping, are the sequential design's (the sweep page's design table, tailsweep sweep status, sweeps.sequential in the API)",
      }),
    confirmations,
    toConfirm: toConfirm ?? null,
  };
}

/**
 * Where the default baseline differs from some compared configuration in more than one knob (a grid over variant × β
 * compares `variant=proposed beta=0.3` with `variant=gaussian beta=0.1`): their Δ mixes the knobs' effects, and a
 * reader of the table cannot tell. Said, with one example, so that a baseline is chosen on purpose.
 */
function crossedKnobsNote(compared: readonly Configuration[], baseline: Configuration): string[] {
  const apart = (c: Configuration) =>
    [...new Set([...Object.keys(c.params), ...Object.keys(baseline.params)])].filter(
      (knob) => paramValue(c.params[knob]) !== paramValue(baseline.params[knob]),
    );
  const crossed = compared.filter((c) => c.key !== baseline.key && apart(c).length > 1);
  const [first] = crossed;
  if (first === undefined) return [];
  return [
    `${crossed.length} of the ${compared.length - 1} configurations compared differ from the baseline ${baseline.label} in more than one knob (${first.label} in ${apart(first).join(" and ")}), so their Δ mixes those knobs' effects; name a baseline to compare within one setting (the study report compares within each)`,
  ];
}

/**
 * Why the compared configurations' means (`trials`: theirs only) cover different numbers of seeds, as the
 * uneven-seeds note says it: trials still to finish, trials that failed, or seeds planned for some configurations
 * only (a sequential design's stop, a top-up of the undecided), where one that ran fewer may have had easier seeds.
 */
function unevenBecause(trials: readonly TrialRecord[]): string {
  const planned = new Set([...groupBy(trials, (t) => t.configKey).values()].map((ts) => ts.length));
  const n = countByState(trials);
  const reasons = [
    n.waiting + n.running > 0 ? "some trials are still to finish" : "",
    n.failed + n.cancelled > 0 ? "some trials failed or were cancelled" : "",
    planned.size > 1
      ? "some configurations were given fewer seeds (a sequential design's stop, a top-up of others), and one that ran fewer may have had easier seeds"
      : "",
  ].filter((r) => r !== "");
  return reasons.length > 0 ? `: ${reasons.join("; ")}` : "";
}

/** One side of a comparison across sweeps: a sweep, and the configuration in it (its label, or some `key=value` pairs). */
export interface RunGroup {
  sweepId: string;
  config?: string;
}

/** A setting the compared runs do not share: its path, each group's value, and whether some sweep searched it. */
export interface SettingDifference {
  path: string;
  /** One per group, in the groups' order (`paramValue` text). */
  values: string[];
  /**
   * A setting that varies within one of the compared sweeps — a knob it searched, or one that follows from one (the
   * method sets the likelihood): a difference the comparison is about.
   */
  searched: boolean;
}

/** A run's settings as `path → value text`, without its seed (each trial's own): variant and section.knob. */
function runSettings(config: RunConfig): Map<string, string> {
  const out = new Map<string, string>([["variant", paramValue(config.variant)]]);
  for (const section of ["dataset", "model", "train"] as const)
    for (const [key, value] of Object.entries(config[section]))
      if (!(section === "train" && key === "seed")) out.set(`${section}.${key}`, paramValue(value));
  return out;
}

/**
 * The settings on which the groups' runs differ (issue #20 bug 10: runs of different training lengths were paired as
 * one experiment), and a warning when any of them is not a knob some compared sweep searched.
 */
function settingDifferences(
  configs: readonly RunConfig[],
  searched: ReadonlySet<string>,
): { differences: SettingDifference[]; note?: string } {
  const settings = configs.map(runSettings);
  const paths = [...new Set(settings.flatMap((s) => [...s.keys()]))].sort();
  const differences = paths.flatMap((path) => {
    const values = settings.map((s) => s.get(path) ?? "—");
    return new Set(values).size > 1 ? [{ path, values, searched: searched.has(path) }] : [];
  });
  const unsearched = differences.filter((d) => !d.searched);
  return {
    differences,
    ...(unsearched.length > 0 && {
      note: `these runs also differ in ${unsearched.map((d) => `${d.path} (${d.values.join(" | ")})`).join(", ")}, which no compared sweep varied: they are not one experiment, and pairing their seeds compares different setups as if only the configuration differed`,
    }),
  };
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
): Promise<
  MarkedTable & {
    metric: string;
    /** Each group's label, in the groups' order (the order of each difference's values). */
    groupLabels: string[];
    settingDifferences: SettingDifference[];
    settingsNote?: string;
    /** As {@link SweepComparison.unevenSeedsNote}: the groups' means cover different numbers of seeds. */
    unevenSeedsNote?: string;
    /** The confirmation seeds left out, by group label: a confirmation is its sweep's own test, not this one's. */
    confirmationNote?: string;
  }
> {
  if (groups.length < 2) throw new InvalidQueryError(`groups: compare at least 2, got ${groups.length}`);
  const baselineIndex = options.baseline ?? 0;
  if (!(baselineIndex >= 0 && baselineIndex < groups.length))
    throw new InvalidQueryError(
      `baseline: must be a group index from 0 to ${groups.length - 1}, got ${baselineIndex}`,
    );
  const observations: Observation[] = [];
  const labels: string[] = [];
  /** Each group's finished confirmation seeds, left out (`label: n seeds`). */
  const leftOut: string[] = [];
  /** One resolved run configuration per group (its settings are the configuration's, whatever the seed). */
  const runConfigs: RunConfig[] = [];
  /** Settings that vary between the configurations of some compared sweep. */
  const searched = new Set<string>();
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
    // Selection seeds only: a confirmation's fresh seeds are its own test (compareRuns' confirmations).
    const all = await loadSweepRuns(store, sweep);
    const { trials, results, revisions } = selectionRuns(all);
    const posthoc = posthocRevisionSet(revisions);
    const configs = [...configurationsOf(trials).values()];
    const config =
      group.config === undefined && configs.length === 1
        ? configs[0]!
        : resolveBaseline(configs, group.config, `groups[${i}].config`);
    const label = `${named(sweep)}${ambiguous(sweep) ? `#${sweep.id.slice(0, 8)}` : ""}: ${config.label}`;
    if (labels.includes(label))
      throw new InvalidQueryError(`groups[${i}]: the same runs as an earlier group (${label})`);
    labels.push(label);
    runConfigs.push(trials.find((t) => t.configKey === config.key)!.config);
    const own = configs.map((c) => runSettings(trials.find((t) => t.configKey === c.key)!.config));
    for (const [path, value] of own[0] ?? [])
      if (own.some((settings) => settings.get(path) !== value)) searched.add(path);
    for (const { trial, value } of finishedValues(trials, results, metric)) {
      if (trial.configKey !== config.key) continue;
      observations.push({ config: label, seed: trial.seed, value });
      if (posthoc.has(trial.revision)) addedBy.set(`${label}#${trial.seed}`, trial.revision);
    }
    const kept = new Set(trials.map((t) => t.id));
    const confirming = all.trials.filter(
      (t) => t.configKey === config.key && !kept.has(t.id) && all.results.has(t.id),
    );
    if (confirming.length > 0) leftOut.push(`${label}: ${plural(confirming.length, "seed")}`);
  }
  const table = compareConfigurations(observations, {
    baseline: labels[baselineIndex]!,
    direction: direction!,
    ...(options.correction && { correction: options.correction }),
    ...(options.alpha !== undefined && { alpha: options.alpha }),
  });
  const { differences, note } = settingDifferences(runConfigs, searched);
  const seedsOf = labels.map((label) => observations.filter((o) => o.config === label).length);
  const [fewest, most] = [Math.min(...seedsOf), Math.max(...seedsOf)];
  return {
    metric: metric!,
    ...markPosthoc(table, addedBy),
    groupLabels: labels,
    settingDifferences: differences,
    ...(note && { settingsNote: note }),
    ...(fewest < most && {
      unevenSeedsNote: unevenSeeds(`${fewest} to ${most} per group`),
    }),
    ...(leftOut.length > 0 && {
      confirmationNote: `confirmation seeds are left out (${leftOut.join("; ")}): a confirmation is tested against its own sweep's baseline on its own page, and mixed in here its fresh seeds would be selected on`,
    }),
  };
}

/** The note of a table whose means cover different seeds (`how`: how many, and why where known). */
const unevenSeeds = (how: string) =>
  `the means cover different seeds (${how}), so the best by mean is no matched comparison; the Δ column pairs each with the baseline seed by seed, and the share of seed resamples counts only the seeds they all ran`;

/**
 * {@link SweepComparison.designDecisions}: undefined where the metric is not the design's or its look is not taken.
 * The caller has checked that the table's baseline is the design's.
 */
function decisionsOfDesign(
  runs: SweepRuns,
  rows: readonly { config: string; posthocRevisions: number[] }[],
  keyOf: ReadonlyMap<string, string>,
  metric: string,
): Record<string, "decided" | "undecided"> | undefined {
  if (metric !== runs.sweep.spec.sequential?.decide.metric) return undefined;
  const status = sequentialStatus(runs);
  if (!status?.result || !status.configKeys) return undefined;
  const toppedUp = new Set(rows.filter((r) => r.posthocRevisions.length > 0).map((r) => keyOf.get(r.config)));
  const decisions: Record<string, "decided" | "undecided"> = {};
  for (const r of status.result.rows) {
    const key = status.configKeys[r.config]!;
    if (!toppedUp.has(key))
      decisions[key] = r.decision === "better" || r.decision === "worse" ? "decided" : "undecided";
  }
  return decisions;
}
