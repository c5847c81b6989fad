import { describe, expect, it } from "vitest";
import { compareConfigurations } from "./compare";
import { comparePaired } from "./paired";

describe("repeated calls (answers kept by their whole input)", () => {
  it("a paired comparison is the same on a repeat, a caller's edit stays its own, and any other input is tested anew", () => {
    const a = [0.61, 0.58, 0.64, 0.6, 0.63];
    const b = [0.55, 0.57, 0.6, 0.54, 0.6];
    const first = structuredClone(comparePaired(a, b)); // what it gave, apart from anything the test changes
    const again = comparePaired([...a], [...b]);
    expect(again).toEqual(first);
    again.ci[0] = 99;
    again.t.p = 99;
    expect(comparePaired(a, b)).toEqual(first);
    expect(comparePaired(a, [...b.slice(0, 4), 0.61]).meanDiff).not.toBe(first.meanDiff);
    expect(comparePaired(a, b, { confidence: 0.9 }).ci).not.toEqual(first.ci);
    // with more seeds the resampled means are finely spread, so another generator seed moves the interval
    const long = Array.from({ length: 12 }, (_, i) => Math.sin(i * 1.7) * 0.03);
    const zeros = long.map(() => 0);
    expect(comparePaired(long, zeros, { seed: 2 }).bootstrapCi).not.toEqual(
      comparePaired(long, zeros).bootstrapCi,
    );
  });

  it("a comparison table is the same when drawn twice, and probability-best follows every value", () => {
    const values: Record<string, number[]> = {
      a: [0.5, 0.51, 0.49, 0.5, 0.52],
      b: [0.55, 0.53, 0.56, 0.54, 0.52],
      c: [0.56, 0.55, 0.57, 0.53, 0.58],
    };
    const observationsOf = (v: Record<string, number[]>) =>
      Object.entries(v).flatMap(([config, xs]) => xs.map((value, i) => ({ config, seed: i + 1, value })));
    const options = { baseline: "a", direction: "maximize", resamples: 2_000 } as const;
    const first = compareConfigurations(observationsOf(values), options);
    expect(compareConfigurations(observationsOf(values), options)).toEqual(first);
    // c stays the best by its mean (0.542 against b's 0.540), but wins fewer resamples
    const changed = compareConfigurations(
      observationsOf({ ...values, c: [0.56, 0.55, 0.57, 0.53, 0.5] }),
      options,
    );
    expect(changed.best?.config).toBe("c");
    expect(changed.best?.probabilityBest).toBeLessThan(first.best!.probabilityBest - 0.1);
  });
});
