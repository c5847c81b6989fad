// Hyperparameter importance of a sweep: how much of the variation of its configuration means each swept knob, and
// each pair of knobs together, accounts for — the functional ANOVA (fANOVA) of Hutter, Hoos & Leyton-Brown, "An
// efficient approach for assessing hyperparameter importance" (ICML 2014) — beside the seed noise those means carry.
//
// Why written here and not a library: no npm package computes fANOVA. Checked 2026-12: the npm registry answers 404 for
// the names fanova and hyperparameter-importance (`npm view`), and no package in its list of names holds "fanova"; the
// implementations in use are Python (automl's `fanova`, over a random forest's trees in C++, and Optuna's port of it).
// On a full-factorial grid with every cell observed none is needed: fANOVA of the empirical function (configuration →
// seed mean) under the uniform measure over the grid is the Hoeffding decomposition of a finite table, a few averages
// (below), exact, with nothing fitted.
//
// Sweeps that are not a full grid (random search over continuous knobs, a cell with no finished seed, a
// configuration whose trials all failed) get no importance, only the reason ("needs a full grid: 3 of 4 cells
// observed"). The alternative — a surrogate (a random forest, e.g. ml-random-forest, MIT, last published 2024-12) and
// fANOVA or permutation importance on it — would put numbers from a different, fitted quantity under the same heading,
// from a few dozen noisy points, that no exact reference can check; a person can run a grid over the knobs that look
// important instead. The seed noise is reported for every sweep.
import betainc from "@stdlib/math-base-special-betainc";
import { namesInBrief, type ParamSpec } from "@tailsweep/schemas";
import { summarize } from "@tailsweep/stats";
import { configLabel, paramValue } from "@tailsweep/sweep";
import { configurationsOf, finishedValues } from "./configurations";
import { selectionRuns } from "./confirmation";
import { isShare, pct, plain } from "./format";
import type { SweepRuns } from "./sweep-runs";

/** A knob of a full grid: its name and its levels (each value's `paramValue` text), in order. */
export interface GridFactor {
  name: string;
  levels: readonly string[];
}

/** One cell of a grid: its level of each factor (in the factors' order) and the metric's value on each seed. */
export interface GridCell {
  at: readonly string[];
  values: readonly number[];
  /** The seed of each value, where known: configurations that all ran the same seeds are compared seed by seed. */
  seeds?: readonly number[];
}

/** One term of the decomposition: a knob's main effect, a pair's interaction, or everything of higher order. */
export interface ImportanceEffect {
  /** The knob, or the two knobs, the term belongs to; every knob for the higher-order rest. */
  knobs: string[];
  kind: "main" | "interaction" | "higher-order";
  /** The term's variance over the grid (the metric's units squared). */
  variance: number;
  /** Its share of the variance of the configuration means (0–1); null when the means do not vary at all. */
  share: number | null;
  /** Degrees of freedom of the term: ∏ (levels − 1) over its knobs. */
  df: number;
  /**
   * The share seed noise alone would give the term on average (its expected variance were the knobs to have no
   * effect: df · σ²/ñ / cells, over the total); null without a noise estimate.
   */
  noiseShare: number | null;
  /** F test of the term against the seed noise (unweighted-means two-way ANOVA); null without a noise estimate. */
  p: number | null;
  /** Whether the term stands out of the seed noise (p ≤ α); null without a noise estimate. */
  exceedsNoise: boolean | null;
}

/**
 * How noisy the configuration means are: the seeds' spread within a configuration beside the means' spread, and the
 * noise the knobs' effects are tested against.
 *
 * Where every configuration ran the same seeds (a grid sweep's usual design), a seed's luck that all configurations
 * share (its data order, its initial weights' draw) moves every mean alike and no difference between them: the noise
 * in differences is what is left of a run after its configuration's and its seed's means, the seed × configuration
 * interaction (a randomized block design with seeds as blocks, as the comparison table pairs seeds). Otherwise it is
 * the within-configuration variance itself (a completely randomized design, unweighted means where seed counts differ).
 */
export interface SeedNoise {
  /**
   * The seeds' variance within a configuration (sample variance, n − 1), pooled over the configurations with two or
   * more seeds: their mean, weighted by degrees of freedom (the plain mean when each has as many seeds). Null when no
   * configuration has two seeds.
   */
  withinVariance: number | null;
  /** Degrees of freedom of that estimate: Σ (seeds − 1). */
  withinDf: number;
  /** The number of seeds when every configuration ran the same two or more seeds; null otherwise. */
  matchedSeeds: number | null;
  /**
   * The variance of one run that the tests use: the seed × configuration interaction's mean square where seeds are
   * matched ((configurations − 1)(seeds − 1) df), else `withinVariance`. Null without an estimate.
   */
  noiseVariance: number | null;
  /** Its degrees of freedom. */
  noiseDf: number;
  /** Variance of the configuration means (over the configurations, divided by their count, as fANOVA's total). */
  betweenVariance: number;
  /** Harmonic mean of the configurations' seed counts: the seeds behind a typical mean. */
  seeds: number;
  /**
   * What seed noise alone would give `betweenVariance` on average, knobs without any effect:
   * (configurations − 1) / configurations · noiseVariance / seeds. Null without a noise estimate.
   */
  expectedFromNoise: number | null;
  /** How many configurations these numbers come from. */
  configurations: number;
}

/** The decomposition of a full grid's configuration means ({@link functionalAnova}). */
export interface FunctionalAnova {
  /** Mean of the configuration means (f₀). */
  mean: number;
  /** Their variance over the grid: what the shares divide. */
  variance: number;
  /** Main effects and pairwise interactions, the largest first. */
  effects: ImportanceEffect[];
  /** What main effects and pairs leave (three knobs or more); null with fewer. */
  higherOrder: ImportanceEffect | null;
  noise: SeedNoise;
  alpha: number;
}

/** Every cell of a grid that `cells` leaves out (mixed-radix order), up to `limit`, with how many there are. */
export function missingCells(
  factors: readonly GridFactor[],
  cells: readonly Pick<GridCell, "at">[],
  limit = 3,
): { missing: number; total: number; examples: string[][] } {
  const total = factors.reduce((m, f) => m * f.levels.length, 1);
  const seen = new Set(cells.map((c) => c.at.join("\u0000")));
  let missing = 0;
  const examples: string[][] = [];
  if (total > 100_000) return { missing: total - seen.size, total, examples };
  for (let idx = 0; idx < total; idx++) {
    const at = levelsAt(factors, idx);
    if (seen.has(at.join("\u0000"))) continue;
    missing++;
    if (examples.length < limit) examples.push(at);
  }
  return { missing, total, examples };
}

/** The levels of cell number `idx` (the last factor varies fastest). */
function levelsAt(factors: readonly GridFactor[], idx: number): string[] {
  const at: string[] = new Array(factors.length);
  for (let k = factors.length - 1; k >= 0; k--) {
    const levels = factors[k]!.levels;
    at[k] = levels[idx % levels.length]!;
    idx = Math.floor(idx / levels.length);
  }
  return at;
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * The seed noise of configurations given their values on each seed ({@link SeedNoise}); `seeds[c][i]` is the seed of
 * `values[c][i]`, where known. Every configuration needs at least one value.
 */
export function seedNoise(
  configurations: readonly { values: readonly number[]; seeds?: readonly number[] | undefined }[],
): SeedNoise {
  const means = configurations.map((c) => mean(c.values));
  const centre = mean(means);
  let ss = 0;
  let withinDf = 0;
  for (const [c, { values }] of configurations.entries()) {
    for (const v of values) ss += (v - means[c]!) ** 2;
    withinDf += values.length - 1;
  }
  const n = configurations.length;
  const withinVariance = withinDf > 0 ? ss / withinDf : null;
  const seeds = n / configurations.reduce((a, c) => a + 1 / c.values.length, 0);
  const matched = matchedSeeds(configurations);
  let noiseVariance = withinVariance;
  let noiseDf = withinDf;
  if (matched) {
    // residual of the additive model run = configuration + seed: (y − ȳ_c − ȳ_s + ȳ)², on (C − 1)(S − 1) df
    const seedMeans = new Map(matched.map((seed) => [seed, 0]));
    for (const c of configurations)
      for (const [i, seed] of c.seeds!.entries())
        seedMeans.set(seed, seedMeans.get(seed)! + c.values[i]! / n);
    let residual = 0;
    for (const [k, c] of configurations.entries())
      for (const [i, seed] of c.seeds!.entries())
        residual += (c.values[i]! - means[k]! - seedMeans.get(seed)! + centre) ** 2;
    noiseDf = (n - 1) * (matched.length - 1);
    noiseVariance = noiseDf > 0 ? residual / noiseDf : null;
  }
  return {
    withinVariance,
    withinDf,
    matchedSeeds: matched?.length ?? null,
    noiseVariance,
    noiseDf,
    betweenVariance: means.reduce((a, m) => a + (m - centre) ** 2, 0) / n,
    seeds,
    expectedFromNoise: noiseVariance === null ? null : (((n - 1) / n) * noiseVariance) / seeds,
    configurations: n,
  };
}

/** The seeds every configuration ran, when they all ran the same two or more (each once); else null. */
function matchedSeeds(
  configurations: readonly { values: readonly number[]; seeds?: readonly number[] | undefined }[],
): number[] | null {
  const first = configurations[0]?.seeds;
  if (!first || first.length < 2 || new Set(first).size !== first.length) return null;
  const key = [...first].sort((a, b) => a - b).join(",");
  const same = configurations.every(
    (c) => c.seeds?.length === c.values.length && [...c.seeds].sort((a, b) => a - b).join(",") === key,
  );
  return same ? [...first].sort((a, b) => a - b) : null;
}

/** P(F > f) for Snedecor's F with (d1, d2) degrees of freedom: the regularized incomplete beta I_{d2/(d2+d1 f)}(d2/2, d1/2). */
export function fSurvival(f: number, d1: number, d2: number): number {
  if (!(f >= 0)) return Number.NaN;
  if (f === Number.POSITIVE_INFINITY) return 0;
  return betainc(d2 / (d2 + d1 * f), d2 / 2, d1 / 2);
}

/**
 * Functional ANOVA of a full-factorial grid (Hutter, Hoos & Leyton-Brown 2014) over its cells' means, each cell
 * weighted alike (the uniform measure over the grid, whatever its seed count):
 *
 *   f₀ = mean of the cell means; V = mean of (f − f₀)²
 *   main effect of knob i: V_i = variance of its marginal means m_i(l) (the mean over every other knob), about f₀
 *   interaction of i and j: V_ij = mean of (m_ij − m_i − m_j + f₀)², the part of the two-way marginal's variance its
 *     two main effects leave (Var m_ij = V_i + V_j + V_ij on a full grid)
 *   higher order: V − Σ V_i − Σ V_ij
 *
 * each as a share of V. Beside each, the seed noise ({@link SeedNoise}): with σ² the variance of a run (the seed ×
 * configuration interaction where every cell ran the same seeds, else the pooled within-configuration variance) on
 * ν degrees of freedom and ñ the harmonic mean of the seed counts, a cell mean carries noise σ²/ñ, and a term with df
 * degrees of freedom gets df · σ²/ñ / cells of variance from noise alone on average; its F = (cells · V_U / df) /
 * (σ²/ñ) on (df, ν) degrees of freedom is the factorial ANOVA's test of the term (seeds as blocks where matched;
 * unweighted means where seed counts differ).
 * Throws when a cell is missing or repeated: only a full grid has an exact decomposition.
 */
export function functionalAnova(
  factors: readonly GridFactor[],
  cells: readonly GridCell[],
  options: { alpha?: number } = {},
): FunctionalAnova {
  const alpha = options.alpha ?? 0.05;
  const sizes = factors.map((f) => f.levels.length);
  const total = sizes.reduce((a, b) => a * b, 1);
  const levelIndex = factors.map((f) => new Map(f.levels.map((l, i) => [l, i])));
  const f = new Float64Array(total).fill(Number.NaN);
  for (const cell of cells) {
    if (cell.values.length === 0) throw new Error(`cell ${cell.at.join(", ")} has no value`);
    let idx = 0;
    for (const [k, level] of cell.at.entries()) {
      const i = levelIndex[k]!.get(level);
      if (i === undefined) throw new Error(`${factors[k]!.name}: '${level}' is not one of its levels`);
      idx = idx * sizes[k]! + i;
    }
    if (!Number.isNaN(f[idx]!)) throw new Error(`cell ${cell.at.join(", ")} appears twice`);
    f[idx] = mean(cell.values);
  }
  if (cells.length !== total)
    throw new Error(`needs a full grid: ${cells.length} of ${total} cells observed`);

  // strides of the mixed-radix cell index, the last factor fastest
  const strides = sizes.map((_, k) => sizes.slice(k + 1).reduce((a, b) => a * b, 1));
  const levelOf = (idx: number, k: number) => Math.floor(idx / strides[k]!) % sizes[k]!;
  const f0 = f.reduce((a, b) => a + b, 0) / total;
  const spread = f.reduce((a, v) => a + (v - f0) ** 2, 0) / total;
  // means equal but for rounding (0.15 + 0.16 against 0.14 + 0.17) do not vary: shares of a rounding error are noise
  const variance = Math.sqrt(spread) <= 1e-12 * f.reduce((a, v) => Math.max(a, Math.abs(v)), 0) ? 0 : spread;

  // one-way marginal means m_i(l), as deviations from f0 (the main effects)
  const main = sizes.map((size, k) => {
    const sums = new Float64Array(size);
    for (let idx = 0; idx < total; idx++) sums[levelOf(idx, k)]! += f[idx]!;
    return Array.from(sums, (s) => (s * size) / total - f0);
  });
  const noise = seedNoise(cells);
  const cellNoise = noise.noiseVariance === null ? null : noise.noiseVariance / noise.seeds;
  const term = (
    knobs: string[],
    kind: ImportanceEffect["kind"],
    raw: number,
    df: number,
  ): ImportanceEffect => {
    const v = variance > 0 ? raw : 0;
    const share = variance > 0 ? v / variance : null;
    const noiseShare = cellNoise === null || !(variance > 0) ? null : (df * cellNoise) / total / variance;
    let p: number | null = null;
    if (cellNoise !== null && df > 0)
      p = cellNoise > 0 ? fSurvival((total * v) / df / cellNoise, df, noise.noiseDf) : v > 0 ? 0 : null;
    return {
      knobs,
      kind,
      variance: v,
      share,
      df,
      noiseShare,
      p,
      // p ≤ α, the rule every other test here uses (a p-value test rejects at level α iff p ≤ α)
      exceedsNoise: p === null ? null : p <= alpha,
    };
  };
  const effects: ImportanceEffect[] = main.map((m, k) =>
    term([factors[k]!.name], "main", m.reduce((a, d) => a + d * d, 0) / m.length, sizes[k]! - 1),
  );
  for (let i = 0; i < factors.length; i++)
    for (let j = i + 1; j < factors.length; j++) {
      const [si, sj] = [sizes[i]!, sizes[j]!];
      const sums = new Float64Array(si * sj);
      for (let idx = 0; idx < total; idx++) sums[levelOf(idx, i) * sj + levelOf(idx, j)]! += f[idx]!;
      let v = 0;
      for (let a = 0; a < si; a++)
        for (let b = 0; b < sj; b++) {
          const pair = (sums[a * sj + b]! * si * sj) / total - f0;
          v += (pair - main[i]![a]! - main[j]![b]!) ** 2;
        }
      effects.push(
        term([factors[i]!.name, factors[j]!.name], "interaction", v / (si * sj), (si - 1) * (sj - 1)),
      );
    }
  let higherOrder: ImportanceEffect | null = null;
  if (factors.length >= 3) {
    const explained = effects.reduce((a, e) => a + e.variance, 0);
    const rest = variance - explained;
    // rounding leaves a few ulps where an additive-plus-pairs grid has no higher-order part
    const v = Math.abs(rest) <= 1e-12 * Math.max(variance, Number.MIN_VALUE) ? 0 : rest;
    const df = total - 1 - effects.reduce((a, e) => a + e.df, 0);
    higherOrder = term(
      factors.map((x) => x.name),
      "higher-order",
      v,
      df,
    );
  }
  const ordered = effects
    .map((e, i) => ({ e, i }))
    .sort((a, b) => b.e.variance - a.e.variance || a.i - b.i)
    .map(({ e }) => e);
  return { mean: f0, variance, effects: ordered, higherOrder, noise, alpha };
}

/** How a swept knob is laid out on an axis, and its levels where the search has finitely many. */
export interface KnobAxis {
  knob: string;
  /** category: its values as labels; linear or log: a number line (log where the search draws or steps it geometrically). */
  scale: "category" | "linear" | "log";
  /** Every value the search can give it (paramValue text, in axis order); null for a continuous distribution. */
  levels: string[] | null;
}

/** A configuration with results, as the chart draws it: its knobs' values, and the metric's seed mean and interval. */
export interface ImportanceConfiguration {
  config: string;
  configKey: string;
  /** The knob's value: a number on a number axis, else its paramValue text. */
  values: Record<string, string | number>;
  seeds: number;
  mean: number;
  /** The 95 % t interval of the mean, as the comparison table shows it ([NaN, NaN] below two seeds). */
  ci: [number, number];
}

/** {@link sweepImportance}'s answer. */
export interface SweepImportance {
  metric: string;
  direction: "maximize" | "minimize";
  /** The swept knobs, in the page's order (sorted by path). */
  knobs: KnobAxis[];
  /** Swept knobs with a single value: they vary nothing, and are left out of the decomposition. */
  constant: string[];
  configurations: ImportanceConfiguration[];
  /** The method, named for the reader. */
  method: string;
  /** The decomposition; null where it cannot be exact, `unavailable` says why. */
  anova: FunctionalAnova | null;
  unavailable: string | null;
  /** The seed noise of the configurations with results (also without a decomposition); null before any. */
  noise: SeedNoise | null;
  /** One line on the seed noise for the reader; null before any result. */
  noiseNote: string | null;
}

export const FANOVA_METHOD =
  "functional ANOVA (Hutter, Hoos & Leyton-Brown 2014), exact on the full grid of configuration means";

/** Positive numbers in a geometric progression (three or more, ratio ≠ 1): a grid stepped on a log scale. */
function geometric(values: readonly number[]): boolean {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length < 3 || !(sorted[0]! > 0)) return false;
  const ratio = sorted[1]! / sorted[0]!;
  return ratio > 1 && sorted.every((v, i) => i === 0 || Math.abs(v / sorted[i - 1]! / ratio - 1) < 1e-6);
}

const INT_LEVELS_MAX = 1_000;

/** How a knob's search lays it out (see {@link KnobAxis}). */
export function knobAxis(knob: string, spec: ParamSpec): KnobAxis {
  const listed = (values: readonly unknown[]): KnobAxis => {
    const numeric = values.every((v) => typeof v === "number");
    const distinct = [...new Map(values.map((v) => [paramValue(v), v])).entries()];
    if (numeric) distinct.sort(([, a], [, b]) => (a as number) - (b as number));
    return {
      knob,
      scale: numeric ? (geometric(values as number[]) ? "log" : "linear") : "category",
      levels: distinct.map(([text]) => text),
    };
  };
  if (Array.isArray(spec)) return listed(spec);
  switch (spec.distribution) {
    case "categorical":
      return listed(spec.values);
    case "int": {
      const count = spec.high - spec.low + 1;
      return {
        knob,
        scale: "linear",
        levels:
          count <= INT_LEVELS_MAX ? Array.from({ length: count }, (_, i) => String(spec.low + i)) : null,
      };
    }
    case "uniform":
      return { knob, scale: "linear", levels: null };
    case "loguniform":
      return { knob, scale: "log", levels: null };
  }
}

/** The noise line a reader sees under the importance table, in the metric's units (points for a share). */
function noiseLine(noise: SeedNoise, metric: string, alpha: number | null): string {
  const sd = (v: number) => (isShare(metric) ? `${pct(Math.sqrt(v), 2)} pts` : plain(Math.sqrt(v)));
  const between = `the ${noise.configurations} configuration means of ${metric} spread with sd ${sd(noise.betweenVariance)}`;
  if (noise.withinVariance === null || noise.noiseVariance === null || noise.expectedFromNoise === null)
    return `Seed noise unknown: ${noise.withinVariance === null ? "no configuration has two seeds" : "one configuration"}, so ${between} and nothing says how much of that is luck; run more seeds before reading knob effects.`;
  const within = `the seeds of one configuration spread with sd ${sd(noise.withinVariance)} (pooled, ${noise.withinDf} df; ${formatSeeds(noise.seeds)} seeds a configuration)`;
  const matched =
    noise.matchedSeeds === null
      ? ""
      : `; every configuration ran the same ${noise.matchedSeeds} seeds, and what a seed does to all alike moves no difference between them: the rest, the seed × configuration interaction, has sd ${sd(noise.noiseVariance)} (${noise.noiseDf} df)`;
  // a share is of something larger: from as much as the variance the means have, say how many times it (once "181 %")
  const ratio = noise.expectedFromNoise / noise.betweenVariance;
  const share =
    noise.betweenVariance > 0
      ? ratio >= 1
        ? `; seed noise alone would give the means about ${ratio.toFixed(ratio < 10 ? 1 : 0)} times the variance they have: what the knobs do is lost in it`
        : `; seed noise alone would give the means about ${pct(ratio, 0)} % of their variance (the terms' "seed noise alone" column, summed)`
      : "";
  const test =
    alpha === null
      ? ""
      : ` Terms marked ≈ noise do not stand out of it (F test against the ${noise.matchedSeeds === null ? "seed variance" : "seed × configuration variance"}, α = ${alpha}).`;
  return `Seed noise: ${within}${matched}; ${between}${share}.${test}`;
}

const formatSeeds = (n: number) => (Number.isInteger(n) ? String(n) : `≈ ${n.toFixed(1)}`);

/**
 * Which swept knobs matter for a metric (default: the objective) across the sweep's configurations: each
 * configuration's seed mean over the selection seeds (what the comparison table compares), decomposed by
 * {@link functionalAnova} where the configurations form a full grid with every cell observed, and the seed noise
 * beside it. Otherwise `anova` is null and `unavailable` says why (a random search over a continuous knob, cells
 * without results); the configurations and their noise are still given, for the parallel-coordinates chart.
 */
export function sweepImportance(
  all: SweepRuns,
  options: { metric?: string | undefined; alpha?: number } = {},
): SweepImportance {
  const { sweep, trials, results } = selectionRuns(all);
  const metric = options.metric ?? sweep.spec.objective.metric;
  const alpha = options.alpha ?? 0.05;
  const knobs = Object.keys(sweep.spec.search)
    .sort()
    .map((k) => knobAxis(k, sweep.spec.search[k]!));
  const configs = configurationsOf(trials);
  // each configuration's values and the seed of each
  const runs = new Map<string, { values: number[]; seeds: number[] }>();
  for (const { trial, value } of finishedValues(trials, results, metric)) {
    const run = runs.get(trial.configKey) ?? { values: [], seeds: [] };
    run.values.push(value);
    run.seeds.push(trial.seed);
    runs.set(trial.configKey, run);
  }
  const configurations: ImportanceConfiguration[] = [...configs.values()].flatMap((c) => {
    const run = runs.get(c.key);
    if (!run) return [];
    const s = summarize(run.values);
    return [
      {
        config: c.label,
        configKey: c.key,
        values: Object.fromEntries(
          knobs.map(({ knob, scale }) => {
            const v = c.params[knob];
            return [knob, scale !== "category" && typeof v === "number" ? v : paramValue(v)];
          }),
        ),
        seeds: s.n,
        mean: s.mean,
        ci: s.ci,
      },
    ];
  });
  const constant = knobs.filter((k) => k.levels?.length === 1).map((k) => k.knob);
  const base = {
    metric,
    direction: sweep.spec.objective.direction,
    knobs,
    constant,
    configurations,
    method: FANOVA_METHOD,
  };
  const noise =
    configurations.length > 0 ? seedNoise(configurations.map((c) => runs.get(c.configKey)!)) : null;
  const unavailable = (why: string) => ({
    ...base,
    anova: null,
    unavailable: why,
    noise,
    noiseNote: noise && noiseLine(noise, metric, null),
  });
  if (configurations.length === 0)
    return unavailable(`no finished trial reports ${metric} yet: nothing to attribute`);
  const varying = knobs.filter((k) => !constant.includes(k.knob));
  if (varying.length === 0)
    return unavailable(
      knobs.length === 0 ? "nothing is swept: no knob to attribute" : "every swept knob has one value",
    );
  const continuous = varying.filter((k) => k.levels === null);
  if (continuous.length > 0)
    return unavailable(
      `needs a full grid: ${continuous.map((k) => k.knob).join(", ")} ${continuous.length === 1 ? "is" : "are"} drawn from a continuous distribution, so the ${configurations.length} configurations observed are no grid (an exact decomposition needs every combination of a few values; fitting a surrogate model to them is not done here)`,
    );
  const factors: GridFactor[] = varying.map((k) => ({ name: k.knob, levels: k.levels! }));
  const cells: GridCell[] = configurations.map((c) => ({
    at: factors.map((x) => paramValue(c.values[x.name])),
    ...runs.get(c.configKey)!,
  }));
  const keys = cells.map((c) => c.at.join("\u0000"));
  // one more held than is named, so that four missing say the fourth rather than "and 1 more" (namesInBrief)
  const { missing, total, examples } = missingCells(factors, cells, 4);
  if (new Set(keys).size !== keys.length || missing > 0 || cells.length !== total) {
    const fixed = Object.fromEntries(
      knobs.filter((k) => constant.includes(k.knob)).map((k) => [k.knob, k.levels![0]!]),
    );
    const named = examples.map((at) =>
      configLabel({ ...fixed, ...Object.fromEntries(factors.map((x, k) => [x.name, at[k]])) }),
    );
    return unavailable(
      missing === 0
        ? `needs a full grid: the ${cells.length} configurations observed do not fill the ${total} cells of the grid once each`
        : `needs a full grid: ${total - missing} of ${total} cells observed${
            // past 100,000 cells none is named (missingCells)
            named.length === 0
              ? ""
              : ` (no result yet for ${namesInBrief(named, { separator: "; ", total: missing })})`
          }`,
    );
  }
  const anova = functionalAnova(factors, cells, { alpha });
  return {
    ...base,
    anova,
    unavailable: null,
    noise: anova.noise,
    noiseNote: noiseLine(anova.noise, metric, alpha),
  };
}
