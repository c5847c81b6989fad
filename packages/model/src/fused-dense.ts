import * as tf from "@tensorflow/tfjs-core";
import { fusedKernels, fusedStepActive } from "./fused-reconstruction";
import { nativeOutput } from "./wasm-heap-copy";

/**
 * A hidden layer's bias and ReLU as one kernel each way on the wasm backend (issue #19: fewer, fused kernels). As tfjs
 * ops they are an `Add` and a `Relu` forwards and a `Step` and a `Multiply` backwards, each a full pass over the
 * layer's [rows × width] output on the wasm backend's one thread; here each is one pass in C (native-kernels.ts), on
 * the OpenMP threads when the tensor is large. The backward pass keeps the product and the bias and adds them again,
 * where tfjs keeps their sum: the same memory, and the gradient can follow tfjs's Step exactly (a NaN whose sign bit
 * is set leaves the ReLU as 0 but its step as NaN, which the output alone could not tell). The same float32
 * operations in the same order as tfjs's wasm kernels: one add, the ReLU, dy times the step, so the bits are tfjs's
 * (fused-dense.test.ts).
 */
export const BIAS_RELU_KERNEL = "TailsweepBiasRelu";
const BIAS_RELU_GRAD_KERNEL = "TailsweepBiasReluGrad";

/**
 * relu(product + bias) for a hidden layer (`product`: its matrix product, rows × width; `bias`: width): with the fused
 * step on the wasm backend one native kernel, elsewhere tfjs's `add` and `relu`.
 */
export function biasRelu(product: tf.Tensor2D, bias: tf.Tensor1D): tf.Tensor2D {
  if (!fusedStepActive()) return tf.relu(tf.add(product, bias)) as tf.Tensor2D;
  return tf
    .engine()
    .runKernel(BIAS_RELU_KERNEL, { product, bias } as unknown as tf.NamedTensorMap) as tf.Tensor2D;
}

/** Rows and columns of `product`, checked against `bias`: the C loop trusts them. */
function shape(product: tf.TensorInfo, bias: tf.TensorInfo): [number, number] {
  const [rows, cols] = product.shape as [number, number];
  if (
    product.shape.length !== 2 ||
    bias.shape.length !== 1 ||
    bias.shape[0] !== cols ||
    product.dtype !== "float32" ||
    bias.dtype !== "float32"
  ) {
    throw new Error(
      `${BIAS_RELU_KERNEL}: needs float32 product [rows, d] and bias [d]; got ${product.dtype} [${product.shape}], ` +
        `${bias.dtype} [${bias.shape}]`,
    );
  }
  return [rows, cols];
}

const forward: tf.KernelFunc = ({ inputs, backend }) => {
  const { product, bias } = inputs as unknown as { product: tf.TensorInfo; bias: tf.TensorInfo };
  const [rows, cols] = shape(product, bias);
  return nativeOutput(backend, [rows, cols], (view, out) =>
    fusedKernels(BIAS_RELU_KERNEL).biasRelu(rows, cols, view(product, rows * cols), view(bias, cols), out),
  );
};

const gradient: tf.KernelFunc = ({ inputs, backend }) => {
  const { dy, product, bias } = inputs as unknown as {
    dy: tf.TensorInfo;
    product: tf.TensorInfo;
    bias: tf.TensorInfo;
  };
  const [rows, cols] = shape(product, bias);
  if (!tf.util.arraysEqual(dy.shape, product.shape) || dy.dtype !== "float32")
    throw new Error(
      `${BIAS_RELU_GRAD_KERNEL}: dy must be float32 [${product.shape}], got ${dy.dtype} [${dy.shape}]`,
    );
  return nativeOutput(backend, [rows, cols], (view, dp) =>
    fusedKernels(BIAS_RELU_KERNEL).biasReluGrad(
      rows,
      cols,
      view(product, rows * cols),
      view(bias, cols),
      view(dy, rows * cols),
      dp,
    ),
  );
};

/** Registers the two wasm kernels and the gradient (idempotent). */
export function installFusedDense(): void {
  if (tf.getKernel(BIAS_RELU_KERNEL, "wasm") !== undefined) return;
  tf.registerKernel({ kernelName: BIAS_RELU_KERNEL, backendName: "wasm", kernelFunc: forward });
  tf.registerKernel({ kernelName: BIAS_RELU_GRAD_KERNEL, backendName: "wasm", kernelFunc: gradient });
  tf.registerGradient({
    kernelName: BIAS_RELU_KERNEL,
    inputsToSave: ["product", "bias"],
    gradFunc: (dy, saved) => {
      const [product, bias] = saved as [tf.Tensor2D, tf.Tensor1D];
      const dx = tf.engine().runKernel(BIAS_RELU_GRAD_KERNEL, {
        dy,
        product,
        bias,
      } as unknown as tf.NamedTensorMap) as tf.Tensor2D;
      // The bias's gradient as tfjs's Add computes it for a broadcast bias: the sum over the rows.
      return { product: () => dx, bias: () => tf.sum(dx, 0) };
    },
  });
}
