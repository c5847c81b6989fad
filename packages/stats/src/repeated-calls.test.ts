import { describe, expect, it, vi } from "vitest";
import { compareConfigurations } from "./compare";
import { comparePaired } from "./paired";

// The real procedures, counted: a kept answer must not run them again.
const calls = vi.hoisted(() => ({ ttest: 0, probabilityBestStreams: 0 }));
vi.mock("@stdlib/stats-ttest", async (importOriginal) => {
  const { default: ttest } = await importOriginal<{ default: typeof import("@stdlib/stats-ttest") }>();
  return {
    default: (...args: Parameters<typeof ttest>) => {
      calls.ttest++;
      return ttest(...args);
    },
  };
});
vi.mock("@tailsweep/random", async (importOriginal) => {
  const random = await importOriginal<typeof import("@tailsweep/random")>();
  return {
    ...random,
    randomStream: (...args: Parameters<typeof random.randomStream>) => {
      if (args[1] === "probability-best") calls.probabilityBestStreams++;
      return random.randomStream(...args);
    },
  };
});

describe("repeated calls (answers kept by their whole input)", () => {
  it("a paired comparison is the same on a repeat, a caller's edit stays its own, and any other input is tested anew", () => {
    const a = [0.61, 0.58, 0.64, 0.6, 0.63];
    const b = [0.55, 0.57, 0.6, 0.54, 0.6];
    const before = calls.ttest;
    const first = structuredClone(comparePaired(a, b)); // what it gave, apart from anything the test changes
    const again = comparePaired([...a], [...b]);
    expect(again).toEqual(first);
    expect(calls.ttest - before).toBe(1); // tested once: the repeat is the kept answer
    again.ci[0] = 99;
    again.t.p = 99;
    expect(comparePaired(a, b)).toEqual(first);
    expect(comparePaired(a, [...b.slice(0, 4), 0.61]).meanDiff).not.toBe(first.meanDiff);
    expect(comparePaired([...a.slice(0, 4), 0.7], b).meanDiff).not.toBe(first.meanDiff);
    // no resamples, no bootstrap: the same arms with another resample count are another input
    expect(comparePaired(a, b, { resamples: 0 }).bootstrapCi).toEqual([Number.NaN, Number.NaN]);
    expect(comparePaired(a, b).bootstrapCi).toEqual(first.bootstrapCi);
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
    const streams = calls.probabilityBestStreams;
    const first = compareConfigurations(observationsOf(values), options);
    expect(compareConfigurations(observationsOf(values), options)).toEqual(first);
    expect(calls.probabilityBestStreams - streams).toBe(1); // resampled once: the repeat is the kept answer
    // another seed or resample count is another input
    compareConfigurations(observationsOf(values), { ...options, seed: 2 });
    compareConfigurations(observationsOf(values), { ...options, resamples: 500 });
    expect(calls.probabilityBestStreams - streams).toBe(3);
    // c stays the best by its mean (0.542 against b's 0.540), but wins fewer resamples
    const changed = compareConfigurations(
      observationsOf({ ...values, c: [0.56, 0.55, 0.57, 0.53, 0.5] }),
      options,
    );
    expect(changed.best?.config).toBe("c");
    expect(changed.best?.probabilityBest).toBeLessThan(first.best!.probabilityBest - 0.1);
  });
});
