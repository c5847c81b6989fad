// Every statistic against SciPy's values in fixtures/reference.json (made by fixtures/make-fixtures.py), plus
// properties a correct comparison must have whatever the data.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { randomStream } from "@tailsweep/random";
import { isInputError } from "@tailsweep/schemas";
import { describe, expect, it } from "vitest";
import { compareConfigurations, type Observation } from "./compare";
import { adjustPValues } from "./multiple";
import { comparePaired, compareUnpaired, type PairedComparison, selectQuantile } from "./paired";
import { noncentralTCdf, pairedTTestPower, seedsNeeded } from "./power";
import { quantileSorted, summarize } from "./summary";

const ref = JSON.parse(readFileSync(join(__dirname, "..", "fixtures", "reference.json"), "utf8"));

describe("against SciPy", () => {
  it("summarises with a t interval and type-7 quartiles", () => {
    for (const c of ref.summary) {
      const s = summarize(c.values, c.confidence);
      expect(s.mean).toBeCloseTo(c.mean, 12);
      expect(s.sd).toBeCloseTo(c.sd, 12);
      expect(s.ci[0]).toBeCloseTo(c.ci[0], 10);
      expect(s.ci[1]).toBeCloseTo(c.ci[1], 10);
      expect([s.median, s.q1, s.q3]).toEqual(
        [c.median, c.q1, c.q3].map((v: number) => expect.closeTo(v, 12)),
      );
    }
  });

  it("runs the paired t-test and the Wilcoxon signed-rank test (exact and approximate)", () => {
    for (const c of ref.paired) {
      const r = comparePaired(c.a, c.b);
      expect(r.t.statistic).toBeCloseTo(c.t, 9);
      expect(r.t.df).toBe(c.df);
      expect(r.t.p).toBeCloseTo(c.p, 9);
      expect(r.ci[0]).toBeCloseTo(c.ci[0], 9);
      expect(r.ci[1]).toBeCloseTo(c.ci[1], 9);
      expect(r.dz).toBeCloseTo(c.dz, 9);
      expect(r.wilcoxon.statistic).toBe(c.wilcoxonStatistic);
      expect(r.wilcoxon.exact).toBe(c.wilcoxonExact);
      expect(r.wilcoxon.p).toBeCloseTo(c.wilcoxonP, 9);
    }
  });

  it("runs the Wilcoxon signed-rank test on both branches, never giving a p-value above 1", () => {
    // every W+ for n = 2..5 (the central ones once gave p = 1.25), the exact branch's limit of 50, ties and zeros
    for (const c of ref.wilcoxon) {
      const r = comparePaired(
        c.d,
        c.d.map(() => 0),
        { resamples: 0 },
      ).wilcoxon;
      expect(r.statistic).toBe(c.statistic);
      expect(r.exact).toBe(c.exact);
      expect(r.p).toBeCloseTo(c.p, 9);
    }
    expect(comparePaired([1, 2, -3], [0, 0, 0]).wilcoxon.p).toBe(1);
  });

  it("runs Welch's test when seeds do not match", () => {
    for (const c of ref.welch) {
      const r = compareUnpaired(c.a, c.b);
      expect(r.t.statistic).toBeCloseTo(c.t, 9);
      expect(r.t.df).toBeCloseTo(c.df, 9);
      expect(r.t.p).toBeCloseTo(c.p, 9);
      expect(r.ci[0]).toBeCloseTo(c.ci[0], 9);
      expect(r.ci[1]).toBeCloseTo(c.ci[1], 9);
      expect(r.d).toBeCloseTo(c.d, 12);
    }
  });

  it("corrects p-values by Holm and by Benjamini–Hochberg", () => {
    for (const c of ref.holm)
      expect(adjustPValues(c.p, "holm")).toEqual(c.adjusted.map((v: number) => expect.closeTo(v, 12)));
    for (const c of ref.bh)
      expect(adjustPValues(c.p, "bh")).toEqual(c.adjusted.map((v: number) => expect.closeTo(v, 12)));
  });

  it("computes the noncentral t CDF, the paired test's power and the seeds it needs", () => {
    for (const c of ref.nct) expect(noncentralTCdf(c.t, c.df, c.delta)).toBeCloseTo(c.cdf, 6);
    for (const c of ref.power) expect(pairedTTestPower(c.dz, c.n)).toBeCloseTo(c.power, 6);
    for (const c of ref.seedsNeeded) expect(seedsNeeded(c.dz)).toBe(c.n);
    for (const c of ref.seedsNeededCorrected) expect(seedsNeeded(c.dz, { alpha: c.alpha })).toBe(c.n);
  });

  it("computes the noncentral t CDF to 1e-11 on a grid from one degree of freedom to 2,999, both tails, δ up to 40", () => {
    // the Simpson integration this replaced was off by 1.2e-3 at (100, 1, 0) and by 1.1e-2 at (1000, 1, 40)
    expect(noncentralTCdf(100, 1, 0)).toBeCloseTo(0.9968170072350917, 12);
    let worst = 0;
    for (const [t, df, delta, cdf] of ref.nctGrid)
      worst = Math.max(worst, Math.abs(noncentralTCdf(t, df, delta) - cdf));
    expect(worst).toBeLessThan(1e-11);
    for (const c of ref.powerSmallN) expect(pairedTTestPower(c.dz, c.n)).toBeCloseTo(c.power, 11);
    expect(noncentralTCdf(Number.NaN, 3, 1)).toBeNaN();
    expect(noncentralTCdf(1, 0, 1)).toBeNaN();
    expect([
      noncentralTCdf(Number.NEGATIVE_INFINITY, 3, 1),
      noncentralTCdf(Number.POSITIVE_INFINITY, 3, 1),
    ]).toEqual([0, 1]);
  });
});

describe("properties", () => {
  const a = [0.61, 0.64, 0.6, 0.67, 0.63, 0.65];
  const b = [0.58, 0.63, 0.59, 0.62, 0.6, 0.66];

  it("moves the mean difference and both intervals by exactly a constant shift of one arm, and keeps the tests", () => {
    const base = comparePaired(a, b);
    const shifted = comparePaired(
      a.map((v) => v + 0.05),
      b,
    );
    expect(shifted.meanDiff - base.meanDiff).toBeCloseTo(0.05, 12);
    expect(shifted.ci[0] - base.ci[0]).toBeCloseTo(0.05, 12);
    expect(shifted.bootstrapCi[1] - base.bootstrapCi[1]).toBeCloseTo(0.05, 12);
    expect(shifted.sdDiff).toBeCloseTo(base.sdDiff, 12);
  });

  it("changes nothing when the seeds of both arms are permuted together", () => {
    const order = [3, 0, 5, 1, 4, 2];
    const permuted = comparePaired(
      order.map((i) => a[i]!),
      order.map((i) => b[i]!),
    );
    const base = comparePaired(a, b);
    expect(permuted.t).toEqual(base.t);
    expect(permuted.wilcoxon).toEqual(base.wilcoxon);
    expect(permuted.dz).toBeCloseTo(base.dz, 12);
  });

  it("flips the sign of every difference when the arms are swapped, keeping the p-values", () => {
    const ab = comparePaired(a, b);
    const ba = comparePaired(b, a);
    expect(ba.meanDiff).toBeCloseTo(-ab.meanDiff, 12);
    expect(ba.t.p).toBeCloseTo(ab.t.p, 12);
    expect(ba.wilcoxon.p).toBeCloseTo(ab.wilcoxon.p, 12);
  });

  it("gives the same bootstrap interval for the same seed, and needs more seeds for smaller effects", () => {
    expect(comparePaired(a, b, { seed: 7 }).bootstrapCi).toEqual(
      comparePaired(a, b, { seed: 7 }).bootstrapCi,
    );
    expect(seedsNeeded(0.2)).toBeGreaterThan(seedsNeeded(0.4));
    expect(seedsNeeded(0)).toBe(Number.POSITIVE_INFINITY);
  });

  it("reports identical arms and constant differences as degenerate, not as certainty", () => {
    const same = comparePaired(a, a);
    expect(same).toMatchObject({ meanDiff: 0, wilcoxon: { p: 1 } });
    expect(same.degenerate).toMatch(/all 6 matched seeds give both the same value/);
    // constant differences once gave t = ∞, p = 0 and a zero-width interval
    const constant = comparePaired(
      a.map((v) => v + 0.01),
      a,
    );
    expect(constant.degenerate).toMatch(/the same difference \(0\.01\)/);
    expect([
      constant.t.p,
      constant.t.statistic,
      constant.dz,
      ...constant.ci,
      ...constant.bootstrapCi,
    ]).toEqual(Array(7).fill(Number.NaN));
    // all ranks tied, all signs positive: the rank test still says something (normal approximation, as SciPy)
    expect(constant.wilcoxon.p).toBeCloseTo(0.019656, 6);
    // equal on paper, not in the last bits: 0.3 − 0.2 and 0.4 − 0.3
    expect(comparePaired([0.3, 0.4], [0.2, 0.3]).degenerate).toBeDefined();
    expect(comparePaired([0.3, 0.4], [0.2, 0.29]).degenerate).toBeUndefined();
    // Welch: both sides constant is degenerate (it gave p = NaN with a verdict); one constant side is a test
    const welch = compareUnpaired([1, 1], [2, 2]);
    expect(welch.degenerate).toMatch(/neither side varies/);
    expect(welch.t.p).toBeNaN();
    const oneSide = compareUnpaired([1, 1, 1], [2, 2.2, 2.1]);
    expect(oneSide.degenerate).toBeUndefined();
    expect(oneSide.t.p).toBeCloseTo(ref.welchOneConstant.p, 9);
  });

  it("refuses what it cannot compare with a coded InputError naming the field", () => {
    expect(() => comparePaired([1], [2])).toThrow(/a: needs at least 2 matched seeds, got 1/);
    expect(() => comparePaired([1, 2], [2])).toThrow(/b: 1 values against 2 in a/);
    expect(() => summarize([1, 2], 1.5)).toThrow(/confidence: must be in \(0, 1\)/);
    expect(fieldOf(() => comparePaired([1, Number.NaN, 3], [1, 2, 3]))).toBe("a[1]");
    expect(fieldOf(() => compareUnpaired([1, 2], [3, Number.POSITIVE_INFINITY]))).toBe("b[1]");
    expect(fieldOf(() => comparePaired(a, b, { confidence: 1 }))).toBe("confidence");
  });

  it("refuses a power of 1 (infinitely many seeds), a level outside (0, 1) and a NaN effect", () => {
    expect(() => seedsNeeded(0.5, { power: 1 })).toThrow(/power: must be in \(0, 1\), got 1/);
    expect(fieldOf(() => seedsNeeded(0.5, { power: 0 }))).toBe("power");
    expect(fieldOf(() => seedsNeeded(0.5, { alpha: 0 }))).toBe("alpha");
    expect(fieldOf(() => seedsNeeded(Number.NaN))).toBe("dz");
    expect(fieldOf(() => pairedTTestPower(0.5, 10, 1))).toBe("alpha");
  });
});

describe("compareConfigurations", () => {
  // Three configurations on seeds 1–6: one clearly better than the baseline, one the same, one on other seeds.
  const base = [0.6, 0.62, 0.59, 0.61, 0.63, 0.6];
  const obs: Observation[] = [
    ...base.map((value, i) => ({ config: "gaussian", seed: i + 1, value })),
    ...base.map((value, i) => ({ config: "proposed", seed: i + 1, value: value + 0.03 + (i % 2) * 0.004 })),
    // (not exactly proposed − 0.032 on every seed: that comparison would be degenerate)
    ...base.map((value, i) => ({
      config: "concat",
      seed: i + 1,
      value: value + [-2, 2, -1, 2, -1, 1][i]! / 1000,
    })),
    { config: "single", seed: 11, value: 0.5 },
    { config: "single", seed: 12, value: 0.52 },
  ];
  const table = compareConfigurations(obs, { baseline: "gaussian", direction: "maximize" });
  const row = (c: string) => table.rows.find((r) => r.config === c)!;

  it("pairs matched seeds, corrects across configurations and gives a verdict per row", () => {
    expect(row("gaussian").vsBaseline).toBeUndefined();
    expect(row("proposed").vsBaseline).toMatchObject({
      verdict: "better",
      comparison: { method: "paired", n: 6 },
    });
    expect(row("concat").vsBaseline!.verdict).toBe("inconclusive");
    expect(row("concat").vsBaseline!.seedsNeeded).toBeGreaterThan(6);
    // the hint is for the corrected level: 3 comparisons with the baseline, so α/3
    const dz = (row("concat").vsBaseline!.comparison as PairedComparison).dz;
    expect(row("concat").vsBaseline!.seedsNeeded).toBe(seedsNeeded(dz, { alpha: 0.05 / 3 }));
    expect(row("concat").vsBaseline!.seedsNeeded).toBeGreaterThan(seedsNeeded(dz));
    // no matched seeds: Welch, said so in the method
    expect(row("single").vsBaseline).toMatchObject({ verdict: "worse", comparison: { method: "welch" } });
    const p = table.rows.filter((r) => r.vsBaseline).map((r) => r.vsBaseline!.p);
    expect(table.rows.filter((r) => r.vsBaseline).map((r) => r.vsBaseline!.pAdjusted)).toEqual(
      adjustPValues(p, "holm"),
    );
  });

  it("rejects when the corrected p equals α exactly (≤, as Holm and Benjamini–Hochberg state it)", () => {
    for (const correction of ["holm", "bh"] as const) {
      const at = (alpha: number) =>
        compareConfigurations(obs, {
          baseline: "gaussian",
          direction: "maximize",
          correction,
          alpha,
        }).rows.find((r) => r.config === "proposed")!.vsBaseline!;
      const q = at(0.05).pAdjusted;
      expect(at(q).verdict).toBe("better"); // was inconclusive: `<` instead of `≤`
      expect(at(q * (1 - 1e-9)).verdict).toBe("inconclusive");
    }
    // the best configuration "beats all others" by the same rule, on its Holm-adjusted p against each of them
    const values = (c: string) => obs.filter((o) => o.config === c).map((o) => o.value);
    const ps = [
      comparePaired(values("proposed"), values("concat"), { resamples: 0 }).t.p,
      comparePaired(values("proposed"), values("gaussian"), { resamples: 0 }).t.p,
      compareUnpaired(values("proposed"), values("single")).t.p,
    ];
    const edge = Math.max(...adjustPValues(ps, "holm"));
    const best = (alpha: number) =>
      compareConfigurations(obs, { baseline: "gaussian", direction: "maximize", alpha }).best!;
    expect(best(edge).beatsAllOthers).toBe(true);
    expect(best(edge * (1 - 1e-9)).beatsAllOthers).toBe(false);
  });

  it("names the best configuration and how sure that is", () => {
    expect(table.best).toMatchObject({ config: "proposed", beatsAllOthers: true });
    // 'single' ran seeds 11–12 only: no seed is common to every configuration, so there is no matched resample
    expect(table.best!.probabilityBest).toBeNaN();
    const matched = compareConfigurations(
      obs.filter((o) => o.config !== "single"),
      { baseline: "gaussian", direction: "maximize" },
    );
    expect(matched.best!.probabilityBest).toBeGreaterThan(0.95);
    const minimise = compareConfigurations(obs, { baseline: "gaussian", direction: "minimize" });
    expect(minimise.best!.config).toBe("single");
    expect(minimise.rows.find((r) => r.config === "proposed")!.vsBaseline!.verdict).toBe("worse");
  });

  it("claims the best beats all others only when each other was tested (issue #20: a vacuous claim)", () => {
    // a cancelled sweep: one configuration with 3 seeds, the others with one seed each — nothing could be tested
    const half: Observation[] = [
      ...[0.7, 0.72, 0.71].map((value, i) => ({ config: "done", seed: i + 1, value })),
      { config: "cut", seed: 1, value: 0.6 },
      { config: "also cut", seed: 1, value: 0.62 },
    ];
    const t = compareConfigurations(half, { baseline: "cut", direction: "maximize" });
    expect(t.best).toMatchObject({
      config: "done",
      beatsAllOthers: false,
      compared: 0,
      untested: [
        { config: "cut", reason: "1 seed: too few to test" },
        { config: "also cut", reason: "1 seed: too few to test" },
      ],
    });
    // alone with results: nothing to beat, and it is not said to beat anything
    const alone = compareConfigurations(
      [1, 2].map((seed) => ({ config: "only", seed, value: 0.5 + seed / 100 })),
      { baseline: "only", direction: "maximize" },
    );
    expect(alone.best).toMatchObject({ beatsAllOthers: false, compared: 0, untested: [] });
    // best by its mean over 5 seeds, but significantly behind on the 3 it shares with the other: not "better than
    // every other" (the claim once read only the adjusted p, whatever the difference's sign)
    const uneven: Observation[] = [
      ...[0.9, 0.91, 0.92].map((value, i) => ({ config: "A", seed: i + 1, value })),
      ...[0.95, 0.965, 0.97, 0.6, 0.6].map((value, i) => ({ config: "B", seed: i + 1, value })),
    ];
    const higher = compareConfigurations(uneven, { baseline: "B", direction: "maximize" });
    expect(higher.best).toMatchObject({ config: "A", beatsAllOthers: false, beatenBy: ["B"], compared: 1 });
    expect(higher.rows.find((r) => r.config === "A")!.vsBaseline!.verdict).toBe("worse");
    // read as a loss, B is best by its mean and behind A on their shared seeds
    const lower = compareConfigurations(uneven, { baseline: "B", direction: "minimize" });
    expect(lower.best).toMatchObject({ config: "B", beatsAllOthers: false, beatenBy: ["A"] });
    // and where the shared seeds agree with the means, nothing is ahead of the best
    const even = uneven.filter((o) => o.seed <= 3);
    expect(compareConfigurations(even, { baseline: "B", direction: "maximize" }).best).toMatchObject({
      config: "B",
      beatsAllOthers: true,
      beatenBy: [],
    });
    // tested against all: the claim stands, with nothing untested
    expect(table.best).toMatchObject({ beatsAllOthers: true, untested: [] });
    expect(table.best!.compared).toBe(table.rows.length - 1);
  });

  it("resamples only the seeds every configuration ran: one stopped early is charged for the others' hard seeds too", () => {
    // seeds 6 and 7 are hard for everyone; 'early' stopped at seed 5, so its mean (0.68) beats 'steady''s (0.64)
    // over 7 seeds, while seed by seed 'steady' is 0.02 ahead on every seed they share
    const hard = (seed: number) => (seed > 5 ? -0.2 : 0);
    const wobble = [0.004, -0.003, 0.002, -0.004, 0.001, 0.003, -0.002];
    const uneven: Observation[] = [1, 2, 3, 4, 5, 6, 7].flatMap((seed) => [
      { config: "steady", seed, value: 0.7 + hard(seed) + wobble[seed - 1]! },
      { config: "base", seed, value: 0.6 + hard(seed) - wobble[seed - 1]! },
      ...(seed <= 5 ? [{ config: "early", seed, value: 0.68 + hard(seed) + wobble[seed - 1]! / 2 }] : []),
    ]);
    const t = compareConfigurations(uneven, { baseline: "base", direction: "maximize" });
    expect(t.best!.config).toBe("early");
    // over the union of seeds (each configuration averaged over those it has) it came out best in almost every
    // resample; on the 5 shared seeds 'steady' wins them all
    expect(t.best!.probabilityBest).toBe(0);
    // and it is exactly the resample of the data cut to the shared seeds, where 'steady' is the best
    const cut = compareConfigurations(
      uneven.filter((o) => o.seed <= 5),
      { baseline: "base", direction: "maximize" },
    );
    expect(cut.best).toMatchObject({ config: "steady", probabilityBest: 1 });
    // fewer than two shared seeds: no share at all rather than one over unmatched means
    const apart = compareConfigurations(
      uneven
        .filter((o) => o.config !== "early" || o.seed === 1 || o.seed > 5)
        .concat([8, 9].map((seed) => ({ config: "early", seed, value: 0.9 }))),
      { baseline: "base", direction: "maximize" },
    );
    expect(apart.best!.probabilityBest).toBeNaN();
  });

  it("gives a tie for best no confidence", () => {
    const tied = compareConfigurations(
      [1, 2, 3].flatMap((seed) => [
        { config: "a", seed, value: 0.5 + seed / 100 },
        { config: "b", seed, value: 0.5 + seed / 100 },
      ]),
      { baseline: "a", direction: "maximize" },
    );
    expect(tied.best).toMatchObject({
      config: "a",
      probabilityBest: 0,
      beatsAllOthers: false,
      tiedWith: ["b"],
    });
  });

  it("gives two seeds with identical differences the verdict degenerate, with a reason, out of the correction", () => {
    // seeds 1 and 2: 'copy' is the baseline + 0.01 on both, which once gave p = 0, 'better', '2 seeds needed'
    const two: Observation[] = [
      ...[0.61, 0.72].map((value, i) => ({ config: "base", seed: i + 1, value })),
      ...[0.62, 0.73].map((value, i) => ({ config: "copy", seed: i + 1, value })),
      ...[0.6, 0.7, 0.65].map((value, i) => ({ config: "noisy", seed: i + 1, value })),
      ...[0.5, 0.5].map((value, i) => ({ config: "flat", seed: i + 11, value })),
    ];
    const t = compareConfigurations(two, { baseline: "base", direction: "maximize" });
    const v = t.rows.find((r) => r.config === "copy")!.vsBaseline!;
    expect(v).toMatchObject({ verdict: "degenerate", comparison: { method: "paired", n: 2 } });
    expect(v.reason).toMatch(/all 2 matched seeds give the same difference \(0\.01\)/);
    expect([v.p, v.pAdjusted, v.seedsNeeded]).toEqual([Number.NaN, Number.NaN, Number.NaN]);
    // 'flat' shares no seed with the baseline and never varies; the baseline varies, so Welch can test it
    expect(t.rows.find((r) => r.config === "flat")!.vsBaseline!.verdict).not.toBe("degenerate");
    // only the two real tests are corrected: Holm over 2, not 3
    const tested = t.rows.filter((r) => r.vsBaseline && !Number.isNaN(r.vsBaseline.p));
    expect(tested.map((r) => r.config)).toEqual(["flat", "noisy"]);
    expect(tested.map((r) => r.vsBaseline!.pAdjusted)).toEqual(
      adjustPValues(tested.map((r) => r.vsBaseline!.p)),
    );
    // nor is it certainty for the best configuration
    const pair = compareConfigurations(two.slice(0, 4), { baseline: "base", direction: "maximize" });
    expect(pair.best).toMatchObject({ config: "copy", beatsAllOthers: false });
  });

  it("says why a row has too few seeds", () => {
    expect(row("single").vsBaseline!.reason).toBeUndefined();
    const lone = compareConfigurations([...obs, { config: "lone", seed: 1, value: 0.7 }], {
      baseline: "gaussian",
      direction: "maximize",
    });
    expect(lone.rows.find((r) => r.config === "lone")!.vsBaseline).toMatchObject({
      verdict: "too few seeds",
      reason:
        "1 seed shared with the baseline, and 1 run here against its 6: a test needs 2 shared seeds, or 2 runs on each side",
    });
  });

  it("says which baselines exist when the one asked for has no results", () => {
    expect(() => compareConfigurations(obs, { baseline: "mixture", direction: "maximize" })).toThrow(
      /baseline: no results for 'mixture'; configurations: .*gaussian/,
    );
    expect(fieldOf(() => compareConfigurations(obs, { baseline: "mixture", direction: "maximize" }))).toBe(
      "baseline",
    );
  });

  it("refuses a NaN value naming its configuration and seed, instead of leaving the run out", () => {
    const withNaN = obs.map((o) =>
      o.config === "proposed" && o.seed === 3 ? { ...o, value: Number.NaN } : o,
    );
    const at = withNaN.findIndex((o) => Number.isNaN(o.value));
    expect(() => compareConfigurations(withNaN, { baseline: "gaussian", direction: "maximize" })).toThrow(
      /configuration 'proposed', seed 3: NaN is not a finite number/,
    );
    expect(
      fieldOf(() => compareConfigurations(withNaN, { baseline: "gaussian", direction: "maximize" })),
    ).toBe(`observations[${at}].value`);
    const nanSeed = [...obs, { config: "proposed", seed: Number.NaN, value: 0.6 }];
    expect(
      fieldOf(() => compareConfigurations(nanSeed, { baseline: "gaussian", direction: "maximize" })),
    ).toBe(`observations[${obs.length}].seed`);
  });

  it("refuses the same configuration and seed twice instead of keeping the last", () => {
    const twice = [...obs, { config: "concat", seed: 2, value: 0.7 }];
    expect(() => compareConfigurations(twice, { baseline: "gaussian", direction: "maximize" })).toThrow(
      /configuration 'concat' has seed 2 twice \(0\.622 and 0\.7\)/,
    );
  });

  it("refuses a level, power or confidence outside (0, 1)", () => {
    const run = (o: object) => () =>
      compareConfigurations(obs, { baseline: "gaussian", direction: "maximize", ...o });
    expect(fieldOf(run({ alpha: 1 }))).toBe("alpha");
    expect(fieldOf(run({ power: 1 }))).toBe("power");
    expect(fieldOf(run({ confidence: 0 }))).toBe("confidence");
    expect(fieldOf(run({ resamples: -1 }))).toBe("resamples");
  });
});

describe("selectQuantile", () => {
  it("equals the type-7 quantile of the sorted values, with ties and at the ends", () => {
    const draws = randomStream(3, "test");
    const next = () => draws.float();
    for (const n of [1, 2, 3, 10, 101, 2000]) {
      for (const coarse of [false, true]) {
        // coarse values repeat a lot: the partition must cope with runs of equal values
        const values = Array.from({ length: n }, () => (coarse ? Math.floor(next() * 5) : next()));
        const sorted = [...values].sort((x, y) => x - y);
        for (const q of [0, 0.025, 0.25, 0.5, 0.975, 1]) {
          expect(selectQuantile(Float64Array.from(values), q)).toBe(quantileSorted(sorted, q));
        }
      }
    }
  });
});

/** The field of the InputError `f` throws (and fails the test when it throws anything else, or nothing). */
function fieldOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (isInputError(e)) return e.field;
    throw e;
  }
  throw new Error("expected an InputError, nothing was thrown");
}
