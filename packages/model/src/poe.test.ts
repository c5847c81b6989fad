import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { productOfExperts } from "./poe";
import { useCpuBackend } from "./test-backend";

beforeAll(useCpuBackend);

describe("productOfExperts", () => {
  it("reproduces the test vector of docs/model.md §4: (1, 1) ∘ (3, 3) → (1.5, 0.75)", () => {
    const out = productOfExperts([
      { mu: tf.tensor2d([[1]]), logScale: tf.tensor2d([[Math.log(1)]]) },
      { mu: tf.tensor2d([[3]]), logScale: tf.tensor2d([[Math.log(3)]]) },
    ]);
    expect(out.mu.dataSync()[0]).toBeCloseTo(1.5, 6);
    expect(Math.exp(out.logScale.dataSync()[0]!)).toBeCloseTo(0.75, 6);
  });

  it("lets a confident expert dominate and stays finite for extreme scales", () => {
    const out = productOfExperts([
      { mu: tf.tensor2d([[5, 0]]), logScale: tf.tensor2d([[-30, 30]]) },
      { mu: tf.tensor2d([[-5, 2]]), logScale: tf.tensor2d([[30, 30]]) },
    ]);
    const mu = out.mu.dataSync();
    const ls = out.logScale.dataSync();
    expect(mu[0]).toBeCloseTo(5, 4);
    expect(mu[1]).toBeCloseTo(1, 4);
    expect(ls[0]).toBeCloseTo(-30, 4);
    expect(ls[1]).toBeCloseTo(30 - Math.log(2), 4);
  });

  it("frees its intermediates", () => {
    const experts = [0, 1, 2].map(() => ({
      mu: tf.randomNormal([4, 3]) as tf.Tensor2D,
      logScale: tf.zeros([4, 3]) as tf.Tensor2D,
    }));
    const before = tf.memory().numTensors;
    const out = productOfExperts(experts);
    expect(tf.memory().numTensors).toBe(before + 2);
    out.mu.dispose();
    out.logScale.dispose();
  });
});
