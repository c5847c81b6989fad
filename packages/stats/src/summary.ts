import tQuantile from "@stdlib/stats-base-dists-t-quantile";
import { requireProbability } from "./validate";

/** What a set of per-seed values says: centre, spread, and a t confidence interval for the mean. */
export interface Summary {
  n: number;
  mean: number;
  /** Sample standard deviation (n − 1); NaN below two values. */
  sd: number;
  /** Standard error of the mean; NaN below two values. */
  se: number;
  /** Confidence interval of the mean from Student's t with n − 1 degrees of freedom; [NaN, NaN] below two values. */
  ci: [number, number];
  median: number;
  /** First and third quartiles (linear interpolation between order statistics, as NumPy and R's type 7). */
  q1: number;
  q3: number;
  min: number;
  max: number;
}

/**
 * The q-quantile of sorted values by linear interpolation (type 7). The same arithmetic as d3-array's
 * `quantileSorted` (select.test.ts checks them equal bit for bit), kept as these five lines rather than a runtime
 * dependency whose empty answer is undefined.
 */
export function quantileSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/** Arithmetic mean (NaN for no values). */
export function mean(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((a, b) => a + b, 0) / values.length;
}

/** Sample standard deviation with n − 1 (NaN below two values). */
export function sampleSd(values: readonly number[]): number {
  if (values.length < 2) return Number.NaN;
  const m = mean(values);
  return Math.sqrt(values.reduce((s, v) => s + (v - m) ** 2, 0) / (values.length - 1));
}

const criticalValues = new Map<string, number>();
/**
 * The two-sided critical value of Student's t. A dashboard asks for the same few (one per seed count) thousands of
 * times per page — an interval per heatmap cell, class and curve point — and each quantile is an iterative solve.
 */
export function tCritical(confidence: number, df: number): number {
  const key = `${confidence}:${df}`;
  let value = criticalValues.get(key);
  if (value === undefined) {
    value = tQuantile(1 - (1 - confidence) / 2, df);
    if (criticalValues.size < 10_000) criticalValues.set(key, value);
  }
  return value;
}

/** Student-t interval of a mean from n values with sample sd `sd`; [NaN, NaN] below two values. */
export function tInterval(n: number, mean: number, sd: number, confidence = 0.95): [number, number] {
  if (n < 2) return [Number.NaN, Number.NaN];
  const half = tCritical(confidence, n - 1) * (sd / Math.sqrt(n));
  return [mean - half, mean + half];
}

/**
 * Summarises per-seed values. The interval uses Student's t, so it widens honestly with few seeds (three seeds give
 * t = 4.30 at 95 %, not the 1.96 a normal band would use).
 */
export function summarize(values: readonly number[], confidence = 0.95): Summary {
  requireProbability("confidence", confidence);
  const n = values.length;
  const sorted = [...values].sort((a, b) => a - b);
  const m = mean(values);
  const sd = sampleSd(values);
  const se = sd / Math.sqrt(n);
  return {
    n,
    mean: m,
    sd,
    se: n >= 2 ? se : Number.NaN,
    ci: tInterval(n, m, sd, confidence),
    median: quantileSorted(sorted, 0.5),
    q1: quantileSorted(sorted, 0.25),
    q3: quantileSorted(sorted, 0.75),
    min: sorted[0] ?? Number.NaN,
    max: sorted.at(-1) ?? Number.NaN,
  };
}
