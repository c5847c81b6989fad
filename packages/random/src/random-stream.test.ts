import { describe, expect, it } from "vitest";
import { GeneratorStream, randomStream, restoreStream, streamKey } from "./random-stream";

/** Standard normal CDF by the complementary error function's continued fraction (A&S 7.1.26 is too coarse). */
function normalCdf(x: number): number {
  // erfc via Numerical Recipes' erfcc (fractional error < 1.2e-7): enough for a KS bound of ~1e-2
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 +
                            t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? 1 - r / 2 : r / 2;
}

/** Kolmogorov–Smirnov distance of a sample from a CDF. */
function ksDistance(sample: number[], cdf: (x: number) => number): number {
  const sorted = [...sample].sort((a, b) => a - b);
  let d = 0;
  sorted.forEach((x, i) => {
    const f = cdf(x);
    d = Math.max(d, Math.abs(f - i / sorted.length), Math.abs((i + 1) / sorted.length - f));
  });
  return d;
}

describe("randomStream", () => {
  it("repeats for the same seed and purpose, and is pinned to its reference output", () => {
    const a = randomStream(42, "test");
    const b = randomStream(42, "test");
    const first = Array.from({ length: 1000 }, () => a.uint32());
    expect(Array.from({ length: 1000 }, () => b.uint32())).toEqual(first);
    // If these move, every data set of recipe version 2, every batch order and every bootstrap moves with them.
    expect(first.slice(0, 4)).toEqual([3605972494, 4217294404, 3522429653, 1767059123]);
  });

  it("gives distinct streams per purpose and per seed, including seeds above 2^32", () => {
    const firstOf = (seed: number, purpose: string) => randomStream(seed, purpose).uint32();
    expect(firstOf(0, "train-pool")).not.toBe(firstOf(0, "test-pool"));
    expect(firstOf(0, "train-pool")).not.toBe(firstOf(1, "train-pool"));
    expect(streamKey(1, "x")).not.toBe(streamKey(1 + 2 ** 32, "x"));
    expect(() => randomStream(-1, "x")).toThrow(/non-negative/);
    expect(() => randomStream(1.5, "x")).toThrow(/non-negative/);
    // neighbouring seeds start far apart (pure-rand's one-word seeding would make their first draws close)
    const starts = Array.from({ length: 64 }, (_, seed) => randomStream(seed, "x").float());
    expect(Math.max(...starts) - Math.min(...starts)).toBeGreaterThan(0.8);
  });

  it("draws floats in [0, 1) and integers in [0, n) evenly", () => {
    const s = randomStream(7, "uniform");
    const counts = new Array<number>(10).fill(0);
    for (let i = 0; i < 100_000; i++) {
      const u = s.float();
      expect(u >= 0 && u < 1).toBe(true);
      counts[s.int(10)]! += 1;
    }
    // χ²(9) of the counts: its 99.9th percentile is 27.9
    const chi = counts.reduce((sum, c) => sum + (c - 10_000) ** 2 / 10_000, 0);
    expect(chi).toBeLessThan(27.9);
    expect(s.int(1)).toBe(0);
    const big = s.int(2 ** 32);
    expect(Number.isInteger(big) && big >= 0 && big < 2 ** 32).toBe(true);
    const seed = s.librarySeed();
    expect(Number.isInteger(seed) && seed >= 1 && seed < 2147483647).toBe(true);
  });

  it("never gives a library seed of 0, which tfjs reads as no seed; redraws it and keeps every other draw", () => {
    // pure-rand reads a signed word s as s + 2³¹: the word 2³¹ (−2³¹ signed) gives 0 over [0, 2³¹ − 1), and 2 and 7
    // give 2³¹ + 2 and 2³¹ + 7, i.e. 3 and 8 modulo 2³¹ − 1
    const { generator, outputs } = scripted([2 ** 31, 2 ** 31, 2, 7]);
    const stream = new GeneratorStream(generator);
    expect(stream.int(2147483647)).toBe(0);
    expect(stream.librarySeed()).toBe(3);
    expect(outputs).toHaveLength(3);
    expect(stream.librarySeed()).toBe(8);
  });

  it("draws standard normals and χ² with the right distribution", () => {
    const s = randomStream(11, "shapes");
    const normals = Array.from({ length: 20_000 }, () => s.normal());
    // KS critical value at α = 0.001 for n = 20,000: 1.95/√n ≈ 0.0138
    expect(ksDistance(normals, normalCdf)).toBeLessThan(0.0138);
    for (const df of [0.5, 1, 2, 4, 29]) {
      const draws = Array.from({ length: 20_000 }, () => s.chiSquare(df));
      const mean = draws.reduce((a, b) => a + b, 0) / draws.length;
      const variance = draws.reduce((a, b) => a + (b - mean) ** 2, 0) / (draws.length - 1);
      // mean df and variance 2·df; five standard errors of each
      expect(Math.abs(mean - df)).toBeLessThan(5 * Math.sqrt((2 * df) / draws.length));
      expect(Math.abs(variance / (2 * df) - 1)).toBeLessThan(5 * Math.sqrt((2 + 12 / df) / draws.length));
      expect(draws.every((x) => x >= 0)).toBe(true);
    }
    expect(() => s.chiSquare(0)).toThrow(/positive/);
  });

  it("continues draw for draw from a saved state, a held normal spare included, and survives JSON", () => {
    const original = randomStream(11, "test/state");
    original.permutation(50);
    original.normal(); // leaves a Box–Muller spare held
    const saved = JSON.parse(JSON.stringify(original.state()));
    const restored = restoreStream(saved);
    const draws = (s: ReturnType<typeof randomStream>) => [
      s.normal(),
      s.float(),
      s.int(1000),
      s.librarySeed(),
    ];
    expect(draws(restored)).toEqual(draws(original));
    expect(saved.spareNormal).not.toBeNull();
    expect(restored.state()).toEqual(original.state());
    expect(() => restoreStream({ generator: [0, 0, 0, 0], spareNormal: null })).toThrow(/all zero/);
    expect(() => restoreStream({ generator: [1, 2, 3], spareNormal: null })).toThrow(/four/);
  });

  it("shuffles into a permutation, differently for different seeds", () => {
    const p = randomStream(3, "t").permutation(100);
    expect([...p].sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(randomStream(3, "t").permutation(100)).toEqual(p);
    expect(randomStream(4, "t").permutation(100)).not.toEqual(p);
    const plain = randomStream(1, "t").shuffle(Array.from({ length: 50 }, (_, i) => i));
    expect(new Set(plain).size).toBe(50);
    // every position of a 3-permutation is reached about equally often (Fisher–Yates, unbiased integers)
    const s = randomStream(5, "t");
    const firsts = [0, 0, 0];
    for (let i = 0; i < 30_000; i++) firsts[s.permutation(3)[0]!]! += 1;
    for (const c of firsts) expect(Math.abs(c - 10_000)).toBeLessThan(500);
  });

  it("int redraws exactly the outputs whose low word falls in the biased zone (Lemire's rejection)", () => {
    // n = 3·2^19: 2^32 mod n = 2^20, so x·n with a low word below 2^20 is redrawn
    const n = 3 * 2 ** 19;
    const { generator, outputs } = scripted([0, 2 ** 31, 1, 0xffff_ffff]);
    const stream = new GeneratorStream(generator);
    // 0 and 2^31 give low words 0 and 0 (2^31·3·2^19 ≡ 0 mod 2^32): both redrawn; 1 gives low word n ≥ 2^20: taken
    expect(stream.int(n)).toBe(Math.floor((1 * n) / 2 ** 32));
    expect(outputs).toEqual([0, 2 ** 31, 1]);
    // the largest output maps to n − 1, taken at once
    expect(stream.int(n)).toBe(n - 1);
    expect(outputs).toHaveLength(4);
  });
});

/** A generator that answers `script`'s 32-bit words in turn, and the words it has given so far. */
function scripted(script: number[]): {
  generator: ConstructorParameters<typeof GeneratorStream>[0];
  outputs: number[];
} {
  const outputs: number[] = [];
  const generator: ConstructorParameters<typeof GeneratorStream>[0] = {
    next: () => {
      const x = script[outputs.length]!;
      outputs.push(x);
      return x | 0; // pure-rand's generators answer signed 32-bit integers
    },
    clone: () => generator,
    getState: () => [],
  };
  return { generator, outputs };
}
