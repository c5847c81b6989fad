import { gammaConstants } from "@tailsweep/schemas";
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "./backend";
import { fusedStepActive, useFusedStep } from "./fused-reconstruction";
import {
  gammaRegularizerStep,
  gaussianRegularizerStep,
  LATENT_REGULARIZER_KERNEL,
} from "./fused-regularizer";
import { gammaRegularizer, gaussianRegularizer } from "./losses";
import type { NativeKernels } from "./native-kernels";
import { kernelsDuring, relativeError, useCpuBackend, wasmWithNativeKernels } from "./test-backend";

let kernels: NativeKernels;
let restore: () => Promise<void>;
beforeAll(async () => {
  ({ kernels, restore } = await wasmWithNativeKernels());
});
afterAll(() => restore());

const constants = gammaConstants({ nu: 5, n: 784, m: 16, sigma: 1 });

/** The regulariser's rows and its gradients in mu and logScale, under row weights (so each row's dy differs). */
function valueAndGrads(f: (mu: tf.Tensor2D, logScale: tf.Tensor2D) => tf.Tensor1D, rows: number, m: number) {
  const mu = tf.randomNormal([rows, m], 0, 1.5, "float32", 1) as tf.Tensor2D;
  // ℓ within the encoders' clip, around the γ-regulariser's minimum log τ0 so its determinant term is not negligible
  const logScale = tf.randomUniform(
    [rows, m],
    Math.log(constants.tau0) - 1,
    Math.log(constants.tau0) + 1,
    "float32",
    2,
  );
  const weights = tf.linspace(0.5, 2, rows);
  const value = tf.tidy(() => Array.from(f(mu, logScale as tf.Tensor2D).dataSync()));
  const [dMu, dLogScale] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
    tf.sum(tf.mul(weights, f(a as tf.Tensor2D, b as tf.Tensor2D))),
  )([mu, logScale]);
  const out = { value, dMu: Array.from(dMu!.dataSync()), dLogScale: Array.from(dLogScale!.dataSync()) };
  tf.dispose([mu, logScale, weights, dMu!, dLogScale!]);
  return out;
}

describe("the fused latent regularisers (eqs. R1, R2)", () => {
  it.for([
    ["γ-regulariser (R1)", (mu: tf.Tensor2D, l: tf.Tensor2D) => gammaRegularizerStep(mu, l, constants)],
    ["Gaussian KL (R2)", (mu: tf.Tensor2D, l: tf.Tensor2D) => gaussianRegularizerStep(mu, l)],
  ] as const)("%s: one kernel each way on wasm, matching tfjs's ops in value and both gradients", ([, f]) => {
    expect(fusedStepActive()).toBe(true);
    const seen = kernelsDuring(() => valueAndGrads(f, 70, 16));
    expect(seen.get(LATENT_REGULARIZER_KERNEL)).toBe(2);
    expect(seen.has("Exp")).toBe(false);
    const fused = valueAndGrads(f, 70, 16);
    useFusedStep(undefined);
    const ops = valueAndGrads(f, 70, 16);
    useFusedStep(kernels);
    expect(relativeError(fused.value, ops.value)).toBeLessThan(1e-6);
    expect(relativeError(fused.dMu, ops.dMu)).toBeLessThan(1e-6);
    expect(relativeError(fused.dLogScale, ops.dLogScale)).toBeLessThan(1e-5);
  });

  it("gives the same bits on 1 and 2 threads, and leaves no tensor behind", () => {
    const f = (mu: tf.Tensor2D, l: tf.Tensor2D) => gammaRegularizerStep(mu, l, constants);
    valueAndGrads(f, 5000, 16); // past the size at which the loops go parallel
    const before = tf.memory().numTensors;
    kernels.setThreads(1);
    const one = valueAndGrads(f, 5000, 16);
    kernels.setThreads(2);
    const two = valueAndGrads(f, 5000, 16);
    kernels.setThreads(1);
    expect(two).toEqual(one);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("keeps tfjs's ops, and their bits, off the wasm backend", async () => {
    await useCpuBackend();
    expect(fusedStepActive()).toBe(false);
    const mu = tf.randomNormal([6, 4], 0, 1, "float32", 4) as tf.Tensor2D;
    const l = tf.randomNormal([6, 4], 0, 0.5, "float32", 5) as tf.Tensor2D;
    const read = (t: tf.Tensor) => Array.from(t.dataSync());
    expect(tf.tidy(() => read(gammaRegularizerStep(mu, l, constants)))).toEqual(
      tf.tidy(() => read(gammaRegularizer(mu, l, constants))),
    );
    expect(tf.tidy(() => read(gaussianRegularizerStep(mu, l)))).toEqual(
      tf.tidy(() => read(gaussianRegularizer(mu, l))),
    );
    tf.dispose([mu, l]);
    await initBackend({ prefer: "wasm" });
  });
});
