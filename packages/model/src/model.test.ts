import { randomStream } from "@tailsweep/random";
import { ModelConfigSchema, tiedGamma } from "@tailsweep/schemas";
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { type Batch, gammaObservedDims, MultimodalVae } from "./model";
import { useCpuBackend } from "./test-backend";

beforeAll(useCpuBackend);

const shape = {
  modalityDims: [8, 6],
  numClasses: 3,
  decoderOutputs: ["sigmoid", "sigmoid"] as const,
  labeledCounts: [20, 8, 3],
};
const small = { encoderWidths: [12], decoderWidths: [12], classifierWidths: [12], latentDim: 4 };

function batches(rows: number): { labeled: Batch; unlabeled: Batch } {
  const r = randomStream(3, "test");
  const x = (n: number, d: number) =>
    tf.tensor2d(
      Float32Array.from({ length: n * d }, () => r.float()),
      [n, d],
    );
  return {
    labeled: {
      xs: [x(rows, 8), x(rows, 6)],
      yOneHot: tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1].slice(0, rows), "int32"), 3) as tf.Tensor2D,
    },
    unlabeled: { xs: [x(rows, 8), x(rows, 6)] },
  };
}

function lossValue(model: MultimodalVae, b: { labeled: Batch; unlabeled: Batch }, seed: number): number[] {
  return tf.tidy(() => {
    const t = model.loss(b.labeled, b.unlabeled, {
      regWeight: 1,
      alpha: 0.5,
      rng: randomStream(seed, "test"),
    });
    return [t.total, t.labeled, t.unlabeled, t.classification].map((s) => s.dataSync()[0]!);
  });
}

describe("MultimodalVae", () => {
  it("gives the tied loss when γ is set explicitly to −2/(ν+n+m)", () => {
    const b = batches(5);
    const tied = new MultimodalVae(
      ModelConfigSchema.parse({ ...small, subsets: "joint", nu: 7 }),
      { ...shape, decoderOutputs: [...shape.decoderOutputs] },
      randomStream(1, "test"),
    );
    const explicit = new MultimodalVae(
      ModelConfigSchema.parse({ ...small, subsets: "joint", nu: 7, gamma: tiedGamma(7, 14, 4) }),
      { ...shape, decoderOutputs: [...shape.decoderOutputs] },
      randomStream(1, "test"),
    );
    const a = lossValue(tied, b, 9);
    const e = lossValue(explicit, b, 9);
    for (const [i, v] of a.entries()) expect(e[i]).toBeCloseTo(v, 5);
    // …and a different γ changes it.
    const other = new MultimodalVae(
      ModelConfigSchema.parse({ ...small, subsets: "joint", nu: 7, gamma: -0.3 }),
      { ...shape, decoderOutputs: [...shape.decoderOutputs] },
      randomStream(1, "test"),
    );
    expect(Math.abs(lossValue(other, b, 9)[1]! - a[1]!)).toBeGreaterThan(1e-3);
    for (const m of [tied, explicit, other]) m.dispose();
    tf.dispose([...b.labeled.xs, b.labeled.yOneHot!, ...b.unlabeled.xs]);
  });

  it("computes the γ-loss constants at the observed dimensions gammaObservedDims names for its data", () => {
    const b = batches(5);
    const dims = [...shape.modalityDims];
    const cases = [{ subsets: "joint" }, { subsets: "joint-and-singles" }, { gammaDimension: "full" }];
    for (const knobs of cases) {
      const config = ModelConfigSchema.parse({ ...small, ...knobs, nu: 7, gamma: -0.01 });
      const model = new MultimodalVae(
        config,
        { ...shape, decoderOutputs: [...shape.decoderOutputs] },
        randomStream(1, "t"),
      );
      const constants = vi.spyOn(model, "constants");
      lossValue(model, b, 9);
      // the n each call's constants were computed at (with `full` the model replaces the n it is asked for)
      const used = [...new Set(constants.mock.results.map((r) => r.value.n))];
      expect(used.sort((x, y) => x - y)).toEqual([...gammaObservedDims(config, dims)!].sort((x, y) => x - y));
      model.dispose();
    }
    expect(
      gammaObservedDims(ModelConfigSchema.parse({ ...small, subsets: "joint-and-singles" }), dims),
    ).toEqual([14, 8, 6]);
    expect(gammaObservedDims(ModelConfigSchema.parse({ ...small, gammaDimension: "full" }), dims)).toEqual([
      14,
    ]);
    expect(gammaObservedDims(ModelConfigSchema.parse({ ...small, modalities: [1] }), dims)).toEqual([6]);
    // a modality the data set does not have: no dimensions (the model's own error names the index)
    expect(
      gammaObservedDims(ModelConfigSchema.parse({ ...small, modalities: [0, 2] }), dims),
    ).toBeUndefined();
    tf.dispose([...b.labeled.xs, b.labeled.yOneHot!, ...b.unlabeled.xs]);
  });

  it("refuses, when it first needs the γ-loss's constants, an explicit γ that cannot train, as a launch does", () => {
    const b = batches(5);
    // γ ≤ −2/(m+2) = −1/3 leaves (R1) no minimum at latentDim 4 (docs/model.md §3, E1)
    const model = new MultimodalVae(
      ModelConfigSchema.parse({ ...small, subsets: "joint", nu: 7, gamma: -0.34 }),
      { ...shape, decoderOutputs: [...shape.decoderOutputs] },
      randomStream(1, "test"),
    );
    const before = tf.memory().numTensors;
    expect(() => lossValue(model, b, 9)).toThrow(
      expect.objectContaining({
        code: "CONFIG_INVALID",
        problems: [
          expect.stringMatching(
            /^model\.gamma: -0\.34 cannot train at ν = 7, n = 14, latentDim 4, σ = 1: the regulariser \(R1\) has no minimum.*must lie in \[-0\.3333, 0\)/,
          ),
        ],
      }),
    );
    expect(tf.memory().numTensors).toBe(before);
    // a model whose loss has no γ in it trains with the same value
    const kl = new MultimodalVae(
      ModelConfigSchema.parse({ ...small, subsets: "joint", nu: 7, gamma: -0.34, regularizer: "kl" }),
      { ...shape, decoderOutputs: [...shape.decoderOutputs] },
      randomStream(1, "test"),
    );
    expect(lossValue(kl, b, 9).every(Number.isFinite)).toBe(true);
    for (const m of [model, kl]) m.dispose();
    tf.dispose([...b.labeled.xs, b.labeled.yOneHot!, ...b.unlabeled.xs]);
  });

  it.each([
    ["proposed", {}],
    ["gaussian", { likelihood: "gaussian" }],
    ["concat", { fusion: "concat", classifier: "concat" }],
    ["mixture", { fusion: "mixture" }],
    ["no label in encoder", { encoderTakesLabel: false }],
    ["single modality", { modalities: [1] }],
    ["supervised-only", { objective: "supervised-only" }],
    ["logit-adjusted", { logitAdjustment: 1 }],
    ["aligned", { distributionAlignment: "labeled-prior" }],
    ["both baselines", { logitAdjustment: 1, distributionAlignment: "labeled-prior" }],
    ["student-t-kl", { regularizer: "kl" }],
    ["gaussian-matched", { likelihood: "gaussian", regularizer: "matched-variance" }],
    ["concat-fusion", { fusion: "concat" }],
    ["student-t-kl, mixture", { regularizer: "kl", fusion: "mixture" }],
  ])("has finite gradients for every variable (%s) and leaks nothing", (_, override) => {
    const b = batches(5);
    const model = new MultimodalVae(
      ModelConfigSchema.parse({ ...small, ...override }),
      { ...shape, decoderOutputs: [...shape.decoderOutputs] },
      randomStream(2, "test"),
    );
    // A batch carries the used modalities only.
    const used = (xs: tf.Tensor2D[]) => model.modalities.map((k) => xs[k]!);
    const labeled = { xs: used(b.labeled.xs), yOneHot: b.labeled.yOneHot! };
    const unlabeled = { xs: used(b.unlabeled.xs) };
    const before = tf.memory().numTensors;
    const { value, grads } = tf.variableGrads(
      () => model.loss(labeled, unlabeled, { regWeight: 1, alpha: 1, rng: randomStream(5, "test") }).total,
      model.variables(),
    );
    expect(Number.isFinite(value.dataSync()[0])).toBe(true);
    const names = Object.keys(grads);
    expect(names.length).toBe(model.variables().length);
    let nonZero = 0;
    for (const g of Object.values(grads)) {
      const v = g.dataSync();
      expect(v.every(Number.isFinite)).toBe(true);
      if (v.some((x) => x !== 0)) nonZero++;
    }
    expect(nonZero).toBe(names.length);
    tf.dispose([value, ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
    tf.dispose([...b.labeled.xs, b.labeled.yOneHot!, ...b.unlabeled.xs]);
  });

  it.each([
    ["student-t", {}],
    ["gaussian", { likelihood: "gaussian" }],
  ])(
    "with posterior: mean (%s), gives a loss that no seed changes, and one the draws do change",
    (_, override) => {
      const b = batches(5);
      const model = new MultimodalVae(
        ModelConfigSchema.parse({ ...small, ...override }),
        { ...shape, decoderOutputs: [...shape.decoderOutputs] },
        randomStream(2, "test"),
      );
      const total = (seed: number, posterior?: "mean") =>
        tf.tidy(
          () =>
            model
              .loss(b.labeled, b.unlabeled, {
                regWeight: 1,
                alpha: 1,
                rng: randomStream(seed, "test"),
                ...(posterior && { posterior }),
              })
              .total.dataSync()[0]!,
        );
      const before = tf.memory().numTensors;
      expect(total(1, "mean")).toBe(total(2, "mean"));
      expect(total(1)).not.toBe(total(2));
      expect(total(1)).not.toBe(total(1, "mean"));
      expect(tf.memory().numTensors).toBe(before);
      model.dispose();
      tf.dispose([...b.labeled.xs, b.labeled.yOneHot!, ...b.unlabeled.xs]);
    },
  );

  it("trains the joint subset plus each single modality (MVAE sub-sampling)", () => {
    const model = new MultimodalVae(
      ModelConfigSchema.parse(small),
      { ...shape, decoderOutputs: [...shape.decoderOutputs] },
      randomStream(2, "test"),
    );
    expect(model.subsets).toEqual([[0, 1], [0], [1]]);
    model.dispose();
  });

  it("rejects a modality index the data set does not have", () => {
    expect(
      () =>
        new MultimodalVae(
          ModelConfigSchema.parse({ ...small, modalities: [2] }),
          { ...shape, decoderOutputs: [...shape.decoderOutputs] },
          randomStream(2, "test"),
        ),
    ).toThrow(/modalities: index 2 is out of range; the data set has 2 modalities/);
  });
});
