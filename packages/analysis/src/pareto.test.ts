import { readFileSync } from "node:fs";
import { join } from "node:path";
import { randomStream } from "@tailsweep/random";
import { OBJECTIVES_LIMITS, ObjectiveMetricSchema, parseSweepFile, RESULT_METRICS } from "@tailsweep/schemas";
import { adjustPValues } from "@tailsweep/stats";
import { expandSweep, InMemoryRunStore } from "@tailsweep/sweep";
import { scriptedResult } from "@tailsweep/sweep/testing";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { backsLead, dominatesByMeans, type ParetoObservation, paretoFront, sweepPareto } from "./pareto";
import { loadSweepRuns } from "./sweep-runs";

const BA = { metric: "balancedAccuracy", direction: "maximize" } as const;
const MR = { metric: "minorityRecall", direction: "maximize" } as const;

/** One configuration's values of each metric on seeds 1, 2, … (or on `seeds`). */
function runs(config: string, byMetric: Record<string, number[]>, seeds?: number[]): ParetoObservation[] {
  return Object.entries(byMetric).flatMap(([metric, values]) =>
    values.map((value, i) => ({ config, metric, value, seed: seeds?.[i] ?? i + 1 })),
  );
}

// The values and SciPy's two-sided paired p-values come from fixtures/make-pareto-fixture.py
// (fixtures/pareto-reference.json). A leads B on both objectives on every seed; C trades balanced accuracy for
// minority recall; D is a little behind A on both means, with seed noise far larger than that.
const Reference = z.object({
  values: z.record(z.string(), z.record(z.string(), z.array(z.number()))),
  twoSidedP: z.record(z.string(), z.record(z.string(), z.number())),
});
const reference = Reference.parse(
  JSON.parse(readFileSync(join(__dirname, "..", "fixtures", "pareto-reference.json"), "utf8")),
);
const fixture = (config: string) => runs(config, reference.values[config]!);
const A = fixture("A");
const B = fixture("B");
const C = fixture("C");
const D = fixture("D");
const SCIPY = {
  ab: { ba: reference.twoSidedP.AB!.balancedAccuracy!, mr: reference.twoSidedP.AB!.minorityRecall! },
  ad: { ba: reference.twoSidedP.AD!.balancedAccuracy!, mr: reference.twoSidedP.AD!.minorityRecall! },
};

describe("paretoFront", () => {
  const front = paretoFront([...A, ...B, ...C, ...D], [BA, MR]);
  const status = Object.fromEntries(front.configurations.map((c) => [c.config, c.status]));

  it("puts the non-dominated configurations on the front, best first on the first objective", () => {
    expect(front.front).toEqual(["A", "C"]);
    expect(status).toEqual({ A: "front", B: "dominated", C: "front", D: "not separable" });
    const b = front.configurations.find((c) => c.config === "B")!;
    expect(b.dominatedBy).toEqual(["A", "D"]);
  });

  it("gives each mean the comparison table's Student-t interval", () => {
    const a = front.configurations.find((c) => c.config === "A")!.estimates[0]!;
    expect(a.summary.mean).toBeCloseTo(0.81, 12);
    // t_{4, 0.975} = 2.7764451051977987 (SciPy), sd of A's balanced accuracy = 0.015811388300841896
    const half = (2.7764451051977987 * 0.015811388300841896) / Math.sqrt(5);
    expect(a.summary.ci[0]).toBeCloseTo(0.81 - half, 12);
    expect(a.summary.ci[1]).toBeCloseTo(0.81 + half, 12);
    expect(a.seeds).toEqual([1, 2, 3, 4, 5]);
  });

  it("backs a claim by two-sided paired t-tests, Holm-corrected across every claim's tests (SciPy)", () => {
    // claims come from front members only: A over B and A over D (D's lead over B is not a claim)
    expect(front.claims.map((c) => [c.dominant, c.dominated, c.backed])).toEqual([
      ["A", "B", true],
      ["A", "D", false],
    ]);
    const [ab, ad] = front.claims;
    const p = [ab!.tests[0]!.p, ab!.tests[1]!.p, ad!.tests[0]!.p, ad!.tests[1]!.p];
    expect(p[0]).toBeCloseTo(SCIPY.ab.ba, 12);
    expect(p[1]).toBeCloseTo(SCIPY.ab.mr, 12);
    expect(p[2]).toBeCloseTo(SCIPY.ad.ba, 10);
    expect(p[3]).toBeCloseTo(SCIPY.ad.mr, 10);
    expect(front.tests).toBe(4);
    // Holm by hand: p sorted ascending times 4, 3, 2, 1, running maximum (which gives both of D's tests 2·p_mr)
    const holm = [3 * SCIPY.ab.ba, 4 * SCIPY.ab.mr, 2 * SCIPY.ad.mr, 2 * SCIPY.ad.mr];
    const adjusted = [
      ab!.tests[0]!.pAdjusted,
      ab!.tests[1]!.pAdjusted,
      ad!.tests[0]!.pAdjusted,
      ad!.tests[1]!.pAdjusted,
    ];
    for (const [i, h] of holm.entries()) expect(adjusted[i]).toBeCloseTo(h, 9);
    expect(ab!.tests.map((t) => t.significant)).toEqual([true, true]);
    expect(ad!.tests.map((t) => t.significant)).toEqual([false, false]);
    expect(ad!.tests[0]!.meanDiff).toBeCloseTo(0.81 - 0.798, 12);
  });

  it("takes Benjamini–Hochberg when asked, as the comparison table does", () => {
    const bh = paretoFront([...A, ...B, ...C, ...D], [BA, MR], { correction: "bh" });
    const raw = bh.claims.flatMap((c) => c.tests.map((t) => t.p));
    expect(bh.claims.flatMap((c) => c.tests.map((t) => t.pAdjusted))).toEqual(adjustPValues(raw, "bh"));
  });

  it("keeps configurations with equal means on the front together, and tests only the lead of a tie on one objective", () => {
    const twin = runs("A twin", {
      balancedAccuracy: [0.81, 0.79, 0.8, 0.83, 0.82],
      minorityRecall: [0.61, 0.58, 0.6, 0.62, 0.63],
    });
    // the same balanced accuracy as A on every seed, and a lower minority recall
    const G = runs("G", {
      balancedAccuracy: [0.8, 0.82, 0.79, 0.83, 0.81],
      minorityRecall: [0.5, 0.55, 0.52, 0.53, 0.5],
    });
    const f = paretoFront([...A, ...twin, ...G], [BA, MR]);
    expect(f.front).toEqual(["A", "A twin"]);
    expect(f.configurations.find((c) => c.config === "G")!.dominatedBy).toEqual(["A", "A twin"]);
    const ag = f.claims.find((c) => c.dominant === "A" && c.dominated === "G")!;
    expect(ag.tests.map((t) => t.lead)).toEqual(["tie", "better"]);
    expect(ag.tests[0]!.p).toBeNaN();
    expect(ag.tests[0]!.reason).toMatch(/equal means/);
    expect(ag.backed).toBe(true);
    expect(f.tests).toBe(2); // the two leads on minority recall, not the ties
  });

  it("reads a lower-is-better objective the other way", () => {
    const shift = { metric: "pseudoClassShift", direction: "minimize" } as const;
    const [X, Y] = [fixture("X"), fixture("Y")];
    const f = paretoFront([...X, ...Y], [BA, shift]);
    expect(f.front).toEqual(["X"]);
    const [xy] = f.claims;
    expect([xy!.dominant, xy!.dominated, xy!.backed]).toEqual(["X", "Y", true]);
    expect(xy!.tests[0]!.p).toBeCloseTo(reference.twoSidedP.XY!.balancedAccuracy!, 10);
    expect(xy!.tests[1]!.p).toBeCloseTo(reference.twoSidedP.XY!.pseudoClassShift!, 10);
    // to maximise the shift, Y's larger shift puts it on the front beside X
    expect(paretoFront([...X, ...Y], [BA, { ...shift, direction: "maximize" }]).front).toEqual(["X", "Y"]);
  });

  it("pairs on the seeds both ran when one configuration lacks some", () => {
    const H = runs(
      "H",
      { balancedAccuracy: [0.7, 0.75, 0.72, 0.69, 0.71], minorityRecall: [0.5, 0.55, 0.51, 0.49, 0.52] },
      [3, 4, 5, 6, 7],
    );
    const f = paretoFront([...A, ...H], [BA, MR]);
    const [ah] = f.claims;
    expect(ah!.tests.map((t) => t.seeds)).toEqual([
      [3, 4, 5],
      [3, 4, 5],
    ]);
    expect(f.configurations.find((c) => c.config === "H")!.estimates[0]!.seeds).toEqual([3, 4, 5, 6, 7]);
    // SciPy on seeds 3–5 only (two-sided)
    expect(ah!.tests[0]!.p).toBeCloseTo(0.0014760155646609098, 10);
    expect(ah!.tests[1]!.p).toBeCloseTo(0.011015284838455588, 10);
    // one shared seed: no test, and the claim rests on the means alone
    const lone = runs("L", { balancedAccuracy: [0.5, 0.5], minorityRecall: [0.4, 0.4] }, [5, 9]);
    const l = paretoFront([...A, ...lone], [BA, MR]);
    expect(l.claims[0]!.tests.map((t) => t.reason)).toEqual([
      "1 seed run by both: a paired test needs 2",
      "1 seed run by both: a paired test needs 2",
    ]);
    expect(l.configurations.find((c) => c.config === "L")!.status).toBe("not separable");
  });

  it("does not test a lead that is the same on every seed (no spread), as the comparison table", () => {
    const plus = runs("P", {
      balancedAccuracy: [0.7, 0.73, 0.7, 0.72, 0.7],
      minorityRecall: [0.6, 0.63, 0.58, 0.62, 0.61].map((v) => v - 0.1),
    });
    const [ap] = paretoFront([...A, ...plus], [BA, MR]).claims;
    expect(ap!.tests[1]!.p).toBeNaN();
    expect(ap!.tests[1]!.reason).toMatch(/all 5 matched seeds give the same difference/);
    expect(ap!.tests[0]!.significant).toBe(true);
  });

  it("does not back a lead of the means that the matched seeds reverse, however small its p", () => {
    // R leads A on the means of all its seeds (its seeds 6–9, which A did not run, are high), but on the 5 seeds both
    // ran R is behind on every one: significant the wrong way, which is no lead
    const R = runs(
      "R",
      {
        balancedAccuracy: [0.7, 0.71, 0.69, 0.72, 0.7, 0.99, 0.99, 0.99, 0.99],
        minorityRecall: [0.5, 0.52, 0.49, 0.51, 0.5, 0.99, 0.99, 0.99, 0.99],
      },
      [1, 2, 3, 4, 5, 6, 7, 8, 9],
    );
    const f = paretoFront([...A, ...R], [BA, MR]);
    expect(f.front).toEqual(["R"]);
    const [ra] = f.claims;
    expect(ra!.tests.every((t) => t.pairedDiff < 0 && t.pAdjusted < 0.001)).toBe(true);
    expect(ra!.tests.map((t) => t.significant)).toEqual([false, false]);
    expect(ra!.backed).toBe(false);
    expect(backsLead(0.01, 2, 1, 0.05)).toBe(true);
    expect(backsLead(0.01, -2, 1, 0.05)).toBe(false);
    expect(backsLead(0.01, -2, -1, 0.05)).toBe(true);
    expect(backsLead(0.05, 2, 1, 0.05)).toBe(true);
    expect(backsLead(0.051, 2, 1, 0.05)).toBe(false);
  });

  it("holds the chance of a false 'better' within α when correlated objectives pick the lead's direction (P2, P3)", () => {
    // Two configurations with no difference on either objective; each seed's differences on the two objectives have
    // correlation 0.9, so both means usually lead the same way and a claim is made. Testing each lead one-sided in the
    // direction the means show (p₂/2) backs a false claim well above α; the two-sided p read in the direction of its
    // sign stays within it.
    const draws = randomStream(20261203, "pareto-directional-error");
    const pairs = 4_000;
    let backed = 0;
    let oneSided = 0;
    for (let k = 0; k < pairs; k++) {
      const observations: ParetoObservation[] = [];
      for (let seed = 1; seed <= 5; seed++) {
        const z1 = draws.normal();
        const z2 = 0.9 * z1 + Math.sqrt(1 - 0.81) * draws.normal();
        observations.push(
          { config: "A", seed, metric: "balancedAccuracy", value: 0.7 + 0.01 * z1 },
          { config: "A", seed, metric: "minorityRecall", value: 0.5 + 0.01 * z2 },
          { config: "B", seed, metric: "balancedAccuracy", value: 0.7 },
          { config: "B", seed, metric: "minorityRecall", value: 0.5 },
        );
      }
      const f = paretoFront(observations, [BA, MR]);
      if (f.claims.some((c) => c.backed)) backed++;
      // the former reading, for comparison: each lead one-sided in its observed direction, Holm over those
      const tests = f.claims.flatMap((c) => c.tests.filter((t) => !Number.isNaN(t.p)));
      const halved = tests.map((t) =>
        (t.direction === "maximize" ? 1 : -1) * t.pairedDiff > 0 ? t.p / 2 : 1 - t.p / 2,
      );
      if (adjustPValues(halved, "holm").some((p) => p <= 0.05)) oneSided++;
    }
    const se = Math.sqrt((0.05 * 0.95) / pairs);
    console.log(
      `false "better" under H0 with objectives correlated 0.9: two-sided read by its sign ${(backed / pairs).toFixed(3)}, one-sided in the observed direction ${(oneSided / pairs).toFixed(3)} (α = 0.05, ${pairs} pairs)`,
    );
    expect(backed / pairs).toBeLessThan(0.05 + 2 * se);
    expect(oneSided / pairs).toBeGreaterThan(0.05 + 2 * se);
  });

  it("leaves out a configuration without some objective, and refuses bad input", () => {
    const f = paretoFront([...A, ...runs("M", { balancedAccuracy: [0.9, 0.9] })], [BA, MR]);
    expect(f.excluded).toEqual([{ config: "M", reason: "no finished seed reports minorityRecall" }]);
    expect(() => paretoFront(A, [BA])).toThrow(/^objectives: a front needs at least 2 objectives, got 1/);
    expect(() => paretoFront(A, [BA, BA])).toThrow(
      /^objectives: each metric once: balancedAccuracy repeated/,
    );
    expect(() =>
      paretoFront([{ config: "A", seed: 1, metric: "minorityRecall", value: Number.NaN }], [BA, MR]),
    ).toThrow(/^observations\[0\]: configuration 'A', minorityRecall, seed 1: NaN is not a finite number/);
    expect(() => paretoFront([...A, A[0]!], [BA, MR])).toThrow(/has balancedAccuracy on seed 1 twice/);
    expect(() => paretoFront(A, [BA, MR], { alpha: 1 })).toThrow(/^alpha: must be in \(0, 1\)/);
  });
});

describe("dominatesByMeans", () => {
  it("needs not worse everywhere and better somewhere, each objective its own way", () => {
    const objectives = [BA, { metric: "shift", direction: "minimize" as const }];
    expect(dominatesByMeans([0.8, 0.1], [0.7, 0.2], objectives)).toBe(true);
    expect(dominatesByMeans([0.8, 0.3], [0.7, 0.2], objectives)).toBe(false);
    expect(dominatesByMeans([0.8, 0.2], [0.8, 0.2], objectives)).toBe(false);
    // equal up to the last bits of a sum is a tie, not a lead
    expect(dominatesByMeans([0.1 + 0.2, 0.2], [0.3, 0.2], objectives)).toBe(false);
  });
});

describe("sweepPareto", () => {
  /** A sweep over ν whose two configurations trade balanced accuracy against minority recall (ν = 10 ahead on both). */
  async function sweep() {
    const store = new InMemoryRunStore();
    const spec = parseSweepFile({ name: "front", search: { nu: [5, 10] }, seeds: [1, 2, 3] });
    const t0 = new Date("2026-01-01T00:00:00Z");
    await store.createSweep({ id: "front", spec, trials: expandSweep(spec), now: t0 });
    for (const t of await store.listTrials("front")) {
      const claimed = await store.claimTrial(t.id, "w", t0);
      const ahead = t.params["model.nu"] === 10 ? 0.1 + 0.01 * t.seed : 0;
      const result = scriptedResult(0.6 + 0.02 * t.seed + ahead);
      result.metrics.minorityRecall = 0.4 + 0.03 * t.seed + ahead;
      await store.completeTrial(t.id, claimed!.attempt, result, t0);
    }
    return loadSweepRuns(store, "front");
  }

  it("draws the front of a stored sweep, with each configuration's key", async () => {
    const f = sweepPareto(await sweep(), {
      objectives: [{ metric: "balancedAccuracy" }, { metric: "minorityRecall" }],
    });
    expect(f.objectives).toEqual([BA, MR]);
    expect(f.front).toEqual(["model.nu=10"]);
    expect(f.configurations.map((c) => [c.config, c.status, c.configKey.length > 0])).toEqual([
      ["model.nu=10", "front", true],
      ["model.nu=5", "dominated", true],
    ]);
    expect(f.claims[0]).toMatchObject({
      dominant: "model.nu=10",
      dominated: "model.nu=5",
      backed: true,
      posthocRevisions: [],
    });
    expect(f.notes).toEqual([]);
  });

  it("says once that no trial has finished yet, not that every metric is unknown", async () => {
    const runs = await sweep();
    const none = { ...runs, trials: runs.trials.map((t) => ({ ...t, state: "running" as const })) };
    expect(() =>
      sweepPareto(none, { objectives: [{ metric: "balancedAccuracy" }, { metric: "macroF1" }] }),
    ).toThrow(/^objectives: no trial of sweep front has finished yet, so there is nothing to draw$/);
    // a problem it can tell without results is still named with it
    expect(() =>
      sweepPareto(none, { objectives: [{ metric: "balancedAccuracy" }, { metric: "balancedAccuracy" }] }),
    ).toThrow(
      /^objectives: balancedAccuracy: balancedAccuracy is already an objective; no trial of sweep front has finished yet/,
    );
  });

  it("names every bad objective in one error", async () => {
    const runs = await sweep();
    let refused: unknown;
    try {
      sweepPareto(runs, {
        objectives: [
          { metric: "balancedAccuracy", direction: "maximize" },
          { metric: "pseudoClassShift", direction: "maximize" },
          { metric: "balancedAccuracy" },
          { metric: "nope" },
        ],
      });
    } catch (e) {
      refused = e;
    }
    expect(refused).toMatchObject({ code: "INPUT_INVALID", field: "objectives" });
    const problem = (refused as { problem: string }).problem;
    expect(problem.split("; ")).toEqual([
      "pseudoClassShift:max: pseudoClassShift is lower-is-better, not max",
      expect.stringMatching(
        /^pseudoClassShift:max: no finished trial of sweep front reports pseudoClassShift \(a test metric/,
      ),
      "balancedAccuracy: balancedAccuracy is already an objective",
      // the metrics it could be are said once, with the first one missing
      "nope: no finished trial of sweep front reports nope",
    ]);
    expect(() => sweepPareto(runs, { objectives: [{ metric: "balancedAccuracy" }] })).toThrow(
      /^objectives: a front needs at least 2 objectives, got 1$/,
    );
    // the metrics it names are the schemas' lists, and the most objectives the sweep file's limit
    expect(problem).toContain(
      `(a test metric: ${[...new Set([...ObjectiveMetricSchema.options, ...RESULT_METRICS])].join(", ")}, or a result path`,
    );
    expect(problem).toContain("pseudoClassShift");
    const five = ["balancedAccuracy", "accuracy", "macroF1", "gMean", "minorityRecall"].map((metric) => ({
      metric,
    }));
    expect(() => sweepPareto(runs, { objectives: five })).toThrow(
      new RegExp(`^objectives: at most ${OBJECTIVES_LIMITS.max} objectives, got 5$`),
    );
  });
});
