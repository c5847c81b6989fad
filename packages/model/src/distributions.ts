import { logStudentTNormaliser } from "@tailsweep/schemas";
import * as tf from "@tensorflow/tfjs-core";

/**
 * χ²(k) draws of shape [rows, 1]. χ²(k) = Gamma(shape k/2, scale 2); tfjs 4.22's `randomGamma` treats its
 * `beta` as a scale although its doc calls it a rate, which the moment test in distributions.test.ts guards.
 */
export function sampleChiSquare(rows: number, dof: number, seed: number): tf.Tensor2D {
  return tf.randomGamma([rows, 1], dof / 2, 2, "float32", seed) as tf.Tensor2D;
}

/**
 * Reparameterised draw from the Student-t posterior t_m(μ, (ν/(ν+n))·diag(e^ℓ), ν+n) with one χ² draw per row
 * shared by all latent dimensions (docs/model.md eq. S1): z = μ + e^{ℓ/2} ⊙ ε · √(ν / v), v ~ χ²(ν+n).
 * No gradient flows through v: ν is fixed.
 */
export function sampleStudentTPosterior(
  mu: tf.Tensor2D,
  logScale: tf.Tensor2D,
  nu: number,
  n: number,
  seeds: { normal: number; chi2: number },
): tf.Tensor2D {
  return tf.tidy(() => {
    const { eps, shrink } = studentTNoise(mu.shape[0], mu.shape[1], nu, n, seeds);
    return tf.add(mu, tf.mul(tf.mul(tf.exp(tf.mul(logScale, 0.5)), eps), shrink)) as tf.Tensor2D;
  });
}

/** Draws a [rows, m] tensor of tfjs's standard normals from a seed (tf.randomNormal's numbers, however made). */
export type NormalDraws = (shape: [number, number], seed: number) => tf.Tensor2D;

const tfjsNormals: NormalDraws = (shape, seed) =>
  tf.randomNormal(shape, 0, 1, "float32", seed) as tf.Tensor2D;

/**
 * The noise of {@link sampleStudentTPosterior}'s draw: ε ~ N(0, I) ([rows, m], tf.randomNormal's by default; the
 * fused draw, fused-student-t.ts, makes the same numbers in C) and the per-row shrink √(ν / v), v ~ χ²(ν+n)
 * ([rows, 1]), from the seeds in that order.
 */
export function studentTNoise(
  rows: number,
  m: number,
  nu: number,
  n: number,
  seeds: { normal: number; chi2: number },
  normals: NormalDraws = tfjsNormals,
): { eps: tf.Tensor2D; shrink: tf.Tensor2D } {
  return tf.tidy(() => {
    const eps = normals([rows, m], seeds.normal);
    const v = sampleChiSquare(rows, nu + n, seeds.chi2);
    return { eps, shrink: tf.sqrt(tf.div(nu, v)) as tf.Tensor2D };
  });
}

/** Reparameterised Gaussian draw z = μ + e^{ℓ/2} ⊙ ε (docs/model.md eq. S2). */
export function sampleGaussianPosterior(mu: tf.Tensor2D, logVar: tf.Tensor2D, seed: number): tf.Tensor2D {
  return tf.tidy(
    () =>
      tf.add(
        mu,
        tf.mul(tf.exp(tf.mul(logVar, 0.5)), tf.randomNormal(mu.shape, 0, 1, "float32", seed)),
      ) as tf.Tensor2D,
  );
}

/**
 * Row-wise log-density of a d-variate Student t with diagonal scale, log t_d(x | μ, diag(e^ℓ), dof)
 * (docs/model.md eq. T1). Used to check the sampler and to score held-out points.
 */
export function studentTLogDensity(
  x: tf.Tensor2D,
  mu: tf.Tensor2D,
  logScale: tf.Tensor2D,
  dof: number,
): tf.Tensor1D {
  return tf.tidy(() => {
    const d = x.shape[1];
    const mahalanobis = tf.sum(tf.div(tf.square(tf.sub(x, mu)), tf.exp(logScale)), 1);
    return tf.sub(
      tf.sub(logStudentTNormaliser(dof, d), tf.mul(0.5, tf.sum(logScale, 1))),
      tf.mul((dof + d) / 2, tf.log1p(tf.div(mahalanobis, dof))),
    ) as tf.Tensor1D;
  });
}
