import { ModelConfigSchema, TrainConfigSchema } from "@tailsweep/schemas";
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { currentBackend, initBackend } from "./backend";
import {
  decodedReconstructionError,
  FUSED_STEP,
  fusedStepActive,
  RECONSTRUCTION_KERNEL,
  useFusedStep,
} from "./fused-reconstruction";
import { reconstructionError } from "./losses";
import { loadNativeKernels, type NativeKernels } from "./native-kernels";
import { syntheticDataset } from "./synthetic-dataset";
import { kernelsDuring, relativeError, useCpuBackend, wasmWithNativeKernels } from "./test-backend";
import { trainModel } from "./train";

let kernels: NativeKernels;
let restore: () => Promise<void>;
beforeAll(async () => {
  ({ kernels, restore } = await wasmWithNativeKernels());
});
afterAll(() => restore());

/** Inputs of one decoder output layer: product [tiles·B × d] around 0 (both sigmoid tails), bias, x in [0, 1]. */
function inputs(tiles: number, batch: number, d: number, seed: number) {
  return {
    product: tf.randomNormal([tiles * batch, d], 0, 3, "float32", seed) as tf.Tensor2D,
    bias: tf.randomNormal([d], 0, 1, "float32", seed + 1) as tf.Tensor1D,
    x: tf.randomUniform([batch, d], 0, 1, "float32", seed + 2) as tf.Tensor2D,
  };
}

/** The error, and its gradients in product and bias under row weights (so each row's dy differs). */
function valueAndGrads(
  { product, bias, x }: ReturnType<typeof inputs>,
  output: "sigmoid" | "linear",
  tiles: number,
): { value: Float32Array; dProduct: Float32Array; dBias: Float32Array } {
  const weights = tf.linspace(0.5, 2, product.shape[0]);
  const tiled = () => tf.concat(new Array<tf.Tensor2D>(tiles).fill(x), 0);
  const f = (p: tf.Tensor, b: tf.Tensor) =>
    tf.sum(
      tf.mul(weights, decodedReconstructionError(p as tf.Tensor2D, b as tf.Tensor1D, x, output, 0.7, tiled)),
    );
  const value = tf.tidy(() =>
    decodedReconstructionError(product, bias, x, output, 0.7, tiled).dataSync(),
  ) as Float32Array;
  const [dProduct, dBias] = tf.grads(f)([product, bias]);
  const out = {
    value: Float32Array.from(value),
    dProduct: Float32Array.from(dProduct!.dataSync()),
    dBias: Float32Array.from(dBias!.dataSync()),
  };
  tf.dispose([weights, dProduct!, dBias!]);
  return out;
}

describe("the fused decoder output and reconstruction error", () => {
  it("runs as one kernel each way on wasm, and matches tfjs's ops in value and gradients", () => {
    expect(currentBackend()?.detail).toMatch(
      /reconstruction error, latent regularisers, product of experts and Student-t draw fused/,
    );
    // 2 × 12 rows and 37 columns: tiling, and columns that are not a multiple of the kernel's 16 lanes.
    for (const [output, tiles] of [
      ["sigmoid", 2],
      ["sigmoid", 1],
      ["linear", 3],
    ] as const) {
      const data = inputs(tiles, 12, 37, 5);
      expect(fusedStepActive()).toBe(true);
      const seen = kernelsDuring(() => valueAndGrads(data, output, tiles));
      expect(seen.get(RECONSTRUCTION_KERNEL)).toBe(2); // the value's call and the gradient's forward pass
      expect(seen.get("TailsweepReconstructionGrad")).toBe(1);
      expect(seen.has("Sigmoid") || seen.has("SquaredDifference") || seen.has("Concat")).toBe(false);
      const fused = valueAndGrads(data, output, tiles);
      useFusedStep(undefined);
      expect(fusedStepActive()).toBe(false);
      const ops = valueAndGrads(data, output, tiles);
      useFusedStep(kernels);
      // Row sums of 37 squares: a few float32 roundings apart; the gradients elementwise, ≈ 1 ulp of exp apart.
      expect(relativeError(fused.value, ops.value)).toBeLessThan(1e-6);
      expect(relativeError(fused.dProduct, ops.dProduct)).toBeLessThan(1e-5);
      expect(relativeError(fused.dBias, ops.dBias)).toBeLessThan(1e-5);
      tf.dispose(Object.values(data));
    }
  });

  it("matches the error computed in float64 from its definition (eq. R3)", () => {
    const data = inputs(2, 3, 21, 9);
    const p = data.product.dataSync();
    const b = data.bias.dataSync();
    const x = data.x.dataSync();
    const value = tf.tidy(() =>
      Array.from(
        decodedReconstructionError(data.product, data.bias, data.x, "sigmoid", 0.5, () => data.x).dataSync(),
      ),
    );
    for (let r = 0; r < 6; r++) {
      let sum = 0;
      for (let j = 0; j < 21; j++) {
        const decoded = 1 / (1 + Math.exp(-(p[r * 21 + j]! + b[j]!)));
        sum += (x[(r % 3) * 21 + j]! - decoded) ** 2;
      }
      expect(Math.abs(value[r]! - sum / 0.25)).toBeLessThan(2e-6 * (sum / 0.25));
    }
    tf.dispose(Object.values(data));
  });

  it("gives the same bits on 1 and 2 threads, and leaves no tensor behind", () => {
    // Past the size at which the loops go parallel: 640 × 784, the proposed model's tiled decoder output.
    const data = inputs(10, 64, 784, 11);
    valueAndGrads(data, "sigmoid", 10); // the first call may create lasting state
    const before = tf.memory().numTensors;
    kernels.setThreads(1);
    const one = valueAndGrads(data, "sigmoid", 10);
    kernels.setThreads(2);
    const two = valueAndGrads(data, "sigmoid", 10);
    kernels.setThreads(1);
    expect(two).toEqual(one);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(Object.values(data));
  });

  it("gives the same bits built for this CPU's vectors as for the architecture's baseline", async () => {
    const baseline = await loadNativeKernels({ cpuSpecific: false });
    if (!baseline.ok) throw new Error(baseline.reason);
    expect(baseline.kernels.library).not.toBe(kernels.library);
    const [rows, cols, xRows] = [40, 789, 8];
    const random = (n: number, seed: number) =>
      Float32Array.from(tf.tidy(() => tf.randomNormal([n], 0, 3, "float32", seed).dataSync()));
    const [p, b, x, dy] = [random(rows * cols, 1), random(cols, 2), random(xRows * cols, 3), random(rows, 4)];
    const run = (k: NativeKernels, sigmoid: 0 | 1) => {
      const out = new Float32Array(rows);
      const dp = new Float32Array(rows * cols);
      k.reconstruction(rows, cols, xRows, p!, b!, x!, sigmoid, 0.3, out);
      k.reconstructionGrad(rows, cols, xRows, p!, b!, x!, dy!, sigmoid, 0.3, dp);
      return { out, dp };
    };
    for (const sigmoid of [0, 1] as const)
      expect(run(baseline.kernels, sigmoid)).toEqual(run(kernels, sigmoid));
  });

  it("will not train under a backend description that says otherwise than the step that runs", async () => {
    const backend = currentBackend()!;
    expect(backend.detail).toMatch(FUSED_STEP);
    useFusedStep(undefined);
    try {
      await expect(
        trainModel(syntheticDataset(), ModelConfigSchema.parse({}), TrainConfigSchema.parse({ epochs: 1 }), {
          backend,
        }),
      ).rejects.toThrow(/names the fused step, but it is off/);
    } finally {
      useFusedStep(kernels);
    }
  });

  it("refuses shapes the kernel cannot read, naming them", () => {
    const data = inputs(1, 4, 8, 1);
    const x = tf.zeros([3, 8]) as tf.Tensor2D;
    expect(() => decodedReconstructionError(data.product, data.bias, x, "sigmoid", 1, () => x)).toThrow(
      /product \[rows, d\], bias \[d\] and x \[rows \/ t, d\]; got \[4,8\], \[8\], \[3,8\]/,
    );
    tf.dispose([...Object.values(data), x]);
  });

  it("keeps tfjs's ops, and their bits, off the wasm backend", async () => {
    await useCpuBackend();
    expect(fusedStepActive()).toBe(false);
    const data = inputs(2, 4, 8, 3);
    const tiled = tf.concat([data.x, data.x], 0) as tf.Tensor2D;
    const expected = tf.tidy(() =>
      reconstructionError(tiled, tf.sigmoid(tf.add(data.product, data.bias)) as tf.Tensor2D, 0.7).dataSync(),
    );
    const actual = tf.tidy(() =>
      decodedReconstructionError(data.product, data.bias, data.x, "sigmoid", 0.7, () => tiled).dataSync(),
    );
    expect(actual).toEqual(expected);
    tf.dispose([...Object.values(data), tiled]);
    await initBackend({ prefer: "wasm" });
  });
});
