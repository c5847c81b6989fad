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
 * Several objectives (a sweep's `objectives`; docs/statistics.md T4–T5): the good group is split as Optuna's
 * multi-objective TPE splits it (MOTPE: Ozaki, Tanigaki, Watanabe & Onishi 2020, "Multiobjective tree-structured
 * Parzen estimator for computationally expensive optimization problems", GECCO; Ozaki et al. 2022, JAIR 73) — the
 * (configuration, seed) points ranked by non-dominated sorting of their seed-centred residual vectors (T1 per
 * objective), whole fronts taken while they fit, the first front that does not fit taken in the greedy order of
 * hypervolume contribution (the hypervolume subset selection Optuna's `_split_complete_trials_multi_objective` solves
 * greedily, with its reference point) — and everything else (T2's shares, T3, the liar) is as for one objective.
 *
 * Deterministic: the draws come from a named stream keyed by the number of observations and pending configurations,
 * so the same history gives the same proposal in every process.
 */

import normalCdf from "@stdlib/stats-base-dists-normal-cdf";
import normalQuantile from "@stdlib/stats-base-dists-normal-quantile";
import { type RandomStream, randomStream } from "@tailsweep/random";
import type { Distribution } from "@tailsweep/schemas";
import stringify from "safe-stable-stringify";

/** Which way an objective is better. */
export type TpeDirection = "maximize" | "minimize";

/**
 * One configuration's results: its knob values and the metric on each seed it ran — with several objectives
 * (`direction` a list), `V` is a list: one value per objective in the directions' order (a seed without all of them
 * is left out).
 */
export interface TpeObservation<V extends number | readonly number[] = number> {
  params: Record<string, unknown>;
  values: readonly { seed: number; value: V }[];
}

/** What {@link proposeTpe} takes: one objective's observations, or several objectives'. */
export type TpeAnyObservation = TpeObservation<number | readonly number[]>;

/** Settings of {@link proposeTpe}; every field but the direction has Optuna's default. */
export interface TpeSettings {
  /** One objective's direction, or one per objective (2 or more: multi-objective TPE, T4–T5). */
  direction: TpeDirection | readonly TpeDirection[];
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
  observations: readonly TpeAnyObservation[],
  pending: readonly Record<string, unknown>[],
  samplerSeed: number,
  settings: TpeSettings,
): Record<string, unknown> {
  const startup = settings.startup ?? 10;
  const candidates = settings.candidates ?? 24;
  const priorWeight = settings.priorWeight ?? 1;
  const rng = randomStream(samplerSeed, `tpe/${observations.length}/${pending.length}`);
  const directions = typeof settings.direction === "string" ? [settings.direction] : settings.direction;
  const multi = directions.length > 1;
  const observed = multi
    ? observations
        .map((o) => ({ ...o, values: o.values.filter((v) => vectorOf(v.value, directions.length)) }))
        .filter((o) => o.values.length > 0)
    : observations.filter((o) => o.values.length > 0);
  const keys = Object.keys(space).sort();
  if (observed.length < startup) {
    return Object.fromEntries(keys.map((k) => [k, fromPoint(space[k]!, drawPrior(space[k]!, rng))]));
  }
  const goodShare = multi
    ? goodSharesMulti(observed, directions)
    : goodShares(observed, directions[0] ?? "maximize");
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
function goodShares(observations: readonly TpeAnyObservation[], direction: TpeDirection): number[] {
  const bySeed = new Map<number, number[]>();
  for (const o of observations)
    for (const v of o.values) {
      const list = bySeed.get(v.seed) ?? [];
      list.push(scalarOf(v.value));
      bySeed.set(v.seed, list);
    }
  const seedMean = new Map(
    [...bySeed].map(([seed, vs]) => [seed, vs.reduce((a, b) => a + b, 0) / vs.length]),
  );
  const sign = direction === "maximize" ? -1 : 1;
  const points = observations.flatMap((o, config) =>
    o.values.map((v) => ({
      config,
      residual: sign * (scalarOf(v.value) - seedMean.get(v.seed)!),
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

/** One objective's value: the number itself, or the first of a list (one objective read from a multi-objective history). */
function scalarOf(value: number | readonly number[]): number {
  return typeof value === "number" ? value : (value[0] ?? Number.NaN);
}

/** A value as a vector of `k` finite objective values; undefined when it is not one (a seed missing an objective). */
function vectorOf(value: number | readonly number[], k: number): readonly number[] | undefined {
  if (typeof value === "number") return undefined;
  return value.length === k && value.every(Number.isFinite) ? value : undefined;
}

/**
 * The good shares with several objectives (docs/statistics.md T4–T5): each (configuration, seed) point's residual
 * vector (eq. T1 per objective, signed so that lower is better), weighted 1/(its configuration's seeds) as in T2; the
 * points ranked by non-dominated sorting; whole fronts taken while their weight fits in γ(configurations), then the
 * first front that does not fit taken in greedy hypervolume-contribution order, the last point in part.
 */
function goodSharesMulti(
  observations: readonly TpeAnyObservation[],
  directions: readonly TpeDirection[],
): number[] {
  const k = directions.length;
  const sums = new Map<number, { total: number[]; count: number }>();
  const points: { config: number; residual: number[]; weight: number }[] = [];
  const vectors = observations.map((o) => o.values.map((v) => ({ seed: v.seed, y: vectorOf(v.value, k)! })));
  for (const values of vectors)
    for (const { seed, y } of values) {
      const sum = sums.get(seed) ?? { total: new Array<number>(k).fill(0), count: 0 };
      y.forEach((value, j) => {
        sum.total[j]! += value;
      });
      sum.count += 1;
      sums.set(seed, sum);
    }
  vectors.forEach((values, config) => {
    for (const { seed, y } of values) {
      const sum = sums.get(seed)!;
      const residual = y.map((value, j) => {
        const sign = directions[j] === "maximize" ? -1 : 1;
        return sign * (value - sum.total[j]! / sum.count);
      });
      points.push({ config, residual, weight: 1 / values.length });
    }
  });
  const shares = new Array<number>(observations.length).fill(0);
  let room = tpeGoodCount(observations.length);
  // Tolerance for "the front fits": weights 1/S summed in another order differ in the last bits.
  const fits = (weight: number) => weight <= room + 1e-12;
  for (const front of nonDominatedFronts(points.map((p) => p.residual))) {
    if (room <= 0) break;
    const weight = front.reduce((sum, i) => sum + points[i]!.weight, 0);
    // Whole fronts while they fit; the first that does not, in greedy hypervolume order (T5), as far as room is left.
    const order: Iterable<number> = fits(weight)
      ? front
      : mapIterable(hypervolumeOrder(front.map((i) => points[i]!.residual)), (at) => front[at]!);
    for (const i of order) {
      if (room <= 0) break;
      const p = points[i]!;
      const taken = Math.min(p.weight, room);
      shares[p.config]! += taken;
      room -= taken;
    }
  }
  return shares.map((s) => Math.min(1, s));
}

function* mapIterable<T, U>(items: Iterable<T>, f: (item: T) => U): Generator<U> {
  for (const item of items) yield f(item);
}

/** Whether `a` dominates `b` (minimisation): no worse on every coordinate, better on one. */
function dominates(a: readonly number[], b: readonly number[]): boolean {
  let better = false;
  for (let j = 0; j < a.length; j++) {
    if (a[j]! > b[j]!) return false;
    if (a[j]! < b[j]!) better = true;
  }
  return better;
}

/**
 * Non-dominated sorting (Deb, Pratap, Agarwal & Meyarivan 2002, "A fast and elitist multiobjective genetic
 * algorithm: NSGA-II", IEEE TEC 6(2), its fast sort): the indices of `vectors` by front, best first, each front in
 * index order. Equal vectors share a front. Exported for its tests.
 */
export function nonDominatedFronts(vectors: readonly (readonly number[])[]): number[][] {
  const n = vectors.length;
  const dominatedBy = new Array<number>(n).fill(0);
  const beats: number[][] = vectors.map(() => []);
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) {
      if (dominates(vectors[i]!, vectors[j]!)) {
        beats[i]!.push(j);
        dominatedBy[j]! += 1;
      } else if (dominates(vectors[j]!, vectors[i]!)) {
        beats[j]!.push(i);
        dominatedBy[i]! += 1;
      }
    }
  const fronts: number[][] = [];
  let current = vectors.map((_, i) => i).filter((i) => dominatedBy[i] === 0);
  while (current.length > 0) {
    fronts.push(current);
    const next: number[] = [];
    for (const i of current)
      for (const j of beats[i]!) {
        dominatedBy[j]! -= 1;
        if (dominatedBy[j] === 0) next.push(j);
      }
    current = next.sort((a, b) => a - b);
  }
  return fronts;
}

/**
 * Optuna's reference point for a set of loss vectors (T5): per objective the worst value w, pushed out to
 * max(1.1 w, 0.9 w) — 10 % of its magnitude past it whatever its sign — and 1e-12 where that is 0.
 */
function referencePoint(vectors: readonly (readonly number[])[]): number[] {
  const k = vectors[0]?.length ?? 0;
  return Array.from({ length: k }, (_, j) => {
    const worst = Math.max(...vectors.map((v) => v[j]!));
    const ref = Math.max(1.1 * worst, 0.9 * worst);
    return ref === 0 ? 1e-12 : ref;
  });
}

/**
 * The hypervolume (minimisation) that `points` dominate up to `ref`: the measure of the union of their boxes
 * [p, ref]. Points not below `ref` on every coordinate add nothing. Exact, by slicing along the last coordinate
 * (and a sweep in two dimensions): ample for the tens of points of a front here. Exported for its tests.
 */
export function hypervolume(points: readonly (readonly number[])[], ref: readonly number[]): number {
  const inside = points.filter((p) => p.every((x, j) => x < ref[j]!));
  return slices(inside, ref, ref.length);
}

function slices(points: readonly (readonly number[])[], ref: readonly number[], dims: number): number {
  if (points.length === 0) return 0;
  if (dims === 1) return ref[0]! - Math.min(...points.map((p) => p[0]!));
  if (dims === 2) {
    const sorted = [...points].sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);
    let area = 0;
    let ceiling = ref[1]!;
    for (const p of sorted)
      if (p[1]! < ceiling) {
        area += (ref[0]! - p[0]!) * (ceiling - p[1]!);
        ceiling = p[1]!;
      }
    return area;
  }
  const d = dims - 1;
  const sorted = [...points].sort((a, b) => a[d]! - b[d]!);
  let volume = 0;
  for (let i = 0; i < sorted.length; i++) {
    const top = i + 1 < sorted.length ? sorted[i + 1]![d]! : ref[d]!;
    if (top > sorted[i]![d]!) volume += slices(sorted.slice(0, i + 1), ref, d) * (top - sorted[i]![d]!);
  }
  return volume;
}

/**
 * The order in which the greedy hypervolume subset selection takes the points of one front (T5): each step the point
 * that adds the most hypervolume to those taken, up to the front's reference point; ties to the lower index. Lazy
 * (a point's contribution only shrinks as others are taken, so an old one bounds it), the same answer as the plain
 * greedy. Yields indices into `points`, computing only as many as are taken.
 */
function* hypervolumeOrder(points: readonly (readonly number[])[]): Generator<number> {
  const ref = referencePoint(points);
  const box = (p: readonly number[]) => p.reduce((v, x, j) => v * Math.max(0, ref[j]! - x), 1);
  const bound = points.map(box);
  const taken: (readonly number[])[] = [];
  const left = points.map((_, i) => i);
  while (left.length > 0) {
    let best = -1;
    let bestGain = Number.NEGATIVE_INFINITY;
    for (const i of left) {
      if (bound[i]! <= bestGain) continue; // cannot beat it, and a tie goes to the lower index seen first
      const p = points[i]!;
      const gain =
        box(p) -
        hypervolume(
          taken.map((q) => q.map((x, j) => Math.max(x, p[j]!))),
          ref,
        );
      bound[i] = gain;
      if (gain > bestGain) {
        best = i;
        bestGain = gain;
      }
    }
    yield best;
    taken.push(points[best]!);
    left.splice(left.indexOf(best), 1);
  }
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
