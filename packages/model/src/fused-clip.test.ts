import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "./backend";
import { CLIP_GRAD_KERNEL } from "./fused-clip";
import { fusedStepActive, useFusedStep } from "./fused-reconstruction";
import type { NativeKernels } from "./native-kernels";
import { float32Bits, kernelsDuring, useCpuBackend, wasmWithNativeKernels } from "./test-backend";

let kernels: NativeKernels;
let restore: () => Promise<void>;
beforeAll(async () => {
  ({ kernels, restore } = await wasmWithNativeKernels());
});
afterAll(() => restore());

/** The gradient of Σ dy ⊙ clip(x, lo, hi) in x, as bits. */
function clipGradient(x: tf.Tensor, dy: tf.Tensor, lo: number, hi: number): number[] {
  return tf.tidy(() => {
    const [dx] = tf.grads((t: tf.Tensor) => tf.clipByValue(t, lo, hi))([x], dy);
    return float32Bits(dx!);
  });
}

describe("ClipByValue's gradient fused", () => {
  it("runs one kernel on wasm and gives tfjs's bits at the bounds, beyond them and for NaN and ±∞", () => {
    expect(fusedStepActive()).toBe(true);
    // 0.1 is not a float32: the bounds compare as float32 on both paths, so the values around fround(0.1) matter
    const lo = -0.1;
    const hi = 0.1;
    const edge = Math.fround(0.1);
    const values = [
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      -0,
      0,
      edge,
      -edge,
      0.1000001,
      -0.1000001,
      0.0999999,
      5,
      -5,
    ];
    const x = tf.tensor1d(values);
    const dy = tf.tensor1d(values.map((_, i) => (i % 3 === 0 ? -1.25 : 2 ** -i)));
    const seen = kernelsDuring(() => clipGradient(x, dy, lo, hi));
    expect(seen.get(CLIP_GRAD_KERNEL)).toBe(1);
    expect(seen.has("LogicalAnd")).toBe(false);
    expect(seen.has("Select")).toBe(false);
    const fused = clipGradient(x, dy, lo, hi);
    useFusedStep(undefined);
    const ops = clipGradient(x, dy, lo, hi);
    useFusedStep(kernels);
    expect(fused).toEqual(ops);
    // the gradient passes inside the bounds (both ends included) and is 0 outside and for NaN
    expect(Array.from(new Float32Array(Uint32Array.from(fused).buffer)).map((g) => g !== 0)).toEqual([
      false,
      false,
      false,
      true,
      true,
      true,
      true,
      false,
      false,
      true,
      false,
      false,
    ]);
    tf.dispose([x, dy]);
  });

  it("gives the same bits on 1 and 2 threads, and leaves no tensor behind", () => {
    const x = tf.randomNormal([400, 300], 0, 2, "float32", 11); // past the size at which the loop goes parallel
    const dy = tf.randomNormal([400, 300], 0, 1, "float32", 12);
    clipGradient(x, dy, -1, 1.5);
    const before = tf.memory().numTensors;
    kernels.setThreads(1);
    const one = clipGradient(x, dy, -1, 1.5);
    kernels.setThreads(2);
    const two = clipGradient(x, dy, -1, 1.5);
    kernels.setThreads(1);
    expect(two).toEqual(one);
    useFusedStep(undefined);
    expect(clipGradient(x, dy, -1, 1.5)).toEqual(one);
    useFusedStep(kernels);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, dy]);
  });

  it("keeps tfjs's formula off the wasm backend", async () => {
    await useCpuBackend();
    expect(fusedStepActive()).toBe(false);
    const x = tf.tensor1d([-3, -1, 0, 1, 3]);
    const dy = tf.tensor1d([1, 2, 3, 4, 5]);
    const seen = kernelsDuring(() => clipGradient(x, dy, -1, 1));
    expect(seen.has(CLIP_GRAD_KERNEL)).toBe(false);
    expect(seen.get("Select")).toBe(1);
    expect(new Float32Array(Uint32Array.from(clipGradient(x, dy, -1, 1)).buffer)).toEqual(
      Float32Array.from([0, 2, 3, 4, 0]),
    );
    tf.dispose([x, dy]);
    await initBackend({ prefer: "wasm" });
  });
});
