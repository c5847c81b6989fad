import { lgamma } from "@tailsweep/schemas";
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { sampleChiSquare, sampleStudentTPosterior, studentTLogDensity } from "./distributions";
import { useCpuBackend } from "./test-backend";

beforeAll(useCpuBackend);

function moments(values: ArrayLike<number>): { mean: number; variance: number } {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i]!;
  const mean = s / values.length;
  let v = 0;
  for (let i = 0; i < values.length; i++) v += (values[i]! - mean) ** 2;
  return { mean, variance: v / (values.length - 1) };
}

describe("sampleChiSquare", () => {
  it.each([4, 30, 794])(
    "has mean k and variance 2k for k = %i (guards tfjs randomGamma's scale convention)",
    (k) => {
      const t = sampleChiSquare(40_000, k, 11);
      const { mean, variance } = moments(t.dataSync());
      t.dispose();
      expect(Math.abs(mean - k) / k).toBeLessThan(0.02);
      expect(Math.abs(variance - 2 * k) / (2 * k)).toBeLessThan(0.06);
    },
  );
});

describe("sampleStudentTPosterior", () => {
  it("has mean μ and variance e^ℓ·ν/(ν+n−2) per dimension", () => {
    const rows = 40_000;
    const nu = 6;
    const n = 4;
    const mu = tf.fill([rows, 2], 1.5) as tf.Tensor2D;
    const logScale = tf.tensor2d(
      new Float32Array(rows * 2).map((_, i) => (i % 2 === 0 ? 0 : Math.log(4))),
      [rows, 2],
    );
    const z = sampleStudentTPosterior(mu, logScale, nu, n, { normal: 3, chi2: 4 });
    const [a, b] = tf.split(z, 2, 1).map((t) => moments(t.dataSync()));
    tf.dispose([mu, logScale, z]);
    const shrink = nu / (nu + n - 2);
    expect(a!.mean).toBeCloseTo(1.5, 1);
    expect(Math.abs(a!.variance - shrink) / shrink).toBeLessThan(0.05);
    expect(Math.abs(b!.variance - 4 * shrink) / (4 * shrink)).toBeLessThan(0.05);
  });

  it("has heavier tails than a Gaussian of the same variance at small ν + n", () => {
    const rows = 60_000;
    const z = sampleStudentTPosterior(tf.zeros([rows, 1]), tf.zeros([rows, 1]), 3, 2, { normal: 5, chi2: 6 });
    const v = z.dataSync();
    z.dispose();
    const sd = Math.sqrt(moments(v).variance);
    let far = 0;
    for (const x of v) if (Math.abs(x) > 4 * sd) far++;
    // Gaussian: P(|x| > 4σ) ≈ 6e-5; t with 5 d.o.f.: ≈ 4e-3.
    expect(far / rows).toBeGreaterThan(1e-3);
  });
});

describe("studentTLogDensity", () => {
  it("matches the closed forms: Cauchy (ν = 1) and the 1-D t with ν = 3", () => {
    const xs = [-3, -0.5, 0, 1.2, 7];
    const cauchy = studentTLogDensity(
      tf.tensor2d(xs, [5, 1]),
      tf.zeros([5, 1]),
      tf.zeros([5, 1]),
      1,
    ).dataSync();
    for (const [i, x] of xs.entries()) expect(cauchy[i]).toBeCloseTo(-Math.log(Math.PI * (1 + x * x)), 5);
    // t_3 with location 0.5, scale² 2: Γ(2)/(Γ(1.5)√(3π·2)) (1 + (x−0.5)²/(2·3))^−2
    const t3 = studentTLogDensity(
      tf.tensor2d(xs, [5, 1]),
      tf.fill([5, 1], 0.5),
      tf.fill([5, 1], Math.log(2)),
      3,
    ).dataSync();
    xs.forEach((x, i) => {
      const logPdf =
        lgamma(2) - lgamma(1.5) - 0.5 * Math.log(3 * Math.PI * 2) - 2 * Math.log1p((x - 0.5) ** 2 / 6);
      expect(t3[i]).toBeCloseTo(logPdf, 5);
    });
  });

  it("integrates to 1 in two dimensions (the multivariate normaliser)", () => {
    // ∫∫ t_2(x | 0, I, ν) dx ≈ 1 on a grid (ν = 4)
    const h = 0.1;
    const pts: number[] = [];
    for (let a = -40; a <= 40; a += h) for (let b = -40; b <= 40; b += h * 8) pts.push(a, b);
    const rows = pts.length / 2;
    const d = studentTLogDensity(
      tf.tensor2d(pts, [rows, 2]),
      tf.zeros([rows, 2]),
      tf.zeros([rows, 2]),
      4,
    ).dataSync();
    let mass = 0;
    for (const v of d) mass += Math.exp(v) * h * h * 8;
    expect(mass).toBeGreaterThan(0.98);
    expect(mass).toBeLessThan(1.01);
  });
});
