import * as tf from "@tensorflow/tfjs-core";
import { fusedKernels, fusedStepActive } from "./fused-reconstruction";
import { nativeOutput } from "./wasm-heap-copy";

/**
 * ClipByValue's gradient as one kernel on the wasm backend (issue #19: fewer, fused kernels). tfjs's gradient is
 * where(logicalAnd(greaterEqual(x, min), lessEqual(x, max)), dy, zerosLike(dy)): five kernels, three of them through
 * the wasm backend's slow boolean tensors (≈ 0.35 ms a call on the encoders' [640 × 32] log-scales, four calls a step
 * of the proposed model). Here it is one pass in C (native-kernels.ts) with the same comparisons in float32, so the
 * same bits (fused-clip.test.ts). Elsewhere tfjs's own formula runs.
 */
export const CLIP_GRAD_KERNEL = "TailsweepClipByValueGrad";

interface ClipAttrs {
  clipValueMin: number;
  clipValueMax: number;
}

const gradient: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, dy } = inputs as unknown as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const { clipValueMin, clipValueMax } = attrs as unknown as ClipAttrs;
  if (!tf.util.arraysEqual(x.shape, dy.shape) || x.dtype !== "float32" || dy.dtype !== "float32")
    throw new Error(
      `${CLIP_GRAD_KERNEL}: x and dy must be float32 of one shape, got ${x.dtype} [${x.shape}], ${dy.dtype} [${dy.shape}]`,
    );
  const n = tf.util.sizeFromShape(x.shape);
  return nativeOutput(backend, x.shape, (view, dx) =>
    fusedKernels(CLIP_GRAD_KERNEL).clipGrad(n, view(x, n), view(dy, n), clipValueMin, clipValueMax, dx),
  );
};

/** Registers the wasm kernel and ClipByValue's gradient, which uses it in the fused step (idempotent). */
export function installFusedClip(): void {
  if (tf.getKernel(CLIP_GRAD_KERNEL, "wasm") !== undefined) return;
  tf.registerKernel({ kernelName: CLIP_GRAD_KERNEL, backendName: "wasm", kernelFunc: gradient });
  tf.registerGradient({
    kernelName: tf.ClipByValue,
    inputsToSave: ["x"],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved as [tf.Tensor];
      const { clipValueMin, clipValueMax } = attrs as unknown as ClipAttrs;
      return {
        x: () =>
          fusedStepActive() && x.dtype === "float32"
            ? (tf
                .engine()
                .runKernel(CLIP_GRAD_KERNEL, { x, dy } as unknown as tf.NamedTensorMap, attrs) as tf.Tensor)
            : tf.where(
                tf.logicalAnd(tf.greaterEqual(x, clipValueMin), tf.lessEqual(x, clipValueMax)),
                dy as tf.Tensor,
                tf.zerosLike(dy as tf.Tensor),
              ),
      };
    },
  });
}
