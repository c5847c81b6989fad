import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "./backend";
import { sampleStudentTPosterior } from "./distributions";
import { fusedStepActive, useFusedStep } from "./fused-reconstruction";
import {
  NORMAL_KERNEL,
  nativeNormals,
  STUDENT_T_DRAW_KERNEL,
  sampleStudentTPosteriorStep,
} from "./fused-student-t";
import type { NativeKernels } from "./native-kernels";
import {
  float32Bits,
  kernelsDuring,
  relativeError,
  useCpuBackend,
  wasmWithNativeKernels,
} from "./test-backend";

let kernels: NativeKernels;
let restore: () => Promise<void>;
beforeAll(async () => {
  ({ kernels, restore } = await wasmWithNativeKernels());
});
afterAll(() => restore());

const seeds = { normal: 17, chi2: 18 };

/** The draw and the gradients of Σ w ⊙ z in mu and logScale (w differs per value, so each dz does). */
function drawAndGrads(
  draw: typeof sampleStudentTPosterior,
  rows: number,
  m: number,
): { z: number[]; dMu: number[]; dLogScale: number[] } {
  return tf.tidy(() => {
    const mu = tf.randomNormal([rows, m], 0, 1.5, "float32", 1) as tf.Tensor2D;
    const logScale = tf.randomUniform([rows, m], -3, 2, "float32", 2) as tf.Tensor2D;
    const w = tf.linspace(-1, 2, rows * m).reshape([rows, m]);
    const f = (a: tf.Tensor, b: tf.Tensor) => draw(a as tf.Tensor2D, b as tf.Tensor2D, 10, 784, seeds);
    const z = Array.from(f(mu, logScale).dataSync());
    const [dMu, dLogScale] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(w, f(a, b))))([
      mu,
      logScale,
    ]);
    return { z, dMu: Array.from(dMu!.dataSync()), dLogScale: Array.from(dLogScale!.dataSync()) };
  });
}

describe("the Student-t posterior's draw fused (eq. S1)", () => {
  it("runs one kernel each way on wasm, from the same noise, matching tfjs's ops in value and both gradients", () => {
    expect(fusedStepActive()).toBe(true);
    const seen = kernelsDuring(() => drawAndGrads(sampleStudentTPosteriorStep, 70, 16));
    expect(seen.get(STUDENT_T_DRAW_KERNEL)).toBe(2); // the value, and again under the gradient
    expect(seen.get(NORMAL_KERNEL)).toBe(2);
    expect(seen.has("Exp")).toBe(false);
    const fused = drawAndGrads(sampleStudentTPosteriorStep, 70, 16);
    useFusedStep(undefined);
    const ops = drawAndGrads(sampleStudentTPosteriorStep, 70, 16);
    useFusedStep(kernels);
    expect(relativeError(fused.z, ops.z)).toBeLessThan(1e-6);
    expect(fused.dMu).toEqual(ops.dMu); // dz passed on as it is, as tfjs's Add does
    expect(relativeError(fused.dLogScale, ops.dLogScale)).toBeLessThan(1e-6);
  });

  it("makes tf.randomNormal's numbers in C, value for value, and leaves seeds tfjs reads otherwise to tfjs", () => {
    for (const [rows, seed] of [
      [100_001, 1],
      [64_000, 17],
      [3, 2_147_483_646],
      [20_480, 4_000_000_000],
    ] as const) {
      const seen = kernelsDuring(() => tf.dispose(nativeNormals([rows, 1], seed)));
      expect(seen.get(NORMAL_KERNEL)).toBe(1);
      const native = tf.tidy(() => float32Bits(nativeNormals([rows, 1], seed)));
      const tfjs = tf.tidy(() => float32Bits(tf.randomNormal([rows, 1], 0, 1, "float32", seed)));
      expect(native).toEqual(tfjs);
    }
    // 0 means "no seed" to tfjs (Math.random), and a fraction is seeded by its text: both stay tfjs's
    for (const seed of [0, 2.5]) {
      const seen = kernelsDuring(() => tf.dispose(nativeNormals([4, 1], seed)));
      expect(seen.has(NORMAL_KERNEL)).toBe(false);
    }
  });

  it("gives the same bits on 1 and 2 threads, and leaves no tensor behind", () => {
    drawAndGrads(sampleStudentTPosteriorStep, 5000, 16); // past the size at which the loops go parallel
    const before = tf.memory().numTensors;
    kernels.setThreads(1);
    const one = drawAndGrads(sampleStudentTPosteriorStep, 5000, 16);
    kernels.setThreads(2);
    const two = drawAndGrads(sampleStudentTPosteriorStep, 5000, 16);
    kernels.setThreads(1);
    expect(two).toEqual(one);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("refuses a shrink that is not one value per row, naming every shape", () => {
    const mu = tf.zeros([3, 2]);
    const shrink = tf.ones([3, 2]);
    expect(() =>
      tf.engine().runKernel(STUDENT_T_DRAW_KERNEL, {
        mu,
        logScale: mu,
        eps: mu,
        shrink,
      } as unknown as tf.NamedTensorMap),
    ).toThrow(/shrink \[rows, 1\]; got \[3,2\], \[3,2\], \[3,2\], \[3,2\]/);
    tf.dispose([mu, shrink]);
  });

  it("keeps tfjs's ops, and their bits, off the wasm backend", async () => {
    await useCpuBackend();
    expect(fusedStepActive()).toBe(false);
    expect(drawAndGrads(sampleStudentTPosteriorStep, 6, 4)).toEqual(
      drawAndGrads(sampleStudentTPosterior, 6, 4),
    );
    await initBackend({ prefer: "wasm" });
  });
});
