// The summary every ratio-printing bench reports of its repeated runs.
/** Median, range and interquartile range of a benchmark's repeated measurements. */
export interface Summary {
  median: number;
  min: number;
  max: number;
  /** The interquartile range (linear interpolation, as numpy's default). */
  iqr: number;
}
/** The q-quantile (0–1) of numbers already sorted ascending, interpolated linearly as numpy's default. */
function quantileOfSorted(sorted: readonly number[], q: number): number {
  const i = q * (sorted.length - 1);
  const lo = Math.floor(i);
  return sorted[lo]! + (sorted[Math.min(lo + 1, sorted.length - 1)]! - sorted[lo]!) * (i - lo);
}

/** The q-quantile (0–1) of `xs`, interpolated linearly as numpy's default. */
export function quantile(xs: readonly number[], q: number): number {
  return quantileOfSorted(
    [...xs].sort((a, b) => a - b),
    q,
  );
}

export function summarise(xs: number[]): Summary {
  const sorted = [...xs].sort((a, b) => a - b);
  const at = (q: number) => quantileOfSorted(sorted, q);
  return { median: at(0.5), min: sorted[0]!, max: sorted.at(-1)!, iqr: at(0.75) - at(0.25) };
}
