import { z } from "zod";

/**
 * A metric's number. The trainer writes NaN where a metric is undefined (a class with no test rows); JSON, on the
 * bus and in the database, turns NaN into null, which reads back as NaN so that both paths give the same value.
 */
export const MetricNumberSchema = z.union([z.number(), z.nan(), z.null().transform(() => Number.NaN)]);
const metricNumber = MetricNumberSchema;

/** Mean loss terms of an epoch (docs/model.md eq. J). */
export const LossSchema = z.object({
  total: z.number(),
  labeled: z.number(),
  unlabeled: z.number(),
  classification: z.number(),
});

/**
 * The classification metrics an epoch reports for a set it was evaluated on: the test set (without a validation
 * set), or the validation set (with one: the test set is then read once, at the end).
 */
export const EpochTestSchema = z.object({
  accuracy: z.number(),
  balancedAccuracy: z.number(),
  macroF1: z.number(),
});

/** One epoch as the trainer's history keeps it (the same numbers as the epoch event). */
const HistoryEntrySchema = z.object({
  epoch: z.number().int().min(1),
  loss: LossSchema,
  seconds: z.number(),
  test: z
    .object({ accuracy: metricNumber, balancedAccuracy: metricNumber, macroF1: metricNumber })
    .optional(),
  validation: z
    .object({ accuracy: metricNumber, balancedAccuracy: metricNumber, macroF1: metricNumber })
    .optional(),
});

/**
 * Which epoch's weights a result was measured with, and why (`train.select`): set when the trial had a validation
 * set. `value` is the validation balanced accuracy of that epoch; `evaluated` the epochs that were candidates.
 */
export const EpochSelectionSchema = z.object({
  rule: z.enum(["last", "best"]),
  metric: z.literal("validation.balancedAccuracy"),
  epoch: z.number().int().min(1),
  value: metricNumber,
  evaluated: z.number().int().min(1),
});
export type EpochSelection = z.infer<typeof EpochSelectionSchema>;

/** Test-set classification metrics (`@tailsweep/model`'s ClassificationMetrics). */
const ClassificationMetricsSchema = z.object({
  n: z.number().int().min(0),
  accuracy: metricNumber,
  balancedAccuracy: metricNumber,
  macroF1: metricNumber,
  gMean: metricNumber,
  perClassRecall: z.array(metricNumber),
  perClassPrecision: z.array(metricNumber),
  confusion: z.array(z.array(z.number())),
});

/**
 * What a finished trial's result holds in `metrics`: the trainer's evaluation (test metrics, minority recall, per
 * modality, pseudo-labels) and what the worker adds (history, parameter count, where it ran). Parsed where it enters
 * (the result event, the database read). The numbers named here are checked. Unnamed fields are never refused (a
 * refused result event would be finished training lost): the top level and the provenance objects keep them, so
 * that a newer worker's additions pass an older controller into the store; the metric groups drop them.
 */
export const TrialMetricsSchema = z.looseObject({
  test: ClassificationMetricsSchema,
  /** Mean test recall of the tail classes (fewest labeled rows). */
  minorityRecall: metricNumber,
  minorityClasses: z.array(z.number().int().min(0)),
  /** Test metrics with a single modality observed (empty when the model sees one modality). */
  perModality: z.array(
    z.object({
      modality: z.number().int().min(0),
      name: z.string(),
      accuracy: metricNumber,
      balancedAccuracy: metricNumber,
      macroF1: metricNumber,
    }),
  ),
  /** Pseudo-labels on the unlabeled rows against their hidden labels, when those are known. */
  pseudoLabels: z
    .object({
      accuracy: metricNumber,
      balancedAccuracy: metricNumber,
      perClassRecall: z.array(metricNumber),
      predictedShare: z.array(z.number()),
      /** The unlabeled rows' true class shares, and the total variation between the two (absent before they were). */
      trueShare: z.array(z.number()).optional(),
      classShift: z.number().min(0).optional(),
    })
    .optional(),
  history: z.array(HistoryEntrySchema).optional(),
  /** The epoch whose weights were tested, with a validation set (`train.select`). */
  selection: EpochSelectionSchema.optional(),
  parameterCount: z.number().int().min(0).optional(),
  alpha: z.number().optional(),
  steps: z.number().int().min(0).optional(),
  /**
   * Set when the attempt that produced this result went on from a checkpoint: the epoch it started after and the
   * training seconds the checkpoint saved (the earlier attempts' time to reach that epoch).
   */
  resumed: z.object({ fromEpoch: z.number().int().min(1), savedSeconds: z.number().min(0) }).optional(),
  /** The files the trial kept in the artifact store (names and sizes in bytes), when its sweep keeps artifacts. */
  artifacts: z.array(z.object({ name: z.string(), bytes: z.number().int().min(0) })).optional(),
  /**
   * Why the trial's artifacts are not stored, where its sweep keeps them and storing them failed through the worker's
   * retries (an artifact store that did not come back in time): the trial succeeded without its files.
   */
  artifactsNotStored: z.string().optional(),
  /** What computed it (tfjs and BLAS versions, threads, SIMD), for reproducibility. */
  backendDetail: z.string().optional(),
  backendVersions: z.record(z.string(), z.string()).optional(),
  /** The GPU (vendor, architecture, device; fallback = a software adapter). */
  gpuAdapter: z
    .looseObject({
      vendor: z.string(),
      architecture: z.string(),
      device: z.string(),
      description: z.string(),
      fallback: z.boolean(),
    })
    .optional(),
});
export type TrialMetrics = z.infer<typeof TrialMetricsSchema>;
export type TrialMetricsInput = z.input<typeof TrialMetricsSchema>;

/** The metrics {@link metricOf} reads besides the test set's own (`balancedAccuracy`, `gMean`, …). */
export const RESULT_METRICS = [
  "minorityRecall",
  "pseudoBalancedAccuracy",
  "pseudoMinorityRecall",
  "pseudoClassShift",
] as const;

/**
 * Which way is better for a metric {@link metricOf} reads, where the metric itself says: lower for the pseudo-labels'
 * class shift; undefined for the rest (higher for every test-set and recall metric, but a sweep's objective may say
 * otherwise for a name it chose).
 */
export function metricDirection(name: string): "maximize" | "minimize" | undefined {
  return name === "pseudoClassShift" ? "minimize" : undefined;
}

const finite = (v: number | undefined): number | undefined =>
  v !== undefined && Number.isFinite(v) ? v : undefined;

/**
 * A result's number for a metric name, as objectives, comparisons and reports name them: a test-set metric
 * (`balancedAccuracy`, `accuracy`, `macroF1`, `gMean`), `minorityRecall`, `pseudoBalancedAccuracy`, or
 * `pseudoMinorityRecall` (pseudo-label recall averaged over the minority classes), `pseudoClassShift` (the total
 * variation between the pseudo-labels' class shares and the true ones: lower is better); any other name is a test-set key
 * or a dotted path into the result (`pseudoLabels.accuracy`, as `compare --metric` takes). Undefined when the result
 * lacks it or the value is not finite (an undefined metric, NaN after JSON's null, must not enter a mean).
 */
export function metricOf(metrics: TrialMetrics, name: string): number | undefined {
  switch (name) {
    case "minorityRecall":
      return finite(metrics.minorityRecall);
    case "pseudoBalancedAccuracy":
      return finite(metrics.pseudoLabels?.balancedAccuracy);
    case "pseudoClassShift":
      return finite(metrics.pseudoLabels?.classShift);
    case "pseudoMinorityRecall": {
      const recall = metrics.pseudoLabels?.perClassRecall;
      const minority = metrics.minorityClasses;
      if (!recall || minority.length === 0) return undefined;
      return finite(minority.reduce((s, c) => s + (recall[c] ?? Number.NaN), 0) / minority.length);
    }
    case "accuracy":
    case "balancedAccuracy":
    case "macroF1":
    case "gMean":
      return finite(metrics.test[name]);
    default:
      return finite(numberAt(metrics.test, name) ?? numberAt(metrics, ...name.split(".")));
  }
}

/** The number at a path through plain objects, if there is one there (`pseudoLabels.accuracy`). */
function numberAt(value: unknown, ...path: string[]): number | undefined {
  let v = value;
  for (const key of path)
    v = typeof v === "object" && v !== null && Object.hasOwn(v, key) ? Reflect.get(v, key) : undefined;
  return typeof v === "number" ? v : undefined;
}
