/**
 * A trial's stored files, for every front end: what it kept (names, sizes as written and as stored), their bytes,
 * and metrics recomputed from its stored test-set predictions without training again (`tailsweep evaluate`).
 */
import { classificationMetrics, meanRecall } from "@tailsweep/model/metrics";
import {
  AppError,
  ARTIFACT_FILES,
  type ArtifactFile,
  describeIssues,
  messageOf,
  NotFoundError,
  trialArtifactKey,
  trialCheckpointKey,
} from "@tailsweep/schemas";
import { type ArtifactStore, inflateStored } from "@tailsweep/sweep";
import { parse } from "csv-parse/sync";
import { z } from "zod";

/** One kept file: its size as written (what a download gives) and as stored (gzip-compressed). */
export interface TrialArtifact {
  name: ArtifactFile;
  bytes: number;
  storedBytes: number;
}

/** What a trial has in the artifact store. */
export interface TrialFiles {
  artifacts: TrialArtifact[];
  /** Its latest checkpoint, while it has one (until it succeeds, or for good where its sweep keeps them). */
  /** `modified` as an ISO 8601 string: the same whether the answer came in process or over HTTP. */
  checkpoint: { storedBytes: number; modified: string } | null;
  /** Why its artifacts are not stored, where its sweep keeps them and storing them failed; null otherwise. */
  notStored: string | null;
}

/**
 * The trial's stored files: the artifacts its result lists (`written`, with their sizes as written) that the store
 * holds under the attempt that produced it, and its checkpoint if it has one. A file the result does not list (an
 * upload that failed halfway, an attempt given up on) is not the trial's. `notStored`: the result's word that its
 * artifacts could not be stored.
 */
export async function trialFiles(
  store: ArtifactStore,
  trialId: string,
  attempt: number,
  written: readonly { name: string; bytes: number }[],
  notStored?: string,
): Promise<TrialFiles> {
  // By name, one lookup each: listing would read every object's description in a bucket.
  const named = ARTIFACT_FILES.flatMap((name) => {
    const bytes = written.find((w) => w.name === name)?.bytes;
    return bytes === undefined ? [] : [{ name, bytes }];
  });
  const [infos, checkpoint] = await Promise.all([
    Promise.all(named.map(({ name }) => store.info(trialArtifactKey(trialId, attempt, name)))),
    store.info(trialCheckpointKey(trialId)),
  ]);
  return {
    artifacts: named.flatMap(({ name, bytes }, i) => {
      const info = infos[i];
      return info ? [{ name, bytes, storedBytes: info.bytes }] : [];
    }),
    checkpoint: checkpoint
      ? { storedBytes: checkpoint.bytes, modified: checkpoint.modified.toISOString() }
      : null,
    notStored: notStored ?? null,
  };
}

/** The stable code of a trial file that is not in the store. */
export const ARTIFACT_NOT_FOUND_CODE = "ARTIFACT_NOT_FOUND";

/** A file's bytes as stored (gzip-compressed, as the worker writes every file: see `inflateStored`). */
export async function storedTrialArtifact(
  store: ArtifactStore,
  trialId: string,
  attempt: number,
  name: ArtifactFile,
): Promise<Uint8Array> {
  const bytes = await store.get(trialArtifactKey(trialId, attempt, name));
  if (!bytes) {
    throw new NotFoundError(
      ARTIFACT_NOT_FOUND_CODE,
      `trial ${trialId} has no ${name} (it kept no artifacts, or has not succeeded)`,
    );
  }
  return bytes;
}

/** A file's bytes as written. */
export async function readTrialArtifact(
  store: ArtifactStore,
  trialId: string,
  attempt: number,
  name: ArtifactFile,
): Promise<Uint8Array> {
  return inflateStored(await storedTrialArtifact(store, trialId, attempt, name));
}

/**
 * What `evaluate` recomputes from stored predictions. The first five are the trainer's own test metrics (the same
 * numbers, from argmax of the stored probabilities); the last three need the probabilities themselves, which is what
 * keeping them is for: log loss (mean −log p(true class)), the Brier score (mean squared error of the probability
 * vector, summed over classes; Brier 1950), and the expected calibration error over 15 equal-width confidence bins
 * (Guo et al. 2017, "On calibration of modern neural networks", eq. 3).
 */
export const EVALUATION_METRICS = [
  "accuracy",
  "balancedAccuracy",
  "macroF1",
  "gMean",
  "minorityRecall",
  "logLoss",
  "brier",
  "ece",
] as const;
export type EvaluationMetric = (typeof EVALUATION_METRICS)[number];
export const EvaluationMetricSchema = z.enum(EVALUATION_METRICS);

/** The stored predictions, parsed: per test row its label and the class probabilities. */
interface Predictions {
  labels: Int32Array;
  probabilities: Float64Array;
  classes: number;
}

/** The stable code of a predictions file that is not one (a damaged or hand-edited file). */
export const PREDICTIONS_INVALID_CODE = "PREDICTIONS_INVALID";

function invalidPredictions(problem: string): AppError {
  return new AppError(PREDICTIONS_INVALID_CODE, "invalid", `predictions.csv: ${problem}`);
}

/** Parses a trial's predictions.csv, refusing (with a coded error) anything the worker would not have written. */
function parsePredictions(csv: string): Predictions {
  let rows: string[][];
  try {
    rows = parse(csv, { skip_empty_lines: true });
  } catch (e) {
    throw invalidPredictions(messageOf(e));
  }
  const header = rows[0];
  // the three leading columns the worker writes, then a probability per class, two at least
  const leading = ["row", "label", "predicted"];
  if (!header || header.length < leading.length + 2 || leading.some((name, i) => header[i] !== name)) {
    throw invalidPredictions("is not a tailsweep predictions file (row,label,predicted,p_…)");
  }
  const classes = header.length - 3;
  if (rows.length < 2) throw invalidPredictions("has no rows");
  const Label = z.coerce
    .number()
    .int()
    .min(0)
    .max(classes - 1);
  const Probability = z.coerce.number().min(0).max(1);
  const n = rows.length - 1;
  const labels = new Int32Array(n);
  const probabilities = new Float64Array(n * classes);
  for (let i = 0; i < n; i++) {
    const row = rows[i + 1]!;
    if (row.length !== header.length) {
      throw invalidPredictions(`row ${i + 1} has ${row.length} fields, the header ${header.length}`);
    }
    const label = Label.safeParse(row[1]);
    if (!label.success)
      throw invalidPredictions(describeIssues(label.error, `row ${i + 1} label`).join("; "));
    labels[i] = label.data;
    for (let c = 0; c < classes; c++) {
      const p = Probability.safeParse(row[3 + c]);
      if (!p.success)
        throw invalidPredictions(describeIssues(p.error, `row ${i + 1} ${header[3 + c]}`).join("; "));
      probabilities[i * classes + c] = p.data;
    }
  }
  return { labels, probabilities, classes };
}

/** The metrics asked for, from a trial's predictions.csv; `minorityClasses` as its result recorded them. */
export function evaluatePredictions(
  csv: string,
  metrics: readonly EvaluationMetric[],
  minorityClasses: readonly number[],
): { rows: number; classes: number; values: { metric: EvaluationMetric; value: number }[] } {
  const { labels, probabilities, classes: K } = parsePredictions(csv);
  const n = labels.length;
  const predicted = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < K; c++) if (probabilities[i * K + c]! > probabilities[i * K + best]!) best = c;
    predicted[i] = best;
  }
  const m = classificationMetrics(labels, predicted, K);
  const parsed = { labels, probabilities, classes: K };
  const values = metrics.map((metric) => ({
    metric,
    value: metricOfPredictions(metric, parsed, predicted, m, minorityClasses),
  }));
  return { rows: n, classes: K, values };
}

function metricOfPredictions(
  metric: EvaluationMetric,
  p: Predictions,
  predicted: Int32Array,
  m: ReturnType<typeof classificationMetrics>,
  minorityClasses: readonly number[],
): number {
  const { labels, probabilities, classes: K } = p;
  const n = labels.length;
  switch (metric) {
    case "accuracy":
    case "balancedAccuracy":
    case "macroF1":
    case "gMean":
      return m[metric];
    case "minorityRecall":
      return meanRecall(m.perClassRecall, [...minorityClasses]);
    case "logLoss": {
      // Probabilities are float32 softmax outputs: one can round to 0; clipped as scikit-learn clips them.
      let sum = 0;
      for (let i = 0; i < n; i++) sum -= Math.log(Math.max(probabilities[i * K + labels[i]!]!, 1e-15));
      return sum / n;
    }
    case "brier": {
      let sum = 0;
      for (let i = 0; i < n; i++)
        for (let c = 0; c < K; c++) sum += (probabilities[i * K + c]! - (labels[i] === c ? 1 : 0)) ** 2;
      return sum / n;
    }
    case "ece": {
      const bins = 15;
      const count = new Array<number>(bins).fill(0);
      const confidence = new Array<number>(bins).fill(0);
      const correct = new Array<number>(bins).fill(0);
      for (let i = 0; i < n; i++) {
        const top = probabilities[i * K + predicted[i]!]!;
        // bins (b/15, (b+1)/15], as Guo et al. define them
        const b = Math.min(bins - 1, Math.max(0, Math.ceil(top * bins) - 1));
        count[b]!++;
        confidence[b]! += top;
        if (predicted[i] === labels[i]) correct[b]!++;
      }
      let ece = 0;
      for (let b = 0; b < bins; b++) if (count[b]! > 0) ece += Math.abs(correct[b]! - confidence[b]!) / n;
      return ece;
    }
  }
}
