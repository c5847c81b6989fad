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
