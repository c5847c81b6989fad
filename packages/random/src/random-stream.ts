/**
 * tailsweep's one source of randomness: every draw outside TensorFlow.js (data sets, batch order, the seeds handed
 * to tfjs's samplers, bootstrap resampling, the sequential design's calibration) comes from pure-rand's
 * xoroshiro128+ through a named stream. A stream is fixed by (seed, purpose): each purpose gets its own state, so
 * a change to one step (say, the pairing of a second modality, or one more bootstrap) never shifts the numbers
 * another step sees. Math.random is never used. (What was stored before it keeps its former streams: data sets of
 * recipe version 1 and sequential designs of calibration 1.)
 *
 * Floats are pure-rand's 53-bit `uniformFloat64`; integers are Lemire's unbiased multiply-and-reject on the
 * generator's 32-bit output (pure-rand's `uniformInt` above 2²¹; see `int`). pure-rand has no normal or χ², so those
 * two are written here: stdlib's samplers take an external uniform source, but seed a second generator (MT19937) from
 * it for the ziggurat's integer draws, and the draws would no longer come from the one stream.
 */
import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";
import { uniformInt } from "pure-rand/distribution/uniformInt";
import { xoroshiro128plusFromState } from "pure-rand/generator/xoroshiro128plus";
import type { RandomGenerator } from "pure-rand/types/RandomGenerator";

/** A seeded stream of random draws for one purpose (see {@link randomStream}). */
export interface RandomStream {
  /** Uniform 32-bit unsigned integer. */
  uint32(): number;
  /** Uniform float in [0, 1), a multiple of 2⁻⁵³. */
  float(): number;
  /** Uniform integer in [0, n), without the bias of `floor(float() · n)`; `n` from 1 to 2³². */
  int(n: number): number;
  /** Standard normal (Box–Muller on two 53-bit uniforms). */
  normal(): number;
  /** χ² with `df` degrees of freedom (df > 0): 2·Gamma(df/2) by Marsaglia & Tsang (2000). */
  chiSquare(df: number): number;
  /**
   * A seed in [1, 2³¹ − 1) for a library's own seeded sampler (tfjs's randomUniform, randomNormal…). Never 0: tfjs's
   * normal and gamma samplers read a seed of 0 as "no seed" and draw from Math.random.
   */
  librarySeed(): number;
  /** Fisher–Yates shuffle in place; returns its argument. */
  shuffle<T extends { [index: number]: number; length: number }>(values: T): T;
  /** A random permutation of 0..n−1. */
  permutation(n: number): Int32Array;
  /**
   * Where the stream stands, as plain numbers: {@link restoreStream} continues it draw for draw (a training
   * checkpoint resumes its batch order and sampling seeds this way).
   */
  state(): RandomStreamState;
}

/** A stream's position: the generator's four state words and the Box–Muller spare, if one is held. */
export interface RandomStreamState {
  generator: number[];
  spareNormal: number | null;
}

/** A stream that continues from a saved {@link RandomStream.state}, drawing exactly what the saved one would have. */
export function restoreStream(state: RandomStreamState): RandomStream {
  if (state.generator.length !== 4 || !state.generator.every((w) => Number.isInteger(w))) {
    throw new RangeError(`a stream state is four 32-bit integers, got [${state.generator.join(", ")}]`);
  }
  if (state.generator.every((w) => w === 0)) throw new RangeError("a stream state cannot be all zero");
  const stream = new GeneratorStream(xoroshiro128plusFromState(state.generator.map((w) => w | 0)));
  stream.restoreSpare(state.spareNormal);
  return stream;
}

/**
 * Fisher–Yates shuffle in place with `draws`' integers; returns its argument. Any source of uniform integers in
 * [0, n) will do: a stream's, or a data recipe's version-1 generator.
 */
export function shuffleInPlace<T extends { [index: number]: number; length: number }>(
  values: T,
  draws: { int(n: number): number },
): T {
  for (let i = values.length - 1; i > 0; i--) {
    const j = draws.int(i + 1);
    const swap = values[i]!;
    values[i] = values[j]!;
    values[j] = swap;
  }
  return values;
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
 * The 32-bit key of one named stream. Seeds above 2³² keep their high bits (they are hashed in), so distinct
 * integer seeds up to 2⁵³ give distinct streams except by hash collision.
 */
export function streamKey(seed: number, purpose: string): number {
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new RangeError(`seed must be a non-negative safe integer, got ${seed}`);
  }
  let h = 0x811c9dc5; // FNV-1a over the purpose's name
  for (let i = 0; i < purpose.length; i++) h = Math.imul(h ^ purpose.charCodeAt(i), 0x01000193);
  const low = seed >>> 0;
  const high = Math.floor(seed / 4294967296) >>> 0;
  return mix32(mix32(h ^ low) ^ mix32(high + 0x9e3779b9));
}

/**
 * The 128-bit xoroshiro128+ state of a key: four successive SplitMix32 outputs, never all zero (SplitMix32 is a
 * bijection of its counter, so at most one of four successive outputs is zero). pure-rand's own seeding from one
 * 32-bit word leaves two words constant, and nearby seeds then start nearby.
 */
function stateOf(key: number): number[] {
  let counter = key >>> 0;
  return Array.from({ length: 4 }, () => {
    counter = (counter + 0x9e3779b9) >>> 0;
    let z = counter;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) | 0;
  });
}

/**
 * The stream of draws for `purpose` under `seed` (a non-negative safe integer). The same pair gives the same draws
 * in every process and on every machine.
 */
export function randomStream(seed: number, purpose: string): RandomStream {
  return new GeneratorStream(xoroshiro128plusFromState(stateOf(streamKey(seed, purpose))));
}

/** Up to this bound {@link GeneratorStream.int} takes Lemire's path (x·n < 2⁵³). */
const LEMIRE_MAX = 2 ** 21;

/** Exported for tests, which drive it with a scripted generator. A class rather than a closure record: the bootstrap's inner loop calls `int` 10⁵ times a row, and V8 inlines it. */
export class GeneratorStream implements RandomStream {
  private spareNormal = Number.NaN;

  constructor(private readonly generator: RandomGenerator) {}

  uint32(): number {
    return this.generator.next() >>> 0;
  }

  float(): number {
    return uniformFloat64(this.generator);
  }

  int(n: number): number {
    if (n > LEMIRE_MAX) return uniformInt(this.generator, 0, n - 1);
    // Lemire (2019), "Fast random integer generation in an interval": the high word of x·n, redrawing x only when
    // the low word falls in the 2³² mod n values that would bias it. pure-rand's uniformInt divides on every
    // call: 1.3–1.7× the time of a bootstrap of 5–20 values (bench/random-int.ts). x·n is exact in a double while
    // n ≤ 2²¹.
    let x = this.generator.next() >>> 0;
    let low = Math.imul(x, n) >>> 0; // x·n modulo 2³²
    if (low < n) {
      const threshold = 4294967296 % n;
      while (low < threshold) {
        x = this.generator.next() >>> 0;
        low = Math.imul(x, n) >>> 0;
      }
    }
    return Math.floor((x * n) / 4294967296);
  }

  normal(): number {
    if (!Number.isNaN(this.spareNormal)) {
      const spare = this.spareNormal;
      this.spareNormal = Number.NaN;
      return spare;
    }
    const radius = Math.sqrt(-2 * Math.log(1 - this.float())); // 1 − u ∈ (0, 1]: the log is finite
    const angle = 2 * Math.PI * this.float();
    this.spareNormal = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  }

  chiSquare(df: number): number {
    if (!(df > 0)) throw new RangeError(`χ² degrees of freedom must be positive, got ${df}`);
    return 2 * this.gamma(df / 2);
  }

  librarySeed(): number {
    // Redrawn rather than shifted (1 + int(2³¹ − 2)): a stream that never draws a 0 gives the seeds earlier versions
    // gave, so stored runs replay. One that does (once in 2³¹ − 1 seeds) continues one draw later from there; before,
    // that 0 made tfjs's normals and gammas unseeded (its randomUniform, the weights' initialisation, took it as a
    // seed).
    let seed = this.int(2147483647);
    while (seed === 0) seed = this.int(2147483647);
    return seed;
  }

  shuffle<T extends { [index: number]: number; length: number }>(values: T): T {
    return shuffleInPlace(values, this);
  }

  permutation(n: number): Int32Array {
    return this.shuffle(Int32Array.from({ length: n }, (_, i) => i));
  }

  state(): RandomStreamState {
    return {
      generator: [...this.generator.getState()],
      spareNormal: Number.isNaN(this.spareNormal) ? null : this.spareNormal,
    };
  }

  /** For {@link restoreStream} only. */
  restoreSpare(spare: number | null): void {
    this.spareNormal = spare ?? Number.NaN;
  }

  /** Gamma(shape, 1); below shape 1, Gamma(a) = Gamma(a + 1)·U^(1/a) (Marsaglia & Tsang 2000, section 6). */
  private gamma(shape: number): number {
    if (shape < 1) return this.gamma(shape + 1) * (1 - this.float()) ** (1 / shape);
    // Marsaglia & Tsang (2000), "A simple method for generating gamma variables"
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let z: number;
      let v: number;
      do {
        z = this.normal();
        v = 1 + c * z;
      } while (v <= 0);
      v = v * v * v;
      const u = 1 - this.float();
      if (Math.log(u) < 0.5 * z * z + d - d * v + d * Math.log(v)) return d * v;
    }
  }
}
