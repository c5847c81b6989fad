import {
  isInputError,
  knobValue,
  metricDirection,
  metricOf,
  resolveRunConfig,
  type SweepSpec,
} from "@tailsweep/schemas";
import {
  type ComparisonRow,
  type ComparisonTable,
  compareConfigurations,
  mean,
  type Observation,
  type SequentialRow,
  type Summary,
  summarize,
  summarizePerClass,
} from "@tailsweep/stats";
import {
  configLabel,
  paramValue,
  type RunStore,
  type SweepRecord,
  type TrialRecord,
  type TrialResult,
  unionSeconds,
} from "@tailsweep/sweep";
import { byRank, classAxisOf, ranksOf, tailOrder, usualMinority } from "../class-ranks";
import { configurationsOf } from "../comparison";
import { type Confirmation, confirmationSeeds, confirmationsOf, selectionRuns } from "../confirmation";
import { InvalidQueryError } from "../errors";
import { groupBy } from "../group-by";
import type { ParetoObjective, SweepParetoOptions } from "../pareto";
import { posthocRevisionSet, testedSeeds } from "../posthoc";
import { sequentialStatus } from "../sequential-sweep";
import { loadSweepRuns, SweepNotFoundError, type SweepRuns } from "../sweep-runs";
import { DEFAULT_REPORT_OBJECTIVES, reportObjectives, type SettingFront, settingFronts } from "./pareto";
import { type StudyLevel, type StudyLevelOptions, studyLevel } from "./study-level";

/**
 * The numbers a study report shows, computed from the run store and nothing else, so that `tailsweep report` and
 * its test read the same thing. Values are fractions (the Markdown shows percentages); every interval is a 95 %
 * Student-t interval over seeds; every comparison is paired by seed (Welch where seeds do not match) with p-values
 * Holm-corrected across the baselines it is compared with.
 */
export interface StudyReport {
  title: string;
  generatedAt: string;
  /** What each sweep's fixed settings are stated against (e.g. `paper preset`), if anything. */
  referenceName?: string;
  sweeps: SweepOverview[];
  /** First trial start to last trial finish over all the sweeps (NaN before any finished). */
  wallSeconds: number;
  /** Of that, the time some trial was running: sweeps run at different times leave gaps between them. */
  busySeconds: number;
  /**
   * The method every other method is compared with ({@link StudyReportOptions.baseline}): a method comparison's
   * differences are baseline − method, and its ▲ / ▼ say that this method is the better / worse one.
   */
  baseline: string;
  methodComparisons: MethodComparison[];
  sensitivities: Sensitivity[];
  missingModality: MissingModalityGroup[];
  /**
   * Each sweep's confirmation stages: the selected configurations against the baseline on fresh seeds, beside the
   * selection's estimate. The sections above are the selection stage, without those seeds.
   */
  confirmations: { sweepId: string; sweepName: string; confirmation: Confirmation }[];
  /**
   * Each sequential sweep's decisions (docs/statistics.md, "Sequential design"): the comparisons with its baseline at
   * the design's family-wise error, from its planned seeds only. For such a sweep these, not the fixed-n tests of the
   * tables, are the error-controlled answer: the tables' p-values ignore that the seeds stopped on the results.
   */
  sequential: SequentialDecisions[];
  /** Error control across settings and metrics, and one overall answer per baseline across settings. */
  study: StudyLevel;
  /** When asked for ({@link StudyReportOptions.pareto}): each method comparison's fronts, setting by setting. */
  pareto?: SettingFront[];
}

/** A sequential sweep's design and where its comparisons stand (see {@link StudyReport.sequential}). */
export interface SequentialDecisions {
  sweepId: string;
  sweepName: string;
  metric: string;
  baseline: string;
  alpha: number;
  correction: "holm" | "bonferroni";
  spending: "obrien-fleming" | "pocock";
  /** Seeds at each look of the plan. */
  looks: number[];
  /** The look the decisions are from (0-based). */
  look: number;
  /** Why the look is not taken yet, when it is not (trials to finish or retry): `rows` is then empty. */
  waiting?: string;
  /** The design can take no look (its stored baseline names no single configuration): `waiting` says why. */
  blocked?: true;
  /** One per configuration besides the baseline: its difference is configuration − baseline, as the design tests. */
  rows: SequentialRow[];
}

/** A metric the report compares methods on, with how to read it from a stored result. */
export interface ReportMetric {
  id: string;
  label: string;
  /** Which way is better: higher for all but the pseudo-labels' class shift. */
  direction: "maximize" | "minimize";
}

/** The metrics of the method comparison, in the order tables show them. */
export const REPORT_METRICS: readonly ReportMetric[] = [
  { id: "balancedAccuracy", label: "balanced accuracy", direction: "maximize" },
  { id: "macroF1", label: "macro-F1", direction: "maximize" },
  { id: "gMean", label: "G-mean", direction: "maximize" },
  { id: "minorityRecall", label: "minority-class recall", direction: "maximize" },
  { id: "pseudoBalancedAccuracy", label: "pseudo-label balanced accuracy", direction: "maximize" },
  { id: "pseudoMinorityRecall", label: "pseudo-label minority recall", direction: "maximize" },
  // the majority-class bias of the pseudo-labels, measured directly (issue #22)
  {
    id: "pseudoClassShift",
    label: "pseudo-label class shift (TV, lower is better)",
    direction: metricDirection("pseudoClassShift") ?? "maximize",
  },
];

/** What a sweep was, how it ran, and how its fixed settings differ from a reference configuration. */
export interface SweepOverview {
  id: string;
  project: string;
  name: string;
  status: SweepRecord["status"];
  trials: number;
  counts: Record<string, number>;
  /** First trial start to last trial finish (NaN before any finished). */
  wallSeconds: number;
  /** Sum of the trials' own training seconds. */
  trialSeconds: number;
  backends: string[];
  workers: number;
  search: Record<string, string[]>;
  /**
   * The seeds its trials ran outside confirmation stages, and the fewest and most of them one configuration ran (a
   * sequential design's differ); the fresh seeds of its confirmation stages.
   */
  seeds: number[];
  seedsPerConfig: { min: number; max: number };
  confirmationSeeds: number[];
  /**
   * With a validation set (`train.select: best`): the epochs whose weights its finished trials were tested with, how
   * many epochs were candidates, and how many trials kept the last one.
   */
  selectedEpochs?: {
    median: number;
    min: number;
    max: number;
    candidates: number;
    last: number;
    trials: number;
  };
  /** Fixed settings that differ from the reference (e.g. the `paper` preset): path, this sweep's value, the reference's. */
  differences: { path: string; value: string; reference: string }[];
  failures: { trial: string; params: string; error: string }[];
  /** People's tags and notes (Markdown) on the sweep. */
  tags: string[];
  notes: string;
}

/**
 * One comparison from its subject's side: in a method comparison the subject is the report's baseline method against
 * another method (differences baseline − method); in a sensitivity it is a configuration against the reference
 * (configuration − reference). `better` and `worse` follow the objective's direction.
 */
export interface Versus {
  /** Mean difference over matched seeds (or of the means under Welch). */
  diff: number;
  ci: [number, number];
  p: number;
  pHolm: number;
  /** Cohen's d_z (paired) or d (Welch), same sign as `diff`. */
  effect: number;
  method: "paired" | "welch" | "none";
  /** Matched seeds for 80 % power at the observed effect where it was not significant; NaN otherwise. */
  seedsNeeded: number;
  verdict: "better" | "worse" | "no detectable difference" | "degenerate" | "too few seeds";
  /** Its matched seeds include some added after looking at the results (a post-hoc top-up): p is optimistic. */
  posthoc: boolean;
  /** Set on a metric where lower is better: a positive `diff` is then the subject behind. */
  lowerIsBetter?: true;
  /** In the report's study-level family: p corrected across the whole family (see {@link StudyLevel}). */
  pStudy?: number;
  /** The verdict after the study-level correction (the same as `verdict` for a comparison that was not tested). */
  studyVerdict?: Versus["verdict"];
}

/** One method's numbers in one setting on one metric. */
export interface MethodCell {
  method: string;
  summary: Summary;
  versus?: Versus;
}

/** One setting (e.g. mnist-2view, ρ = 100, β = 0.1) of a method comparison. */
export interface SettingResult {
  label: string;
  params: Record<string, unknown>;
  /** metric id → one cell per method (methods without results are left out). */
  metrics: Record<string, MethodCell[]>;
  /**
   * metric id → method → the baseline's paired differences with it (baseline − method) seed by seed: what the
   * study-level overall answer pools across settings.
   */
  differences: Record<string, Record<string, { seed: number; diff: number }[]>>;
  /**
   * Per-class pseudo-label recall of each method on the unlabeled rows, and the minority classes, both indexed by
   * `classAxis`: the class itself where every trial has the natural class order, else the class's rank in the
   * long tail (0 = the head), because a random order makes a different digit the tail on every seed.
   */
  pseudoPerClass: { method: string; perClass: Summary[] }[];
  minorityClasses: number[];
  classAxis: "class" | "rank";
}

/** A sweep that searches `variant`: every method against the baseline method, setting by setting. */
export interface MethodComparison {
  sweepId: string;
  sweepName: string;
  /** The method the others are compared with (the report's `baseline`, `proposed` by default). */
  baseline: string;
  methods: string[];
  /** The searched parameters that make a setting (all but `variant`). */
  settingKeys: string[];
  settings: SettingResult[];
  /** metric id → method → verdict counts over settings (and the median seeds needed where undecided). */
  tally: Record<string, Record<string, Tally>>;
  /**
   * The sweep ran a sequential design: its configurations' seeds stopped on the results, so the fixed-n tests here
   * are descriptive and its design's decisions ({@link StudyReport.sequential}) are the error-controlled answer.
   */
  sequential: boolean;
}

/**
 * Verdicts of the baseline method against one other method across settings. `proposedBetter` / `proposedWorse` count
 * the settings where the baseline (the proposed model by default, whence the names) is the better / worse one.
 */
export interface Tally {
  proposedBetter: number;
  proposedWorse: number;
  undecided: number;
  tooFewSeeds: number;
  /** Settings where every seed gave the same difference: nothing to test against. */
  degenerate: number;
  /**
   * Of the ▲ and of the ▼, those whose comparison uses seeds added after looking at the results (a post-hoc top-up,
   * the cells marked †): their p-values are optimistic, and a count that hid them read as clean.
   */
  posthoc: { proposedBetter: number; proposedWorse: number };
  medianSeedsNeeded: number;
}

/** Counts of verdicts, with the ▲ and ▼ that rest on post-hoc seeds apart (a {@link Tally} but its seeds needed). */
export function tallyOf(
  verdicts: readonly Pick<Versus, "verdict" | "posthoc">[],
): Omit<Tally, "medianSeedsNeeded"> {
  const count = (verdict: Versus["verdict"], posthoc?: true) =>
    verdicts.filter((v) => v.verdict === verdict && (!posthoc || v.posthoc)).length;
  return {
    proposedBetter: count("better"),
    proposedWorse: count("worse"),
    undecided: count("no detectable difference"),
    tooFewSeeds: count("too few seeds"),
    degenerate: count("degenerate"),
    posthoc: { proposedBetter: count("better", true), proposedWorse: count("worse", true) },
  };
}

/** A sweep that does not search `variant` (e.g. γ × ν): every configuration against a reference configuration. */
export interface Sensitivity {
  sweepId: string;
  sweepName: string;
  metric: ReportMetric;
  keys: string[];
  /** The configuration the others are compared with: the sweep's own defaults where they were run, else the best. */
  reference: string;
  referenceIsDefault: boolean;
  configs: {
    label: string;
    params: Record<string, unknown>;
    summary: Summary;
    failed: number;
    versus?: Versus;
  }[];
  best: ComparisonTable["best"];
}

/** Test balanced accuracy with one modality missing, for the methods trained on all and the single-modality models. */
export interface MissingModalityGroup {
  /** The setting (data set, ρ, β) and the sweeps it comes from. */
  label: string;
  sweepIds: string[];
  modalities: { index: number; name: string }[];
  /** Column per observed modality (by index) plus `all`; rows: methods, the single-modality models last. */
  columns: { key: string; label: string; cells: MethodCell[] }[];
}

const SHORT_NAMES: Record<string, string> = {
  "dataset.imbalanceRatio": "ρ",
  "dataset.labelRatio": "β",
  "dataset.name": "data",
  "model.nu": "ν",
  "model.gamma": "γ",
  "model.modalities": "modalities",
};

/** A parameter's name as tables show it (ρ, β, ν, γ for the study's knobs). */
export function shortParam(path: string): string {
  return SHORT_NAMES[path] ?? path;
}

/** `mnist-2view ρ=100 β=0.1`: the data set by name, other parameters as `name=value`, in the given key order. */
export function settingLabel(params: Record<string, unknown>, keys: readonly string[]): string {
  return (
    keys
      .map((k) =>
        k === "dataset.name" ? paramValue(params[k]) : `${shortParam(k)}=${paramValue(params[k])}`,
      )
      .join(" ") || "(one setting)"
  );
}

/** Options of {@link buildStudyReport}. */
export interface StudyReportOptions {
  title?: string;
  /** The method every other is compared with (default {@link DEFAULT_BASELINE}). */
  baseline?: string;
  /** A configuration to state each sweep's fixed settings against (e.g. the `paper` preset). */
  reference?: { name: string; config: Record<string, unknown> };
  /** The study-level family and its correction (default: the primary metric, Holm). */
  study?: StudyLevelOptions;
  /**
   * Adds a Pareto section: per setting of each method comparison, the methods' front over these objectives (default
   * balanced accuracy × minority-class recall, both higher is better; docs/statistics.md P1–P3). A direction left
   * out is the metric's own, else higher is better; bad objectives are one InputError at `pareto.objectives`.
   */
  pareto?: { objectives?: SweepParetoOptions["objectives"] | undefined };
  now?: Date;
}

/** The method a report compares every other with unless told otherwise: the study's proposed model. */
export const DEFAULT_BASELINE = "proposed";

/** Reads the sweeps (one read of trials and one of results each) and computes every number of the report. */
export async function buildStudyReport(
  store: RunStore,
  sweepIds: readonly string[],
  options: StudyReportOptions = {},
): Promise<StudyReport> {
  if (sweepIds.length === 0) throw new InvalidQueryError("sweeps: name at least one sweep id");
  const loaded: SweepRuns[] = await Promise.all(
    sweepIds.map(async (id, i) => {
      const sweep = await store.getSweep(id);
      if (!sweep) throw new SweepNotFoundError(id, `sweeps[${i}]`);
      return loadSweepRuns(store, sweep);
    }),
  );
  const baseline = options.baseline ?? DEFAULT_BASELINE;
  // Every comparison is of the selection stage: a confirmation's fresh seeds are tested on their own, below.
  const selected = loaded.map(selectionRuns);
  const methodSweeps = selected.filter((l) => "variant" in l.sweep.spec.search);
  // A named baseline that no sweep's methods include would give sections of no tests, not a refusal
  const methods = new Set(methodSweeps.flatMap((l) => methodOrder(l.sweep.spec, baseline)));
  // the baseline and the Pareto objectives checked together: a bad --pareto is said with a bad --baseline
  const problems: string[] = [];
  if (options.baseline !== undefined && methodSweeps.length > 0 && !methods.has(options.baseline))
    problems.push(
      `baseline: '${options.baseline}' is no method of these sweeps (they compare ${[...methods].join(", ")})`,
    );
  let paretoObjectives: ParetoObjective[] | undefined;
  try {
    paretoObjectives =
      options.pareto &&
      reportObjectives(options.pareto.objectives ?? DEFAULT_REPORT_OBJECTIVES, methodSweeps);
  } catch (e) {
    if (!isInputError(e)) throw e;
    problems.push(e.message);
  }
  if (problems.length > 0) throw new InvalidQueryError(problems);
  const methodComparisons = methodSweeps.map((l) => methodComparison(l, baseline));
  const sensitivities = selected
    .filter((l) => !("variant" in l.sweep.spec.search) && !isSingleModalitySweep(l))
    .map((l) => sensitivity(l));
  const missing = missingModality(methodSweeps, selected.filter(isSingleModalitySweep), baseline);
  return {
    title: options.title ?? "Study report",
    generatedAt: (options.now ?? new Date()).toISOString(),
    ...(options.reference && { referenceName: options.reference.name }),
    baseline,
    sweeps: loaded.map((l) => overview(l, options.reference)),
    wallSeconds: wallSeconds(loaded.flatMap((l) => l.trials)),
    busySeconds: busySeconds(loaded.flatMap((l) => l.trials)),
    methodComparisons,
    sensitivities,
    missingModality: missing,
    sequential: loaded.flatMap((l) => sequentialDecisions(l) ?? []),
    study: studyLevel(methodComparisons, sensitivities, missing, { ...options.study, baseline }),
    ...(paretoObjectives && {
      pareto: methodComparisons.flatMap((mc, i) => settingFronts(methodSweeps[i]!, mc, paretoObjectives)),
    }),
    confirmations: loaded.flatMap((l) =>
      confirmationsOf(l, {
        metric: l.sweep.spec.objective.metric,
        direction: l.sweep.spec.objective.direction,
      }).map((confirmation) => ({ sweepId: l.sweep.id, sweepName: l.sweep.name, confirmation })),
    ),
  };
}

/** First trial start to last trial finish, in seconds (NaN before any finished). */
function wallSeconds(trials: readonly TrialRecord[]): number {
  const starts = trials.flatMap((t) => (t.startedAt ? [t.startedAt.getTime()] : []));
  const ends = trials.flatMap((t) => (t.finishedAt ? [t.finishedAt.getTime()] : []));
  return ends.length ? (Math.max(...ends) - Math.min(...starts)) / 1000 : Number.NaN;
}

/** The length of the union of the finished trials' [start, finish] intervals, in seconds (0 before any finished). */
export function busySeconds(trials: readonly Pick<TrialRecord, "startedAt" | "finishedAt">[]): number {
  return unionSeconds(
    trials.flatMap((t): [number, number][] =>
      t.startedAt && t.finishedAt ? [[t.startedAt.getTime(), t.finishedAt.getTime()]] : [],
    ),
  );
}

/** A trial's result if it succeeded (failed and unfinished trials count for nothing). */
function finishedResult(results: ReadonlyMap<string, TrialResult>, t: TrialRecord): TrialResult | undefined {
  return t.state === "succeeded" ? results.get(t.id) : undefined;
}

function overview(l: SweepRuns, reference: StudyReportOptions["reference"]): SweepOverview {
  const { sweep, trials, results } = l;
  const counts: Record<string, number> = {};
  for (const t of trials) counts[t.state] = (counts[t.state] ?? 0) + 1;
  const finished = [...results.values()];
  const selected = selectionRuns(l).trials;
  return {
    id: sweep.id,
    project: sweep.project,
    name: sweep.name,
    status: sweep.status,
    trials: trials.length,
    counts,
    wallSeconds: wallSeconds(trials),
    trialSeconds: finished.reduce((s, r) => s + r.seconds, 0),
    backends: [...new Set(finished.map((r) => r.backend))].sort(),
    workers: new Set(trials.flatMap((t) => (t.workerId ? [t.workerId] : []))).size,
    search: Object.fromEntries(
      Object.entries(sweep.spec.search).map(([k, v]) => [
        k,
        Array.isArray(v) ? v.map(paramValue) : [JSON.stringify(v)],
      ]),
    ),
    seeds: [...new Set(selected.map((t) => t.seed))].sort((a, b) => a - b),
    seedsPerConfig: seedsPerConfig(selected),
    confirmationSeeds: [...confirmationSeeds(l)].sort((a, b) => a - b),
    ...selectedEpochs(trials, results),
    differences: reference ? differences(sweep.spec, reference.config) : [],
    failures: trials
      .filter((t) => t.state === "failed")
      .map((t) => ({ trial: t.key, params: t.configLabel, error: t.error ?? "" })),
    tags: sweep.tags,
    notes: sweep.notes,
  };
}

function seedsPerConfig(trials: readonly TrialRecord[]): SweepOverview["seedsPerConfig"] {
  const counts = [...groupBy(trials, (t) => t.configKey).values()].map(
    (g) => new Set(g.map((t) => t.seed)).size,
  );
  return counts.length ? { min: Math.min(...counts), max: Math.max(...counts) } : { min: 0, max: 0 };
}

function selectedEpochs(
  trials: readonly TrialRecord[],
  results: ReadonlyMap<string, TrialResult>,
): Pick<SweepOverview, "selectedEpochs"> {
  const chosen = trials.flatMap((t) => {
    const selection = results.get(t.id)?.metrics.selection;
    return selection?.rule === "best" ? [{ ...selection, lastEpoch: t.config.train.epochs }] : [];
  });
  if (chosen.length === 0) return {};
  const epochs = chosen.map((c) => c.epoch).sort((a, b) => a - b);
  const candidates = Math.max(...chosen.map((c) => c.evaluated));
  const mid = epochs.length >> 1;
  return {
    selectedEpochs: {
      median: epochs.length % 2 ? epochs[mid]! : (epochs[mid - 1]! + epochs[mid]!) / 2,
      min: epochs[0]!,
      max: epochs.at(-1)!,
      candidates,
      last: chosen.filter((c) => c.epoch === c.lastEpoch).length,
      trials: chosen.length,
    },
  };
}

/** The sweep's fixed (unsearched) settings that differ from the reference's, section by section. */
function differences(spec: SweepSpec, reference: Record<string, unknown>): SweepOverview["differences"] {
  const base = resolveRunConfig({
    variant: spec.variant,
    dataset: spec.dataset,
    model: spec.model,
    train: spec.train,
  });
  const out: SweepOverview["differences"] = [];
  for (const [section, values] of Object.entries(reference)) {
    if (typeof values !== "object" || values === null) continue;
    for (const [key, ref] of Object.entries(values)) {
      const path = `${section}.${key}`;
      if (path in spec.search) continue;
      const value = knobValue(base, path);
      if (JSON.stringify(value) !== JSON.stringify(ref))
        out.push({ path, value: paramValue(value), reference: paramValue(ref) });
    }
  }
  return out;
}

/** Groups finished values by a key, keeping each seed's value (the last write wins; a trial has one seed). */
function observationsBy(
  trials: readonly TrialRecord[],
  results: ReadonlyMap<string, TrialResult>,
  value: (r: TrialResult, t: TrialRecord) => number | undefined,
  key: (t: TrialRecord) => string,
): Observation[] {
  const out: Observation[] = [];
  for (const t of trials) {
    const r = finishedResult(results, t);
    const v = r && value(r, t);
    if (v !== undefined && Number.isFinite(v)) out.push({ config: key(t), seed: t.seed, value: v });
  }
  return out;
}

/**
 * A row of `compareConfigurations` turned to its subject's side. `flip`: the reader's subject is the comparison's
 * baseline (the baseline method against the row's method), so signs and verdicts are mirrored.
 */
function toVersus(
  v: NonNullable<ComparisonRow["vsBaseline"]>,
  flip: boolean,
  posthoc: boolean,
  direction: ReportMetric["direction"] = "maximize",
): Versus {
  const c = v.comparison;
  const f = flip ? -1 : 1;
  const verdict: Versus["verdict"] =
    v.verdict === "inconclusive"
      ? "no detectable difference"
      : v.verdict === "too few seeds" || v.verdict === "degenerate"
        ? v.verdict
        : (v.verdict === "better") !== flip
          ? "better"
          : "worse";
  return {
    diff: c ? f * c.meanDiff : Number.NaN,
    ci: c ? (flip ? [-c.ci[1], -c.ci[0]] : c.ci) : [Number.NaN, Number.NaN],
    p: v.p,
    pHolm: v.pAdjusted,
    effect: c ? f * (c.method === "paired" ? c.dz : c.d) : Number.NaN,
    method: c?.method ?? "none",
    seedsNeeded: verdict === "no detectable difference" ? v.seedsNeeded : Number.NaN,
    verdict,
    posthoc,
    ...(direction === "minimize" && { lowerIsBetter: true as const }),
  };
}

/**
 * Every method against the baseline on one metric: summaries and the paired comparison, Holm across the methods,
 * with signs turned to read "baseline − method" (positive: the baseline is ahead, where higher is better).
 */
function versusBaseline(
  observations: Observation[],
  baseline: string,
  methods: readonly string[],
  posthoc: ReadonlySet<string> = new Set(),
  direction: ReportMetric["direction"] = "maximize",
): MethodCell[] {
  const present = new Set(observations.map((o) => o.config));
  if (!present.has(baseline))
    return methods
      .filter((m) => present.has(m))
      .map((method) =>
        cell(
          method,
          observations.filter((o) => o.config === method),
        ),
      );
  const table = compareConfigurations(observations, { baseline, direction, resamples: 0 });
  const byConfig = new Map(table.rows.map((r) => [r.config, r]));
  return methods.flatMap((method) => {
    const row = byConfig.get(method);
    if (!row) return [];
    const out: MethodCell = { method, summary: row.summary };
    if (row.vsBaseline) {
      const base = new Set(byConfig.get(baseline)!.seeds);
      const late = testedSeeds(row, base).some(
        (seed) => posthoc.has(`${method}#${seed}`) || posthoc.has(`${baseline}#${seed}`),
      );
      out.versus = toVersus(row.vsBaseline, true, late, direction);
    }
    return [out];
  });
}

/** The baseline's difference with each other method, seed by seed where both ran (baseline − method). */
function pairedDifferences(
  observations: readonly Observation[],
  baseline: string,
  methods: readonly string[],
): Record<string, { seed: number; diff: number }[]> {
  const observed = new Map(observations.map((o) => [`${o.config}#${o.seed}`, o.value]));
  const seeds = [...new Set(observations.map((o) => o.seed))].sort((a, b) => a - b);
  return Object.fromEntries(
    methods
      .filter((m) => m !== baseline)
      .map((method) => [
        method,
        seeds.flatMap((seed) => {
          const ours = observed.get(`${baseline}#${seed}`);
          const theirs = observed.get(`${method}#${seed}`);
          return ours === undefined || theirs === undefined ? [] : [{ seed, diff: ours - theirs }];
        }),
      ]),
  );
}

function cell(method: string, observations: Observation[]): MethodCell {
  return { method, summary: summarize(observations.map((o) => o.value)) };
}

/** The baseline method first, then the others as the sweep lists them. */
function methodOrder(spec: SweepSpec, baseline: string): string[] {
  const search = spec.search.variant;
  const listed = Array.isArray(search) ? search.map(paramValue) : [];
  return [...listed.filter((m) => m === baseline), ...listed.filter((m) => m !== baseline)];
}

function sequentialDecisions(l: SweepRuns): SequentialDecisions | undefined {
  const design = l.sweep.spec.sequential;
  const status = sequentialStatus(l, { adjustedP: true });
  if (!design || !status) return undefined;
  return {
    sweepId: l.sweep.id,
    sweepName: l.sweep.name,
    metric: design.decide.metric ?? l.sweep.spec.objective.metric,
    baseline: status.result?.baseline.config ?? design.decide.baseline,
    alpha: design.decide.alpha,
    correction: design.decide.correction,
    spending: design.decide.spending,
    looks: status.looks,
    look: status.look,
    ...(status.waiting !== undefined && { waiting: status.waiting }),
    ...(status.blocked && { blocked: true }),
    rows: status.result?.rows ?? [],
  };
}

/** The sweep's revisions that added seeds after looking at its results. */
function posthocRevisions(l: SweepRuns): Set<number> {
  return posthocRevisionSet(l.revisions);
}

function methodComparison(l: SweepRuns, baseline: string): MethodComparison {
  const { sweep, trials, results } = l;
  const settingKeys = Object.keys(sweep.spec.search)
    .filter((k) => k !== "variant")
    .sort((a, b) => (a === "dataset.name" ? -1 : b === "dataset.name" ? 1 : a.localeCompare(b)));
  const methods = methodOrder(sweep.spec, baseline);
  const bySetting = groupBy(trials, (t) => settingLabel(t.params, settingKeys));
  const methodOf = (t: TrialRecord) => paramValue(t.params.variant);
  const late = posthocRevisions(l);
  const settings: SettingResult[] = [...bySetting].map(([label, group]) => {
    const metrics: Record<string, MethodCell[]> = {};
    // The (method, seed) runs of this setting that a post-hoc revision added.
    const posthoc = new Set(group.filter((t) => late.has(t.revision)).map((t) => `${methodOf(t)}#${t.seed}`));
    const differences: SettingResult["differences"] = {};
    for (const metric of REPORT_METRICS) {
      const obs = observationsBy(group, results, (r) => metricOf(r.metrics, metric.id), methodOf);
      metrics[metric.id] = versusBaseline(obs, baseline, methods, posthoc, metric.direction);
      differences[metric.id] = pairedDifferences(obs, baseline, methods);
    }
    const classAxis = classAxisOf(group.map((t) => t.config));
    const minorityLists: number[][] = [];
    const pseudoPerClass = methods.flatMap((method) => {
      const perSeed: number[][] = [];
      for (const t of group) {
        if (methodOf(t) !== method) continue;
        const m = finishedResult(results, t)?.metrics;
        if (!m) continue;
        const order = classAxis === "rank" ? tailOrder(t.config, m.test.perClassRecall.length) : undefined;
        const byAxis = (perClass: number[]) => (order ? byRank(perClass, order) : perClass);
        if (m.pseudoLabels?.perClassRecall) perSeed.push(byAxis(m.pseudoLabels.perClassRecall));
        minorityLists.push(order ? ranksOf(m.minorityClasses, order) : m.minorityClasses);
      }
      return perSeed.length ? [{ method, perClass: summarizePerClass(perSeed) }] : [];
    });
    return {
      label,
      params: group[0]!.params,
      metrics,
      differences,
      pseudoPerClass,
      minorityClasses: usualMinority(minorityLists),
      classAxis,
    };
  });
  const order = searchOrder(sweep.spec, settingKeys);
  settings.sort((a, b) => order(a.params, b.params));
  const tally: MethodComparison["tally"] = {};
  for (const metric of REPORT_METRICS) {
    tally[metric.id] = {};
    for (const method of methods.filter((m) => m !== baseline)) {
      const versus = settings.flatMap((s) =>
        s.metrics[metric.id]!.flatMap((c) => (c.method === method && c.versus ? [c.versus] : [])),
      );
      const needed = versus.map((v) => v.seedsNeeded).filter(Number.isFinite);
      tally[metric.id]![method] = {
        ...tallyOf(versus),
        medianSeedsNeeded: needed.length ? summarize(needed).median : Number.NaN,
      };
    }
  }
  return {
    sweepId: sweep.id,
    sweepName: sweep.name,
    baseline,
    methods,
    settingKeys,
    settings,
    tally,
    sequential: sweep.spec.sequential !== undefined,
  };
}

/**
 * Orders configurations key by key as the sweep file lists each key's values (so `γ: [tied, -0.0005, …]` keeps that
 * order); values a list does not hold (random draws) go after, numbers numerically, anything else as text.
 */
function searchOrder(spec: SweepSpec, keys: readonly string[]) {
  const position = (k: string, v: unknown) => {
    const listed = spec.search[k];
    const i = Array.isArray(listed) ? listed.map(paramValue).indexOf(paramValue(v)) : -1;
    return i < 0 ? Number.POSITIVE_INFINITY : i;
  };
  return (a: Record<string, unknown>, b: Record<string, unknown>): number => {
    for (const k of keys) {
      const x = a[k];
      const y = b[k];
      const byList = position(k, x) - position(k, y);
      if (Number.isFinite(byList) && byList !== 0) return byList;
      const d =
        typeof x === "number" && typeof y === "number" ? x - y : paramValue(x).localeCompare(paramValue(y));
      if (d !== 0) return d;
    }
    return 0;
  };
}

function isSingleModalitySweep(l: SweepRuns): boolean {
  return (
    "model.modalities" in l.sweep.spec.search &&
    l.trials.length > 0 &&
    l.trials.every((t) => t.config.model.modalities.length === 1)
  );
}

function sensitivity(l: SweepRuns): Sensitivity {
  const { sweep, trials, results } = l;
  const metric = REPORT_METRICS.find((m) => m.id === sweep.spec.objective.metric) ?? {
    id: sweep.spec.objective.metric,
    label: sweep.spec.objective.metric,
    direction: sweep.spec.objective.direction,
  };
  const keys = Object.keys(sweep.spec.search).sort();
  // Grouped by configKey, shown (and compared) by each configuration's unique label.
  const configurations = configurationsOf(trials);
  const labelOf = (t: TrialRecord) => configurations.get(t.configKey)!.label;
  const obs = observationsBy(trials, results, (r) => metricOf(r.metrics, metric.id), labelOf);
  const base = resolveRunConfig({
    variant: sweep.spec.variant,
    dataset: sweep.spec.dataset,
    model: sweep.spec.model,
    train: sweep.spec.train,
  });
  const defaults = Object.fromEntries(keys.map((k) => [k, knobValue(base, k)]));
  const defaultLabel = configLabel(defaults);
  const labels = new Set(obs.map((o) => o.config));
  const direction = sweep.spec.objective.direction === "maximize" ? 1 : -1;
  const ranked = [...labels].sort(
    (a, b) => direction * (meanOf(obs, b) - meanOf(obs, a)) || a.localeCompare(b),
  );
  const referenceIsDefault = labels.has(defaultLabel);
  const reference = referenceIsDefault ? defaultLabel : (ranked[0] ?? defaultLabel);
  const table =
    labels.size > 0
      ? compareConfigurations(obs, {
          baseline: reference,
          direction: sweep.spec.objective.direction,
          // the bootstrap stays on here: it gives the best configuration's probability of being best
        })
      : null;
  const rows = new Map(table?.rows.map((r) => [r.config, r]) ?? []);
  const lateRevisions = posthocRevisions(l);
  const late = new Set(
    trials.filter((t) => lateRevisions.has(t.revision)).map((t) => `${labelOf(t)}#${t.seed}`),
  );
  const referenceSeeds = new Set(rows.get(reference)?.seeds ?? []);
  const configs = [...groupBy(trials, labelOf)].map(([label, group]) => {
    const row = rows.get(label);
    const posthoc =
      row !== undefined &&
      testedSeeds(row, referenceSeeds).some(
        (seed) => late.has(`${label}#${seed}`) || late.has(`${reference}#${seed}`),
      );
    return {
      label,
      params: group[0]!.params,
      summary: row?.summary ?? summarize([]),
      failed: group.filter((t) => t.state === "failed").length,
      ...(row?.vsBaseline && {
        versus: toVersus(row.vsBaseline, false, posthoc, sweep.spec.objective.direction),
      }),
    };
  });
  const order = searchOrder(sweep.spec, keys);
  configs.sort((a, b) => order(a.params, b.params));
  return {
    sweepId: sweep.id,
    sweepName: sweep.name,
    metric,
    keys,
    reference,
    referenceIsDefault,
    configs,
    best: table?.best ?? null,
  };
}

function meanOf(obs: Observation[], config: string): number {
  return mean(obs.filter((o) => o.config === config).map((o) => o.value));
}

/** What makes two trials comparable across sweeps: the data recipe and sizes, without the seed or the method. */
function comparableKey(t: TrialRecord): string {
  const { seed: _d, ...dataset } = t.config.dataset as Record<string, unknown>;
  const { seed: _t, ...train } = t.config.train as Record<string, unknown>;
  const m = t.config.model;
  return JSON.stringify([
    sortKeys(dataset),
    sortKeys(train),
    m.encoderWidths,
    m.decoderWidths,
    m.classifierWidths,
    m.latentDim,
  ]);
}

const sortKeys = (o: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));

/**
 * Missing modality: in every setting where single-modality models were trained (a sweep over `model.modalities`),
 * the multimodal methods of the method sweeps at the same data recipe and sizes, evaluated with only one modality
 * observed at test time, beside the model trained on that modality alone; paired by seed, Holm across methods.
 */
function missingModality(
  methodSweeps: SweepRuns[],
  singleSweeps: SweepRuns[],
  baseline: string,
): MissingModalityGroup[] {
  const groups: MissingModalityGroup[] = [];
  const singles = singleSweeps.flatMap((l) => l.trials.map((t) => ({ l, t })));
  const keys = [...new Set(singles.map(({ t }) => comparableKey(t)))];
  for (const key of keys) {
    const singleHere = singles.filter(({ t }) => comparableKey(t) === key);
    const multi = methodSweeps.flatMap((l) =>
      l.trials
        .filter((t) => comparableKey(t) === key && t.config.model.modalities.length !== 1)
        .map((t) => ({ l, t })),
    );
    if (multi.length === 0) continue;
    const first = singleHere[0]!.t;
    const modalityNames = new Map<number, string>();
    for (const { l, t } of multi) {
      const r = l.results.get(t.id)?.metrics;
      for (const p of r?.perModality ?? []) modalityNames.set(p.modality, p.name);
    }
    const modalities = [...modalityNames]
      .sort((a, b) => a[0] - b[0])
      .map(([index, name]) => ({ index, name }));
    const methods = [
      ...new Set(
        multi.filter(({ l, t }) => perModality(l, t).length > 1).map(({ t }) => paramValue(t.config.variant)),
      ),
    ];
    if (!methods.includes(baseline)) continue;
    methods.sort((a, b) => (a === baseline ? -1 : b === baseline ? 1 : 0));
    const columns: MissingModalityGroup["columns"] = modalities.map(({ index, name }) => {
      const obs: Observation[] = [];
      for (const { l, t } of multi) {
        const v = perModality(l, t).find((p) => p.modality === index)?.balancedAccuracy;
        // NaN: balanced accuracy undefined on this test set (stored as null); it must not enter a mean.
        if (v !== undefined && Number.isFinite(v) && methods.includes(paramValue(t.config.variant)))
          obs.push({ config: paramValue(t.config.variant), seed: t.seed, value: v });
      }
      const trainedAlone = `trained on ${name} only`;
      for (const { l, t } of singleHere) {
        const r = finishedResult(l.results, t);
        const v = r && metricOf(r.metrics, "balancedAccuracy");
        if (t.config.model.modalities[0] === index && v !== undefined)
          obs.push({ config: trainedAlone, seed: t.seed, value: v });
      }
      return {
        key: String(index),
        label: `${name} only`,
        cells: versusBaseline(obs, baseline, [...methods, trainedAlone]),
      };
    });
    const all: Observation[] = [];
    for (const { l, t } of multi) {
      const r = finishedResult(l.results, t);
      const v = r && metricOf(r.metrics, "balancedAccuracy");
      if (v !== undefined && methods.includes(paramValue(t.config.variant)))
        all.push({ config: paramValue(t.config.variant), seed: t.seed, value: v });
    }
    columns.push({ key: "all", label: "all observed", cells: versusBaseline(all, baseline, methods) });
    const d = first.config.dataset;
    groups.push({
      label: `${d.name} ρ=${d.imbalanceRatio} β=${d.labelRatio}`,
      sweepIds: [...new Set([...singleHere, ...multi].map(({ l }) => l.sweep.id))],
      modalities,
      columns,
    });
  }
  return groups;
}

function perModality(l: SweepRuns, t: TrialRecord): { modality: number; balancedAccuracy: number }[] {
  return finishedResult(l.results, t)?.metrics.perModality ?? [];
}
