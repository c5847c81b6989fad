/**
 * A seeded uniform generator on [0, 1) (xorshift32). The resampling loops draw millions of indices, and only need
 * them reproducible, not cryptographic: a few integer operations per draw instead of a general-purpose library call.
 */
export function seededUniform(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}
