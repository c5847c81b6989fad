/**
 * The tree-structured Parzen estimator (TPE; Bergstra, Bardenet, Bengio & Kégl 2011, "Algorithms for
 * hyper-parameter optimization", NeurIPS) as a proposer of sweep configurations that learns from matched seeds
 * (issue #23; docs/sweeps.md, "Model-based search").
 *
 * Per knob, independently (the univariate TPE that Hyperopt and Optuna run by default): the observations are split
 * into a good group — the best γ(n) of them — and the rest; a Parzen estimator l(x) is fitted to the good group's
 * values and g(x) to the rest's, each with a prior component; candidates are drawn from l and the one with the
 * largest l(x)/g(x) (the expected-improvement maximiser under the TPE model) is proposed. The settings are Optuna's
 * `TPESampler` defaults — γ(n) = min(⌈0.1 n⌉, 25), 24 candidates, 10 random start-up configurations, a prior of
 * weight 1 (the middle of the range with the range as its bandwidth; uniform over a categorical knob's values),
 * bandwidths clipped to [range / min(100, 1 + n), range] ("magic clip"), a loguniform knob on the log scale, an int
 * knob rounded — with two differences: a kernel's bandwidth is its larger gap to a neighbour with the range's ends
 * counted as neighbours (Hyperopt's rule; Optuna's `consider_endpoints=True`), and older observations are not
 * down-weighted (Optuna ramps their weight down past 25): a sweep runs tens of configurations, not thousands.
 * The equations are docs/statistics.md T1–T3.
 *
 * What is ours — the matched seeds:
 *  - Every configuration runs on the same seeds, so a seed's shared effect (its data split, initialisation) is removed
 *    before ranking: an observation is its value less the mean of every configuration's value on that seed (eq. T1).
 *    A good seed no longer makes whichever configurations ran on it look good.
 *  - The sampler sees each seed's observation, not only a configuration's mean: the good group is filled with
 *    (configuration, seed) points of weight 1/(its configuration's seeds), and each configuration is one kernel in
 *    each group weighted by the share of its seeds there (eq. T2), so a configuration whose seeds straddle the
 *    threshold adds to both densities in proportion, and a noisy one is not taken for a sure winner.
 *  - Pending configurations (proposed, no result yet) go into the rest with full weight: the "constant liar" of
 *    Ginsbourger, Le Riche & Carraro (2010), pessimistic form (Optuna's `constant_liar`), so that parallel workers are
 *    not all sent to the same place.
 *
 * Deterministic: the draws come from a named stream keyed by the number of observations and pending configurations,
 * so the same history gives the same proposal in every process.
 */

import normalCdf from "@stdlib/stats-base-dists-normal-cdf";
import normalQuantile from "@stdlib/stats-base-dists-normal-quantile";
import { type RandomStream, randomStream } from "@tailsweep/random";
import type { Distribution } from "@tailsweep/schemas";
import stringify from "safe-stable-stringify";

/** One configuration's results: its knob values and the metric on each seed it ran. */
export interface TpeObservation {
  params: Record<string, unknown>;
  values: readonly { seed: number; value: number }[];
}

/** Settings of {@link proposeTpe}; every field has Optuna's default. */
export interface TpeSettings {
  direction: "maximize" | "minimize";
  /** Configurations drawn at random (from the prior) before the model is used. */
  startup?: number;
  /** Candidates drawn from l(x) per knob. */
  candidates?: number;
  /** Weight of the prior component of each Parzen estimator. */
  priorWeight?: number;
}

/** The size of the good group for n observations: min(⌈0.1 n⌉, 25), Optuna's default γ. */
export function tpeGoodCount(n: number): number {
  return Math.min(Math.ceil(0.1 * n), 25);
}

/** A weighted point of one knob's observations, in the estimator's space (log for loguniform, index for categorical). */
interface WeightedPoint {
  x: number;
  weight: number;
}

/** A knob's Parzen estimator: a weighted mixture of truncated normals (numeric) or a categorical distribution. */
type Estimator =
  | {
      kind: "numeric";
      low: number;
      high: number;
      mus: number[];
      sigmas: number[];
      weights: number[];
      /** Each component's weight over its normal's mass inside [low, high] and √(2π)σ: its density's factor. */
      scales: number[];
    }
  | { kind: "categorical"; probabilities: number[] };

/**
 * The next configuration to run: random from the search space's distributions until `startup` configurations have
 * results, then TPE (see the module comment). `pending` are configurations proposed and not yet observed.
 */
export function proposeTpe(
  space: Readonly<Record<string, Distribution>>,
  observations: readonly TpeObservation[],
  pending: readonly Record<string, unknown>[],
  samplerSeed: number,
  settings: TpeSettings,
): Record<string, unknown> {
  const startup = settings.startup ?? 10;
  const candidates = settings.candidates ?? 24;
  const priorWeight = settings.priorWeight ?? 1;
  const rng = randomStream(samplerSeed, `tpe/${observations.length}/${pending.length}`);
  const observed = observations.filter((o) => o.values.length > 0);
  const keys = Object.keys(space).sort();
  if (observed.length < startup) {
    return Object.fromEntries(keys.map((k) => [k, fromPoint(space[k]!, drawPrior(space[k]!, rng))]));
  }
  const goodShare = goodShares(observed, settings.direction);
  const proposal: Record<string, unknown> = {};
  for (const key of keys) {
    const distribution = space[key]!;
    // One kernel per configuration in each group, weighted by the share of its seeds that fell there (eq. T2).
    const below: WeightedPoint[] = [];
    const above: WeightedPoint[] = [];
    observed.forEach((o, c) => {
      const x = toPoint(distribution, o.params[key]);
      if (x === undefined) return;
      const share = goodShare[c]!;
      if (share > 0) below.push({ x, weight: share });
      if (share < 1) above.push({ x, weight: 1 - share });
    });
    for (const params of pending) {
      const x = toPoint(distribution, params[key]);
      if (x !== undefined) above.push({ x, weight: 1 });
    }
    const l = fitEstimator(distribution, below, priorWeight);
    const g = fitEstimator(distribution, above, priorWeight);
    let best = Number.NaN;
    let bestScore = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < candidates; i++) {
      const x = drawFrom(l, rng);
      const score = logDensity(l, x) - logDensity(g, x);
      if (score > bestScore) {
        bestScore = score;
        best = x;
      }
    }
    proposal[key] = fromPoint(distribution, best);
  }
  return proposal;
}

/**
 * For each configuration, the share of its seeds in the good group (docs/statistics.md eqs. T1–T2): every
 * (configuration, seed) value less the seed's mean over the configurations that ran it, signed so that lower is
 * better and weighted 1/(its configuration's seeds); the best points, in that order, until their weight reaches
 * γ(configurations) — the last one counted in part, so the group holds exactly that many configurations' worth.
 */
function goodShares(observations: readonly TpeObservation[], direction: TpeSettings["direction"]): number[] {
  const bySeed = new Map<number, number[]>();
  for (const o of observations)
    for (const v of o.values) {
      const list = bySeed.get(v.seed) ?? [];
      list.push(v.value);
      bySeed.set(v.seed, list);
    }
  const seedMean = new Map(
    [...bySeed].map(([seed, vs]) => [seed, vs.reduce((a, b) => a + b, 0) / vs.length]),
  );
  const sign = direction === "maximize" ? -1 : 1;
  const points = observations.flatMap((o, config) =>
    o.values.map((v) => ({
      config,
      residual: sign * (v.value - seedMean.get(v.seed)!),
      weight: 1 / o.values.length,
    })),
  );
  // Ties keep the observations' order, so the group does not depend on the sort's stability.
  const order = points.map((p, i) => ({ ...p, i })).sort((a, b) => a.residual - b.residual || a.i - b.i);
  const shares = new Array<number>(observations.length).fill(0);
  let room = tpeGoodCount(observations.length);
  for (const p of order) {
    if (room <= 0) break;
    const taken = Math.min(p.weight, room);
    shares[p.config]! += taken; // a configuration's points weigh 1 in all: the sum is its share
    room -= taken;
  }
  return shares.map((s) => Math.min(1, s));
}

/** A knob value in the estimator's space; undefined when it is not one the distribution can hold. */
function toPoint(d: Distribution, value: unknown): number | undefined {
  if (d.distribution === "categorical") {
    // By canonical JSON: a list value (`encoderWidths: [64]`) read back from the store is a copy, not the same object.
    const wanted = stringify(value);
    const i = d.values.findIndex((v) => stringify(v) === wanted);
    return i >= 0 ? i : undefined;
  }
  if (typeof value !== "number" || !Number.isFinite(value)) return undefined;
  return d.distribution === "loguniform" ? Math.log(value) : value;
}

/** The knob value of a point of the estimator's space. */
function fromPoint(d: Distribution, x: number): unknown {
  switch (d.distribution) {
    case "categorical":
      return d.values[x];
    case "loguniform":
      return Math.min(d.high, Math.max(d.low, Math.exp(x)));
    case "int":
      return Math.min(d.high, Math.max(d.low, Math.round(x)));
    default:
      return x;
  }
}

/** The range of a numeric knob in the estimator's space; an int knob's reaches half a step past its ends. */
function rangeOf(d: Exclude<Distribution, { distribution: "categorical" }>): [number, number] {
  if (d.distribution === "loguniform") return [Math.log(d.low), Math.log(d.high)];
  if (d.distribution === "int") return [d.low - 0.5, d.high + 0.5];
  return [d.low, d.high];
}

function drawPrior(d: Distribution, rng: RandomStream): number {
  if (d.distribution === "categorical") return rng.int(d.values.length);
  const [low, high] = rangeOf(d);
  return low + rng.float() * (high - low);
}

/** The univariate Parzen estimator of `points` (with its prior component) over the knob's space: eq. T3. */
function fitEstimator(d: Distribution, points: readonly WeightedPoint[], priorWeight: number): Estimator {
  if (d.distribution === "categorical") {
    const K = d.values.length;
    const mass = new Array<number>(K).fill(priorWeight / K);
    for (const p of points) mass[p.x]! += p.weight;
    const total = mass.reduce((a, b) => a + b, 0);
    return { kind: "categorical", probabilities: mass.map((m) => m / total) };
  }
  const [low, high] = rangeOf(d);
  const range = high - low;
  const prior = { x: (low + high) / 2, weight: priorWeight, prior: true };
  const sorted = [...points.map((p) => ({ ...p, prior: false })), prior].sort((a, b) => a.x - b.x);
  const n = sorted.length;
  // Neighbour bandwidths (the larger gap to the next point, the range's ends as outer neighbours), clipped below by
  // range / min(100, 1 + n) (the "magic clip") and above by the range; the prior's is the range.
  const minSigma = range / Math.min(100, 1 + n);
  const sigmas = sorted.map((p, i) => {
    if (p.prior) return range;
    const left = p.x - (i > 0 ? sorted[i - 1]!.x : low);
    const right = (i < n - 1 ? sorted[i + 1]!.x : high) - p.x;
    return Math.min(range, Math.max(minSigma, left, right));
  });
  const totalWeight = sorted.reduce((s, p) => s + p.weight, 0);
  const weights = sorted.map((p) => p.weight / totalWeight);
  const scales = sorted.map((p, i) => {
    const sigma = sigmas[i]!;
    const mass = normalCdf(high, p.x, sigma) - normalCdf(low, p.x, sigma);
    return weights[i]! / (sigma * Math.sqrt(2 * Math.PI) * Math.max(mass, 1e-300));
  });
  return { kind: "numeric", low, high, mus: sorted.map((p) => p.x), sigmas, weights, scales };
}

function drawFrom(e: Estimator, rng: RandomStream): number {
  if (e.kind === "categorical") return pickIndex(e.probabilities, rng.float());
  const k = pickIndex(e.weights, rng.float());
  const mu = e.mus[k]!;
  const sigma = e.sigmas[k]!;
  // Inverse-CDF draw from the normal truncated to [low, high].
  const a = normalCdf(e.low, mu, sigma);
  const b = normalCdf(e.high, mu, sigma);
  const x = normalQuantile(a + rng.float() * (b - a), mu, sigma);
  return Math.min(e.high, Math.max(e.low, x));
}

function pickIndex(probabilities: readonly number[], u: number): number {
  let cumulative = 0;
  for (let i = 0; i < probabilities.length; i++) {
    cumulative += probabilities[i]!;
    if (u < cumulative) return i;
  }
  return probabilities.length - 1;
}

/** log of the estimator's density at x (truncated normals renormalised over the range). */
function logDensity(e: Estimator, x: number): number {
  if (e.kind === "categorical") return Math.log(e.probabilities[x]!);
  let density = 0;
  for (let i = 0; i < e.mus.length; i++) {
    const z = (x - e.mus[i]!) / e.sigmas[i]!;
    density += e.scales[i]! * Math.exp(-0.5 * z * z);
  }
  return Math.log(Math.max(density, 1e-300));
}
