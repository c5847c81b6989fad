import * as tf from "@tensorflow/tfjs-core";
import { fusedKernels, fusedStepActive } from "./fused-reconstruction";
import { type Expert, productOfExperts } from "./poe";
import { nativeOutputs } from "./wasm-heap-copy";

/**
 * The product of experts (docs/model.md eq. P1) as one kernel each way in the fused step (fused-reconstruction.ts):
 * as tfjs ops it is ≈ 14 kernels forwards and ≈ 25 backwards per trained subset and batch, on [rows × m] tensors far
 * smaller than the engine's own work around each kernel. The experts enter stacked ([k, rows, m]: one Pack each way),
 * the prior expert as a number, not as two tensors made for it.
 */
export const PRODUCT_OF_EXPERTS_KERNEL = "TailsweepProductOfExperts";
const PRODUCT_OF_EXPERTS_GRAD_KERNEL = "TailsweepProductOfExpertsGrad";

interface ProductAttrs {
  /** Whether the prior expert (location 0) joins, last. */
  prior: boolean;
  /** Its log-scale. */
  priorLogScale: number;
}

/**
 * {@link productOfExperts} of `experts` and, when `prior` is given, the prior expert at location 0 with log-scale
 * `prior.logScale` after them; as the fused kernel where the fused step runs, else tfjs's ops on the same experts.
 */
export function productOfExpertsStep(experts: Expert[], prior?: { logScale: number }): Expert {
  const first = experts[0];
  if (!first) throw new Error("productOfExperts needs at least one expert");
  if (!fusedStepActive()) {
    const all = prior
      ? [
          ...experts,
          {
            mu: tf.zerosLike(first.mu),
            logScale: tf.fill(first.logScale.shape, prior.logScale) as tf.Tensor2D,
          },
        ]
      : experts;
    return productOfExperts(all);
  }
  if (experts.length === 1 && !prior) return productOfExperts(experts);
  const attrs: ProductAttrs = { prior: prior !== undefined, priorLogScale: prior?.logScale ?? 0 };
  const [mu, logScale] = tf.engine().runKernel(
    PRODUCT_OF_EXPERTS_KERNEL,
    {
      mus: tf.stack(experts.map((e) => e.mu)),
      logScales: tf.stack(experts.map((e) => e.logScale)),
    } as unknown as tf.NamedTensorMap,
    attrs as unknown as tf.NamedAttrMap,
  ) as tf.Tensor2D[];
  return { mu: mu!, logScale: logScale! };
}

/** Experts k and values per expert n, checked: the C loop trusts them. */
function shapes(mus: tf.TensorInfo, logScales: tf.TensorInfo): [number, number] {
  if (
    mus.shape.length !== 3 ||
    mus.shape.some((d, i) => d !== logScales.shape[i]) ||
    logScales.shape.length !== 3 ||
    mus.dtype !== "float32" ||
    logScales.dtype !== "float32"
  ) {
    throw new Error(
      `${PRODUCT_OF_EXPERTS_KERNEL}: needs float32 mus and logScales of one shape [k, rows, m]; got ` +
        `[${mus.shape}] and [${logScales.shape}]`,
    );
  }
  return [mus.shape[0]!, mus.shape[1]! * mus.shape[2]!];
}

const forward: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { mus, logScales } = inputs as unknown as { mus: tf.TensorInfo; logScales: tf.TensorInfo };
  const { prior, priorLogScale } = attrs as unknown as ProductAttrs;
  const [k, n] = shapes(mus, logScales);
  const shape = mus.shape.slice(1);
  return nativeOutputs(backend, [shape, shape], (view, [mu, logScale]) =>
    fusedKernels(PRODUCT_OF_EXPERTS_KERNEL).productOfExperts(
      n,
      k,
      view(mus, k * n),
      view(logScales, k * n),
      prior ? 1 : 0,
      priorLogScale,
      mu!,
      logScale!,
    ),
  );
};

const gradient: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { mus, logScales, dMu, dLogScale } = inputs as unknown as Record<
    "mus" | "logScales" | "dMu" | "dLogScale",
    tf.TensorInfo
  >;
  const { prior, priorLogScale } = attrs as unknown as ProductAttrs;
  const [k, n] = shapes(mus, logScales);
  return nativeOutputs(backend, [mus.shape, mus.shape], (view, [dMus, dLogScales]) =>
    fusedKernels(PRODUCT_OF_EXPERTS_KERNEL).productOfExpertsGrad(
      n,
      k,
      view(mus, k * n),
      view(logScales, k * n),
      prior ? 1 : 0,
      priorLogScale,
      view(dMu, n),
      view(dLogScale, n),
      dMus!,
      dLogScales!,
    ),
  );
};

/** Registers the two wasm kernels and the gradient (idempotent). */
export function installFusedProductOfExperts(): void {
  if (tf.getKernel(PRODUCT_OF_EXPERTS_KERNEL, "wasm") !== undefined) return;
  tf.registerKernel({ kernelName: PRODUCT_OF_EXPERTS_KERNEL, backendName: "wasm", kernelFunc: forward });
  tf.registerKernel({
    kernelName: PRODUCT_OF_EXPERTS_GRAD_KERNEL,
    backendName: "wasm",
    kernelFunc: gradient,
  });
  tf.registerGradient({
    kernelName: PRODUCT_OF_EXPERTS_KERNEL,
    inputsToSave: ["mus", "logScales"],
    gradFunc: (dys, saved, attrs) => {
      const [dMu, dLogScale] = dys as tf.Tensor[];
      const [mus, logScales] = saved as [tf.Tensor3D, tf.Tensor3D];
      const [dMus, dLogScales] = tf
        .engine()
        .runKernel(
          PRODUCT_OF_EXPERTS_GRAD_KERNEL,
          { mus, logScales, dMu, dLogScale } as unknown as tf.NamedTensorMap,
          attrs,
        ) as tf.Tensor3D[];
      return { mus: () => dMus!, logScales: () => dLogScales! };
    },
  });
}
