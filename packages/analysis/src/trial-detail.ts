/**
 * What a trial's page shows beyond its identity: the final metrics, the per-class view that class imbalance needs, the
 * confusion matrix, and its loss terms and test metrics per epoch as charts. Computed here so the page only renders.
 */
import { type ChartOption, epochLinesOption, renderSvg } from "@tailsweep/charts";
import type { TrialMetrics } from "@tailsweep/schemas";
import type { EpochMetric } from "@tailsweep/sweep";

/** One row of the final-metrics table: what was measured on which rows, as a fraction (NaN where undefined). */
export interface FinalMetricRow {
  metric: string;
  on: string;
  value: number;
}

/** One class of the per-class table. */
export interface PerClassRow {
  classIndex: number;
  /** Test rows of the class, and whether it is one of the tail classes minority recall averages. */
  support: number;
  minority: boolean;
  recall: number;
  precision: number;
  /** Pseudo-label recall on the unlabeled training rows and the share of those rows given this class. */
  pseudoRecall?: number;
  pseudoShare?: number;
  /** The share of those rows truly of this class (what `pseudoShare` is measured against). */
  trueShare?: number;
}

/**
 * A chart of the trial page: its option (what the browser's live chart draws), the same drawn to SVG on the server
 * (the first paint), and the unit its values print in.
 */
export interface EpochChart {
  option: ChartOption;
  svg: string;
  unit: "%" | "";
}

/** The trial page's view of a finished trial (null parts where it has no result or no epochs). */
export interface TrialDetail {
  final: FinalMetricRow[];
  perClass: PerClassRow[];
  /** confusion[t][p] as a percentage of true class t's test rows. */
  confusionPercent: number[][];
  /** Loss terms per epoch of the attempt shown (docs/model.md eq. J), and its test metrics where evaluated. */
  lossChart: EpochChart | null;
  testChart: EpochChart | null;
  /** Validation metrics per epoch, when the trial had a validation set (its test set is then read once). */
  validationChart: EpochChart | null;
  /** Which epoch's weights the test numbers are from, and why, when the trial chose on a validation set. */
  selection: string | null;
}

const chartOf = (option: ChartOption, unit: EpochChart["unit"]): EpochChart => ({
  option,
  svg: renderSvg(option),
  unit,
});

/** One line per set of classification metrics an epoch can carry. */
function metricsChart(epochs: readonly EpochMetric[], set: "test" | "validation"): EpochChart | null {
  const evaluated = epochs.flatMap((e) => (e[set] ? [{ epoch: e.epoch, values: e[set] }] : []));
  if (evaluated.length === 0) return null;
  return chartOf(
    epochLinesOption({
      title: `${set} metrics per epoch (%)`,
      series: (["balancedAccuracy", "accuracy", "macroF1"] as const).map((m) => ({
        name: m,
        points: evaluated.map((e): [number, number] => [e.epoch, 100 * e.values[m]]),
      })),
    }),
    "%",
  );
}

/** How a result's epoch was chosen, in words (`train.select`). */
export function selectionText(selection: NonNullable<TrialMetrics["selection"]>): string {
  const value = `${(100 * selection.value).toFixed(1)} %`;
  return selection.rule === "best"
    ? `tested with epoch ${selection.epoch}'s weights: the best validation balanced accuracy (${value}) of ${selection.evaluated} validated epochs (train.select: best)`
    : `tested with the last epoch's weights (epoch ${selection.epoch}, validation balanced accuracy ${value}; train.select: last)`;
}

/** The view of a trial from its stored result and the epochs of the attempt shown. */
export function trialDetail(metrics: TrialMetrics | undefined, epochs: readonly EpochMetric[]): TrialDetail {
  const lossChart =
    epochs.length > 0
      ? chartOf(
          epochLinesOption({
            title: "loss terms per epoch (mean over the epoch's steps)",
            series: (["total", "labeled", "unlabeled", "classification"] as const).map((term) => ({
              name: term,
              points: epochs.map((e): [number, number] => [e.epoch, e.loss[term]]),
            })),
          }),
          "",
        )
      : null;
  const testChart = metricsChart(epochs, "test");
  const validationChart = metricsChart(epochs, "validation");
  const charts = { lossChart, testChart, validationChart };
  const selection = metrics?.selection ? selectionText(metrics.selection) : null;
  if (!metrics) return { final: [], perClass: [], confusionPercent: [], ...charts, selection };
  const { test } = metrics;
  const minority = new Set(metrics.minorityClasses);
  const final: FinalMetricRow[] = [
    { metric: "accuracy", on: "test, every modality", value: test.accuracy },
    { metric: "balanced accuracy", on: "test, every modality", value: test.balancedAccuracy },
    { metric: "macro-F1", on: "test, every modality", value: test.macroF1 },
    { metric: "G-mean", on: "test, every modality", value: test.gMean },
    {
      metric: "minority recall",
      on: `test, tail classes ${metrics.minorityClasses.join(", ")}`,
      value: metrics.minorityRecall,
    },
    ...metrics.perModality.map((m) => ({
      metric: "balanced accuracy",
      on: `test, ${m.name} only`,
      value: m.balancedAccuracy,
    })),
    ...(metrics.pseudoLabels
      ? [
          {
            metric: "pseudo-label accuracy",
            on: "unlabeled training rows",
            value: metrics.pseudoLabels.accuracy,
          },
          {
            metric: "pseudo-label balanced accuracy",
            on: "unlabeled training rows",
            value: metrics.pseudoLabels.balancedAccuracy,
          },
          ...(metrics.pseudoLabels.classShift !== undefined
            ? [
                {
                  metric: "pseudo-label class shift (total variation, lower is better)",
                  on: "unlabeled training rows: predicted against true class shares",
                  value: metrics.pseudoLabels.classShift,
                },
              ]
            : []),
        ]
      : []),
    ...(metrics.selection
      ? [
          {
            metric: "balanced accuracy",
            on: `validation, epoch ${metrics.selection.epoch} (${metrics.selection.rule === "best" ? "chosen on it" : "the last"})`,
            value: metrics.selection.value,
          },
        ]
      : []),
  ];
  const support = test.confusion.map((row) => row.reduce((a, b) => a + b, 0));
  const perClass = test.perClassRecall.map((recall, k) => ({
    classIndex: k,
    support: support[k] ?? 0,
    minority: minority.has(k),
    recall,
    precision: test.perClassPrecision[k] ?? Number.NaN,
    ...(metrics.pseudoLabels && {
      pseudoRecall: metrics.pseudoLabels.perClassRecall[k] ?? Number.NaN,
      pseudoShare: metrics.pseudoLabels.predictedShare[k] ?? Number.NaN,
      ...(metrics.pseudoLabels.trueShare && { trueShare: metrics.pseudoLabels.trueShare[k] ?? Number.NaN }),
    }),
  }));
  const confusionPercent = test.confusion.map((row, k) =>
    row.map((count) => (support[k]! > 0 ? (100 * count) / support[k]! : Number.NaN)),
  );
  return { final, perClass, confusionPercent, ...charts, selection };
}
