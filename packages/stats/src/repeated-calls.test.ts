import { describe, expect, it } from "vitest";
import { compareConfigurations } from "./compare";
import { bootstrapMeanCi } from "./paired";

describe("repeated calls (answers kept by their whole input)", () => {
  it("a bootstrap interval is the same on a repeat, and differs for any other input", () => {
    const values = [0.012, -0.004, 0.021, 0.007, 0.015];
    const first = bootstrapMeanCi(values, 0.95, 2_000, 3);
    const again = bootstrapMeanCi([...values], 0.95, 2_000, 3);
    expect(again).toEqual(first);
    again[0] = 99; // a caller's edit does not reach the next caller
    expect(bootstrapMeanCi(values, 0.95, 2_000, 3)).toEqual(first);
    expect(bootstrapMeanCi(values, 0.95, 2_000, 4)).not.toEqual(first);
    expect(bootstrapMeanCi(values, 0.9, 2_000, 3)).not.toEqual(first);
    expect(bootstrapMeanCi([...values.slice(0, 4), 0.0150001], 0.95, 2_000, 3)).not.toEqual(first);
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
