/** Classification quality of one set of predictions, with the per-class view that imbalance needs. */
export interface ClassificationMetrics {
  n: number;
  accuracy: number;
  /** Mean per-class recall. */
  balancedAccuracy: number;
  /** Unweighted mean of per-class F1 (a class with no support and no predictions is left out). */
  macroF1: number;
  /** Geometric mean of per-class recalls; 0 as soon as one class is never recognised. */
  gMean: number;
  /** Recall per class (NaN where the class has no rows). */
  perClassRecall: number[];
  /** Precision per class (NaN where the class is never predicted). */
  perClassPrecision: number[];
  /** confusion[t][p] = rows of true class t predicted as p. */
  confusion: number[][];
}

/** Accuracy, balanced accuracy, macro-F1, G-mean, per-class recall/precision and the confusion matrix. */
export function classificationMetrics(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  numClasses: number,
): ClassificationMetrics {
  if (yTrue.length !== yPred.length) {
    throw new RangeError(`classificationMetrics: ${yTrue.length} labels but ${yPred.length} predictions`);
  }
  const K = numClasses;
  const confusion = Array.from({ length: K }, () => new Array<number>(K).fill(0));
  let correct = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const t = yTrue[i]!;
    const p = yPred[i]!;
    if (!(t >= 0 && t < K && p >= 0 && p < K))
      throw new RangeError(`classificationMetrics: class out of range at row ${i}`);
    confusion[t]![p]!++;
    if (t === p) correct++;
  }
  const support = confusion.map((row) => row.reduce((a, b) => a + b, 0));
  const predicted = confusion[0]!.map((_, p) => confusion.reduce((s, row) => s + row[p]!, 0));
  const recall = confusion.map((row, c) => (support[c]! > 0 ? row[c]! / support[c]! : Number.NaN));
  const precision = confusion.map((row, c) => (predicted[c]! > 0 ? row[c]! / predicted[c]! : Number.NaN));
  const present = recall.map((r, c) => ({ r, c })).filter(({ r }) => !Number.isNaN(r));
  const f1s = recall
    .map((r, c) => {
      if (support[c] === 0 && predicted[c] === 0) return Number.NaN;
      const p = Number.isNaN(precision[c]!) ? 0 : precision[c]!;
      const rr = Number.isNaN(r) ? 0 : r;
      return p + rr > 0 ? (2 * p * rr) / (p + rr) : 0;
    })
    .filter((f) => !Number.isNaN(f));
  const meanOf = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN);
  const gMean = present.some(({ r }) => r === 0) ? 0 : Math.exp(meanOf(present.map(({ r }) => Math.log(r))));
  return {
    n: yTrue.length,
    accuracy: yTrue.length ? correct / yTrue.length : Number.NaN,
    balancedAccuracy: meanOf(present.map(({ r }) => r)),
    macroF1: meanOf(f1s),
    gMean,
    perClassRecall: recall,
    perClassPrecision: precision,
    confusion,
  };
}

/**
 * The classes with the fewest labeled rows: the ⌈fraction·K⌉ tail classes (ties broken by class index).
 * Their mean recall is the "minority recall" the reports use.
 */
export function minorityClasses(labeledCounts: number[], fraction = 0.3): number[] {
  const k = Math.max(1, Math.ceil(fraction * labeledCounts.length));
  return labeledCounts
    .map((count, c) => ({ count, c }))
    .sort((a, b) => a.count - b.count || a.c - b.c)
    .slice(0, k)
    .map(({ c }) => c)
    .sort((a, b) => a - b);
}

/** Mean of the given classes' recalls (NaN recalls, i.e. classes without rows, are skipped). */
export function meanRecall(perClassRecall: number[], classes: number[]): number {
  const rs = classes.map((c) => perClassRecall[c]!).filter((r) => !Number.isNaN(r));
  return rs.length ? rs.reduce((a, b) => a + b, 0) / rs.length : Number.NaN;
}
