import { randomStream } from "@tailsweep/random";
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "./backend";
import { BIAS_RELU_KERNEL, biasRelu } from "./fused-dense";
import { fusedStepActive, useFusedStep } from "./fused-reconstruction";
import { applyMlp, applyMlpToTiledWithLabels, createMlp, disposeMlp, mlpVariables } from "./layers";
import type { NativeKernels } from "./native-kernels";
import { float32Bits, kernelsDuring, useCpuBackend, wasmWithNativeKernels } from "./test-backend";

let kernels: NativeKernels;
let restore: () => Promise<void>;
beforeAll(async () => {
  ({ kernels, restore } = await wasmWithNativeKernels());
});
afterAll(() => restore());

/** An MLP's output and its gradients in every variable under row weights, as bits. */
function mlpValueAndGrads(forward: () => tf.Tensor2D, variables: tf.Variable[]) {
  return tf.tidy(() => {
    const out = forward();
    const weights = tf.linspace(-1, 2, out.shape[0] * out.shape[1]).reshape(out.shape);
    const { grads } = tf.variableGrads(() => tf.sum(tf.mul(weights, forward())) as tf.Scalar, variables);
    return { value: float32Bits(out), grads: variables.map((v) => float32Bits(grads[v.name]!)) };
  });
}

describe("a hidden layer's bias and ReLU fused", () => {
  it("runs one kernel each way on wasm and gives tfjs's bits in the output and every gradient", () => {
    expect(fusedStepActive()).toBe(true);
    const mlp = createMlp("fd", 30, [40, 24], 12, "relu", randomStream(7, "fused-dense"));
    const variables = mlpVariables([mlp]);
    const x = tf.randomNormal([50, 30], 0, 1, "float32", 3) as tf.Tensor2D;
    const seen = kernelsDuring(() => mlpValueAndGrads(() => applyMlp(mlp, x), variables));
    expect(seen.get(BIAS_RELU_KERNEL)).toBe(4); // two hidden layers, the output twice (value and gradient pass)
    expect(seen.has("Relu")).toBe(false);
    expect(seen.has("Step")).toBe(false);
    const fused = mlpValueAndGrads(() => applyMlp(mlp, x), variables);
    useFusedStep(undefined);
    const ops = mlpValueAndGrads(() => applyMlp(mlp, x), variables);
    useFusedStep(kernels);
    expect(fused).toEqual(ops);
    tf.dispose(x);
    disposeMlp(mlp);
  });

  it("gives tfjs's bits through the tiled encoders' per-batch first layer too", () => {
    const mlp = createMlp("ft", 20 + 3, [16, 16], 8, "relu", randomStream(8, "fused-dense"));
    const variables = mlpVariables([mlp]);
    const x = tf.randomNormal([6, 20], 0, 1, "float32", 4) as tf.Tensor2D;
    const y = tf
      .oneHot(tf.tensor1d([0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2], "int32"), 3)
      .toFloat();
    const tile = (t: tf.Tensor2D) => tf.concat([t, t, t], 0) as tf.Tensor2D;
    const forward = () => applyMlpToTiledWithLabels(mlp, x, y as tf.Tensor2D, tile);
    const fused = mlpValueAndGrads(forward, variables);
    useFusedStep(undefined);
    const ops = mlpValueAndGrads(forward, variables);
    useFusedStep(kernels);
    expect(fused).toEqual(ops);
    tf.dispose([x, y]);
    disposeMlp(mlp);
  });

  it("treats NaN, ±0, ±∞ and denormals as the wasm backend's Add, Relu and Step do", () => {
    // from bit patterns, so that the NaNs keep their sign and payload: a NaN with its sign bit set is where
    // XNNPACK's ReLU (0) and tfjs's Step (NaN) part ways, and max(x, 0) would give neither
    const NEGATIVE_NAN = 0xffc00000;
    const row = Uint32Array.of(
      0x7fc00000,
      NEGATIVE_NAN,
      0x7fc00001,
      0xff800001,
      0x80000000,
      0,
      0x7f800000,
      0xff800000,
    );
    const product = tf.tensor2d(
      new Float32Array(Uint32Array.from([...row, ...row.map((b) => b ^ 0x80000000)]).buffer),
      [2, 8],
    );
    const bias = tf.tensor2d([[0, 0, 0, 0, -0, -0, 1, 1]]).reshape([8]) as tf.Tensor1D;
    const dy = tf.tensor2d([
      Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? -1.5 : 3)),
      new Array(8).fill(-0.25),
    ]);
    const run = () =>
      tf.tidy(() => {
        const f = (p: tf.Tensor) => biasRelu(p as tf.Tensor2D, bias);
        const [dp] = tf.grads((p: tf.Tensor) => tf.mul(f(p), 1))([product], dy);
        return { value: float32Bits(f(product)), grad: float32Bits(dp!) };
      });
    const fused = run();
    useFusedStep(undefined);
    const ops = run();
    useFusedStep(kernels);
    expect(fused).toEqual(ops);
    expect(fused.value[1]).toBe(0); // relu(−NaN) = +0
    expect(Number.isNaN(new Float32Array(Uint32Array.of(fused.grad[1]!).buffer)[0])).toBe(true); // its step is NaN
    tf.dispose([product, bias, dy]);
  });

  it("gives the same bits on 1 and 2 threads, and leaves no tensor behind", () => {
    const mlp = createMlp("fp", 64, [512], 8, "relu", randomStream(9, "fused-dense"));
    const variables = mlpVariables([mlp]);
    const x = tf.randomNormal([300, 64], 0, 1, "float32", 5) as tf.Tensor2D; // 300 × 512: past the parallel size
    mlpValueAndGrads(() => applyMlp(mlp, x), variables);
    const before = tf.memory().numTensors;
    kernels.setThreads(1);
    const one = mlpValueAndGrads(() => applyMlp(mlp, x), variables);
    kernels.setThreads(2);
    const two = mlpValueAndGrads(() => applyMlp(mlp, x), variables);
    kernels.setThreads(1);
    expect(two).toEqual(one);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(x);
    disposeMlp(mlp);
  });

  it("refuses a bias that does not fit the product, naming both shapes", () => {
    const product = tf.zeros([2, 3]) as tf.Tensor2D;
    const bias = tf.zeros([4]) as tf.Tensor1D;
    expect(() => biasRelu(product, bias)).toThrow(/TailsweepBiasRelu: .*float32 \[2,3\], float32 \[4\]/);
    tf.dispose([product, bias]);
  });

  it("keeps tfjs's Add and Relu off the wasm backend", async () => {
    await useCpuBackend();
    expect(fusedStepActive()).toBe(false);
    const product = tf.randomNormal([5, 4], 0, 1, "float32", 6) as tf.Tensor2D;
    const bias = tf.randomNormal([4], 0, 1, "float32", 7) as tf.Tensor1D;
    const seen = kernelsDuring(() => tf.tidy(() => biasRelu(product, bias)));
    expect([...seen.keys()].sort()).toEqual(["Add", "Relu"]);
    tf.dispose([product, bias]);
    await initBackend({ prefer: "wasm" });
  });
});
