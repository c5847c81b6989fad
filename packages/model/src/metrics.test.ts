import { describe, expect, it } from "vitest";
import { classificationMetrics, meanRecall, minorityClasses } from "./metrics";

describe("classificationMetrics", () => {
  it("computes every number of a hand-checked 3-class example", () => {
    // true: 0 0 0 0 1 1 2 2 ; pred: 0 0 0 1 1 0 2 0
    const m = classificationMetrics([0, 0, 0, 0, 1, 1, 2, 2], [0, 0, 0, 1, 1, 0, 2, 0], 3);
    expect(m.confusion).toEqual([
      [3, 1, 0],
      [1, 1, 0],
      [1, 0, 1],
    ]);
    expect(m.accuracy).toBeCloseTo(5 / 8, 12);
    expect(m.perClassRecall).toEqual([0.75, 0.5, 0.5]);
    expect(m.perClassPrecision).toEqual([0.6, 0.5, 1]);
    expect(m.balancedAccuracy).toBeCloseTo((0.75 + 0.5 + 0.5) / 3, 12);
    const f1 = [(2 * 0.6 * 0.75) / 1.35, 0.5, (2 * 0.5) / 1.5];
    expect(m.macroF1).toBeCloseTo((f1[0]! + f1[1]! + f1[2]!) / 3, 12);
    expect(m.gMean).toBeCloseTo((0.75 * 0.5 * 0.5) ** (1 / 3), 12);
  });

  it("shows the majority-class trap: high accuracy, low balanced accuracy, G-mean 0", () => {
    const yTrue = [...new Array(90).fill(0), ...new Array(10).fill(1)];
    const m = classificationMetrics(yTrue, new Array(100).fill(0), 2);
    expect(m.accuracy).toBe(0.9);
    expect(m.balancedAccuracy).toBe(0.5);
    expect(m.gMean).toBe(0);
    expect(Number.isNaN(m.perClassPrecision[1])).toBe(true);
  });

  it("rejects mismatched lengths and out-of-range classes", () => {
    expect(() => classificationMetrics([0, 1], [0], 2)).toThrow(/2 labels but 1 predictions/);
    expect(() => classificationMetrics([0, 3], [0, 1], 2)).toThrow(/out of range at row 1/);
  });
});

describe("minorityClasses", () => {
  it("picks the ⌈0.3·K⌉ classes with the fewest labeled rows", () => {
    expect(minorityClasses([500, 299, 179, 107, 64, 38, 23, 13, 8, 5])).toEqual([7, 8, 9]);
    expect(minorityClasses([5, 50, 8, 100])).toEqual([0, 2]);
    expect(meanRecall([1, 0.5, 0, Number.NaN], [1, 2, 3])).toBeCloseTo(0.25, 12);
  });
});
