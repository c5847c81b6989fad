/**
 * What a trial's page shows beyond its identity: the final metrics, the per-class view that class imbalance needs, the
 * confusion matrix, and its loss terms and test metrics per epoch as charts. Computed here so the page only renders.
 */
import { epochLinesSvg } from "@tailsweep/charts";
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
}

/** The trial page's view of a finished trial (null parts where it has no result or no epochs). */
export interface TrialDetail {
  final: FinalMetricRow[];
  perClass: PerClassRow[];
  /** confusion[t][p] as a percentage of true class t's test rows. */
  confusionPercent: number[][];
  /** Loss terms per epoch of the attempt shown (docs/model.md eq. J), and its test metrics where evaluated. */
  lossSvg: string | null;
  testSvg: string | null;
}

/** The view of a trial from its stored result and the epochs of the attempt shown. */
export function trialDetail(metrics: TrialMetrics | undefined, epochs: readonly EpochMetric[]): TrialDetail {
  const lossSvg =
    epochs.length > 0
      ? epochLinesSvg({
          title: "loss terms per epoch (mean over the epoch's steps)",
          series: (["total", "labeled", "unlabeled", "classification"] as const).map((term) => ({
            name: term,
            points: epochs.map((e): [number, number] => [e.epoch, e.loss[term]]),
          })),
        })
      : null;
  const evaluated = epochs.filter((e) => e.test);
  const testSvg =
    evaluated.length > 0
      ? epochLinesSvg({
          title: "test metrics per epoch (%)",
          series: (["balancedAccuracy", "accuracy", "macroF1"] as const).map((m) => ({
            name: m,
            points: evaluated.map((e): [number, number] => [e.epoch, 100 * e.test![m]]),
          })),
        })
      : null;
  if (!metrics) return { final: [], perClass: [], confusionPercent: [], lossSvg, testSvg };
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
    }),
  }));
  const confusionPercent = test.confusion.map((row, k) =>
    row.map((count) => (support[k]! > 0 ? (100 * count) / support[k]! : Number.NaN)),
  );
  return { final, perClass, confusionPercent, lossSvg, testSvg };
}
