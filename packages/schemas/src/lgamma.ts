/**
 * ln Γ(x) for real x > 0 in float64 (TF.js has no lgamma op, and the γ-loss constants need it only on scalars).
 *
 * Lanczos approximation with g = 7 and 9 coefficients (relative error ≈ 1e-15 over x > 0.5), the reflection
 * formula below 0.5. Arguments reach (ν+n)/2 in the thousands for image data, where the Lanczos sum stays
 * well conditioned because everything is kept in log space.
 */
const LANCZOS_G = 7;
const LANCZOS_COEFFICIENTS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];
const HALF_LOG_TWO_PI = 0.5 * Math.log(2 * Math.PI);

/** Natural log of the gamma function for x > 0 (docs/model.md, eq. C1). */
export function lgamma(x: number): number {
  if (!(x > 0) || !Number.isFinite(x)) {
    throw new RangeError(`lgamma: argument must be a finite number > 0, got ${x}`);
  }
  if (x < 0.5) {
    // Γ(x)Γ(1−x) = π / sin(πx); sin(πx) > 0 on (0, 0.5).
    return Math.log(Math.PI / Math.sin(Math.PI * x)) - lgamma(1 - x);
  }
  const xm1 = x - 1;
  let sum = LANCZOS_COEFFICIENTS[0]!;
  for (let i = 1; i < LANCZOS_COEFFICIENTS.length; i++) sum += LANCZOS_COEFFICIENTS[i]! / (xm1 + i);
  const t = xm1 + LANCZOS_G + 0.5;
  return HALF_LOG_TWO_PI + (xm1 + 0.5) * Math.log(t) - t + Math.log(sum);
}
