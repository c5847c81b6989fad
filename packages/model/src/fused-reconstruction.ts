import * as tf from "@tensorflow/tfjs-core";
import { reconstructionError } from "./losses";
import type { NativeKernels } from "./native-kernels";
import { nativeOutput } from "./wasm-heap-copy";

/**
 * A decoder's output layer and its reconstruction error as one kernel on the wasm backends (issue #19: fewer, fused
 * kernels). The unlabeled term decodes the batch tiled once per class, for every trained subset, so a decoder's
 * output in a step of the proposed model is [2·K·B × d] (decoder-passes.ts stacks the subsets' rows); as tfjs ops it is
 * a bias add, a sigmoid, a squared difference against a tiled copy of x and a row sum forwards, and about as many
 * full-size kernels backwards. Here it is one pass each way, in C (native-kernels.ts), and x is never tiled.
 */
export const RECONSTRUCTION_KERNEL = "TailsweepReconstruction";
const RECONSTRUCTION_GRAD_KERNEL = "TailsweepReconstructionGrad";

interface ReconstructionAttrs {
  sigmoid: boolean;
  sigma: number;
}

/** The native kernels the wasm kernels run on, when the backend loaded them (see {@link useFusedStep}). */
let native: NativeKernels | undefined;

/**
 * Lets the model run its fused step on the wasm backend (`kernels`): the decoders' output layers with their
 * reconstruction error, the latent regularisers (fused-regularizer.ts), the tiled encoders' first layer per batch and
 * each decoder's subsets in one pass (decoder-passes.ts); or keeps tfjs's ops (`undefined`: no compiler on this
 * machine). The two differ in rounding, so the choice is part of the backend's description.
 */
export function useFusedStep(kernels: NativeKernels | undefined): void {
  native = kernels;
}

/** Matches a backend `detail` that names the fused step (backend.ts writes it; training checks it). */
export const FUSED_STEP = /fused \(native C\)/;

/** Whether the model's fused step runs on the current backend (see {@link useFusedStep}). */
export function fusedStepActive(): boolean {
  return native !== undefined && tf.getBackend() === "wasm";
}

/** The native kernels of the fused step; throws outside it (a kernel registered for wasm ran without them). */
export function fusedKernels(kernelName: string): NativeKernels {
  if (!native) throw new Error(`${kernelName} runs only with the native kernels loaded`);
  return native;
}

/**
 * ‖x − out(product + bias)‖²/σ² per row (docs/model.md eq. R3 at the decoder's output, out = sigmoid or identity):
 * `product` is the decoder's last matrix product (rows × d), `bias` its last bias, `x` the targets with rows a divisor
 * of `product`'s (x, its class-major tiling, or several such blocks stacked: product row r is reconstructed against
 * x row r mod x's rows).
 * With the native kernels on the wasm backend, one fused kernel each way; elsewhere, `tiledTargets` (x tiled to
 * `product`'s rows, kept by the caller across subsets) and tfjs's ops, the same ops the model always ran.
 */
export function decodedReconstructionError(
  product: tf.Tensor2D,
  bias: tf.Tensor1D,
  x: tf.Tensor2D,
  output: "sigmoid" | "linear",
  sigma: number,
  tiledTargets: () => tf.Tensor2D,
): tf.Tensor1D {
  if (fusedStepActive()) {
    const attrs: ReconstructionAttrs = { sigmoid: output === "sigmoid", sigma };
    return tf
      .engine()
      .runKernel(
        RECONSTRUCTION_KERNEL,
        { product, bias, x } as unknown as tf.NamedTensorMap,
        attrs as unknown as tf.NamedAttrMap,
      ) as tf.Tensor1D;
  }
  // Outside the tidy: the caller keeps the tiled targets for other subsets.
  const targets = tiledTargets();
  return tf.tidy(() => {
    const preActivation = tf.add(product, bias) as tf.Tensor2D;
    const decoded = output === "sigmoid" ? tf.sigmoid(preActivation) : preActivation;
    return reconstructionError(targets, decoded, sigma);
  });
}

interface ReconstructionInputs {
  product: tf.TensorInfo;
  bias: tf.TensorInfo;
  x: tf.TensorInfo;
}

/** Rows and columns of `product`, and x's rows, checked: the C loop trusts them. */
function shapes({ product, bias, x }: ReconstructionInputs): [number, number, number] {
  const [rows, cols] = product.shape as [number, number];
  const xRows = x.shape[0]!;
  if (
    product.shape.length !== 2 ||
    x.shape.length !== 2 ||
    x.shape[1] !== cols ||
    bias.shape.length !== 1 ||
    bias.shape[0] !== cols ||
    xRows === 0 ||
    rows % xRows !== 0 ||
    [product, bias, x].some((t) => t.dtype !== "float32")
  ) {
    throw new Error(
      `${RECONSTRUCTION_KERNEL}: needs float32 product [rows, d], bias [d] and x [rows / t, d]; got ` +
        `[${product.shape}], [${bias.shape}], [${x.shape}]`,
    );
  }
  return [rows, cols, xRows];
}

const forward: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const named = inputs as unknown as ReconstructionInputs;
  const { sigmoid, sigma } = attrs as unknown as ReconstructionAttrs;
  const [rows, cols, xRows] = shapes(named);
  return nativeOutput(backend, [rows], (view, out) =>
    fusedKernels(RECONSTRUCTION_KERNEL).reconstruction(
      rows,
      cols,
      xRows,
      view(named.product, rows * cols),
      view(named.bias, cols),
      view(named.x, xRows * cols),
      sigmoid ? 1 : 0,
      sigma * sigma,
      out,
    ),
  );
};

const gradient: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { dy, ...named } = inputs as unknown as ReconstructionInputs & { dy: tf.TensorInfo };
  const { sigmoid, sigma } = attrs as unknown as ReconstructionAttrs;
  const [rows, cols, xRows] = shapes(named);
  return nativeOutput(backend, [rows, cols], (view, dp) =>
    fusedKernels(RECONSTRUCTION_KERNEL).reconstructionGrad(
      rows,
      cols,
      xRows,
      view(named.product, rows * cols),
      view(named.bias, cols),
      view(named.x, xRows * cols),
      view(dy, rows),
      sigmoid ? 1 : 0,
      sigma * sigma,
      dp,
    ),
  );
};

/** Registers the two wasm kernels and the gradient (idempotent). */
export function installFusedReconstruction(): void {
  if (tf.getKernel(RECONSTRUCTION_KERNEL, "wasm") !== undefined) return;
  tf.registerKernel({ kernelName: RECONSTRUCTION_KERNEL, backendName: "wasm", kernelFunc: forward });
  tf.registerKernel({ kernelName: RECONSTRUCTION_GRAD_KERNEL, backendName: "wasm", kernelFunc: gradient });
  tf.registerGradient({
    kernelName: RECONSTRUCTION_KERNEL,
    inputsToSave: ["product", "bias", "x"],
    gradFunc: (dy, saved, attrs) => {
      const [product, bias, x] = saved as [tf.Tensor2D, tf.Tensor1D, tf.Tensor2D];
      const dp = tf
        .engine()
        .runKernel(
          RECONSTRUCTION_GRAD_KERNEL,
          { dy, product, bias, x } as unknown as tf.NamedTensorMap,
          attrs,
        ) as tf.Tensor2D;
      return {
        product: () => dp,
        bias: () => tf.sum(dp, 0),
        // tfjs asks only for the gradients of inputs that lead from a variable, and x is always data.
        x: () => {
          throw new Error(`${RECONSTRUCTION_KERNEL}: the targets x carry no gradient`);
        },
      };
    },
  });
}
