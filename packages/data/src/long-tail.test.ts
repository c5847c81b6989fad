import { describe, expect, it } from "vitest";
import {
  labelRatioEffect,
  longTailCounts,
  recipeCounts,
  resolveClassOrder,
  validationCounts,
} from "./long-tail";

const base = { numClasses: 10, headCount: 5000, imbalanceRatio: 100, labelRatio: 0.1 };

describe("longTailCounts", () => {
  it("gives the hand-computed floor counts for ρ = 100, β = 0.1, headCount = 5000", () => {
    // N_1 = 500, N_r = floor(500·100^(−r/9)): 500, 299.74, 179.69, 107.72, 64.58, 38.71, 23.21, 13.91, 8.34, 5.
    // M_1 = 4500, M_r = floor(4500·100^(−r/9)): 4500, 2697.7, 1617.2, 969.5, 581.2, 348.4, 208.9, 125.2, 75.1, 45.
    const counts = longTailCounts(base);
    expect(counts.labeled).toEqual([500, 299, 179, 107, 64, 38, 23, 13, 8, 5]);
    expect(counts.unlabeled).toEqual([4500, 2697, 1617, 969, 581, 348, 208, 125, 75, 45]);
  });

  it("supports uniform, reversed and numeric unlabeled profiles", () => {
    expect(longTailCounts({ ...base, unlabeledImbalance: "uniform" }).unlabeled).toEqual(
      new Array(10).fill(4500),
    );
    expect(longTailCounts({ ...base, unlabeledImbalance: "reversed" }).unlabeled).toEqual([
      45, 75, 125, 208, 348, 581, 969, 1617, 2697, 4500,
    ]);
    // ρ_u = 10: 4500·10^(−r/9) = 4500, 3484.1, 2697.7, 2088.7, 1617.2, 1252.1, 969.5, 750.6, 581.2, 450.
    expect(longTailCounts({ ...base, unlabeledImbalance: 10 }).unlabeled).toEqual([
      4500, 3484, 2697, 2088, 1617, 1252, 969, 750, 581, 450,
    ]);
  });

  it("assigns counts by rank in the class order", () => {
    const counts = longTailCounts({ ...base, classOrder: [9, 8, 7, 6, 5, 4, 3, 2, 1, 0] });
    expect(counts.labeled).toEqual([5, 8, 13, 23, 38, 64, 107, 179, 299, 500]);
    expect(counts.unlabeled[9]).toBe(4500);
  });

  it("clamps labeled counts to at least 1 and allows β = 1 (no unlabeled rows)", () => {
    // N_1 = round(0.01·100) = 1 and 1·1000^(−r/9) < 1 for r ≥ 1.
    const tiny = longTailCounts({ ...base, headCount: 100, labelRatio: 0.01, imbalanceRatio: 1000 });
    expect(tiny.labeled).toEqual(new Array(10).fill(1));
    const allLabeled = longTailCounts({ ...base, labelRatio: 1 });
    expect(allLabeled.labeled[0]).toBe(5000);
    expect(allLabeled.unlabeled).toEqual(new Array(10).fill(0));
    expect(longTailCounts({ ...base, imbalanceRatio: 1 }).labeled).toEqual(new Array(10).fill(500));
  });

  it("handles a single class", () => {
    expect(longTailCounts({ ...base, numClasses: 1 })).toEqual({ labeled: [500], unlabeled: [4500] });
  });
});

describe("resolveClassOrder", () => {
  it("natural is 0..K−1, random is a seeded permutation", () => {
    expect(resolveClassOrder("natural", 4, 0, 2)).toEqual([0, 1, 2, 3]);
    const random = resolveClassOrder("random", 10, 5, 2);
    expect([...random].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(resolveClassOrder("random", 10, 5, 2)).toEqual(random);
    expect(resolveClassOrder("random", 10, 6, 2)).not.toEqual(random);
  });

  it("accepts an explicit permutation and rejects anything else with a clear message", () => {
    expect(resolveClassOrder([2, 0, 1], 3, 0, 2)).toEqual([2, 0, 1]);
    expect(() => resolveClassOrder([0, 1], 3, 0, 2)).toThrow(
      /permutation of 0\.\.2.*got 2 entries for 3 classes/,
    );
    expect(() => resolveClassOrder([0, 1, 1], 3, 0, 2)).toThrow(/1 appears more than once/);
    expect(() => resolveClassOrder([0, 1, 3], 3, 0, 2)).toThrow(/3 is not a class index/);
    expect(() => longTailCounts({ ...base, classOrder: [0, 1, 2] })).toThrow(/permutation of 0\.\.9/);
  });
});

describe("validationCounts", () => {
  const defaults = { numClasses: 10, perClass: 50, imbalanceRatio: 100 };

  it("balanced gives perClass to every class, whatever ρ and the class order", () => {
    expect(validationCounts({ ...defaults, shape: "balanced" })).toEqual(new Array(10).fill(50));
    expect(
      validationCounts({ ...defaults, shape: "balanced", classOrder: [9, 8, 7, 6, 5, 4, 3, 2, 1, 0] }),
    ).toEqual(new Array(10).fill(50));
  });

  it("long-tailed follows the labeled profile from perClass, clamped to 1 (docs/data.md's worked example)", () => {
    // 50·100^(−r/9) = 50, 29.97, 17.97, 10.77, 6.46, 3.87, 2.32, 1.39, 0.83, 0.5.
    const counts = validationCounts({ ...defaults, shape: "long-tailed" });
    expect(counts).toEqual([50, 29, 17, 10, 6, 3, 2, 1, 1, 1]);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(120);
    // the same profile as the labeled rows: perClass 500 gives exactly the default labeled counts
    expect(validationCounts({ ...defaults, perClass: 500, shape: "long-tailed" })).toEqual(
      longTailCounts(base).labeled,
    );
  });

  it("assigns long-tailed counts by rank in the class order, and ρ = 1 is balanced", () => {
    expect(
      validationCounts({ ...defaults, shape: "long-tailed", classOrder: [9, 8, 7, 6, 5, 4, 3, 2, 1, 0] }),
    ).toEqual([1, 1, 1, 2, 3, 6, 10, 17, 29, 50]);
    expect(validationCounts({ ...defaults, shape: "long-tailed", imbalanceRatio: 1 })).toEqual(
      new Array(10).fill(50),
    );
    expect(validationCounts({ ...defaults, numClasses: 1, shape: "long-tailed" })).toEqual([50]);
  });

  it("rejects a bad perClass or class order", () => {
    expect(() => validationCounts({ ...defaults, perClass: 0, shape: "balanced" })).toThrow(/perClass/);
    expect(() => validationCounts({ ...defaults, shape: "long-tailed", classOrder: [0, 1] })).toThrow(
      /permutation of 0\.\.9/,
    );
  });

  it("recipeCounts adds them only when the recipe asks for a validation set", () => {
    const recipe = {
      headCount: 5000,
      imbalanceRatio: 100,
      labelRatio: 0.1,
      unlabeledImbalance: "same",
    } as const;
    const order = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
    expect("validation" in recipeCounts(recipe, 10, order)).toBe(false);
    const withValidation = recipeCounts(
      { ...recipe, validation: { perClass: 50, shape: "long-tailed" } },
      10,
      order,
    );
    expect(withValidation.validation).toEqual([50, 29, 17, 10, 6, 3, 2, 1, 1, 1]);
    expect(withValidation.labeled).toEqual(recipeCounts(recipe, 10, order).labeled);
  });
});

describe("recipeCounts' monotonicity, which a launch's bound on a TPE search relies on (launch-datasets.ts)", () => {
  it("needs no fewer rows of any class at a larger headCount or a smaller imbalanceRatio", () => {
    const order = resolveClassOrder("random", 10, 7, 2);
    const need = (recipe: Parameters<typeof recipeCounts>[0]) => {
      const c = recipeCounts(recipe, 10, order);
      return c.labeled.map((n, k) => n + c.unlabeled[k]! + (c.validation?.[k] ?? 0));
    };
    const atLeast = (more: number[], less: number[]) => more.every((n, k) => n >= less[k]!);
    let pairs = 0;
    for (const unlabeledImbalance of ["same", "uniform", "reversed", 5] as const)
      for (const labelRatio of [0.01, 0.05, 0.3, 1])
        for (const validation of [
          undefined,
          { perClass: 30, shape: "balanced" as const },
          { perClass: 30, shape: "long-tailed" as const },
        ])
          for (const headCount of [1, 7, 99, 500, 2501, 5421])
            for (const imbalanceRatio of [1, 1.5, 10, 99.5, 100, 1000]) {
              const recipe = { headCount, imbalanceRatio, labelRatio, unlabeledImbalance, validation };
              const here = need(recipe);
              expect(atLeast(need({ ...recipe, headCount: headCount + 1 }), here)).toBe(true);
              expect(atLeast(need({ ...recipe, headCount: headCount + 37 }), here)).toBe(true);
              expect(atLeast(here, need({ ...recipe, imbalanceRatio: imbalanceRatio * 1.07 }))).toBe(true);
              pairs++;
            }
    expect(pairs).toBe(4 * 4 * 3 * 6 * 6);
  });

  const order = resolveClassOrder("random", 10, 11, 2);
  const need = (recipe: Parameters<typeof recipeCounts>[0]) => {
    const c = recipeCounts(recipe, 10, order);
    return c.labeled.map((n, k) => n + c.unlabeled[k]! + (c.validation?.[k] ?? 0));
  };
  const atLeast = (more: number[], less: number[]) => more.every((n, k) => n >= less[k]!);
  const base = { headCount: 3000, imbalanceRatio: 20, labelRatio: 0.1, unlabeledImbalance: "same" as const };

  it("needs no fewer rows at a smaller numeric unlabeledImbalance, nor than any of them under uniform", () => {
    for (const u of [1, 1.2, 3, 20, 50, 400]) {
      const here = need({ ...base, unlabeledImbalance: u });
      expect(atLeast(here, need({ ...base, unlabeledImbalance: u * 1.3 }))).toBe(true);
      expect(atLeast(need({ ...base, unlabeledImbalance: "uniform" }), here)).toBe(true);
    }
  });

  it("needs at most one row more of a class between two labelRatios than at the larger of the two ends", () => {
    // The launch bounds a TPE search's labelRatio range by its two ends (launch-datasets.ts): a class's total is
    // linear in β but for two floors and a one-row clamp (labelRatioEffect), which can lift a β between them one row
    // above both.
    let most = 0;
    for (const unlabeledImbalance of ["same", "uniform", "reversed", 4] as const)
      for (const headCount of [10, 333, 5000])
        for (const imbalanceRatio of [1, 7, 100]) {
          const at = (labelRatio: number) =>
            need({ headCount, imbalanceRatio, labelRatio, unlabeledImbalance });
          const [low, high] = [at(0.02), at(0.6)];
          for (let beta = 0.02; beta <= 0.6; beta += 0.0037)
            at(beta).forEach((n, k) => {
              most = Math.max(most, n - Math.max(low[k]!, high[k]!));
            });
        }
    expect(most).toBeLessThanOrEqual(1);
  });
});

describe("labelRatioEffect", () => {
  it("says which way each class's total moves as labelRatio rises, as recipeCounts computes it", () => {
    const profiles = ["same", "uniform", "reversed", 3, 300] as const;
    let moves = 0;
    for (const unlabeledImbalance of profiles)
      for (const imbalanceRatio of [1, 10, 100]) {
        const natural = Array.from({ length: 10 }, (_, c) => c);
        // large enough that rounding moves a count by far less than a change of β does
        const total = (labelRatio: number) => {
          const c = recipeCounts(
            { headCount: 1_000_000, imbalanceRatio, labelRatio, unlabeledImbalance },
            10,
            natural,
          );
          return c.labeled.map((n, k) => n + c.unlabeled[k]!);
        };
        const [low, high] = [total(0.1), total(0.5)];
        for (let rank = 0; rank < 10; rank++) {
          const effect = labelRatioEffect({ numClasses: 10, imbalanceRatio, unlabeledImbalance, rank });
          const change = high[rank]! - low[rank]!;
          if (effect === "none") expect(Math.abs(change)).toBeLessThanOrEqual(2);
          else {
            expect(effect === "up" ? change : -change).toBeGreaterThan(1000);
            moves++;
          }
        }
      }
    // under same every class stays; under uniform and reversed the tail moves; numeric 3 and 300 lie either side of ρ
    expect(moves).toBeGreaterThan(30);
    expect(
      labelRatioEffect({ numClasses: 1, imbalanceRatio: 5, unlabeledImbalance: "reversed", rank: 0 }),
    ).toBe("none");
  });
});
