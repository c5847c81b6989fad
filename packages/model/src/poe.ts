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
 * ℓ_S = −log Σ_k e^{−ℓ_k}, summed directly: the encoders clip ℓ to ±logScaleClip, so the precisions stay far
 * inside float32's range, and a log-sum-exp (whose max-gradient is slow on wasm) is not needed.
 */
export function productOfExperts(experts: Expert[]): Expert {
  if (experts.length === 0) throw new Error("productOfExperts needs at least one expert");
  if (experts.length === 1) return { mu: experts[0]!.mu.clone(), logScale: experts[0]!.logScale.clone() };
  return tf.tidy(() => {
    const precisions = experts.map((e) => tf.exp(tf.neg(e.logScale)));
    const totalPrecision = tf.addN(precisions);
    const weighted = tf.addN(experts.map((e, k) => tf.mul(precisions[k]!, e.mu)));
    return {
      mu: tf.div(weighted, totalPrecision) as tf.Tensor2D,
      logScale: tf.neg(tf.log(totalPrecision)) as tf.Tensor2D,
    };
  });
}
