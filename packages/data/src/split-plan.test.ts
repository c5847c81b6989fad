import { describe, expect, it } from "vitest";
import { classHistogram } from "./image-set";
import { planBalancedTest, planTrainSplit } from "./split-plan";

// 3 classes with 40, 30 and 20 rows, interleaved so class pools are not contiguous.
const labels = Int32Array.from({ length: 90 }, (_, i) => (i < 60 ? i % 3 : i < 80 ? i % 2 : 0));
const classNames = ["a", "b", "c"];
const pools = classHistogram(labels, 3);

describe("planTrainSplit", () => {
  const input = {
    labels,
    classNames,
    labeledCounts: [10, 5, 2],
    unlabeledCounts: [20, 10, 5],
    seed: 1,
    version: 2 as const,
  };

  it("draws the requested count per class, labeled and unlabeled disjoint", () => {
    const plan = planTrainSplit(input);
    expect(
      classHistogram(
        Array.from(plan.labeled, (r) => labels[r]!),
        3,
      ),
    ).toEqual([10, 5, 2]);
    expect(
      classHistogram(
        Array.from(plan.unlabeled, (r) => labels[r]!),
        3,
      ),
    ).toEqual([20, 10, 5]);
    const all = [...plan.labeled, ...plan.unlabeled];
    expect(new Set(all).size).toBe(all.length);
  });

  it("is deterministic in the seed and changes with it", () => {
    expect(planTrainSplit(input)).toEqual(planTrainSplit(input));
    expect(planTrainSplit({ ...input, seed: 2 }).labeled).not.toEqual(planTrainSplit(input).labeled);
  });

  it("keeps labeled sets nested as N grows (the pool shuffle ignores the counts)", () => {
    const small = new Set(planTrainSplit({ ...input, labeledCounts: [3, 3, 1] }).labeled);
    const large = new Set(planTrainSplit(input).labeled);
    expect([...small].every((row) => large.has(row))).toBe(true);
  });

  it("fails naming the class, the need and the supply instead of shrinking", () => {
    expect(() => planTrainSplit({ ...input, unlabeledCounts: [20, 10, pools[2]!] })).toThrow(
      /class 2 \("c"\) needs 22 training rows \(2 labeled \+ 20 unlabeled\) but only 20 are available/,
    );
    expect(() => planTrainSplit({ ...input, capacity: [100, 14, 100] })).toThrow(/class 1 .* only 14/);
  });
});

describe("planTrainSplit with validation rows", () => {
  const input = {
    labels,
    classNames,
    labeledCounts: [10, 5, 2],
    unlabeledCounts: [20, 10, 5],
    seed: 1,
    version: 2 as const,
  };
  const withValidation = { ...input, validationCounts: [4, 3, 2] };
  const classesOf = (rows: Int32Array) =>
    classHistogram(
      Array.from(rows, (r) => labels[r]!),
      3,
    );

  it("draws the requested validation count per class, disjoint from labeled and unlabeled rows", () => {
    const plan = planTrainSplit(withValidation);
    expect(classesOf(plan.validation!)).toEqual([4, 3, 2]);
    const all = [...plan.labeled, ...plan.unlabeled, ...plan.validation!];
    expect(new Set(all).size).toBe(all.length);
    expect(planTrainSplit(input).validation).toBeUndefined();
    // zero rows of a class, or of all, is allowed
    expect(classesOf(planTrainSplit({ ...input, validationCounts: [0, 0, 1] }).validation!)).toEqual([
      0, 0, 1,
    ]);
  });

  it.each([1, 2] as const)("leaves the labeled and unlabeled rows bit-identical (version %i)", (version) => {
    for (const seed of [0, 1, 7]) {
      const without = planTrainSplit({ ...input, seed, version });
      const withIt = planTrainSplit({ ...withValidation, seed, version });
      expect(withIt.labeled).toEqual(without.labeled);
      expect(withIt.unlabeled).toEqual(without.unlabeled);
    }
  });

  it("takes the pool rows right after the labeled and unlabeled ones", () => {
    // All of a class's pool in labeled + unlabeled + validation: validation = the rest of the pool.
    const plan = planTrainSplit({ ...input, validationCounts: [10, 15, 13] });
    const used = new Set([...plan.labeled, ...plan.unlabeled, ...plan.validation!]);
    expect(used.size).toBe(labels.length);
    // A larger validation count extends a smaller one's rows (same pool order).
    const small = new Set(planTrainSplit({ ...input, validationCounts: [2, 1, 1] }).validation);
    const large = new Set(planTrainSplit({ ...input, validationCounts: [5, 4, 3] }).validation);
    expect([...small].every((row) => large.has(row))).toBe(true);
  });

  it("is deterministic, its order from its own stream", () => {
    expect(planTrainSplit(withValidation)).toEqual(planTrainSplit(withValidation));
    expect(planTrainSplit({ ...withValidation, seed: 2 }).validation).not.toEqual(
      planTrainSplit(withValidation).validation,
    );
    // not grouped by class (probability of a sorted order ≈ 0)
    const rows = planTrainSplit({ ...input, validationCounts: [10, 15, 13] }).validation!;
    const classes = Array.from(rows, (r) => labels[r]!);
    expect(classes).not.toEqual([...classes].sort());
  });

  it("counts validation rows in a shortage and names them", () => {
    // class 2 has 20 rows: 2 + 5 + 14 = 21
    expect(() => planTrainSplit({ ...input, validationCounts: [1, 1, 14] })).toThrow(
      /class 2 \("c"\) needs 21 training rows \(2 labeled \+ 5 unlabeled \+ 14 validation\) but only 20 are available/,
    );
    expect(() =>
      planTrainSplit({
        ...withValidation,
        capacity: [100, 17, 100],
        shortageHint: (c) => `lower it (class ${c})`,
      }),
    ).toThrow(
      /class 1 \("b"\) needs 18 training rows \(5 labeled \+ 10 unlabeled \+ 3 validation\) but only 17 are available; lower it \(class 1\)/,
    );
  });
});

describe("planBalancedTest", () => {
  it("takes the same number from every class, capped by the scarcest", () => {
    const capped = planBalancedTest({ labels, numClasses: 3, testPerClass: 25, seed: 0, version: 2 });
    expect(capped.perClass).toBe(20);
    expect(
      classHistogram(
        Array.from(capped.rows, (r) => labels[r]!),
        3,
      ),
    ).toEqual([20, 20, 20]);
    expect(new Set(capped.rows).size).toBe(60);
    const small = planBalancedTest({ labels, numClasses: 3, testPerClass: 7, seed: 0, version: 2 });
    expect(
      classHistogram(
        Array.from(small.rows, (r) => labels[r]!),
        3,
      ),
    ).toEqual([7, 7, 7]);
    expect(planBalancedTest({ labels, numClasses: 3, testPerClass: 7, seed: 0, version: 2 })).toEqual(small);
  });
});
