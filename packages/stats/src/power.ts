import betainc from "@stdlib/math-base-special-betainc";
import gammaln from "@stdlib/math-base-special-gammaln";
import normalCdf from "@stdlib/stats-base-dists-normal-cdf";
import normalQuantile from "@stdlib/stats-base-dists-normal-quantile";
import tCdf from "@stdlib/stats-base-dists-t-cdf";
import { InputError } from "@tailsweep/schemas";
import { tCritical } from "./summary";
import { requireInteger, requireProbability } from "./validate";

/**
 * CDF of the noncentral t distribution with `df` degrees of freedom and noncentrality `delta` (NaN for df ≤ 0 or a
 * NaN argument). For t ≥ 0 it is the Poisson-weighted series of regularised incomplete beta functions (docs/statistics.md
 * eq. N1; Lenth 1989, AS 243)
 *   F(t) = Φ(−δ) + ½ Σⱼ [Pⱼ I_x(j + ½, ν/2) + Qⱼ I_x(j + 1, ν/2)],  x = t²/(t² + ν),
 *   Pⱼ = e^(−δ²/2) (δ²/2)ʲ / j!,  Qⱼ = δ/√2 · e^(−δ²/2) (δ²/2)ʲ / Γ(j + 3/2),
 * summed outward from the Poisson mode (Benton & Krishnamoorthy 2003), and F(t) = 1 − F(−t; ν, −δ) below 0. Agrees
 * with SciPy's `nct` to 1e-11 on the fixtures' grid (df 1 to 2,999, δ −5 to 40, |t| up to 1e9). Written here because
 * no well-kept JS package has it: @stdlib has no noncentral t, and jStat's `noncentralt.cdf` (1.9.6) sums this series
 * from j = 0 and stops after 200 terms once they are small, short of the Poisson mode when δ²/2 is past about 300: it
 * gives 2e-40 where SciPy gives 1 (t = 1,000, df = 19, δ = 30).
 */
export function noncentralTCdf(t: number, df: number, delta: number): number {
  if (Number.isNaN(t) || !Number.isFinite(delta) || !(df > 0)) return Number.NaN;
  if (delta === 0) return tCdf(t, df);
  if (t === Number.POSITIVE_INFINITY) return 1;
  if (t === Number.NEGATIVE_INFINITY) return 0;
  const p = t >= 0 ? cdfAtOrAboveZero(t, df, delta) : 1 - cdfAtOrAboveZero(-t, df, -delta);
  return Math.min(1, Math.max(0, p));
}

function cdfAtOrAboveZero(t: number, df: number, delta: number): number {
  const tt = t * t;
  const x = tt / (tt + df);
  if (x === 0) return normalCdf(-delta, 0, 1);
  const y = df / (tt + df); // 1 − x without the cancellation near x = 1
  const lambda = (delta * delta) / 2;
  const p = poissonBetaSeries(x, y, df / 2, lambda, 0.5, 1);
  const q = poissonBetaSeries(x, y, df / 2, lambda, 1, delta / Math.SQRT2);
  return normalCdf(-delta, 0, 1) + (p + q) / 2;
}

/**
 * scale · Σⱼ e^(−λ) λʲ / Γ(j + a0 + ½) · I_x(j + a0, b) over j ≥ 0, from the mode k = ⌊λ⌋ of the weights outward:
 * two incomplete betas at the mode, the rest by the recurrence I_x(a + 1, b) = I_x(a, b) − g(a) with
 * g(a) = xᵃ yᵇ / (a B(a, b)), stopping once a bound on what is left is below 1e-16.
 */
function poissonBetaSeries(
  x: number,
  y: number,
  b: number,
  lambda: number,
  a0: number,
  scale: number,
): number {
  const eps = 1e-16 / Math.max(1, Math.abs(scale));
  const k = Math.floor(lambda);
  const a = k + a0;
  const w0 = Math.exp(-lambda + (k === 0 ? 0 : k * Math.log(lambda)) - gammaln(a + 0.5));
  // past x = ½ through I_x(a, b) = 1 − I_y(b, a): x rounds to 1 long before y = 1 − x loses its digits (t = 1e9)
  const i0 = x <= 0.5 ? betainc(x, a, b) : 1 - betainc(y, b, a);
  const logX = x <= 0.5 ? Math.log(x) : Math.log1p(-y);
  const g0 = Math.exp(gammaln(a + b) - gammaln(a + 1) - gammaln(b) + a * logX + b * Math.log(y));
  let sum = w0 * i0;
  const limit = k + 100 * Math.ceil(Math.sqrt(lambda) + 10);
  // upward: the weights fall by r = λ/(j + a0 + ½) < 1 past the mode and I_x falls with a, so what is left after j
  // is below wⱼ Iⱼ r/(1 − r)
  let w = w0;
  let ix = i0;
  let g = g0;
  for (let j = k + 1; j <= limit; j++) {
    const prev = j - 1 + a0;
    ix -= g;
    g *= (x * (prev + b)) / (prev + 1);
    w *= lambda / (prev + 0.5);
    sum += w * ix;
    const r = lambda / (j + a0 + 0.5);
    if (r < 1 && (w * Math.max(ix, 0) * r) / (1 - r) < eps) break;
  }
  // downward to j = 0: the weights fall by ρ = (j − 1 + a0 + ½)/λ below the mode and I_x ≤ 1
  w = w0;
  ix = i0;
  g = g0;
  for (let j = k - 1; j >= 0; j--) {
    const next = j + 1 + a0;
    g *= next / (x * (next - 1 + b));
    ix += g;
    w *= (j + a0 + 0.5) / lambda;
    sum += w * Math.min(ix, 1);
    const rho = (j - 1 + a0 + 0.5) / lambda;
    if ((w * rho) / (1 - rho) < eps) break;
  }
  return scale * sum;
}

/**
 * Power of the two-sided paired t-test at level `alpha` with `n` pairs when the true effect is `dz` (mean/sd of the
 * differences); NaN below two pairs. A NaN effect or an `alpha` outside (0, 1) is an InputError.
 */
export function pairedTTestPower(dz: number, n: number, alpha = 0.05): number {
  if (Number.isNaN(dz)) throw new InputError("dz", "NaN is not an effect size");
  requireProbability("alpha", alpha);
  if (n < 2) return Number.NaN;
  const df = n - 1;
  const critical = tCritical(1 - alpha, df);
  const delta = dz * Math.sqrt(n);
  return 1 - noncentralTCdf(critical, df, delta) + noncentralTCdf(-critical, df, delta);
}

/**
 * The fewest seeds (pairs) with which a two-sided paired t-test at `alpha` detects an effect of size `dz` with the
 * given power; Infinity for no effect, and for effects needing more than `max` seeds. `alpha` and `power` must lie in
 * (0, 1) — a power of 1 needs infinitely many seeds — and `dz` must not be NaN: each is an InputError otherwise.
 */
export function seedsNeeded(
  dz: number,
  options: { alpha?: number; power?: number; max?: number } = {},
): number {
  const { alpha = 0.05, power = 0.8, max = 10_000 } = options;
  if (Number.isNaN(dz)) throw new InputError("dz", "NaN is not an effect size");
  requireProbability("alpha", alpha);
  requireProbability("power", power);
  requireInteger("max", max, 2);
  if (dz === 0) return Number.POSITIVE_INFINITY;
  if (!Number.isFinite(dz)) return 2;
  const enough = (n: number) => pairedTTestPower(Math.abs(dz), n, alpha) >= power;
  // Start at the normal approximation with Guenther's correction (within a seed or two of the answer), then step
  // to the exact boundary: a few power evaluations instead of a bisection's dozen.
  const za = normalQuantile(1 - alpha / 2, 0, 1);
  const zb = normalQuantile(power, 0, 1);
  let n = Math.min(max, Math.max(2, Math.ceil(((za + zb) / Math.abs(dz)) ** 2 + (za * za) / 2)));
  if (enough(n)) {
    while (n > 2 && enough(n - 1)) n--;
    return n;
  }
  while (n < max && !enough(n + 1)) n++;
  return n < max ? n + 1 : Number.POSITIVE_INFINITY;
}
