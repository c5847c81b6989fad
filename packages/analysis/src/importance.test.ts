// The functional ANOVA of a sweep's grid against NumPy/SciPy (fixtures/fanova-reference.json, made by
// fixtures/make-fanova-fixture.py, which projects the table of cell means instead of averaging marginal tables), hand
// examples whose answer is known, and the sweep view on a stored sweep.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseSweepFile } from "@tailsweep/schemas";
import { expandSweep, InMemoryRunStore, type TrialRecord } from "@tailsweep/sweep";
import { scriptedResult } from "@tailsweep/sweep/testing";
import { describe, expect, it } from "vitest";
import { compareRuns } from "./comparison";
import {
  type FunctionalAnova,
  fSurvival,
  functionalAnova,
  type GridCell,
  knobAxis,
  seedNoise,
  sweepImportance,
} from "./importance";
import { loadSweepRuns } from "./sweep-runs";

interface Reference {
  factors: { name: string; levels: string[] }[];
  cells: GridCell[];
  mean: number;
  variance: number;
  effects: Record<string, { variance: number; share: number; df: number; noiseShare: number; p: number }>;
  noise: Record<string, number | null>;
}
const ref = JSON.parse(readFileSync(join(__dirname, "..", "fixtures", "fanova-reference.json"), "utf8")) as {
  unbalanced: Reference;
  matched: Reference;
};

const byKnobs = (anova: FunctionalAnova) =>
  new Map(
    [...anova.effects, ...(anova.higherOrder ? [anova.higherOrder] : [])].map((e) => [
      e.kind === "higher-order" ? "higher-order" : e.knobs.join("x"),
      e,
    ]),
  );

/** A full grid's cells from a table of means: each cell's seeds are the mean ± `spread`. */
function grid(levels: string[][], f: (...at: number[]) => number, spread = 0): GridCell[] {
  const cells: GridCell[] = [];
  const walk = (at: number[]) => {
    if (at.length === levels.length) {
      const m = f(...at);
      cells.push({ at: at.map((i, k) => levels[k]![i]!), values: [m - spread, m + spread] });
      return;
    }
    for (let i = 0; i < levels[at.length]!.length; i++) walk([...at, i]);
  };
  walk([]);
  return cells;
}
const factors = (levels: string[][]) => levels.map((l, k) => ({ name: `k${k}`, levels: l }));

describe("functionalAnova", () => {
  it.each([
    ["a 3 × 2 × 4 grid with unequal seeds, not shared", "unbalanced"],
    ["a 2 × 3 grid whose cells all ran the same seeds (seeds as blocks)", "matched"],
  ] as const)("gives NumPy's projection decomposition and SciPy's F tests on %s", (_, name) => {
    const want = ref[name];
    const anova = functionalAnova(want.factors, want.cells);
    expect(anova.mean).toBeCloseTo(want.mean, 14);
    expect(anova.variance).toBeCloseTo(want.variance, 14);
    const effects = byKnobs(anova);
    expect([...effects.keys()].sort()).toEqual(Object.keys(want.effects).sort());
    for (const [key, w] of Object.entries(want.effects)) {
      const got = effects.get(key)!;
      expect(got.variance, key).toBeCloseTo(w.variance, 14);
      expect(got.share!, key).toBeCloseTo(w.share, 10);
      expect(got.df, key).toBe(w.df);
      expect(got.noiseShare!, key).toBeCloseTo(w.noiseShare, 10);
      // SciPy's F survival function; relative agreement (some are 1e-26)
      expect(Math.abs(got.p! / w.p - 1), key).toBeLessThan(1e-8);
      expect(got.exceedsNoise, key).toBe(w.p <= 0.05);
    }
    for (const [k, v] of Object.entries(want.noise)) {
      const got = anova.noise[k as keyof typeof anova.noise];
      if (v === null) expect(got, k).toBeNull();
      else expect(got as number, k).toBeCloseTo(v, 12);
    }
    // the largest term first
    expect(anova.effects[0]!.variance).toBe(Math.max(...anova.effects.map((e) => e.variance)));
  });

  it("works out a 2 × 2 table by hand: f = [[1, 2], [3, 6]]", () => {
    // f0 = 3, V = (4 + 1 + 0 + 9) / 4 = 3.5; rows' means 1.5 and 4.5 → 2.25; columns' 2 and 4 → 1; the rest 0.25
    const table = [
      [1, 2],
      [3, 6],
    ];
    const levels = [
      ["a", "b"],
      ["c", "d"],
    ];
    const anovaAt = (options?: { alpha: number }) =>
      functionalAnova(
        factors(levels),
        grid(levels, (i, j) => table[i]![j]!, 0.5),
        options,
      );
    const anova = anovaAt();
    expect(anova.variance).toBeCloseTo(3.5, 14);
    const e = byKnobs(anova);
    expect(e.get("k0")!.variance).toBeCloseTo(2.25, 14);
    expect(e.get("k1")!.variance).toBeCloseTo(1, 14);
    expect(e.get("k0xk1")!).toMatchObject({ kind: "interaction", df: 1 });
    expect(e.get("k0xk1")!.variance).toBeCloseTo(0.25, 14);
    expect(e.get("k0")!.share).toBeCloseTo(2.25 / 3.5, 14);
    expect(anova.higherOrder).toBeNull();
    // seeds mean ± 0.5: within variance 0.5 on 4 df, a cell mean's noise 0.25; the interaction's F = 4·0.25/1/0.25 = 4
    expect(anova.noise).toMatchObject({ withinVariance: 0.5, withinDf: 4, seeds: 2 });
    expect(e.get("k0xk1")!.p).toBeCloseTo(fSurvival(4, 1, 4), 14);
    expect(e.get("k0xk1")!.exceedsNoise).toBe(false);
    // F(1, 4) = 4 is t(4) = 2 squared: two-sided p of t = 2 on 4 df
    expect(fSurvival(4, 1, 4)).toBeCloseTo(0.1161165235, 9);
    // at a level equal to its own p the term stands out (p ≤ α, the rule of every other test here), just below not
    const at = (alpha: number) => byKnobs(anovaAt({ alpha })).get("k0xk1")!.exceedsNoise;
    const p = e.get("k0xk1")!.p!;
    expect(at(p)).toBe(true);
    expect(at(p * (1 - 1e-9))).toBe(false);
  });

  it("finds no interaction in an additive function, and its main effects' variances add up to the total", () => {
    const levels = [
      ["a", "b", "c"],
      ["x", "y"],
      ["1", "2", "3", "4"],
    ];
    const a = [0, 0.3, -0.1];
    const b = [0.2, -0.2];
    const c = [0, 0.05, 0.1, -0.4];
    const anova = functionalAnova(
      factors(levels),
      grid(levels, (i, j, k) => 0.5 + a[i]! + b[j]! + c[k]!, 0.01),
    );
    const mains = anova.effects.filter((e) => e.kind === "main");
    const pairs = anova.effects.filter((e) => e.kind === "interaction");
    expect(pairs).toHaveLength(3);
    for (const p of pairs) expect(p.variance).toBeLessThan(1e-15);
    expect(anova.higherOrder!.variance).toBe(0);
    expect(mains.reduce((s, e) => s + e.share!, 0)).toBeCloseTo(1, 12);
    // each main effect is the variance of its own table: a's is var([0, 0.3, −0.1]) over 3 levels
    const pvar = (xs: number[]) => {
      const m = xs.reduce((s, x) => s + x, 0) / xs.length;
      return xs.reduce((s, x) => s + (x - m) ** 2, 0) / xs.length;
    };
    const e = byKnobs(anova);
    expect(e.get("k0")!.variance).toBeCloseTo(pvar(a), 14);
    expect(e.get("k1")!.variance).toBeCloseTo(pvar(b), 14);
    expect(e.get("k2")!.variance).toBeCloseTo(pvar(c), 14);
  });

  it("puts a pure interaction (exclusive or) wholly in the pair, none in the main effects", () => {
    const levels = [
      ["off", "on"],
      ["off", "on"],
    ];
    const anova = functionalAnova(
      factors(levels),
      grid(levels, (i, j) => (i === j ? 0.8 : 0.6), 0.01),
    );
    const e = byKnobs(anova);
    expect(e.get("k0")!.variance).toBe(0);
    expect(e.get("k1")!.variance).toBe(0);
    expect(e.get("k0xk1")!.share).toBeCloseTo(1, 14);
    expect(e.get("k0xk1")!.exceedsNoise).toBe(true);
    expect(e.get("k0")!.exceedsNoise).toBe(false);
  });

  it("says nothing of shares when the means do not vary, and refuses a grid with a missing or repeated cell", () => {
    const levels = [["a", "b"]];
    const flat = functionalAnova(
      factors(levels),
      grid(levels, () => 0.5, 0.1),
    );
    expect(flat.variance).toBe(0);
    expect(flat.effects[0]).toMatchObject({ share: null, noiseShare: null, exceedsNoise: false });
    const cells = grid([["a", "b", "c"]], (i) => i);
    expect(() => functionalAnova(factors([["a", "b", "c"]]), cells.slice(1))).toThrow(
      "needs a full grid: 2 of 3 cells observed",
    );
    expect(() => functionalAnova(factors([["a", "b", "c"]]), [...cells, cells[0]!])).toThrow(/twice/);
  });

  it("has no noise estimate, and no test, when no configuration has two seeds", () => {
    const noise = seedNoise([{ values: [0.5] }, { values: [0.7] }]);
    expect(noise).toMatchObject({ withinVariance: null, withinDf: 0, expectedFromNoise: null, seeds: 1 });
    expect(noise.betweenVariance).toBeCloseTo(0.01, 14);
    const anova = functionalAnova(factors([["a", "b"]]), [
      { at: ["a"], values: [0.5] },
      { at: ["b"], values: [0.7] },
    ]);
    expect(anova.effects[0]).toMatchObject({ share: 1, p: null, exceedsNoise: null, noiseShare: null });
  });
});

describe("knobAxis", () => {
  it("lays categorical knobs out as categories, numbers on a line, and log grids and log-uniform draws on a log scale", () => {
    expect(knobAxis("variant", ["proposed", "gaussian"])).toEqual({
      knob: "variant",
      scale: "category",
      levels: ["proposed", "gaussian"],
    });
    expect(knobAxis("model.nu", [30, 5])).toEqual({ knob: "model.nu", scale: "linear", levels: ["5", "30"] });
    expect(knobAxis("train.lr", [0.01, 0.0001, 0.001])).toMatchObject({
      scale: "log",
      levels: ["0.0001", "0.001", "0.01"],
    });
    expect(knobAxis("train.lr", { distribution: "loguniform", low: 1e-4, high: 1e-2 })).toEqual({
      knob: "train.lr",
      scale: "log",
      levels: null,
    });
    expect(knobAxis("model.nu", { distribution: "int", low: 2, high: 4 })).toMatchObject({
      scale: "linear",
      levels: ["2", "3", "4"],
    });
    expect(knobAxis("m", { distribution: "uniform", low: 0, high: 1 }).levels).toBeNull();
    expect(knobAxis("m", [[8], [16]])).toMatchObject({ scale: "category", levels: ["[8]", "[16]"] });
  });
});

const t0 = new Date("2026-01-01T00:00:00Z");
/**
 * Balanced accuracy of a two-knob grid: the variant matters, ν less, and they interact a little; each seed's luck
 * (+1, −1, +0.5 points) is shared by every configuration, and a wobble of ±1 point is each run's own, summing to zero
 * over each configuration's seeds and over each seed's configurations (so means and seed means stay as they are).
 */
const WOBBLE: Record<string, number[]> = {
  "gaussian 30": [0.01, -0.01, 0],
  "gaussian 5": [-0.01, 0.01, 0],
  "proposed 30": [0, 0.01, -0.01],
  "proposed 5": [0, -0.01, 0.01],
};
function score(t: TrialRecord): number {
  const proposed = t.config.variant === "proposed" ? 0.05 : 0;
  const nu = t.config.model.nu === 5 ? 0.02 : 0;
  const both = proposed && nu ? 0.01 : 0;
  const wobble = WOBBLE[`${t.config.variant} ${t.config.model.nu}`]?.[t.seed - 1] ?? 0;
  return 0.6 + proposed + nu + both + [0, 0.01, -0.01, 0.005][t.seed]! + wobble;
}

async function stored(search: Record<string, unknown>, skip: (t: TrialRecord) => boolean = () => false) {
  const spec = parseSweepFile({
    name: "importance",
    search,
    seeds: [1, 2, 3],
    ...(Object.values(search).some((s) => !Array.isArray(s)) && { budget: 4 }),
  });
  const store = new InMemoryRunStore();
  const sweep = await store.createSweep({ id: "s", spec, trials: expandSweep(spec), now: t0 });
  for (const t of await store.listTrials("s")) {
    if (skip(t)) continue;
    const claimed = await store.claimTrial(t.id, "scripted", t0);
    await store.completeTrial(t.id, claimed!.attempt, scriptedResult(score(t)), t0);
  }
  return loadSweepRuns(store, sweep);
}

describe("sweepImportance", () => {
  it("decomposes a stored two-knob grid over the means the comparison table shows", async () => {
    const runs = await stored({ variant: ["gaussian", "proposed"], nu: [5, 30] });
    const view = sweepImportance(runs);
    expect(view.metric).toBe("balancedAccuracy");
    expect(view.unavailable).toBeNull();
    expect(view.knobs.map((k) => [k.knob, k.scale])).toEqual([
      ["model.nu", "linear"],
      ["variant", "category"],
    ]);
    // the comparison table's rows: the same means and t intervals
    const table = compareRuns(runs);
    for (const row of table.rows) {
      const c = view.configurations.find((x) => x.config === row.config)!;
      expect(c.mean).toBe(row.summary.mean);
      expect(c.ci).toEqual(row.summary.ci);
    }
    expect(view.configurations.find((c) => c.config === "model.nu=5 variant=proposed")!.values).toEqual({
      "model.nu": 5,
      variant: "proposed",
    });
    // means: g30 .6017, g5 .6217, p30 .6517, p5 .6817 (seed luck +.0017 each) → f0 − luck = .6375
    // variant ±.0275 → .00075625; ν ±.0125 → .00015625; interaction ±.0025 → .00000625; total .00091875
    const e = byKnobs(view.anova!);
    expect(view.anova!.variance).toBeCloseTo(0.00091875, 15);
    expect(e.get("variant")!.share).toBeCloseTo(0.00075625 / 0.00091875, 12);
    expect(e.get("model.nu")!.share).toBeCloseTo(0.00015625 / 0.00091875, 12);
    expect(e.get("model.nuxvariant")!.share).toBeCloseTo(0.00000625 / 0.00091875, 12);
    // the seeds are matched, so the noise is the wobble alone: Σ 8 × 0.01² over (4 − 1)(3 − 1) = 6 df
    expect(view.noise!.matchedSeeds).toBe(3);
    expect(view.noise!.noiseDf).toBe(6);
    expect(view.noise!.noiseVariance).toBeCloseTo(0.0008 / 6, 15);
    // …while within a configuration the shared luck counts too: the plain mean of the four sample variances
    const sampleVar = (xs: number[]) => {
      const m = xs.reduce((a, b) => a + b, 0) / xs.length;
      return xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1);
    };
    const luck = [0.01, -0.01, 0.005];
    const within =
      Object.values(WOBBLE).reduce((a, w) => a + sampleVar(w.map((x, i) => x + luck[i]!)), 0) / 4;
    expect(view.noise!.withinVariance).toBeCloseTo(within, 15);
    // F = 4 cells · V / 1 df over σ²/3: variant 68.1, ν 14.1 (p ≈ 0.0095), the interaction 0.56
    const cellNoise = 0.0008 / 6 / 3;
    expect(e.get("variant")!.p).toBeCloseTo(fSurvival((4 * 0.00075625) / cellNoise, 1, 6), 14);
    expect(e.get("model.nu")!.p).toBeCloseTo(fSurvival((4 * 0.00015625) / cellNoise, 1, 6), 14);
    expect(e.get("model.nu")!.p).toBeGreaterThan(0.009);
    expect(e.get("model.nu")!.p).toBeLessThan(0.01);
    expect(e.get("variant")!.exceedsNoise).toBe(true);
    expect(e.get("model.nu")!.exceedsNoise).toBe(true);
    expect(e.get("model.nuxvariant")!.exceedsNoise).toBe(false);
    expect(e.get("model.nuxvariant")!.noiseShare).toBeCloseTo(cellNoise / 4 / 0.00091875, 14);
    // the note's share is the column's sum, as it says
    const column = [...e.values()].reduce((a, t) => a + t.noiseShare!, 0);
    expect(column).toBeCloseTo(view.noise!.expectedFromNoise! / view.noise!.betweenVariance, 12);
    expect(view.noiseNote).toBe(
      `Seed noise: the seeds of one configuration spread with sd ${(100 * Math.sqrt(within)).toFixed(2)} pts (pooled, 8 df; 3 seeds a configuration); every configuration ran the same 3 seeds, and what a seed does to all alike moves no difference between them: the rest, the seed × configuration interaction, has sd 1.15 pts (6 df); the 4 configuration means of balancedAccuracy spread with sd 3.03 pts; seed noise alone would give the means about 4 % of their variance (the terms' "seed noise alone" column, summed). Terms marked ≈ noise do not stand out of it (F test against the seed × configuration variance, α = 0.05).`,
    );
    expect(view.method).toMatch(/^functional ANOVA \(Hutter, Hoos & Leyton-Brown 2014\)/);
  });

  it("gives one knob its main effect only, and leaves a knob with one value out", async () => {
    const view = sweepImportance(await stored({ variant: ["gaussian", "proposed"], nu: [5] }));
    expect(view.constant).toEqual(["model.nu"]);
    expect(view.anova!.effects).toHaveLength(1);
    expect(view.anova!.effects[0]).toMatchObject({ knobs: ["variant"], kind: "main", share: 1 });
  });

  it("says it needs a full grid when a cell has no result, naming it, and still gives the noise", async () => {
    const runs = await stored(
      { variant: ["gaussian", "proposed"], nu: [5, 30] },
      (t) => t.config.variant === "gaussian" && t.config.model.nu === 30,
    );
    const view = sweepImportance(runs);
    expect(view.anova).toBeNull();
    expect(view.unavailable).toBe(
      "needs a full grid: 3 of 4 cells observed (no result yet for model.nu=30 variant=gaussian)",
    );
    expect(view.configurations).toHaveLength(3);
    expect(view.noise!.configurations).toBe(3);
    expect(view.noiseNote).toMatch(/^Seed noise: /);
  });

  it("says a random search over a continuous knob is no grid", async () => {
    const view = sweepImportance(
      await stored({
        variant: ["gaussian", "proposed"],
        "train.learningRate": { distribution: "loguniform", low: 1e-4, high: 1e-2 },
      }),
    );
    expect(view.anova).toBeNull();
    expect(view.unavailable).toMatch(
      /^needs a full grid: train\.learningRate is drawn from a continuous distribution, so the 4 configurations observed are no grid/,
    );
    expect(view.knobs.find((k) => k.knob === "train.learningRate")!.scale).toBe("log");
    expect(typeof view.configurations[0]!.values["train.learningRate"]).toBe("number");
  });

  it("reads a metric it is given, and says when no trial reports it", async () => {
    const runs = await stored({ variant: ["gaussian", "proposed"] });
    expect(sweepImportance(runs, { metric: "macroF1" }).anova!.effects[0]!.share).toBe(1);
    const none = sweepImportance(runs, { metric: "pseudoClassShift" });
    expect(none.unavailable).toBe("no finished trial reports pseudoClassShift yet: nothing to attribute");
    expect(none.noise).toBeNull();
  });
});
