import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { ALIGNMENT_WINDOW, alignmentLogWeights, DistributionAlignment, labeledPrior } from "./alignment";
import { useCpuBackend } from "./test-backend";

beforeAll(useCpuBackend);

describe("distribution alignment's weights (docs/model.md eq. DA)", () => {
  it("takes the labeled class frequencies as the target p̃", () => {
    expect(labeledPrior([6, 3, 1])).toEqual([0.6, 0.3, 0.1]);
    expect(labeledPrior([0, 4])).toEqual([0, 1]);
    expect(labeledPrior([0, 0])).toEqual([0.5, 0.5]);
  });

  it("rescales q by p̃/p̂ and renormalises, by hand", () => {
    // p̃ = (0.6, 0.3, 0.1), p̂ = (0.8, 0.15, 0.05): the model over-predicts the head class, so w ≈ (0.75, 2, 2).
    const logW = alignmentLogWeights([0.6, 0.3, 0.1], [0.8, 0.15, 0.05]);
    expect(logW.map(Math.exp)).toEqual([
      expect.closeTo(0.600001 / 0.800001, 12),
      expect.closeTo(0.300001 / 0.150001, 12),
      expect.closeTo(0.100001 / 0.050001, 12),
    ]);
    // q = (0.5, 0.3, 0.2): q·w = (0.375, 0.6, 0.4), sum 1.375, q̃ = (0.2727, 0.4364, 0.2909)
    const hand = [0.375, 0.6, 0.4].map((v) => v / 1.375);
    // …which the model computes as softmax(f + log w) on the logits f = log q
    const aligned = tf.tidy(() =>
      Array.from(
        tf.softmax(tf.add(tf.tensor1d([0.5, 0.3, 0.2].map(Math.log)), tf.tensor1d(logW))).dataSync(),
      ),
    );
    for (const [c, v] of hand.entries()) expect(aligned[c]).toBeCloseTo(v, 5);
    // a model that already predicts the target is left alone: w = 1 exactly
    expect(alignmentLogWeights([0.6, 0.3, 0.1], [0.6, 0.3, 0.1])).toEqual([0, 0, 0]);
  });

  it("gives a class without labeled rows a weight of about 0", () => {
    const [w0] = alignmentLogWeights([0, 1], [0.5, 0.5]).map(Math.exp);
    expect(w0).toBeCloseTo(1e-6 / 0.500001, 12);
  });
});

describe("the running average p̂ (ReMixMatch's 128-batch buffer)", () => {
  it("starts at the target, weights 1, and takes in one batch mean per step, the oldest of 128 falling out", () => {
    const da = new DistributionAlignment(1, [0.75, 0.25]);
    expect(da.window).toBe(ALIGNMENT_WINDOW);
    expect(da.average(0)).toEqual([0.75, 0.25]);
    expect(da.logWeights()).toEqual([[0, 0]]);
    da.update(Float32Array.from([0.9, 0.1]));
    // (127·0.75 + 0.9)/128 and (127·0.25 + 0.1)/128, the batch mean held in float32
    expect(da.average(0)[0]).toBeCloseTo((127 * 0.75 + 0.9) / 128, 8);
    expect(da.average(0)[1]).toBeCloseTo((127 * 0.25 + 0.1) / 128, 8);
    expect(da.logWeights()[0]).toEqual(alignmentLogWeights([0.75, 0.25], da.average(0)));
    for (let i = 1; i < ALIGNMENT_WINDOW; i++) da.update(Float32Array.from([0.7, 0.3]));
    // 128 batches in: the uniform start is gone; the next one pushes out the first batch's mean
    expect(da.state().next).toBe(0);
    expect(da.average(0)[0]).toBeCloseTo((Math.fround(0.9) + 127 * Math.fround(0.7)) / 128, 7);
    da.update(Float32Array.from([0.7, 0.3]));
    expect(da.average(0)[0]).toBeCloseTo(Math.fround(0.7), 7);
    expect(da.state().next).toBe(1);
  });

  it("keeps one buffer per trained subset, in the model's subset order", () => {
    const da = new DistributionAlignment(2, [0.5, 0.5]);
    da.update(Float32Array.from([1, 0, 0, 1]));
    expect(da.average(0)[0]).toBeGreaterThan(0.5);
    expect(da.average(1)[0]).toBeLessThan(0.5);
    expect(() => da.update(Float32Array.from([1, 0]))).toThrow(/2 batch means where 2×2 are needed/);
  });

  it("restores a saved state exactly, and names what does not fit", () => {
    const da = new DistributionAlignment(2, [0.5, 0.5]);
    for (let i = 0; i < 5; i++) da.update(Float32Array.from([0.1 * i, 1 - 0.1 * i, 0.3, 0.7]));
    const saved = da.state();
    const other = new DistributionAlignment(2, [0.5, 0.5]);
    other.restore(saved);
    expect(other.state()).toEqual(saved);
    expect(other.logWeights()).toEqual(da.logWeights());
    // the state is a copy: updating one leaves the other
    da.update(Float32Array.from([1, 0, 1, 0]));
    expect(other.state()).toEqual(saved);
    expect(other.stateProblem({ ...saved, subsets: 3 })).toMatch(/3 subsets × 2 classes × 128 batches/);
    expect(other.stateProblem({ ...saved, next: 128 })).toMatch(/next slot 128/);
    expect(other.stateProblem({ ...saved, values: saved.values.subarray(1) })).toMatch(/511 values/);
    const negative = saved.values.slice();
    negative[3] = -1;
    expect(other.stateProblem({ ...saved, values: negative })).toMatch(/no probability/);
    expect(() => other.restore({ ...saved, next: -1 })).toThrow(/cannot restore/);
  });
});
