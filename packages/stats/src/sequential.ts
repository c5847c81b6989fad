// A group-sequential design for comparing several configurations with one baseline across seeds: each comparison
// gets seeds in steps, and stops when it is decided (better / worse) or cannot be decided (futility), with the
// family-wise error held at alpha under this optional stopping. docs/statistics.md ("Sequential design") gives the
// method, its sources and what it assumes.
//
//   planSequential(settings)                           the looks (seeds at each) and the boundaries
//   sequentialLook(plan, observations, {baseline, look}) every comparison's decision at a look, replayed from look 0
//
// Per comparison: a two-sided Lan–DeMets alpha-spending test on the information fraction n_k / n_max, its critical
// values calibrated to the paired t statistic on simulated null paths (sequential-boundaries.ts: with 3–20 seeds the
// usual normal-theory conversion rejects 7–20 % too often).
// Across comparisons: Holm (or Bonferroni) on these group-sequential tests, as the sequentially rejective graphical
// procedure of Maurer & Bretz (2013): a comparison is tested at alpha / (comparisons not yet rejected), with the
// boundaries of that level at every look so far. Futility is non-binding: the efficacy boundaries ignore it.
import normalCdf from "@stdlib/stats-base-dists-normal-cdf";
import normalQuantile from "@stdlib/stats-base-dists-normal-quantile";
import tCdf from "@stdlib/stats-base-dists-t-cdf";
import tQuantile from "@stdlib/stats-base-dists-t-quantile";
import { InputError } from "@tailsweep/schemas";
import type { Observation } from "./compare";
import {
  type BoundaryMethod,
  boundariesFromSpending,
  type CalibrationVersion,
  CURRENT_CALIBRATION,
  calibrateT,
  nominalOf,
  type SpendingFunction,
  spentBy,
} from "./sequential-boundaries";

export type { BoundaryMethod, CalibrationVersion, SpendingFunction } from "./sequential-boundaries";

/** How the error is shared across the comparisons with the baseline (both hold the family-wise error). */
export type SequentialCorrection = "holm" | "bonferroni";

/**
 * When an undecided comparison stops for futility: when the probability of its being decided at the last look,
 * given the data so far, falls below `below`. Non-binding: the efficacy boundaries are computed as if comparisons
 * never stopped for futility, so stopping (or not) never raises the error rate.
 *  - `conditional-power`: conditional power under the current trend (the effect estimated so far taken as true;
 *    Lan, Simon & Halperin 1982; Jennison & Turnbull 2000, ch. 10).
 *  - `predictive-power`: the same probability averaged over the effect's posterior under a flat prior
 *    (Spiegelhalter, Freedman & Blackburn 1986): less eager to stop at the first looks, when the estimate is noisy.
 * `from`: the first look (0-based) at which futility may stop a comparison (default 1: never on the first look).
 */
export type FutilityRule =
  | { rule: "none" }
  | { rule: "conditional-power" | "predictive-power"; below: number; from?: number };

/** What a sweep file's `seeds: {initial, step, max}` and `decide: {alpha, correction}` ask for. */
export interface SequentialSettings {
  /** Seeds every configuration runs before the first look (at least 2: a t statistic needs a spread). */
  initial: number;
  /** Seeds added after each look to the comparisons still undecided. */
  step: number;
  /** The most seeds any configuration runs; the last look is at `max`. */
  max: number;
  /** Family-wise error rate (default 0.05). */
  alpha?: number;
  /** Default Holm. Benjamini–Hochberg is refused: it controls a false discovery rate of one look, not this. */
  correction?: SequentialCorrection;
  /** Default `obrien-fleming`. */
  spending?: SpendingFunction;
  /** Default: predictive power below 0.02, from the second look. */
  futility?: FutilityRule;
  /** The seeds in the order they are run (default 1..max, what `seeds: n` means in a sweep file). */
  seeds?: readonly number[];
  /** The simulation stream the boundaries are calibrated on (default the current one; 1 for designs stored before). */
  calibration?: CalibrationVersion;
}

/** One look of a plan. */
export interface PlannedLook {
  /** 0-based. */
  index: number;
  /** Matched seeds each comparison still running has at this look. */
  seeds: number;
  /** Information fraction seeds / max. */
  fraction: number;
}

/** The boundary of one look for one comparison tested at a level (the plan's full alpha in `plan.boundaries`). */
export interface LookBoundary {
  /** Error the spending function allows by this look, α(t_k). */
  spent: number;
  /** The normal-theory two-sided boundary for that spending (Lan–DeMets; Infinity when nothing is spent yet). */
  z: number;
  /** Critical |t| with seeds − 1 degrees of freedom that the look rejects at: calibrated to the t statistic. */
  t: number;
  /** The same rule as a nominal two-sided level: the look rejects when its paired t-test's p is at most this. */
  nominal: number;
  /** `exact` (the first look: one t-test), `simulated` (calibrated on simulated null paths) or `bonferroni` (a
   * look before the simulation resolves its spending gets its increment as nominal level). */
  method: BoundaryMethod;
}

/** A sequential design: the looks, and the boundaries of a comparison tested at the full alpha. */
export interface SequentialPlan {
  initial: number;
  step: number;
  max: number;
  alpha: number;
  correction: SequentialCorrection;
  spending: SpendingFunction;
  futility: FutilityRule;
  /** The seeds in the order they are run; look k analyses the first `looks[k].seeds` of them. */
  seeds: readonly number[];
  calibration: CalibrationVersion;
  looks: readonly PlannedLook[];
  /** At level alpha (one comparison, or the last one left under Holm); other levels via {@link boundariesAt}. */
  boundaries: readonly LookBoundary[];
}

/**
 * Checks the settings and lays out the looks: `initial`, `initial + step`, … seeds, the last at `max`; and the
 * boundaries at the full alpha. Bad settings are InputErrors naming the sweep-file field (`seeds.step`,
 * `decide.alpha`, …).
 */
export function planSequential(settings: SequentialSettings): SequentialPlan {
  const { initial, step, max } = settings;
  const whole = (field: string, v: number, min: number) => {
    if (!Number.isInteger(v) || v < min)
      throw new InputError(field, `must be a whole number ≥ ${min}, got ${v}`);
  };
  whole("seeds.initial", initial, 2);
  whole("seeds.step", step, 1);
  whole("seeds.max", max, initial);
  if (max > 1000) throw new InputError("seeds.max", `must be at most 1000, got ${max}`);
  const alpha = settings.alpha ?? 0.05;
  if (!(alpha > 0 && alpha < 0.5)) throw new InputError("decide.alpha", `must be in (0, 0.5), got ${alpha}`);
  const correction = settings.correction ?? "holm";
  if (correction !== "holm" && correction !== "bonferroni")
    throw new InputError(
      "decide.correction",
      `a sequential design takes holm or bonferroni (family-wise error under optional stopping), got ${String(correction)}`,
    );
  const spending = settings.spending ?? "obrien-fleming";
  if (spending !== "obrien-fleming" && spending !== "pocock")
    throw new InputError("decide.spending", `must be obrien-fleming or pocock, got ${String(spending)}`);
  const futility = settings.futility ?? DEFAULT_FUTILITY;
  if (futility.rule !== "none") {
    if (futility.rule !== "conditional-power" && futility.rule !== "predictive-power")
      throw new InputError(
        "decide.futility",
        `rule must be none, conditional-power or predictive-power, got ${String((futility as { rule: unknown }).rule)}`,
      );
    if (!(futility.below >= 0 && futility.below < 1))
      throw new InputError("decide.futility", `below must be in [0, 1), got ${futility.below}`);
    if (futility.from !== undefined && !(Number.isInteger(futility.from) && futility.from >= 0))
      throw new InputError("decide.futility", `from must be a look index ≥ 0, got ${futility.from}`);
  }
  const seeds = settings.seeds ?? Array.from({ length: max }, (_, i) => i + 1);
  if (seeds.length !== max || new Set(seeds).size !== max || !seeds.every((s) => Number.isInteger(s)))
    throw new InputError(
      "seeds",
      `must list ${max} distinct whole numbers (the seeds in run order), got ${seeds.length}`,
    );
  const count = Math.ceil((max - initial) / step) + 1;
  if (count > MAX_LOOKS)
    throw new InputError(
      "seeds.step",
      `${initial} to ${max} seeds in steps of ${step} makes ${count} looks; at most ${MAX_LOOKS} (take a larger step)`,
    );
  const looks: PlannedLook[] = [];
  for (let n = initial; ; n = Math.min(n + step, max)) {
    looks.push({ index: looks.length, seeds: n, fraction: n / max });
    if (n === max) break;
  }
  const plan: SequentialPlan = {
    initial,
    step,
    max,
    alpha,
    correction,
    spending,
    futility,
    seeds: [...seeds],
    calibration: settings.calibration ?? CURRENT_CALIBRATION,
    looks,
    boundaries: [],
  };
  plan.boundaries = boundariesAt(plan, alpha).looks.map((l) => ({ ...l }));
  return plan;
}

/** The boundaries are calibrated on simulated paths stored per look: this bounds their memory (≈ 100 MB). */
const MAX_LOOKS = 50;

/** Costs about one point of power at the design alternative in bench/seeds.ts, against no futility rule at all. */
const DEFAULT_FUTILITY: FutilityRule = { rule: "predictive-power", below: 0.02, from: 1 };

// ——— boundaries at a level, on the t scale, cached per plan

/** A plan's boundaries when one comparison is tested at `level`, with the futility thresholds of that level. */
export interface LevelBoundaries {
  level: number;
  looks: LookBoundary[];
  /**
   * Per look: a comparison still undecided stops for futility when |t| is below this (0 where the rule does not
   * apply: the first looks, the last look, or no futility rule).
   */
  futilityT: number[];
}

const cache = new Map<string, LevelBoundaries>();
/** Per plan object, so that a look does not rebuild the key for each level. */
const byPlan = new WeakMap<SequentialPlan, Map<number, LevelBoundaries>>();

/**
 * The boundaries of `plan` for a comparison tested at `level` (alpha divided among comparisons): the normal-theory
 * spending boundaries, the critical |t| calibrated to them on simulated null paths (sequential-boundaries.ts), and
 * the futility thresholds. Cached by the plan's looks, spending and futility rule.
 */
export function boundariesAt(plan: SequentialPlan, level: number): LevelBoundaries {
  let mine = byPlan.get(plan);
  if (!mine) {
    mine = new Map();
    byPlan.set(plan, mine);
  }
  const hit = mine.get(level);
  if (hit) return hit;
  const key = `${plan.calibration}|${plan.spending}|${plan.looks.map((l) => l.seeds).join(",")}|${JSON.stringify(plan.futility)}|${level}`;
  const cached = cache.get(key) ?? computeBoundaries(plan, level);
  if (cache.size >= 5000) cache.delete(cache.keys().next().value!);
  cache.set(key, cached);
  if (mine.size < 5000) mine.set(level, cached);
  return cached;
}

function computeBoundaries(plan: SequentialPlan, level: number): LevelBoundaries {
  const fractions = plan.looks.map((l) => l.fraction);
  const seeds = plan.looks.map((l) => l.seeds);
  const spent = fractions.map((t) => spentBy(plan.spending, level, t));
  const z = boundariesFromSpending(fractions, spent);
  const calibrated = calibrateT(seeds, spent, level, plan.calibration);
  const looks = z.map(
    (zk, k): LookBoundary => ({
      spent: spent[k]!,
      z: zk,
      t: calibrated.t[k]!,
      nominal: nominalOf(calibrated.t[k]!, seeds[k]! - 1),
      method: calibrated.method[k]!,
    }),
  );
  // the futility rule's last-look boundary: the normal equivalent of the calibrated last critical value
  const lastNominal = looks.at(-1)!.nominal;
  const last = lastNominal > 0 ? -normalQuantile(lastNominal / 2, 0, 1) : Infinity;
  const futilityT = fractions.map((t, k) => {
    const f = plan.futility;
    if (f.rule === "none" || k < (f.from ?? 1) || k === fractions.length - 1 || !(f.below > 0)) return 0;
    // conditional power = Φ((Z/√t − c_K)/√(1 − t)); predictive power = Φ((Z − c_K √t)/√(1 − t)) (B-value form);
    // each falls below `below` exactly when Z is below the threshold solved here
    const zBelow = normalQuantile(f.below, 0, 1) * Math.sqrt(1 - t);
    const zStop =
      f.rule === "conditional-power" ? Math.sqrt(t) * (last + zBelow) : last * Math.sqrt(t) + zBelow;
    if (!(zStop > 0)) return 0;
    if (!Number.isFinite(zStop)) return Infinity;
    return -tQuantile(normalCdf(-zStop, 0, 1), seeds[k]! - 1);
  });
  return { level, looks, futilityT };
}

// ——— a look

/** Settings of {@link sequentialLook}. */
export interface LookOptions {
  /** The configuration every other one is compared with. */
  baseline: string;
  /** The look being taken (0-based; `plan.looks[look]`). */
  look: number;
  /** Whether higher values are better (default maximize). */
  direction?: "maximize" | "minimize";
  /**
   * Compute the adjusted (repeated) p-values (default true). They need the boundaries at many levels, about a
   * second the first time per plan; the decisions do not.
   */
  adjustedP?: boolean;
}

/**
 * A comparison's state: `continue` (undecided, more seeds), `better` / `worse` than the baseline (rejected under
 * the family-wise control), or `no difference` — stopped undecided, for futility or at `max` seeds. `no difference`
 * means "not shown to differ", not "shown equal".
 */
export type SequentialDecision = "better" | "worse" | "no difference" | "continue";

/** One configuration's comparison with the baseline at a look. */
export interface SequentialRow {
  config: string;
  decision: SequentialDecision;
  /** Why its seeds stopped (null while it continues). A futility stop can still turn into better/worse later,
   * when other comparisons are rejected and its Holm level rises (its looks so far are then re-tested). */
  stopped: null | "efficacy" | "futility" | "max seeds";
  /** The look at which its seeds stopped (null while it continues). */
  stoppedAt: number | null;
  /** Matched seeds its last look analysed. */
  seeds: number;
  /** Mean of config − baseline over those seeds, its sd, and the paired t-test (two-sided, unadjusted). */
  meanDiff: number;
  sdDiff: number;
  t: number;
  df: number;
  p: number;
  /** The level it is tested at now: alpha / (comparisons not rejected) under Holm, alpha / m under Bonferroni;
   * for a rejected comparison, the level at which it was rejected. */
  level: number;
  /** The nominal two-sided level its last look's p was compared with at that level. */
  nominal: number;
  /** Its probability of being decided at the last look (the futility rule's quantity); NaN once stopped or at the
   * last look. */
  futilityPower: number;
  /**
   * The adjusted p-value a front end shows: the smallest alpha at which the whole procedure would have decided
   * this comparison by now (repeated p-values, Holm- or Bonferroni-adjusted). `better`/`worse` exactly when it is
   * ≤ alpha. NaN when not asked for.
   */
  adjustedP: number;
  /** Seeds it should have after the next step (its current seeds when it has stopped), and how many to add. */
  targetSeeds: number;
  addSeeds: number;
}

/** Every comparison at one look, and what to run next. */
export interface SequentialLookResult {
  look: number;
  /** Seeds each comparison still running had at this look. */
  seeds: number;
  /** Whether this is the plan's last look. */
  last: boolean;
  /** No comparison continues: the sweep is decided. */
  done: boolean;
  baseline: { config: string; targetSeeds: number; addSeeds: number };
  rows: SequentialRow[];
}

interface Track {
  config: string;
  /** Running mean and sum of squared deviations of the differences, per prefix length (index n − 1). */
  mean: Float64Array;
  m2: Float64Array;
  available: number;
  /** Largest r such that the comparison is rejected at alpha / r by its looks so far (0: none). */
  strength: number;
  /** The look whose statistic gave `strength`, and that statistic's sign. */
  strengthLook: number;
  sign: number;
  lastLook: number;
  stoppedAt: number | null;
  stopped: SequentialRow["stopped"];
  /** |t| at each look analysed. */
  t: number[];
}

/**
 * Every comparison with the baseline at look `look` of `plan`: the whole procedure is replayed from look 0 on the
 * observations (the store is the truth; nothing is carried between calls), so the result is the same whether the
 * caller asks at every look or only now. At look k a comparison still running analyses the first
 * `plan.looks[k].seeds` seeds of `plan.seeds` (both it and the baseline must have them); seeds beyond a
 * comparison's stop are ignored.
 */
export function sequentialLook(
  plan: SequentialPlan,
  observations: readonly Observation[],
  options: LookOptions,
): SequentialLookResult {
  const { baseline, look } = options;
  const sign = (options.direction ?? "maximize") === "maximize" ? 1 : -1;
  if (!Number.isInteger(look) || look < 0 || look >= plan.looks.length)
    throw new InputError("look", `must be a look of the plan, 0 to ${plan.looks.length - 1}, got ${look}`);
  const position = new Map(plan.seeds.map((s, i) => [s, i]));
  const byConfig = new Map<string, Float64Array>();
  for (const o of observations) {
    const at = position.get(o.seed);
    if (at === undefined)
      throw new InputError(
        "observations",
        `config "${o.config}", seed ${o.seed}: not one of the plan's seeds (${plan.seeds.slice(0, 5).join(", ")}${plan.seeds.length > 5 ? ", …" : ""})`,
      );
    if (!Number.isFinite(o.value))
      throw new InputError(
        "observations",
        `config "${o.config}", seed ${o.seed}: value is ${o.value}, not a number`,
      );
    let values = byConfig.get(o.config);
    if (!values) {
      values = new Float64Array(plan.max).fill(Number.NaN);
      byConfig.set(o.config, values);
    }
    if (!Number.isNaN(values[at]!))
      throw new InputError("observations", `config "${o.config}", seed ${o.seed}: two results for one seed`);
    values[at] = o.value;
  }
  const base = byConfig.get(baseline);
  if (!base)
    throw new InputError(
      "baseline",
      `no results for "${baseline}"; configurations: ${[...byConfig.keys()].sort().join(", ") || "none"}`,
    );
  const configs = [...byConfig.keys()].filter((c) => c !== baseline).sort();
  const m = configs.length;
  if (m === 0) throw new InputError("observations", `no configuration besides the baseline "${baseline}"`);
  const tracks = configs.map((config) => track(config, byConfig.get(config)!, base, plan.max));
  const levels = Array.from({ length: m }, (_, r) => boundariesAt(plan, plan.alpha / (r + 1)));
  const family = nestedFamily(plan, m);
  const critical = plan.looks.map((_, k) => {
    const c = new Float64Array(m);
    for (let r = 0; r < m; r++) c[r] = family.critical(plan.alpha / (r + 1))[k]!;
    return c;
  });
  const lastIndex = plan.looks.length - 1;
  let rejected = 0;
  for (let k = 0; k <= look; k++) {
    const n = plan.looks[k]!.seeds;
    for (const tr of tracks) {
      if (tr.stoppedAt !== null) continue;
      if (tr.available < n) {
        const seed = plan.seeds[tr.available]!;
        const lacking = Number.isNaN(base[tr.available]!) ? baseline : tr.config;
        throw new InputError(
          "observations",
          `config "${lacking}", seed ${seed}: no result, and look ${k} compares "${tr.config}" with the baseline on ` +
            `the first ${n} seeds (${plan.seeds.slice(0, n).join(", ")})`,
        );
      }
      const t = tStatistic(tr, n);
      tr.t.push(Math.abs(t));
      tr.lastLook = k;
      // the largest r whose level's boundary |t| reaches at this look (critical values grow with r)
      let r = tr.strength;
      while (r < m && Math.abs(t) >= critical[k]![r]!) r++;
      if (r > tr.strength) {
        tr.strength = r;
        tr.strengthLook = k;
        tr.sign = Math.sign(t);
      }
    }
    rejected = countRejected(tracks, plan.correction, m);
    const rejectedSet = rejectedTracks(tracks, plan.correction, m, rejected);
    const current = plan.correction === "holm" ? m - rejected : m;
    for (const tr of tracks) {
      if (tr.stoppedAt !== null) continue;
      if (rejectedSet.has(tr)) stop(tr, k, "efficacy");
      else if (k === lastIndex) stop(tr, k, "max seeds");
      else if (current > 0 && tr.t[k]! < levels[current - 1]!.futilityT[k]!) stop(tr, k, "futility");
    }
  }
  const rejectedSet = rejectedTracks(tracks, plan.correction, m, rejected);
  const current = plan.correction === "holm" ? m - rejected : m;
  const adjusted = options.adjustedP === false ? null : adjustedPValues(plan, family, tracks, m);
  const next = look < lastIndex ? plan.looks[look + 1]!.seeds : plan.looks[look]!.seeds;
  const rows = tracks.map((tr, i): SequentialRow => {
    const n = plan.looks[tr.lastLook]!.seeds;
    const isRejected = rejectedSet.has(tr);
    const level = isRejected ? rejectionLevel(tracks, tr, plan, m) : plan.alpha / current;
    const bounds = boundariesAt(plan, level);
    const df = n - 1;
    const t = tStatistic(tr, n);
    const p = pValue(t, df);
    const running = tr.stoppedAt === null;
    return {
      config: tr.config,
      decision: isRejected
        ? sign * tr.sign > 0
          ? "better"
          : "worse"
        : running
          ? "continue"
          : "no difference",
      stopped: tr.stopped,
      stoppedAt: tr.stoppedAt,
      seeds: n,
      meanDiff: tr.mean[n - 1]!,
      sdDiff: Math.sqrt(tr.m2[n - 1]! / (n - 1)),
      t,
      df,
      p,
      level,
      nominal: nominalOf(family.critical(level)[tr.lastLook]!, n - 1),
      futilityPower: running && look < lastIndex ? decidedLater(plan, bounds, p, look) : Number.NaN,
      adjustedP: adjusted ? adjusted[i]! : Number.NaN,
      targetSeeds: running ? next : n,
      addSeeds: running ? next - n : 0,
    };
  });
  const running = rows.filter((r) => r.decision === "continue");
  const baseHas = plan.looks[look]!.seeds;
  const baseTarget = running.length > 0 ? next : baseHas;
  return {
    look,
    seeds: plan.looks[look]!.seeds,
    last: look === lastIndex,
    done: running.length === 0,
    baseline: { config: baseline, targetSeeds: baseTarget, addSeeds: baseTarget - baseHas },
    rows,
  };
}

function stop(tr: Track, k: number, why: NonNullable<Track["stopped"]>): void {
  tr.stoppedAt = k;
  tr.stopped = why;
}

/** How many comparisons the correction rejects, given each one's strength. */
function countRejected(tracks: readonly Track[], correction: SequentialCorrection, m: number): number {
  if (correction === "bonferroni") return tracks.filter((t) => t.strength >= m).length;
  const strengths = tracks.map((t) => t.strength).sort((a, b) => b - a);
  let i = 0;
  while (i < m && strengths[i]! >= m - i) i++;
  return i;
}

function rejectedTracks(
  tracks: readonly Track[],
  correction: SequentialCorrection,
  m: number,
  count: number,
): Set<Track> {
  if (correction === "bonferroni") return new Set(tracks.filter((t) => t.strength >= m));
  return new Set([...tracks].sort((a, b) => b.strength - a.strength).slice(0, count));
}

/** The level at which Holm rejected `tr`: alpha / (m − its rank among the rejected), or alpha / m (Bonferroni). */
function rejectionLevel(tracks: readonly Track[], tr: Track, plan: SequentialPlan, m: number): number {
  if (plan.correction === "bonferroni") return plan.alpha / m;
  const ahead = tracks.filter((o) => o.strength > tr.strength).length;
  return plan.alpha / (m - ahead);
}

function track(config: string, values: Float64Array, base: Float64Array, max: number): Track {
  const mean = new Float64Array(max);
  const m2 = new Float64Array(max);
  let available = 0;
  let mu = 0;
  let s = 0;
  for (let i = 0; i < max; i++) {
    const d = values[i]! - base[i]!;
    if (Number.isNaN(d)) break;
    // Welford: stable when the differences are nearly constant
    const delta = d - mu;
    mu += delta / (i + 1);
    s += delta * (d - mu);
    mean[i] = mu;
    m2[i] = s;
    available = i + 1;
  }
  return {
    config,
    mean,
    m2,
    available,
    strength: 0,
    strengthLook: -1,
    sign: 0,
    lastLook: -1,
    stoppedAt: null,
    stopped: null,
    t: [],
  };
}

/** The paired t statistic on the first n differences (±Infinity when they are all equal and not zero). */
function tStatistic(tr: Track, n: number): number {
  const mean = tr.mean[n - 1]!;
  const sd = Math.sqrt(Math.max(0, tr.m2[n - 1]!) / (n - 1));
  if (sd === 0 || sd <= 1e-14 * Math.abs(mean)) return mean === 0 ? 0 : Math.sign(mean) * Infinity;
  return mean / (sd / Math.sqrt(n));
}

function pValue(t: number, df: number): number {
  if (!Number.isFinite(t)) return 0;
  return Math.min(1, 2 * tCdf(-Math.abs(t), df));
}

/** The futility rule's probability (conditional or predictive power at the last look) for a p-value at look k. */
function decidedLater(plan: SequentialPlan, bounds: LevelBoundaries, p: number, k: number): number {
  const t = plan.looks[k]!.fraction;
  const z = p > 0 ? -normalQuantile(p / 2, 0, 1) : Infinity;
  const lastNominal = bounds.looks.at(-1)!.nominal;
  const last = lastNominal > 0 ? -normalQuantile(lastNominal / 2, 0, 1) : Infinity;
  if (plan.futility.rule === "predictive-power")
    return normalCdf((z - last * Math.sqrt(t)) / Math.sqrt(1 - t), 0, 1);
  return normalCdf((z / Math.sqrt(t) - last) / Math.sqrt(1 - t), 0, 1);
}

// ——— the nested family of tests, and adjusted p-values

/** Levels besides alpha / r at which the boundaries are tabulated: 6 per decade from 1e-12, and 0.5. */
const LEVEL_GRID = [...Array.from({ length: 71 }, (_, i) => 10 ** (-12 + i / 6)), 0.5];
/** The largest level a comparison is tested at for its repeated p-value (larger ones spend too much too early). */
const TOP_LEVEL = 0.5;

/**
 * One comparison's tests at every level, made nested: the critical |t| of look k at level λ is the largest of the
 * calibrated ones at the tabulated levels from λ up to 0.5 (the levels alpha / r among them). Each test is then a
 * sub-test of its own calibrated one (so it holds its level) and a smaller level never rejects where a larger one
 * does not — what Holm's step-down needs to be a closed test, and what makes a repeated p-value well defined.
 */
interface NestedFamily {
  /** Tabulated levels, ascending. */
  nodes: number[];
  /** Critical |t| per look at each node, index-aligned with `nodes`. */
  table: Float64Array[];
  critical(level: number): Float64Array;
}

const families = new WeakMap<SequentialPlan, Map<number, NestedFamily>>();

function nestedFamily(plan: SequentialPlan, m: number): NestedFamily {
  let mine = families.get(plan);
  if (!mine) {
    mine = new Map();
    families.set(plan, mine);
  }
  const cached = mine.get(m);
  if (cached) return cached;
  const nodes = [
    ...new Set([...LEVEL_GRID, ...Array.from({ length: m }, (_, r) => plan.alpha / (r + 1))]),
  ].sort((a, b) => a - b);
  const seeds = plan.looks.map((l) => l.seeds);
  const table = new Array<Float64Array>(nodes.length);
  let above: Float64Array | null = null;
  for (let i = nodes.length - 1; i >= 0; i--) {
    const raw = tCriticalAt(plan, seeds, nodes[i]!);
    const row = new Float64Array(seeds.length);
    for (let k = 0; k < seeds.length; k++) row[k] = Math.max(raw[k]!, above ? above[k]! : 0);
    table[i] = row;
    above = row;
  }
  const index = new Map(nodes.map((v, i) => [v, i]));
  const family: NestedFamily = {
    nodes,
    table,
    critical(level) {
      const i = index.get(level);
      if (i === undefined) throw new RangeError(`level ${level} is not tabulated`);
      return table[i]!;
    },
  };
  if (mine.size < 100) mine.set(m, family);
  return family;
}

const tCache = new Map<string, number[]>();

/** The calibrated critical |t| per look at `level`, without the normal-theory boundaries (cached). */
function tCriticalAt(plan: SequentialPlan, seeds: readonly number[], level: number): number[] {
  if (level > TOP_LEVEL) return seeds.map(() => Infinity);
  const key = `${plan.calibration}|${plan.spending}|${seeds.join(",")}|${level}`;
  let t = tCache.get(key);
  if (!t) {
    const spent = plan.looks.map((l) => spentBy(plan.spending, level, l.fraction));
    t = calibrateT(seeds, spent, level, plan.calibration).t;
    if (tCache.size >= 20_000) tCache.delete(tCache.keys().next().value!);
    tCache.set(key, t);
  }
  return t;
}

/**
 * Repeated p-values (Jennison & Turnbull 2000, ch. 9): for each comparison, the smallest level at which its test
 * in the nested family rejects by its last look — read off the tabulated levels, interpolating log(level) against
 * log(nominal level) between the two that bracket it (the levels alpha / r are tabulated, so a repeated p-value is
 * ≤ alpha / r exactly when that level rejects). Then Holm (step-down maxima of (m − i)·p) or Bonferroni (m·p), so an
 * adjusted p-value is ≤ alpha exactly when the decision is better or worse. 1 when not rejected at level 0.5.
 */
function adjustedPValues(
  plan: SequentialPlan,
  family: NestedFamily,
  tracks: readonly Track[],
  m: number,
): number[] {
  const repeated = tracks.map((tr) => {
    let best = 1;
    for (let k = 0; k <= tr.lastLook; k++) best = Math.min(best, levelRejecting(plan, family, k, tr.t[k]!));
    return best;
  });
  if (plan.correction === "bonferroni") return repeated.map((p) => Math.min(1, m * p));
  const order = repeated.map((p, i) => [p, i] as const).sort((a, b) => a[0] - b[0]);
  const out = new Array<number>(m).fill(Number.NaN);
  let running = 0;
  order.forEach(([p, i], rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * p));
    out[i] = running;
  });
  return out;
}

/** The smallest (interpolated) level whose look-k test rejects |t| = `t`. */
function levelRejecting(plan: SequentialPlan, family: NestedFamily, k: number, t: number): number {
  const { nodes, table } = family;
  // critical values fall as the level rises: find the first node that rejects
  if (t === Infinity) return 0;
  let i = 0;
  while (i < nodes.length && !(t >= table[i]![k]!)) i++;
  if (i === nodes.length) return 1;
  if (i === 0) return nodes[0]!;
  const df = plan.looks[k]!.seeds - 1;
  const p = nominalOf(t, df);
  const below = nominalOf(table[i - 1]![k]!, df);
  const at = nominalOf(table[i]![k]!, df);
  if (!(at > below) || !(p > below)) return nodes[i]!;
  const fraction =
    below > 0
      ? (Math.log(p) - Math.log(below)) / (Math.log(at) - Math.log(below))
      : (p - below) / (at - below);
  const lo = Math.log(nodes[i - 1]!);
  const level = Math.exp(lo + Math.min(1, Math.max(0, fraction)) * (Math.log(nodes[i]!) - lo));
  // strictly above the level that does not reject, at most the one that does
  return Math.min(nodes[i]!, Math.max(level, nodes[i - 1]! * (1 + 1e-12)));
}
