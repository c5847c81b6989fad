import type { TrialMetrics } from "@tailsweep/schemas";
import { averageConfusion, summarize, summarizePerClass, tInterval } from "@tailsweep/stats";
import {
  configLabel,
  type EpochCurvePoint,
  type EpochSeriesMetric,
  paramValue,
  sweepProgress,
  type TrialResult,
  takesGpuTrials,
  type WorkerRecord,
  workerStatus,
} from "@tailsweep/sweep";
import { byRank, classAxisOf, confusionByRank, ranksOf, tailOrder, usualMinority } from "./class-ranks";
import { configurationsOf, finishedValues, rankSelection } from "./comparison";
import { selectionRuns } from "./confirmation";
import { InvalidQueryError } from "./errors";
import { failureSummary } from "./failure-summary";
import type { SweepRuns } from "./sweep-runs";
import { tableMetrics } from "./trial-table-view";

/**
 * A line of the sweep list: progress and the best configuration so far by the sweep's objective (on the selection
 * seeds: a confirmation's fresh seeds, run for the chosen configurations only, would tilt the ranking).
 */
export function sweepListEntry(runs: SweepRuns) {
  const { sweep, trials } = runs;
  const progress = sweepProgress(trials);
  return {
    id: sweep.id,
    project: sweep.project,
    name: sweep.name,
    status: sweep.status,
    createdAt: sweep.createdAt,
    trialCount: sweep.trialCount,
    tags: sweep.tags,
    notes: sweep.notes,
    counts: progress.counts,
    progress,
    objective: sweep.spec.objective,
    best: rankSelection(runs)[0] ?? null,
  };
}

/**
 * A sweep with its progress (counts, ETA) and the workers that ran or run its trials: host, backend, whether they
 * are online, and how many of its trials each has running and finished. `gpu` says how many of its trials only a
 * GPU worker may run, how many of those wait, and how many GPU workers are online; `failures`, why trials failed.
 */
export function sweepOverview(
  { sweep, trials }: Pick<SweepRuns, "sweep" | "trials">,
  known: readonly WorkerRecord[],
  now: Date,
) {
  const progress = sweepProgress(trials, now);
  const mine = new Map<string, { running: number; finished: number; backend?: string }>();
  for (const trial of trials) {
    if (!trial.workerId) continue;
    const w = mine.get(trial.workerId) ?? { running: 0, finished: 0 };
    if (trial.state === "running") w.running++;
    else if (trial.state === "succeeded" || trial.state === "failed") w.finished++;
    w.backend ??= trial.backend;
    mine.set(trial.workerId, w);
  }
  const needGpu = trials.filter((trial) => trial.kind === "gpu");
  const gpu = {
    trials: needGpu.length,
    waiting: needGpu.filter((trial) => trial.state === "waiting").length,
    workersOnline: known.filter((w) => takesGpuTrials(w, now)).length,
  };
  const workers = [...mine].map(([id, w]) => {
    const record = known.find((k) => k.id === id);
    return {
      id,
      host: record?.host ?? null,
      backend: record?.backend ?? w.backend ?? null,
      gpu: record?.gpu ?? null,
      status: record ? workerStatus(record, now) : null,
      running: w.running,
      finished: w.finished,
    };
  });
  return { ...sweep, counts: progress.counts, progress, workers, gpu, failures: failureSummary(trials) };
}

/**
 * The training time checkpoints saved a sweep: how many succeeded trials finished on an attempt that resumed from a
 * checkpoint, and the seconds of training those attempts did not redo (what earlier attempts spent reaching it).
 */
export function checkpointSavings(results: readonly (TrialResult | undefined)[]): {
  resumedTrials: number;
  savedSeconds: number;
} {
  let resumedTrials = 0;
  let savedSeconds = 0;
  for (const r of results) {
    if (!r?.metrics.resumed) continue;
    resumedTrials++;
    savedSeconds += r.metrics.resumed.savedSeconds;
  }
  return { resumedTrials, savedSeconds };
}

/**
 * Every trial with its configuration label, whether only a GPU worker may run it, its test metrics, and the metrics
 * the trials table offers (`metrics`, by `TABLE_METRICS` id; null without a result).
 */
export function trialTable({ trials, results }: SweepRuns) {
  return trials.map((trial) => {
    const r = results.get(trial.id);
    return {
      ...trial,
      config: trial.configLabel,
      gpu: trial.kind === "gpu",
      seconds: r?.seconds ?? null,
      test: r?.metrics.test ?? null,
      metrics: r ? tableMetrics(r.metrics) : null,
    };
  });
}

/**
 * A metric's seed-mean over two swept parameters (e.g. ν × γ, ρ × β): one cell per pair of values, averaged over
 * seeds and over every other swept parameter (`n` says how many runs a cell holds). Default metric: the objective.
 */
export function sweepHeatmap(runs: SweepRuns, axes: { x: string; y: string; metric?: string | undefined }) {
  // Selection seeds only, like the comparison table: a confirmation ran some cells on more seeds than the rest.
  const { sweep, trials, results } = selectionRuns(runs);
  const swept = Object.keys(sweep.spec.search);
  const problems = (["x", "y"] as const)
    .filter((axis) => !swept.includes(axes[axis]))
    .map(
      (axis) => `${axis}: '${axes[axis]}' is not a swept parameter of this sweep; swept: ${swept.join(", ")}`,
    );
  if (problems.length > 0) throw new InvalidQueryError(problems);
  const metric = axes.metric ?? sweep.spec.objective.metric;
  const cells = new Map<string, { x: string; y: string; values: number[] }>();
  for (const { trial, value } of finishedValues(trials, results, metric)) {
    const x = paramValue(trial.params[axes.x]);
    const y = paramValue(trial.params[axes.y]);
    const cell = cells.get(`${x}\u0000${y}`) ?? { x, y, values: [] };
    cell.values.push(value);
    cells.set(`${x}\u0000${y}`, cell);
  }
  const order = (axis: string) =>
    [...new Set(trials.map((trial) => paramValue(trial.params[axis])))].sort(
      (a, b) => Number(a) - Number(b) || a.localeCompare(b),
    );
  return {
    metric,
    direction: sweep.spec.objective.direction,
    xValues: order(axes.x),
    yValues: order(axes.y),
    cells: [...cells.values()].map((c) => {
      const s = summarize(c.values);
      return { x: c.x, y: c.y, n: s.n, mean: s.mean, ci: s.ci };
    }),
  };
}

/** One configuration's learning curve points: epoch, seeds, seed mean and its t interval. */
type CurvePoint = { epoch: number; n: number; mean: number; ci: [number, number] };

/**
 * Learning curves: per configuration and epoch, the mean over seeds with its t interval (the band a chart draws),
 * from the store's per-epoch aggregates. `points` come from finished trials only, so a curve's seeds do not change
 * from epoch to epoch as trials finish; `running` is the partial curve of the trials still training, kept apart
 * (issue #20 bug 5). A configuration with only running trials has no `points` yet, and is still listed.
 */
export function learningCurves(points: readonly EpochCurvePoint[], metric: EpochSeriesMetric) {
  const byConfig = new Map<string, { label: string; points: CurvePoint[]; running: CurvePoint[] }>();
  for (const p of points) {
    const curve = byConfig.get(p.configKey) ?? { label: configLabel(p.params), points: [], running: [] };
    (p.finished ? curve.points : curve.running).push({
      epoch: p.epoch,
      n: p.n,
      mean: p.mean,
      ci: tInterval(p.n, p.mean, p.sd),
    });
    byConfig.set(p.configKey, curve);
  }
  const byEpoch = (a: CurvePoint, b: CurvePoint) => a.epoch - b.epoch;
  return {
    metric,
    configs: [...byConfig]
      .map(([configKey, c]) => ({
        config: c.label,
        configKey,
        points: c.points.sort(byEpoch),
        running: c.running.sort(byEpoch),
        /** Finished seeds at the first epoch (every finished trial has it). */
        seeds: c.points.reduce((n, p) => Math.max(n, p.n), 0),
      }))
      .sort((a, b) => a.config.localeCompare(b.config)),
  };
}

/**
 * Per-class results per configuration, over seeds: test recall per class (mean and t interval), the averaged
 * confusion matrix (and row-normalised), and pseudo-label recall per class on the unlabeled rows. `classAxis` says
 * what the index is: the class, or, where the class order is drawn per seed, the class's rank in the long tail (0 = the
 * head), each trial's numbers re-indexed so that a mean over seeds compares like with like. Like the comparison table
 * beside it, it reads the selection stage: a confirmation's fresh seeds are in its own table, not in these means.
 */
export function perClassResults(runs: SweepRuns) {
  const { trials, results } = selectionRuns(runs);
  const configs = configurationsOf(trials);
  const finished = trials.flatMap((trial) => {
    const metrics = results.get(trial.id)?.metrics;
    return trial.state === "succeeded" && metrics ? [{ trial, metrics }] : [];
  });
  const classAxis = classAxisOf(finished.map((f) => f.trial.config));
  const byConfig = new Map<string, TrialMetrics[]>();
  for (const { trial, metrics } of finished) {
    const m =
      classAxis === "rank"
        ? rankedMetrics(metrics, tailOrder(trial.config, metrics.test.perClassRecall.length))
        : metrics;
    byConfig.set(trial.configKey, [...(byConfig.get(trial.configKey) ?? []), m]);
  }
  return [...byConfig]
    .map(([configKey, runs]) => ({ config: configs.get(configKey)!.label, configKey, runs }))
    .sort((a, b) => a.config.localeCompare(b.config))
    .map(({ config, configKey, runs }) => {
      const pseudo = runs.flatMap((r) => (r.pseudoLabels ? [r.pseudoLabels.perClassRecall] : []));
      return {
        config,
        configKey,
        seeds: runs.length,
        classAxis,
        recall: summarizePerClass(runs.map((r) => r.test.perClassRecall)),
        confusion: averageConfusion(runs.map((r) => r.test.confusion)),
        pseudoLabelRecall: pseudo.length === runs.length ? summarizePerClass(pseudo) : null,
        minorityClasses: usualMinority(runs.map((r) => r.minorityClasses)),
      };
    });
}

/** The per-class parts of a trial's metrics re-indexed by tail rank (`order`: rank r ↦ class). */
function rankedMetrics(metrics: TrialMetrics, order: readonly number[]): TrialMetrics {
  return {
    ...metrics,
    test: {
      ...metrics.test,
      perClassRecall: byRank(metrics.test.perClassRecall, order),
      perClassPrecision: byRank(metrics.test.perClassPrecision, order),
      confusion: confusionByRank(metrics.test.confusion, order),
    },
    minorityClasses: ranksOf(metrics.minorityClasses, order),
    ...(metrics.pseudoLabels && {
      pseudoLabels: {
        ...metrics.pseudoLabels,
        perClassRecall: byRank(metrics.pseudoLabels.perClassRecall, order),
      },
    }),
  };
}

/**
 * What a sweep offers to compare across sweeps: its configurations with finished seeds and objective mean (selection
 * seeds, as compareAcrossSweeps pairs them).
 */
export function catalogEntry(runs: SweepRuns) {
  const { sweep } = runs;
  return {
    id: sweep.id,
    project: sweep.project,
    name: sweep.name,
    createdAt: sweep.createdAt,
    objective: sweep.spec.objective,
    configs: rankSelection(runs),
  };
}
