import type { GammaConstants } from "@tailsweep/schemas";
import * as tf from "@tensorflow/tfjs-core";
import { studentTLogDensity } from "./distributions";

/**
 * The γ-loss regulariser per row, at t³VAE's code scale (docs/model.md eq. R1):
 *   ‖μ‖² + ν/(ν+n−2)·Σ_j e^{ℓ_j} − ν·C1·exp(detExp·Σ_j ℓ_j) + ν·τ0.
 * The constant ν·τ0 makes the minimum exactly 0, reached at μ = 0, Σ_φ = τ0·I (tied γ).
 */
export function gammaRegularizer(mu: tf.Tensor2D, logScale: tf.Tensor2D, c: GammaConstants): tf.Tensor1D {
  return tf.tidy(() => {
    const meanTerm = tf.sum(tf.square(mu), 1);
    const traceTerm = tf.mul(c.traceCoef, tf.sum(tf.exp(logScale), 1));
    const detTerm = tf.mul(c.nu * c.C1, tf.exp(tf.mul(c.detExp, tf.sum(logScale, 1))));
    return tf.add(tf.sub(tf.add(meanTerm, traceTerm), detTerm), c.nu * c.tau0) as tf.Tensor1D;
  });
}

/**
 * The Gaussian counterpart at the same scale, 2·KL(N(μ, diag e^ℓ) ‖ N(0, I)) per row (docs/model.md eq. R2):
 *   ‖μ‖² + Σ_j e^{ℓ_j} − Σ_j ℓ_j − m. The γ regulariser tends to this (plus a constant) as ν → ∞.
 */
export function gaussianRegularizer(mu: tf.Tensor2D, logVar: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(
    () =>
      tf.sub(
        tf.sub(tf.add(tf.sum(tf.square(mu), 1), tf.sum(tf.exp(logVar), 1)), tf.sum(logVar, 1)),
        mu.shape[1],
      ) as tf.Tensor1D,
  );
}

/**
 * The Student-t model's KL regulariser at the code scale, 2·KL(q ‖ p) per row estimated at the posterior draw z
 * (docs/model.md eq. K1): 2·[log t_m(z | μ, (ν/(ν+n))·diag e^ℓ, ν+n) − log t_m(z | 0, I, ν)]. An unbiased estimate
 * whose gradient reaches μ and ℓ through z (the reparameterised draw) and through the posterior's density.
 */
export function studentTKlRegularizer(
  z: tf.Tensor2D,
  mu: tf.Tensor2D,
  logScale: tf.Tensor2D,
  nu: number,
  n: number,
): tf.Tensor1D {
  return tf.tidy(() => {
    const posterior = studentTLogDensity(
      z,
      mu,
      tf.add(logScale, Math.log(nu / (nu + n))) as tf.Tensor2D,
      nu + n,
    );
    const prior = studentTLogDensity(z, tf.zerosLike(z), tf.zerosLike(z), nu);
    return tf.mul(2, tf.sub(posterior, prior)) as tf.Tensor1D;
  });
}

/**
 * The log-variance ln s² and weight w of the matched-variance penalty (docs/model.md eqs. M1, M2). (R1) is stationary
 * over an isotropic ℓ where a·e^ℓ = ν·C1·d·e^{d·m·ℓ} (a = ν/(ν+n−2), d = detExp), i.e. at
 * ℓ* = ln(ν·C1·d/a) / (1 − d·m): Σ = τ0·I at the tied γ, elsewhere wherever an explicit γ moves it. There the
 * Student-t posterior t(μ, (ν/(ν+n))·Σ, ν+n) has variance s² = a·e^{ℓ*}, so that both models' posteriors have the same
 * covariance at their regulariser's minimum; w is (R1)'s curvature there per latent dimension, a·e^{ℓ*}·(1 − d).
 */
export function matchedVariance(c: GammaConstants): { logVariance: number; weight: number } {
  const a = c.traceCoef;
  const d = c.detExp;
  const logScale = (Math.log(c.nu * c.C1 * d) - Math.log(a)) / (1 - d * c.m);
  return { logVariance: Math.log(a) + logScale, weight: a * Math.exp(logScale) * (1 - d) };
}

/**
 * The Gaussian model's penalty matched to the γ-regulariser (docs/model.md eq. M3), per row:
 *   ‖μ‖² + w·Σ_j (e^{ℓ_j}/s² − ℓ_j + ln s² − 1),
 * the variance part of 2·KL(N(μ, diag e^ℓ) ‖ N(0, s² I)) weighted by w, with s² and w from {@link matchedVariance}:
 * the minimum at the Student-t posterior's variance, (R1)'s curvature in ℓ and (R1)'s mean penalty, so that a Gaussian
 * against the proposed model differs in its family, not in how hard or where its variance is held.
 */
export function matchedVarianceRegularizer(
  mu: tf.Tensor2D,
  logVar: tf.Tensor2D,
  c: GammaConstants,
): tf.Tensor1D {
  const { logVariance, weight } = matchedVariance(c);
  return tf.tidy(() => {
    const variancePart = tf.sub(
      tf.sub(tf.sum(tf.exp(tf.sub(logVar, logVariance)), 1), tf.sum(logVar, 1)),
      mu.shape[1] * (1 - logVariance),
    );
    return tf.add<tf.Tensor1D>(tf.sum(tf.square(mu), 1), tf.mul(weight, variancePart));
  });
}

/** Squared reconstruction error per row over σ², ‖x − x̂‖²/σ² (docs/model.md eq. R3). */
export function reconstructionError(x: tf.Tensor2D, xRecon: tf.Tensor2D, sigma: number): tf.Tensor1D {
  return tf.tidy(() => tf.div(rowSums(tf.squaredDifference(x, xRecon)), sigma * sigma) as tf.Tensor1D);
}

/**
 * The classification term, the weighted cross-entropy −w_y log softmax(f(x_S) + o)_y averaged over the rows
 * (docs/model.md eq. Q2), with o = τ·log π under logit adjustment (eq. LA) and no offset otherwise (the same ops as
 * before logit adjustment existed). `weights` are the per-class w_c, `logitOffset` the per-class o_c.
 */
export function classificationLoss(
  logits: tf.Tensor2D,
  yOneHot: tf.Tensor2D,
  weights: tf.Tensor1D,
  logitOffset?: tf.Tensor1D,
): tf.Scalar {
  return tf.tidy(() => {
    const adjusted = logitOffset ? tf.add(logits, logitOffset) : logits;
    const ce = tf.neg(tf.sum(tf.mul(yOneHot, tf.logSoftmax(adjusted)), 1));
    const w = tf.sum(tf.mul(yOneHot, weights), 1);
    return tf.mean(tf.mul(w, ce)) as tf.Scalar;
  });
}

/**
 * The unlabeled term per row under distribution alignment (docs/model.md eq. DA), from the classifier's logits f
 * (rows × classes), the per-class terms Lab(x, c) (rows × classes) and the log alignment weights log w (classes):
 *
 * - its value is the bound (U1) at the aligned label guess q̃ = normalise(q·w) = softmax(f + log w),
 *   Σ_c q̃_c·Lab(x, c) − H(q̃);
 * - its gradient in Lab is q̃: the encoders and decoders learn from the aligned guess, held constant (a stop-gradient
 *   label guess, as ReMixMatch's guesses are), and no gradient reaches w;
 * - its gradient in f is M2's, that of Σ_c q_c·Lab(x, c) − H(q) with Lab held fixed: q_j·(g_j − Σ_c q_c·g_c) with
 *   g_c = Lab(x, c) + log q_c, so the classifier is fitted to the model's posterior p(y | x) ∝ e^{−Lab(x, y)} as in
 *   (U1).
 *
 * One custom-gradient op, its gradients written out: tfjs has no stop-gradient op.
 */
export function alignedUnlabeledRows(
  logits: tf.Tensor2D,
  labByClass: tf.Tensor2D,
  logWeights: tf.Tensor1D,
): tf.Tensor1D {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [f, lab, logW] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
    const save = args[3] as tf.GradSaveFunc;
    const logGuess = tf.logSoftmax(tf.add(f, logW) as tf.Tensor2D);
    const guess = tf.exp(logGuess);
    const value = tf.add(tf.sum(tf.mul(guess, lab), 1), tf.sum(tf.mul(guess, logGuess), 1));
    save([f, lab, guess]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [fs, labs, guesses] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
        const column = tf.expandDims(dy, 1);
        const logQ = tf.logSoftmax(fs);
        const q = tf.exp(logQ);
        const g = tf.add(labs, logQ);
        const centred = tf.sub(g, tf.sum(tf.mul(q, g), 1, true));
        return [tf.mul(column, tf.mul(q, centred)), tf.mul(column, guesses), tf.zerosLike(logW)];
      },
    };
  });
  return op(logits, labByClass, logWeights) as tf.Tensor1D;
}

/**
 * Σ_j x_ij for wide rows, as a product with a column of ones: it runs on the matrix-product kernel (OpenBLAS
 * where available) forwards and backwards, where the wasm backend's Sum and its broadcast gradient were
 * slower on [640 × 784] inputs (bench/peers/profile-step.ts).
 */
export function rowSums(x: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => tf.reshape(tf.matMul(x, tf.ones([x.shape[1], 1])), [x.shape[0]]) as tf.Tensor1D);
}

/** The single-modality γ-loss terms at the code scale, as `tailsweep model loss` prints them (eq. L0). */
export interface GammaLossTerms {
  reg: number;
  recon: number;
  total: number;
}

/**
 * t³VAE's minibatch loss for one modality (docs/model.md eq. L0): reg = β·mean_i reg_i, recon = mean_i rec_i,
 * total = reg + recon. Computed with the trainer's own tensor functions.
 */
export function gammaLossTerms(
  input: { mu: number[][]; logvar: number[][]; x: number[][]; xRecon: number[][] },
  c: GammaConstants,
  regWeight: number,
): GammaLossTerms {
  const [reg, recon] = tf.tidy(() => {
    const regRows = gammaRegularizer(tf.tensor2d(input.mu), tf.tensor2d(input.logvar), c);
    const recRows = reconstructionError(tf.tensor2d(input.x), tf.tensor2d(input.xRecon), c.sigma);
    return [tf.mul(regWeight, tf.mean(regRows)), tf.mean(recRows)];
  });
  const regValue = reg!.dataSync()[0]!;
  const reconValue = recon!.dataSync()[0]!;
  reg!.dispose();
  recon!.dispose();
  return { reg: regValue, recon: reconValue, total: regValue + reconValue };
}
