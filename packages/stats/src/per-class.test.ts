import { describe, expect, it } from "vitest";
import { averageConfusion, summarizePerClass } from "./per-class";
import { summarize } from "./summary";

describe("per-class aggregation", () => {
  it("summarises each class over seeds like summarize does for one value", () => {
    const perSeed = [
      [0.9, 0.2, 0.5],
      [0.8, 0.3, 0.6],
      [0.85, 0.1, 0.55],
    ];
    const s = summarizePerClass(perSeed);
    expect(s).toHaveLength(3);
    expect(s[1]).toEqual(summarize([0.2, 0.3, 0.1]));
    expect(() => summarizePerClass([[1, 2], [1]])).toThrow(/perSeed\[1\]: 1 classes, expected 2/);
  });

  it("averages confusion matrices and normalises rows by true-class totals", () => {
    const { mean, rowNormalized } = averageConfusion([
      [
        [8, 2],
        [1, 1],
      ],
      [
        [6, 4],
        [3, 1],
      ],
    ]);
    expect(mean).toEqual([
      [7, 3],
      [2, 1],
    ]);
    expect(rowNormalized[0]).toEqual([0.7, 0.3]);
    expect(rowNormalized[1]![0]).toBeCloseTo(2 / 3, 12);
    expect(() => averageConfusion([[[1]], [[1, 2]]])).toThrow(/matrices\[1\]: expected 1×1/);
  });
});
