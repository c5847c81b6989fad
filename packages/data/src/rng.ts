/**
 * Seeded randomness for everything the data package draws (class order, row selection, pairing, rotation,
 * noise). Math.random is never used: a data set must be reproducible from its recipe and seed alone. Each purpose
 * gets its own stream, keyed by (seed, stream name), so that changing one step (say, the pairing of a second
 * modality) never shifts the numbers another step sees.
 *
 * Which generator a recipe draws from is its `version` (docs/data.md, "Recipe versions"):
 * - 2 (the default): tailsweep's one generator, `@tailsweep/random` (pure-rand's xoroshiro128+), in streams named
 *   `data/<stream>`, with unbiased integers.
 * - 1: mulberry32 (Tommy Ettinger, public domain) with the stream's seed from {@link deriveSeed} and integers as
 *   `floor(u · n)`: the generator every data set was built with before versions existed. Kept, and pinned by its
 *   checksums, so that a sweep stored then still trains on the same rows when it is retried or extended.
 */

import { randomStream } from "@tailsweep/random";
import type { DatasetVersion } from "@tailsweep/schemas";

/** The draws a data step needs: uniform floats in [0, 1) and uniform integers in [0, n). */
export interface Rng {
  float(): number;
  int(n: number): number;
}

/** mulberry32 (recipe version 1): a 32-bit generator returning uniform floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** murmur3's 32-bit finaliser: spreads every input bit over the whole word. */
function mix32(h: number): number {
  let x = h >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/**
 * The 32-bit mulberry32 seed of one named stream (recipe version 1). Seeds above 2^32 keep their high bits (they
 * are hashed in), so distinct integer seeds up to 2^53 give distinct streams except by hash collision.
 */
export function deriveSeed(seed: number, stream: string): number {
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new RangeError(`seed must be a non-negative safe integer, got ${seed}`);
  }
  let h = 0x811c9dc5; // FNV-1a over the stream name
  for (let i = 0; i < stream.length; i++) h = Math.imul(h ^ stream.charCodeAt(i), 0x01000193);
  const low = seed >>> 0;
  const high = Math.floor(seed / 4294967296) >>> 0;
  return mix32(mix32(h ^ low) ^ mix32(high + 0x9e3779b9));
}

/** The generator for one named stream of a seed, as recipe `version` draws it. */
export function createRng(seed: number, stream: string, version: DatasetVersion): Rng {
  if (version === 2) return randomStream(seed, `data/${stream}`);
  const next = mulberry32(deriveSeed(seed, stream));
  // floor(u · n): biased by below n / 2^32, negligible for row counts, and what version 1 drew
  return { float: next, int: (n) => Math.floor(next() * n) };
}

/** Fisher–Yates shuffle in place; returns its argument. */
export function shuffleInPlace<T extends { [index: number]: number; length: number }>(
  values: T,
  rng: Rng,
): T {
  for (let i = values.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const swap = values[i]!;
    values[i] = values[j]!;
    values[j] = swap;
  }
  return values;
}

/** A seeded random permutation of 0..n−1. */
export function randomPermutation(n: number, rng: Rng): number[] {
  return shuffleInPlace(
    Array.from({ length: n }, (_, i) => i),
    rng,
  );
}
