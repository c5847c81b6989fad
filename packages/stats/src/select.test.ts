// Our quickselect and type-7 quantile against d3-array's (issue #24): the package keeps its own quickselect because it
// is 1.3–2.1× faster than d3-array's on the calibration's 2^19 values and 2.5–11× on the bootstrap's means
// (bench/quickselect.ts), and its own quantileSorted because it is the same five lines; these tests hold both to
// d3-array's on many seeded arrays.
import { quantileSorted as d3QuantileSorted, quickselect as d3Quickselect } from "d3-array";
import { describe, expect, it } from "vitest";
import { quickselect } from "./select";
import { quantileSorted } from "./summary";

/** A seeded uniform on [0, 1): a 32-bit LCG (Numerical Recipes' constants), enough to vary the arrays. */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** n values of one of several shapes: continuous, many ties, one value, sorted either way, organ pipe, ± large. */
function values(next: () => number, n: number): number[] {
  const shape = Math.floor(next() * 8);
  const levels = 1 + Math.floor(next() * 6);
  return Array.from({ length: n }, (_, i) => {
    switch (shape) {
      case 0:
        return next();
      case 1:
        return Math.floor(next() * levels); // a few distinct values, each repeated many times
      case 2:
        return Math.floor(next() * (n / 3 + 1)); // about three copies of each value
      case 3:
        return 7.25;
      case 4:
        return i / n;
      case 5:
        return n - i;
      case 6:
        return Math.min(i, n - 1 - i);
      default:
        return (next() - 0.5) * 1e6;
    }
  });
}

/** A size from 1 to 5,000, uniform in its logarithm (most arrays small, some large). */
function size(next: () => number): number {
  return Math.min(5000, Math.floor(Math.exp(next() * Math.log(5001))) || 1);
}

describe("quickselect against d3-array", () => {
  it("selects d3-array's k-th value and leaves the first n values partitioned around it", () => {
    const next = lcg(24);
    const sizes = [1, 2, 3, 600, 601, 5000, ...Array.from({ length: 600 }, () => size(next))];
    for (const [index, length] of sizes.entries()) {
      const input = values(next, length);
      const array = index % 2 === 0 ? Float64Array.from(input) : Float32Array.from(input);
      // a quarter of the cases select among a prefix, as the calibration does among the surviving paths
      const n = index % 4 === 3 ? 1 + Math.floor(next() * length) : length;
      const k = index % 5 === 0 ? (index % 10 === 0 ? 0 : n - 1) : Math.floor(next() * n);
      const ours = array.slice();
      const theirs = array.slice();
      const value = quickselect(ours, k, n);
      d3Quickselect(theirs, k, 0, n - 1);
      expect(value).toBe(theirs[k]);
      expect(ours[k]).toBe(value);
      let left = Number.NEGATIVE_INFINITY;
      for (let i = 0; i < k; i++) left = Math.max(left, ours[i]!);
      let right = Number.POSITIVE_INFINITY;
      for (let i = k + 1; i < n; i++) right = Math.min(right, ours[i]!);
      expect(left).toBeLessThanOrEqual(value);
      expect(right).toBeGreaterThanOrEqual(value);
      // a permutation of the first n values; the rest untouched
      expect(ours.subarray(0, n).sort()).toEqual(array.slice(0, n).sort());
      expect(ours.subarray(n)).toEqual(array.subarray(n));
    }
  });
});

describe("quantileSorted against d3-array", () => {
  it("is d3-array's quantileSorted (type 7) bit for bit, on sorted values with ties and at the ends", () => {
    const next = lcg(7);
    for (let c = 0; c < 400; c++) {
      const sorted = values(next, 1 + Math.floor(next() * 500)).sort((a, b) => a - b);
      const n = sorted.length;
      // the bootstrap's tails, the quartiles, both ends, points where (n − 1)·q is a whole number, and random ones
      const qs = [
        0,
        0.025,
        0.25,
        0.5,
        0.75,
        0.975,
        1,
        Math.floor(next() * n) / Math.max(1, n - 1),
        next(),
        next(),
      ];
      for (const q of qs) expect(quantileSorted(sorted, q)).toBe(d3QuantileSorted(sorted, q));
    }
    // the one difference: no values give NaN here and undefined there
    expect(quantileSorted([], 0.5)).toBeNaN();
    expect(d3QuantileSorted([], 0.5)).toBeUndefined();
  });
});
