// The numerics of the sequential design (sequential.ts): Lan–DeMets spending boundaries under normal theory (the
// recursive integration of Armitage, McPherson & Rowe 1969 as in Jennison & Turnbull 2000, ch. 19), and their
// calibration to the paired t statistic with few seeds, from simulated null paths.
import normalCdf from "@stdlib/stats-base-dists-normal-cdf";
import normalQuantile from "@stdlib/stats-base-dists-normal-quantile";
import tCdf from "@stdlib/stats-base-dists-t-cdf";
import tQuantile from "@stdlib/stats-base-dists-t-quantile";
import { randomStream } from "@tailsweep/random";
import { legacyCalibrationDraws } from "./legacy-calibration-draws";
import { quickselect } from "./select";

/**
 * How the error rate is spent over the looks, as a function of the information fraction t = n_k / n_max (Lan &
 * DeMets 1983, two-sided, total alpha at t = 1):
 *  - `obrien-fleming`: α(t) = 2 − 2Φ(z_{α/2} / √t). Almost nothing early, nearly the whole α at the last look, so
 *    the last look's boundary is close to the fixed design's and little power is lost.
 *  - `pocock`: α(t) = α · ln(1 + (e − 1) t). Nearly even nominal levels: stops earlier on large effects, costs power
 *    at the last look.
 */
export type SpendingFunction = "obrien-fleming" | "pocock";

/** The cumulative two-sided error α(t) the spending function allows by information fraction t. */
export function spentBy(spending: SpendingFunction, alpha: number, t: number): number {
  if (t <= 0) return 0;
  if (t >= 1) return alpha;
  if (spending === "pocock") return alpha * Math.log(1 + (Math.E - 1) * t);
  return 2 * upperTail(-normalQuantile(alpha / 2, 0, 1) / Math.sqrt(t));
}

// ——— boundaries: the recursive numerical integration of Armitage, McPherson & Rowe (1969), as in Jennison &
// Turnbull (2000), ch. 19, on the score scale S_k = Z_k √t_k (independent increments of variance t_k − t_{k−1}).

const SQRT_2PI = Math.sqrt(2 * Math.PI);
const density = (x: number) => Math.exp(-0.5 * x * x) / SQRT_2PI;
/** P(N(0,1) > x), computed as a lower tail so it keeps its precision far out. */
const upperTail = (x: number) => normalCdf(-x, 0, 1);
/** Simpson points per standard deviation of the narrowest Gaussian the integration meets. */
const POINTS_PER_SD = 6;
/** The score's density is kept to ±9 sd (the mass beyond, 2e-19, is below any increment that matters). */
const TRUNCATE_SD = 9;
/** The convolution's kernel is summed within ±9.5 sd (beyond, it is below 1e-19 of its peak). */
const KERNEL_SD = 9.5;

/** Density of the score on the continuation region of the looks so far, on a Simpson grid (weights folded in). */
interface Grid {
  u: Float64Array;
  /** Simpson weight × density at u. */
  wf: Float64Array;
}

function simpsonGrid(halfWidth: number, h: number, f: (u: number) => number): Grid {
  const intervals = Math.max(16, 2 * Math.ceil(halfWidth / h));
  const step = (2 * halfWidth) / intervals;
  const u = new Float64Array(intervals + 1);
  const wf = new Float64Array(intervals + 1);
  for (let i = 0; i <= intervals; i++) {
    u[i] = -halfWidth + i * step;
    const w = i === 0 || i === intervals ? 1 : i % 2 === 1 ? 4 : 2;
    wf[i] = ((w * step) / 3) * f(u[i]!);
  }
  return { u, wf };
}

/** P(|S_prev + N(0, σ²)| ≥ b and S_prev in the continuation region). */
function crossing(grid: Grid, sigma: number, b: number): number {
  let sum = 0;
  for (let i = 0; i < grid.u.length; i++) {
    const u = grid.u[i]!;
    sum += grid.wf[i]! * (upperTail((b + u) / sigma) + upperTail((b - u) / sigma));
  }
  return sum;
}

function crossingSlope(grid: Grid, sigma: number, b: number): number {
  let sum = 0;
  for (let i = 0; i < grid.u.length; i++) {
    const u = grid.u[i]!;
    sum += grid.wf[i]! * (density((b + u) / sigma) + density((b - u) / sigma));
  }
  return -sum / sigma;
}

/** The next look's score density on [−halfWidth, halfWidth]: the grid convolved with N(0, σ²). */
function propagate(grid: Grid, sigma: number, halfWidth: number, h: number): Grid {
  const n = grid.u.length;
  const start = grid.u[0]!;
  const spacing = (grid.u[n - 1]! - start) / (n - 1);
  // the kernel is below 1e-19 of its peak beyond KERNEL_SD σ: sum over the source points within that window only
  const reach = KERNEL_SD * sigma;
  return simpsonGrid(halfWidth, h, (s) => {
    const from = Math.max(0, Math.ceil((s - reach - start) / spacing));
    const to = Math.min(n - 1, Math.floor((s + reach - start) / spacing));
    let sum = 0;
    for (let i = from; i <= to; i++) {
      const x = (s - grid.u[i]!) / sigma;
      sum += grid.wf[i]! * Math.exp(-0.5 * x * x);
    }
    return sum / (sigma * SQRT_2PI);
  });
}

/** The b at which `crossing` equals `target` (decreasing in b): Newton on the log, kept inside a bisection bracket. */
function solveBoundary(grid: Grid, sigma: number, target: number, guess: number): number {
  const mass = crossing(grid, sigma, 0);
  if (mass <= target) return 0;
  let lo = 0;
  let hi = Math.max(guess, 1) * 2;
  while (crossing(grid, sigma, hi) > target) hi *= 2;
  let b = Math.min(Math.max(guess, lo), hi);
  const logTarget = Math.log(target);
  for (let iteration = 0; iteration < 100; iteration++) {
    const c = crossing(grid, sigma, b);
    if (c > target) lo = b;
    else hi = b;
    let next: number;
    if (c > 0) next = b - (Math.log(c) - logTarget) / (crossingSlope(grid, sigma, b) / c);
    else next = Number.NaN;
    if (!(next > lo && next < hi)) next = (lo + hi) / 2;
    if (Math.abs(next - b) <= 1e-12 * (1 + b) || hi - lo <= 1e-12 * (1 + b)) return next;
    b = next;
  }
  return b;
}

/**
 * Two-sided symmetric boundaries z_k (standard-normal scale) such that, under the null, the probability of first
 * crossing ±z_k at look k is cumulativeSpent[k] − cumulativeSpent[k−1]. `fractions` are the information fractions
 * (increasing, the last usually 1). Infinity where nothing is spent; 0 where more is spent than is left.
 */
export function boundariesFromSpending(
  fractions: readonly number[],
  cumulativeSpent: readonly number[],
): number[] {
  const z: number[] = [];
  let grid: Grid | null = null;
  for (let k = 0; k < fractions.length; k++) {
    const t = fractions[k]!;
    const increment = cumulativeSpent[k]! - (k === 0 ? 0 : cumulativeSpent[k - 1]!);
    let b: number;
    if (k === 0) {
      b =
        increment <= 0 ? Infinity : increment >= 1 ? 0 : -normalQuantile(increment / 2, 0, 1) * Math.sqrt(t);
    } else {
      const sigma = Math.sqrt(t - fractions[k - 1]!);
      if (grid === null || increment <= 1e-300) b = Infinity;
      else
        b = solveBoundary(
          grid,
          sigma,
          increment,
          -normalQuantile(Math.min(0.5, increment / 2), 0, 1) * Math.sqrt(t),
        );
    }
    z.push(b / Math.sqrt(t));
    if (k + 1 < fractions.length) grid = nextGrid(fractions, k, b, grid);
  }
  return z;
}

/** The score's density at look k restricted to |S_k| < b (null when nothing continues). */
function nextGrid(fractions: readonly number[], k: number, b: number, grid: Grid | null): Grid | null {
  const t = fractions[k]!;
  const sigmaHere = Math.sqrt(k === 0 ? t : t - fractions[k - 1]!);
  const sigmaNext = Math.sqrt(fractions[k + 1]! - t);
  const halfWidth = Math.min(b, TRUNCATE_SD * Math.sqrt(t));
  if (!(halfWidth > 0)) return null;
  const h = Math.min(sigmaHere, sigmaNext) / POINTS_PER_SD;
  if (k === 0) return simpsonGrid(halfWidth, h, (s) => density(s / sigmaHere) / sigmaHere);
  if (grid === null) return null;
  return propagate(grid, sigmaHere, halfWidth, h);
}

/**
 * The probability under the null that a two-sided group-sequential test with boundaries ±z_k at information
 * fractions t_k ever rejects (its type-I error): the recursion of {@link boundariesFromSpending} run forward.
 */
export function crossingProbability(fractions: readonly number[], z: readonly number[]): number {
  let total = 0;
  let grid: Grid | null = null;
  for (let k = 0; k < fractions.length; k++) {
    const t = fractions[k]!;
    const b = z[k]! * Math.sqrt(t);
    if (k === 0) total += 2 * upperTail(z[k]!);
    else if (grid !== null) total += crossing(grid, Math.sqrt(t - fractions[k - 1]!), b);
    if (k + 1 < fractions.length) grid = nextGrid(fractions, k, b, grid);
  }
  return total;
}

// ——— calibration to the t statistic
//
// Normal-theory boundaries assume the statistic at successive looks is a Gaussian process with correlation
// √(t_j / t_k). A paired t statistic is not: its variance estimate changes from look to look, which decorrelates
// the looks, and with 3–20 seeds the usual remedy — comparing each look's t-test p-value with the normal boundary's
// nominal level (Jennison & Turnbull's "significance level approach", 2000, ch. 3) — rejects too often: 0.054 instead of
// 0.05 (O'Brien–Fleming), 0.0117 instead of 0.01 (Pocock) on looks at 3, 5, …, 19, 20 seeds (200,000 simulated
// null sweeps each). Under normal seed noise the joint law of the t statistics at the looks is free of the unknown
// mean and variance, so critical values are calibrated on simulated null paths instead, spending on the t scale:
// look k's critical |t| is set so that the share of paths that have crossed by look k is (1 − δ)·α(t_k).

/** Null paths simulated per look schedule (2^19). */
export const CALIBRATION_PATHS = 1 << 19;
/** Fixed, so boundaries are the same on every machine and every run. */
const CALIBRATION_SEED = 0x5eed_0018;

/**
 * Which stream the null paths are drawn from: 2, a stream of `@tailsweep/random` (new designs); 1, the stream before
 * it (legacy-calibration-draws.ts), for designs stored then. Boundaries differ between them within simulation error.
 */
export type CalibrationVersion = 1 | 2;
/** The calibration a design gets when it names none. */
export const CURRENT_CALIBRATION: CalibrationVersion = 2;
/** A look is calibrated on the paths once its cumulative target is at least this many paths; before, Bonferroni. */
const MIN_PATHS = 50;

/** How a look's critical value was found. */
export type BoundaryMethod = "exact" | "bonferroni" | "simulated";

/** Critical values of the paired t statistic at each look for one level. */
export interface TBoundaries {
  /** Critical |t| per look (Infinity: this look cannot reject). */
  t: number[];
  method: BoundaryMethod[];
  /** The margin δ taken off the spending for the Monte-Carlo error of the calibration. */
  margin: number;
}

/** Simulated null |t| at each look; per look, the paths of its largest `TOP` values (unordered) and the cut. */
interface NullPaths {
  values: Float32Array[];
  top: Uint32Array[];
  /** Every path in `top` has a value ≥ cut, every other path a value ≤ cut. */
  cut: number[];
}
/** How many of each look's largest values are kept apart: enough for every level up to 1/16 without a full scan. */
const TOP = CALIBRATION_PATHS / 16;

const pathCache = new Map<string, NullPaths>();

/**
 * |t| of simulated null sweeps at each look: `CALIBRATION_PATHS` sequences of standard-normal differences, the
 * paired t statistic on the first `seeds[k]` of each. Each block of seeds between two looks is drawn as its
 * sufficient statistics — its sum, N(0, m), and its sum of squares about its mean, χ²(m − 1), independent — so the
 * cost grows with the number of looks, not of seeds (about a second per schedule; the last two are cached).
 */
export function nullTPaths(lookSeeds: readonly number[], calibration: CalibrationVersion): NullPaths {
  const key = `${calibration}|${lookSeeds.join(",")}`;
  const cached = pathCache.get(key);
  if (cached) return cached;
  const paths = CALIBRATION_PATHS;
  const values = lookSeeds.map(() => new Float32Array(paths));
  const random =
    calibration === 1
      ? legacyCalibrationDraws(CALIBRATION_SEED)
      : randomStream(CALIBRATION_SEED, "sequential-calibration");
  for (let p = 0; p < paths; p++) {
    let n = 0;
    let sum = 0;
    let squares = 0;
    for (let k = 0; k < lookSeeds.length; k++) {
      const m = lookSeeds[k]! - n;
      const blockSum = Math.sqrt(m) * random.normal();
      const within = m > 1 ? random.chiSquare(m - 1) : 0;
      // sum of squares about the mean of n + m values from those of n and of m (parallel Welford)
      squares += within + (n === 0 ? 0 : ((n * m) / (n + m)) * (blockSum / m - sum / n) ** 2);
      sum += blockSum;
      n += m;
      values[k]![p] = Math.abs(sum / n) / Math.sqrt(squares / (n - 1) / n);
    }
  }
  const scratch = new Float32Array(paths);
  const cut: number[] = [];
  const top = values.map((v) => {
    scratch.set(v);
    const c = quickselect(scratch, paths - TOP, paths);
    cut.push(c);
    const chosen = new Uint32Array(paths);
    let n = 0;
    for (let p = 0; p < paths; p++) if (v[p]! >= c) chosen[n++] = p;
    return chosen.slice(0, n);
  });
  const result = { values, top, cut };
  if (pathCache.size >= 2) pathCache.delete(pathCache.keys().next().value!);
  pathCache.set(key, result);
  return result;
}

/**
 * Critical |t| per look such that, on the simulated null paths, the share that has crossed by look k is at most
 * (1 − δ)·cumulative[k], δ = 2/√(level·N) (two Monte-Carlo standard errors of the final share, so the true error is
 * below `level` unless the simulation is off by more than that). The first look needs no simulation (one t-test:
 * its critical value is exact). Looks whose target is below `MIN_PATHS` paths, and every look of a level the
 * simulation cannot resolve (level·N < 4·MIN_PATHS), get their spending increment as nominal level, which
 * Bonferroni's inequality bounds whatever the correlation.
 */
export function calibrateT(
  lookSeeds: readonly number[],
  cumulative: readonly number[],
  level: number,
  calibration: CalibrationVersion,
): TBoundaries {
  const paths = CALIBRATION_PATHS;
  const simulate = level * paths >= 4 * MIN_PATHS && lookSeeds.length > 1;
  const margin = simulate ? Math.min(0.5, 2 / Math.sqrt(level * paths)) : 0;
  const target = cumulative.map((c) => (1 - margin) * c);
  const sim = simulate ? nullTPaths(lookSeeds, calibration) : null;
  const crossed = sim ? new Uint8Array(paths) : null;
  const scratch = sim ? new Float32Array(paths) : null;
  let crossedCount = 0;
  const t: number[] = [];
  const method: BoundaryMethod[] = [];
  for (let k = 0; k < lookSeeds.length; k++) {
    const df = lookSeeds[k]! - 1;
    const increment = target[k]! - (k === 0 ? 0 : target[k - 1]!);
    if (k === 0 || !sim || target[k]! * paths < MIN_PATHS) {
      // one look's t-test is exact: spend the increment as its nominal level
      t.push(increment > 0 ? -tQuantile(Math.min(1, increment) / 2, df) : Infinity);
      method.push(k === 0 ? "exact" : "bonferroni");
      if (sim) crossedCount += markAbove(sim, k, t[k]!, crossed!);
      continue;
    }
    method.push("simulated");
    const allowed = Math.floor(target[k]! * paths) - crossedCount;
    if (allowed <= 0) {
      t.push(Infinity);
      continue;
    }
    // the allowed-th largest |t| among the paths that have not crossed: reject it and the larger ones
    const critical = largestAmongSurvivors(sim, k, allowed, crossed!, scratch!);
    t.push(critical);
    crossedCount += markAbove(sim, k, critical, crossed!);
  }
  return { t, method, margin };
}

/** The `rank`-th largest value at look k among paths not crossed (0 when fewer survive). */
function largestAmongSurvivors(
  sim: NullPaths,
  k: number,
  rank: number,
  crossed: Uint8Array,
  scratch: Float32Array,
): number {
  const values = sim.values[k]!;
  const top = sim.top[k]!;
  let survivors = 0;
  for (let i = 0; i < top.length; i++) if (!crossed[top[i]!]) scratch[survivors++] = values[top[i]!]!;
  if (survivors < rank) {
    // the rank-th largest lies below the cut: select among all survivors
    survivors = 0;
    for (let p = 0; p < values.length; p++) if (!crossed[p]) scratch[survivors++] = values[p]!;
    if (rank >= survivors) return 0;
  }
  return quickselect(scratch, survivors - rank, survivors);
}

/** Marks the paths not yet crossed whose look-k value is at least `critical`; returns how many. */
function markAbove(sim: NullPaths, k: number, critical: number, crossed: Uint8Array): number {
  const values = sim.values[k]!;
  let marked = 0;
  if (critical > sim.cut[k]!) {
    const top = sim.top[k]!;
    for (let i = 0; i < top.length; i++) {
      const p = top[i]!;
      if (!crossed[p] && values[p]! >= critical) {
        crossed[p] = 1;
        marked++;
      }
    }
    return marked;
  }
  for (let p = 0; p < values.length; p++)
    if (!crossed[p] && values[p]! >= critical) {
      crossed[p] = 1;
      marked++;
    }
  return marked;
}

/** Two-sided p-value level of a critical |t|: P(|T_df| ≥ t). */
export function nominalOf(t: number, df: number): number {
  if (t === Infinity) return 0;
  if (t <= 0) return 1;
  return Math.min(1, 2 * tCdf(-t, df));
}
