import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { shareSavedTensors } from "./shared-saved-tensors";
import { kernelsDuring, useCpuBackend } from "./test-backend";

beforeAll(useCpuBackend);

/** A function whose gradient needs saved inputs and outputs (exp saves its output, mul both inputs, …). */
const f = (x: tf.Tensor) =>
  tf.sum(tf.mul(tf.exp(tf.sin(x)), tf.square(tf.matMul(tf.matMul(x, x, false, true), x)))) as tf.Scalar;

/** Counts the `name` kernels run while `fn` runs. */
const countKernels = (name: string, fn: () => void) => kernelsDuring(fn).get(name) ?? 0;

describe("shareSavedTensors", () => {
  it("gives the same gradients without an Identity kernel per saved tensor, and leaks nothing", () => {
    const x = tf.tensor2d([0.3, -1.2, 0.7, 2.1, -0.4, 0.05], [2, 3]);
    let stockGrad: Float32Array | undefined;
    const stockClones = countKernels("Identity", () => {
      stockGrad = tf.tidy(() => tf.grad(f)(x).dataSync() as Float32Array);
    });
    shareSavedTensors();
    shareSavedTensors(); // idempotent: a second install must not wrap the first
    const before = tf.memory();
    let sharedGrad: Float32Array | undefined;
    const sharedClones = countKernels("Identity", () => {
      sharedGrad = tf.tidy(() => tf.grad(f)(x).dataSync() as Float32Array);
    });
    expect(stockClones).toBeGreaterThan(3);
    expect(sharedClones).toBe(0);
    expect(sharedGrad).toEqual(stockGrad);
    const after = tf.memory();
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numBytes).toBe(before.numBytes);
    expect(after.numDataBuffers).toBe(before.numDataBuffers);
    x.dispose();
  });

  it("keeps second derivatives right (the stock path runs under a gradient of a gradient)", () => {
    shareSavedTensors();
    // d²/dx² of x³·sin(x) = 6x·sin(x) + 6x²·cos(x) − x³·sin(x)
    const x = tf.tensor1d([0.5, -1.5, 2]);
    const second = tf.tidy(() =>
      tf.grad(tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.pow(v, 3), tf.sin(v)))))(x),
    );
    const want = [0.5, -1.5, 2].map(
      (v) => 6 * v * Math.sin(v) + 6 * v * v * Math.cos(v) - v ** 3 * Math.sin(v),
    );
    for (const [i, got] of Array.from(second.dataSync()).entries()) expect(got).toBeCloseTo(want[i]!, 4);
    tf.dispose([x, second]);
  });

  it("lets a saved tensor outlive the tensor it was saved from", () => {
    shareSavedTensors();
    const x = tf.tensor1d([1, 2, 3]);
    const g = tf.tidy(() =>
      tf.grad((v: tf.Tensor) => {
        const e = tf.exp(v);
        const s = tf.sum(e);
        e.dispose(); // the gradient of exp reads its saved output: it must still be there
        return s as tf.Scalar;
      })(x),
    );
    expect(Array.from(g.dataSync())).toEqual(Array.from(tf.exp(x).dataSync()));
    tf.dispose([x, g]);
  });
});
