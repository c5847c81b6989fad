/**
 * Seeded randomness for everything the data package draws (class order, row selection, pairing, rotation,
 * noise). Math.random is never used: a data set must be reproducible from its recipe and seed alone. Each purpose
 * gets its own stream, keyed by (seed, stream name), so that changing one step (say, the pairing of a second
 * modality) never shifts the numbers another step sees.
 *
 * Which generator a recipe draws from is its `version` (docs/data.md, "Recipe versions"):
 * - 2 (the default): tailsweep's one generator, `@tailsweep/random` (pure-rand's xoroshiro128+), in streams named
 *   `data/<stream>`, with unbiased integers.
 * - 1: mulberry32 (Tommy Ettinger, public domain) with the stream's seed from `streamKey` (the same hash of seed and
 *   stream name the shared generator keys its streams by) and integers as
 *   `floor(u · n)`: the generator every data set was built with before versions existed. Kept, and pinned by its
 *   checksums, so that a sweep stored then still trains on the same rows when it is retried or extended.
 */

import { randomStream, shuffleInPlace, streamKey } from "@tailsweep/random";

export { shuffleInPlace };

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

/** The generator for one named stream of a seed, as recipe `version` draws it. */
export function createRng(seed: number, stream: string, version: DatasetVersion): Rng {
  if (version === 2) return randomStream(seed, `data/${stream}`);
  const next = mulberry32(streamKey(seed, stream));
  // floor(u · n): biased by below n / 2^32, negligible for row counts, and what version 1 drew
  return { float: next, int: (n) => Math.floor(next() * n) };
}

/** A seeded random permutation of 0..n−1. */
export function randomPermutation(n: number, rng: Rng): number[] {
  return shuffleInPlace(
    Array.from({ length: n }, (_, i) => i),
    rng,
  );
}
