import * as tf from "@tensorflow/tfjs-core";

/** A diagonal location/scale pair, per row: μ and ℓ = log of the (pre-scaling) diagonal scale. */
export interface Expert {
  mu: tf.Tensor2D;
  logScale: tf.Tensor2D;
}

/**
 * Precision-weighted product of diagonal experts (docs/model.md eq. P1): Σ_S⁻¹ = Σ_k Σ_k⁻¹,
 * μ_S = Σ_S Σ_k Σ_k⁻¹ μ_k. For Gaussians this is the exact product; for Student-t experts it is exact under a
 * mixing precision shared by all experts, which is the [PROPOSAL] of docs/model.md §4.
 * ℓ_S = −logsumexp_k(−ℓ_k), which stays finite where a direct 1/Σ 1/σ² would overflow.
 */
export function productOfExperts(experts: Expert[]): Expert {
  if (experts.length === 0) throw new Error("productOfExperts needs at least one expert");
  if (experts.length === 1) return { mu: experts[0]!.mu.clone(), logScale: experts[0]!.logScale.clone() };
  return tf.tidy(() => {
    const negLog = tf.stack(experts.map((e) => tf.neg(e.logScale))) as tf.Tensor3D; // [K, B, m]
    const logScale = tf.neg(tf.logSumExp(negLog, 0)) as tf.Tensor2D;
    // weights_k = Σ_S / Σ_k = exp(ℓ_S − ℓ_k), summing to 1 over k
    const weights = tf.exp(tf.add(negLog, logScale));
    const mus = tf.stack(experts.map((e) => e.mu));
    const mu = tf.sum(tf.mul(weights, mus), 0) as tf.Tensor2D;
    return { mu, logScale };
  });
}
