import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "./backend";
import { PRODUCT_OF_EXPERTS_KERNEL, productOfExpertsStep } from "./fused-poe";
import { fusedStepActive, useFusedStep } from "./fused-reconstruction";
import type { NativeKernels } from "./native-kernels";
import { type Expert, productOfExperts } from "./poe";
import { kernelsDuring, relativeError, useCpuBackend, wasmWithNativeKernels } from "./test-backend";

let kernels: NativeKernels;
let restore: () => Promise<void>;
beforeAll(async () => {
  ({ kernels, restore } = await wasmWithNativeKernels());
});
afterAll(() => restore());

/** The product's mu and log-scale, and the gradients of a weighted sum of both in every expert's mu and ℓ. */
function valueAndGrads(count: number, prior: { logScale: number } | undefined, rows = 37, m = 5) {
  const inputs = Array.from({ length: count }, (_, k) => [
    tf.randomNormal([rows, m], 0, 1, "float32", 10 + k) as tf.Tensor2D,
    tf.randomUniform([rows, m], -3, 3, "float32", 20 + k) as tf.Tensor2D,
  ]).flat();
  const [wMu, wL] = [
    tf.randomNormal([rows, m], 0, 1, "float32", 1),
    tf.randomNormal([rows, m], 0, 1, "float32", 2),
  ];
  const experts = (ts: tf.Tensor[]): Expert[] =>
    Array.from({ length: count }, (_, k) => ({
      mu: ts[2 * k] as tf.Tensor2D,
      logScale: ts[2 * k + 1] as tf.Tensor2D,
    }));
  const value = tf.tidy(() => {
    const p = productOfExpertsStep(experts(inputs), prior);
    return [Array.from(p.mu.dataSync()), Array.from(p.logScale.dataSync())];
  });
  const grads = tf.grads((...ts: tf.Tensor[]) => {
    const p = productOfExpertsStep(experts(ts), prior);
    return tf.add(tf.sum(tf.mul(p.mu, wMu)), tf.sum(tf.mul(p.logScale, wL)));
  })(inputs);
  const out = { value, grads: grads.map((g) => Array.from(g.dataSync())) };
  tf.dispose([...inputs, wMu, wL, ...grads]);
  return out;
}

describe("the fused product of experts (eq. P1)", () => {
  it.for([
    [2, { logScale: -1.3 }],
    [1, { logScale: 0 }],
    [3, undefined],
  ] as const)("%i experts, prior %o: one kernel each way on wasm, matching tfjs's ops", ([count, prior]) => {
    expect(fusedStepActive()).toBe(true);
    const seen = kernelsDuring(() => valueAndGrads(count, prior));
    expect(seen.get(PRODUCT_OF_EXPERTS_KERNEL)).toBe(2);
    expect(seen.has("Exp") || seen.has("Log") || seen.has("Fill")).toBe(false);
    const before = tf.memory().numTensors;
    const fused = valueAndGrads(count, prior);
    expect(tf.memory().numTensors).toBe(before);
    useFusedStep(undefined);
    const ops = valueAndGrads(count, prior);
    useFusedStep(kernels);
    for (const i of [0, 1]) expect(relativeError(fused.value[i]!, ops.value[i]!)).toBeLessThan(1e-6);
    expect(fused.grads).toHaveLength(2 * count);
    for (const [i, g] of fused.grads.entries()) expect(relativeError(g, ops.grads[i]!)).toBeLessThan(1e-5);
  });

  it("keeps tfjs's ops, and their bits, off the wasm backend", async () => {
    await useCpuBackend();
    expect(fusedStepActive()).toBe(false);
    const mu = tf.randomNormal([4, 3], 0, 1, "float32", 4) as tf.Tensor2D;
    const logScale = tf.randomNormal([4, 3], 0, 0.5, "float32", 5) as tf.Tensor2D;
    const read = (e: Expert) => [Array.from(e.mu.dataSync()), Array.from(e.logScale.dataSync())];
    const step = tf.tidy(() => read(productOfExpertsStep([{ mu, logScale }], { logScale: -0.7 })));
    const ops = tf.tidy(() =>
      read(
        productOfExperts([
          { mu, logScale },
          { mu: tf.zerosLike(mu), logScale: tf.fill([4, 3], -0.7) as tf.Tensor2D },
        ]),
      ),
    );
    expect(step).toEqual(ops);
    tf.dispose([mu, logScale]);
    await initBackend({ prefer: "wasm" });
  });
});
