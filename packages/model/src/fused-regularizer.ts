import type { GammaConstants } from "@tailsweep/schemas";
import * as tf from "@tensorflow/tfjs-core";
import { fusedKernels, fusedStepActive } from "./fused-reconstruction";
import { gammaRegularizer, gaussianRegularizer } from "./losses";
import { nativeOutput, nativeOutputs } from "./wasm-heap-copy";

/**
 * The γ-loss's and the Gaussian model's latent regularisers (docs/model.md eqs. R1, R2) as one kernel each way in the
 * fused step (fused-reconstruction.ts). Each is called once per trained subset and batch, on [rows × m] tensors with
 * m the latent size (16 in the quick preset): as tfjs ops ≈ 12 kernels forwards and ≈ 20 backwards, each far cheaper
 * than the engine's own work around it. Both share one form, Σ μ² + a·Σ e^ℓ − b·Σ ℓ − c·exp(d·Σ ℓ) + e.
 */
export const LATENT_REGULARIZER_KERNEL = "TailsweepLatentRegularizer";
const LATENT_REGULARIZER_GRAD_KERNEL = "TailsweepLatentRegularizerGrad";

/** The coefficients of the shared form. */
interface RegularizerAttrs {
  a: number;
  b: number;
  c: number;
  d: number;
  e: number;
}

function fused(mu: tf.Tensor2D, logScale: tf.Tensor2D, attrs: RegularizerAttrs): tf.Tensor1D {
  return tf
    .engine()
    .runKernel(
      LATENT_REGULARIZER_KERNEL,
      { mu, logScale } as unknown as tf.NamedTensorMap,
      attrs as unknown as tf.NamedAttrMap,
    ) as tf.Tensor1D;
}

/** {@link gammaRegularizer} (eq. R1), as the fused kernel where the fused step runs. */
export function gammaRegularizerStep(mu: tf.Tensor2D, logScale: tf.Tensor2D, c: GammaConstants): tf.Tensor1D {
  if (!fusedStepActive()) return gammaRegularizer(mu, logScale, c);
  return fused(mu, logScale, { a: c.traceCoef, b: 0, c: c.nu * c.C1, d: c.detExp, e: c.nu * c.tau0 });
}

/** {@link gaussianRegularizer} (eq. R2), as the fused kernel where the fused step runs. */
export function gaussianRegularizerStep(mu: tf.Tensor2D, logVar: tf.Tensor2D): tf.Tensor1D {
  if (!fusedStepActive()) return gaussianRegularizer(mu, logVar);
  return fused(mu, logVar, { a: 1, b: 1, c: 0, d: 0, e: -mu.shape[1] });
}

/** Rows and m, checked: the C loop trusts them. */
function shapes(mu: tf.TensorInfo, logScale: tf.TensorInfo): [number, number] {
  if (
    mu.shape.length !== 2 ||
    logScale.shape.length !== 2 ||
    mu.shape[0] !== logScale.shape[0] ||
    mu.shape[1] !== logScale.shape[1] ||
    mu.dtype !== "float32" ||
    logScale.dtype !== "float32"
  ) {
    throw new Error(
      `${LATENT_REGULARIZER_KERNEL}: needs float32 mu and logScale of one shape [rows, m]; got ` +
        `[${mu.shape}] and [${logScale.shape}]`,
    );
  }
  return [mu.shape[0]!, mu.shape[1]!];
}

const forward: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { mu, logScale } = inputs as unknown as { mu: tf.TensorInfo; logScale: tf.TensorInfo };
  const { a, b, c, d, e } = attrs as unknown as RegularizerAttrs;
  const [rows, m] = shapes(mu, logScale);
  return nativeOutput(backend, [rows], (view, out) =>
    fusedKernels(LATENT_REGULARIZER_KERNEL).latentRegularizer(
      rows,
      m,
      view(mu, rows * m),
      view(logScale, rows * m),
      a,
      b,
      c,
      d,
      e,
      out,
    ),
  );
};

const gradient: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { mu, logScale, dy } = inputs as unknown as {
    mu: tf.TensorInfo;
    logScale: tf.TensorInfo;
    dy: tf.TensorInfo;
  };
  const { a, b, c, d } = attrs as unknown as RegularizerAttrs;
  const [rows, m] = shapes(mu, logScale);
  return nativeOutputs(
    backend,
    [
      [rows, m],
      [rows, m],
    ],
    (view, [dMu, dLogScale]) =>
      fusedKernels(LATENT_REGULARIZER_KERNEL).latentRegularizerGrad(
        rows,
        m,
        view(mu, rows * m),
        view(logScale, rows * m),
        view(dy, rows),
        a,
        b,
        c,
        d,
        dMu!,
        dLogScale!,
      ),
  );
};

/** Registers the two wasm kernels and the gradient (idempotent). */
export function installFusedRegularizer(): void {
  if (tf.getKernel(LATENT_REGULARIZER_KERNEL, "wasm") !== undefined) return;
  tf.registerKernel({ kernelName: LATENT_REGULARIZER_KERNEL, backendName: "wasm", kernelFunc: forward });
  tf.registerKernel({
    kernelName: LATENT_REGULARIZER_GRAD_KERNEL,
    backendName: "wasm",
    kernelFunc: gradient,
  });
  tf.registerGradient({
    kernelName: LATENT_REGULARIZER_KERNEL,
    inputsToSave: ["mu", "logScale"],
    gradFunc: (dy, saved, attrs) => {
      const [mu, logScale] = saved as [tf.Tensor2D, tf.Tensor2D];
      const [dMu, dLogScale] = tf
        .engine()
        .runKernel(
          LATENT_REGULARIZER_GRAD_KERNEL,
          { mu, logScale, dy } as unknown as tf.NamedTensorMap,
          attrs,
        ) as tf.Tensor2D[];
      return { mu: () => dMu!, logScale: () => dLogScale! };
    },
  });
}
