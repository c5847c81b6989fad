import gammaln from "@stdlib/math-base-special-gammaln";
import normalCdf from "@stdlib/stats-base-dists-normal-cdf";
import tQuantile from "@stdlib/stats-base-dists-t-quantile";

/**
 * CDF of the noncentral t distribution with `df` degrees of freedom and noncentrality `delta`, by integrating
 * P(Z ≤ t·s − δ) over s = √(V/df), V ~ χ²(df) (Simpson's rule on 4,000 intervals; checked against SciPy's `nct`).
 * Written here because no well-kept JS package has the noncentral t.
 */
export function noncentralTCdf(t: number, df: number, delta: number): number {
  // density of s: 2 (df/2)^(df/2) / Γ(df/2) · s^(df−1) · exp(−df s²/2)
  const logNorm = Math.log(2) + (df / 2) * Math.log(df / 2) - gammaln(df / 2);
  const density = (s: number) => {
    if (s > 0) return Math.exp(logNorm + (df - 1) * Math.log(s) - (df * s * s) / 2);
    return df === 1 ? Math.exp(logNorm) : 0; // s^0 = 1 at the origin when df = 1
  };
  const upper = 1 + 12 / Math.sqrt(df) + 6;
  const intervals = 4000;
  const h = upper / intervals;
  let sum = 0;
  for (let i = 0; i <= intervals; i++) {
    const s = i * h;
    const weight = i === 0 || i === intervals ? 1 : i % 2 === 1 ? 4 : 2;
    sum += weight * density(s) * normalCdf(t * s - delta, 0, 1);
  }
  return Math.min(1, Math.max(0, (sum * h) / 3));
}

/** Power of the two-sided paired t-test at level `alpha` with `n` pairs when the true effect is `dz` (mean/sd of the differences). */
export function pairedTTestPower(dz: number, n: number, alpha = 0.05): number {
  if (n < 2) return Number.NaN;
  const df = n - 1;
  const critical = tQuantile(1 - alpha / 2, df);
  const delta = dz * Math.sqrt(n);
  return 1 - noncentralTCdf(critical, df, delta) + noncentralTCdf(-critical, df, delta);
}

/**
 * The fewest seeds (pairs) with which a two-sided paired t-test at `alpha` detects an effect of size `dz` with the
 * given power; Infinity for no effect, and for effects needing more than `max` seeds.
 */
export function seedsNeeded(
  dz: number,
  options: { alpha?: number; power?: number; max?: number } = {},
): number {
  const { alpha = 0.05, power = 0.8, max = 10_000 } = options;
  if (!Number.isFinite(dz) || dz === 0) return dz === 0 || Number.isNaN(dz) ? Number.POSITIVE_INFINITY : 2;
  const enough = (n: number) => pairedTTestPower(Math.abs(dz), n, alpha) >= power;
  if (!enough(max)) return Number.POSITIVE_INFINITY;
  // Power grows with n: bisect between a failing and a sufficient count.
  let lo = 1;
  let hi = 2;
  while (!enough(hi)) {
    lo = hi;
    hi = Math.min(hi * 2, max);
  }
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (enough(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}
