/**
 * The sequential design's calibration stream before `@tailsweep/random` (calibration version 1): xoshiro128**
 * uniforms seeded by splitmix32, Box–Muller normals, χ² by Marsaglia & Tsang's (2000) gamma method with the special
 * cases it had (df ≤ 0 → 0, df 1 → z², df 2 → exponential). Kept bit for bit, as the data package keeps its recipe
 * version 1: a sequential sweep stored before calibration versions replays its looks from the first
 * (`sequentialStatus`), and its boundaries — so its decisions at looks already taken — must not move under it.
 * New designs use version 2, a stream of `@tailsweep/random`.
 */
export function legacyCalibrationDraws(seed: number): {
  uniform: () => number;
  normal: () => number;
  chiSquare: (df: number) => number;
} {
  let x = seed >>> 0;
  const split = () => {
    x = (x + 0x9e3779b9) >>> 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = split();
  let b = split();
  let c = split();
  let d = split();
  const uniform = () => {
    const r = Math.imul(rotl(Math.imul(b, 5) >>> 0, 7), 9) >>> 0;
    const t = (b << 9) >>> 0;
    c = (c ^ a) >>> 0;
    d = (d ^ b) >>> 0;
    b = (b ^ c) >>> 0;
    a = (a ^ d) >>> 0;
    c = (c ^ t) >>> 0;
    d = rotl(d, 11);
    return (r + 0.5) / 2 ** 32;
  };
  let spare = Number.NaN;
  const normal = () => {
    if (!Number.isNaN(spare)) {
      const s = spare;
      spare = Number.NaN;
      return s;
    }
    const radius = Math.sqrt(-2 * Math.log(uniform()));
    const angle = 2 * Math.PI * uniform();
    spare = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  };
  /** Gamma(shape ≥ 1, scale 1): Marsaglia & Tsang (2000). */
  const gamma = (shape: number) => {
    const dd = shape - 1 / 3;
    const cc = 1 / Math.sqrt(9 * dd);
    for (;;) {
      let z: number;
      let v: number;
      do {
        z = normal();
        v = 1 + cc * z;
      } while (v <= 0);
      v = v * v * v;
      const u = uniform();
      if (Math.log(u) < 0.5 * z * z + dd - dd * v + dd * Math.log(v)) return dd * v;
    }
  };
  const chiSquare = (df: number) => {
    if (df <= 0) return 0;
    if (df === 1) return normal() ** 2;
    if (df === 2) return -2 * Math.log(uniform());
    return 2 * gamma(df / 2);
  };
  return { uniform, normal, chiSquare };
}

const rotl = (v: number, k: number) => ((v << k) | (v >>> (32 - k))) >>> 0;
