import { createHash } from "node:crypto";
import { randomStream } from "@tailsweep/random";
import {
  type ModelConfigInput,
  ModelConfigSchema,
  TrainConfigSchema,
  VARIANT_OVERRIDES,
  type Variant,
} from "@tailsweep/schemas";
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LayerwiseAdam } from "./adam";
import { DistributionAlignment } from "./alignment";
import { type BackendName, initBackend } from "./backend";
import { decodeCheckpoint, encodeCheckpoint, type TrainingCheckpoint } from "./checkpoint";
import { type Batch, type ModelShape, MultimodalVae } from "./model";
import { syntheticDataset } from "./synthetic-dataset";
import { checkpointsUntilCrash } from "./test-backend";
import { evaluateModel, optimizerStep, type TrainResult, trainModel } from "./train";

// The long-tail baselines of docs/model.md §10: logit adjustment (eq. LA) and distribution alignment (eq. DA).

const small = { encoderWidths: [16], decoderWidths: [16], classifierWidths: [16], latentDim: 4 };
const model = (input: ModelConfigInput = {}) => ModelConfigSchema.parse({ ...small, ...input });
const variant = (name: Variant) => model(VARIANT_OVERRIDES[name]);
const quick = TrainConfigSchema.parse({
  epochs: 2,
  labeledBatchSize: 16,
  unlabeledBatchSize: 32,
  learningRate: 3e-3,
  seed: 3,
});

function weightsDigest(r: TrainResult): string {
  const h = createHash("sha256");
  for (const w of r.artifacts!.weights)
    h.update(new Uint8Array(w.values.buffer, w.values.byteOffset, w.values.byteLength));
  return h.digest("hex");
}

function outcome(r: TrainResult) {
  return {
    metrics: r.metrics,
    history: r.history.map(({ seconds: _, ...rest }) => rest),
    steps: r.steps,
    weights: r.artifacts?.weights,
    probabilities: r.artifacts?.testProbabilities,
  };
}

const shape = (labeledCounts = [20, 8, 3]): ModelShape => ({
  modalityDims: [8, 6],
  numClasses: 3,
  decoderOutputs: ["sigmoid", "sigmoid"],
  labeledCounts,
});

/** A labeled and an unlabeled batch of 5 rows of the two modalities (dims 8 and 6), 3 classes. */
function batches(): { labeled: Batch; unlabeled: Batch } {
  const r = randomStream(3, "test");
  const x = (n: number, d: number) =>
    tf.tensor2d(
      Float32Array.from({ length: n * d }, () => r.float()),
      [n, d],
    );
  return {
    labeled: {
      xs: [x(5, 8), x(5, 6)],
      yOneHot: tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1], "int32"), 3) as tf.Tensor2D,
    },
    unlabeled: { xs: [x(5, 8), x(5, 6)] },
  };
}

const disposeBatches = (b: { labeled: Batch; unlabeled: Batch }) =>
  tf.dispose([...b.labeled.xs, b.labeled.yOneHot!, ...b.unlabeled.xs]);

/** The four loss terms of one step, from a fresh sampling stream. */
function terms(m: MultimodalVae, b: { labeled: Batch; unlabeled: Batch }) {
  return tf.tidy(() => {
    const t = m.loss(b.labeled, b.unlabeled, { regWeight: 1, alpha: 0.5, rng: randomStream(9, "test") });
    return {
      labeled: t.labeled.dataSync()[0]!,
      unlabeled: t.unlabeled.dataSync()[0]!,
      classification: t.classification.dataSync()[0]!,
      classMeans: t.unlabeledClassMeans && Array.from(t.unlabeledClassMeans.dataSync()),
    };
  });
}

const rows = (t: tf.Tensor2D) => t.arraySync();

beforeAll(async () => {
  await initBackend({ prefer: "cpu" });
});

describe("the default configuration is untouched by the baselines' knobs", () => {
  // Recorded on the cpu backend with the code as it was before logitAdjustment and distributionAlignment existed
  // (commit 0e3f7fe): every epoch's loss terms and a digest of the final weights, for the proposed model and the
  // supervised-only one. A change that moves them changes every stored result's reproduction: update them only then.
  const before: [ModelConfigInput, number[][], string][] = [
    [
      {},
      [
        [5.963120142618815, 4.375197728474935, 1.1221561829249065, 3.1051084200541177],
        [5.662379821141561, 4.2157401243845625, 1.0021889011065166, 2.9630053838094077],
      ],
      "67042615731868e51174c035d0b292f9b03718f9d86ea7f5164cf69ecf3e4b90",
    ],
    [
      { objective: "supervised-only" },
      [
        [3.3659995794296265, 0, 0, 3.3659995794296265],
        [2.928359270095825, 0, 0, 2.928359270095825],
      ],
      "d56de06bdf48f4f98afd7d05122eec9e1c139b5faee64347bdfe249188b24f10",
    ],
  ];

  it.for(before)("trains bit for bit as before the knobs existed (%o)", async ([input, losses, digest]) => {
    const r = await trainModel(syntheticDataset(), model(input), quick, { artifacts: true });
    expect(
      r.history.map((h) => [h.loss.total, h.loss.labeled, h.loss.unlabeled, h.loss.classification]),
    ).toEqual(losses);
    expect(weightsDigest(r)).toBe(digest);
  });

  it("leaves both knobs out of the resolved config, and logitAdjustment: 0 is the same path as none", async () => {
    expect(Object.keys(model())).not.toContain("logitAdjustment");
    expect(Object.keys(model())).not.toContain("distributionAlignment");
    const none = await trainModel(syntheticDataset(), model(), quick, { artifacts: true });
    const zero = await trainModel(syntheticDataset(), model({ logitAdjustment: 0 }), quick, {
      artifacts: true,
    });
    expect(outcome(zero)).toEqual(outcome(none));
  });

  it("packs four numbers per step without alignment, as before, and the class means after them with it", () => {
    for (const [config, length] of [
      [model(), 4],
      [variant("aligned"), 4 + 3 * 3],
    ] as const) {
      const m = new MultimodalVae(config, shape(), randomStream(1, "test"));
      const b = batches();
      const optimizer = new LayerwiseAdam(1e-3);
      const packed = optimizerStep(optimizer, m.variables(), () =>
        m.loss(b.labeled, b.unlabeled, { regWeight: 1, alpha: 0.5, rng: randomStream(9, "test") }),
      );
      expect(packed.shape).toEqual([length]);
      packed.dispose();
      optimizer.dispose();
      m.dispose();
      disposeBatches(b);
    }
  });
});

describe("logit adjustment (docs/model.md eq. LA)", () => {
  it("changes the classification term alone, by the hand formula, and neither the logits nor the other terms", () => {
    const b = batches();
    const plain = new MultimodalVae(model(), shape(), randomStream(1, "test"));
    const adjusted = new MultimodalVae(variant("logit-adjusted"), shape(), randomStream(1, "test"));
    const p = terms(plain, b);
    const a = terms(adjusted, b);
    // the same weights: the same predictions (inference reads the raw logits) and the same generative terms
    expect(rows(tf.tidy(() => adjusted.classifierLogits(b.unlabeled.xs, [0, 1])))).toEqual(
      rows(tf.tidy(() => plain.classifierLogits(b.unlabeled.xs, [0, 1]))),
    );
    expect([a.labeled, a.unlabeled]).toEqual([p.labeled, p.unlabeled]);
    // Σ over the trained subsets of mean_i −log softmax(f(x_i) + log π)_{y_i}, π = (20, 8, 3)/31
    const logPi = [20, 8, 3].map((c) => Math.log(c / 31));
    const labels = [0, 1, 2, 0, 1];
    let expected = 0;
    for (const S of adjusted.subsets) {
      const f = rows(tf.tidy(() => adjusted.classifierLogits(b.labeled.xs, S)));
      expected +=
        f.reduce((s, row, i) => {
          const z = row.map((v, c) => v + logPi[c]!);
          const logSum = Math.log(z.reduce((t, v) => t + Math.exp(v), 0));
          return s + logSum - z[labels[i]!]!;
        }, 0) / labels.length;
    }
    expect(a.classification).toBeCloseTo(expected, 5);
    expect(Math.abs(a.classification - p.classification)).toBeGreaterThan(0.05);
    for (const m of [plain, adjusted]) m.dispose();
    disposeBatches(b);
  });

  it("counts a class without labeled rows as one, so its offset stays finite", () => {
    const b = batches();
    const m = new MultimodalVae(variant("logit-adjusted"), shape([20, 8, 0]), randomStream(1, "test"));
    expect(Number.isFinite(terms(m, b).classification)).toBe(true);
    m.dispose();
    disposeBatches(b);
  });
});

describe("distribution alignment (docs/model.md eq. DA)", () => {
  it("hands back the step's class means of q per subset, for the running averages", () => {
    const b = batches();
    const m = new MultimodalVae(variant("aligned"), shape(), randomStream(1, "test"));
    const { classMeans } = terms(m, b);
    const expected = m.subsets.flatMap((S) =>
      Array.from(tf.tidy(() => tf.mean(tf.softmax(m.classifierLogits(b.unlabeled.xs, S)), 0)).dataSync()),
    );
    expect(classMeans).toHaveLength(3 * 3);
    for (const [i, v] of classMeans!.entries()) expect(v).toBeCloseTo(expected[i]!, 6);
    m.dispose();
    disposeBatches(b);
  });

  it("is the proposed model's loss while the weights are 1, and moves only the unlabeled term after", () => {
    const b = batches();
    const plain = new MultimodalVae(model(), shape(), randomStream(1, "test"));
    const aligned = new MultimodalVae(variant("aligned"), shape(), randomStream(1, "test"));
    // the running averages start at the target: w = 1
    expect(
      aligned
        .alignment!.logWeights()
        .flat()
        .every((v) => v === 0),
    ).toBe(true);
    const p = terms(plain, b);
    const start = terms(aligned, b);
    expect([start.labeled, start.classification]).toEqual([p.labeled, p.classification]);
    expect(start.unlabeled).toBeCloseTo(p.unlabeled, 5);
    // a classifier that gave every unlabeled row to the head class, for 64 steps, over-predicts it: the guesses shift
    for (let i = 0; i < 64; i++) aligned.alignment!.update(Float32Array.from([1, 0, 0, 1, 0, 0, 1, 0, 0]));
    const [wHead, wMid, wTail] = aligned.alignment!.logWeights()[0]!.map(Math.exp);
    expect(wHead).toBeLessThan(1);
    expect(Math.min(wMid!, wTail!)).toBeGreaterThan(1);
    const moved = terms(aligned, b);
    expect([moved.labeled, moved.classification]).toEqual([p.labeled, p.classification]);
    expect(Math.abs(moved.unlabeled - p.unlabeled)).toBeGreaterThan(1e-3);
    for (const m of [plain, aligned]) m.dispose();
    disposeBatches(b);
  });

  it("holds no alignment state without the unlabeled term (supervised-only)", () => {
    const m = new MultimodalVae(
      model({ distributionAlignment: "labeled-prior", objective: "supervised-only" }),
      shape(),
      randomStream(1, "test"),
    );
    expect(m.alignment).toBeUndefined();
    m.dispose();
  });
});

describe.each<Variant>(["logit-adjusted", "aligned"])("the %s variant", (name) => {
  it("trains and evaluates on the synthetic data set and leaks no tensor doing either", async () => {
    const ds = syntheticDataset();
    const before = tf.memory().numTensors;
    const r = await trainModel(ds, variant(name), TrainConfigSchema.parse({ ...quick, epochs: 6 }));
    expect(tf.memory().numTensors).toBe(before);
    expect(r.history.every((h) => Number.isFinite(h.loss.total))).toBe(true);
    expect(r.metrics.test.balancedAccuracy).toBeGreaterThan(0.5);
    expect(r.metrics.perModality).toHaveLength(2);
    expect(r.metrics.pseudoLabels!.predictedShare.reduce((a, s) => a + s, 0)).toBeCloseTo(1, 6);
    expect(r.model).toMatchObject(VARIANT_OVERRIDES[name]);
    const m = new MultimodalVae(
      variant(name),
      { ...shape(ds.counts.labeled), decoderOutputs: ["sigmoid", "sigmoid"] },
      randomStream(1, "test"),
    );
    const beforeEvaluate = tf.memory().numTensors;
    await evaluateModel(m, ds);
    expect(tf.memory().numTensors).toBe(beforeEvaluate);
    m.dispose();
  });
});

describe("resuming an aligned run from a checkpoint", () => {
  const aligned = variant("aligned");
  const train = TrainConfigSchema.parse({ ...quick, epochs: 4, evalEvery: 1, seed: 7 });

  async function savedUntilCrash(crashAfter: number, backend?: TrainResult["backend"]) {
    const saved = await checkpointsUntilCrash(
      (hooks) => trainModel(syntheticDataset(), aligned, train, { ...(backend && { backend }), ...hooks }),
      crashAfter,
    );
    return saved.map((c) => decodeCheckpoint(encodeCheckpoint(c)));
  }

  afterAll(async () => {
    await initBackend({ prefer: "cpu" });
  });

  const backends: BackendName[] = ["cpu", "wasm"];
  it.for(backends)("reaches bit-identical metrics, weights and history on %s", async (name) => {
    const info = await initBackend({ prefer: name });
    const backend = { name: info.name, detail: info.detail };
    const uninterrupted = await trainModel(syntheticDataset(), aligned, train, { backend, artifacts: true });
    const saved = await savedUntilCrash(3, backend);
    const latest = saved.at(-1)!;
    expect(latest.epoch).toBe(2);
    // the running averages are part of the state, and have moved from their start
    const state = latest.alignment!;
    expect(state).toMatchObject({ subsets: 3, classes: 3, window: 128, next: latest.steps % 128 });
    const start = new DistributionAlignment(3, [40 / 62, 16 / 62, 6 / 62]).state().values;
    expect(state.values).not.toEqual(start);
    const before = tf.memory().numTensors;
    const resumed = await trainModel(syntheticDataset(), aligned, train, {
      backend,
      artifacts: true,
      resumeFrom: latest,
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(resumed.resumed?.fromEpoch).toBe(2);
    expect(outcome(resumed)).toEqual(outcome(uninterrupted));
  });

  it("does not reach the same end when the averages are not restored: they are state that matters", async () => {
    const uninterrupted = await trainModel(syntheticDataset(), aligned, train, {});
    const latest = (await savedUntilCrash(3)).at(-1)!;
    const fresh = new DistributionAlignment(3, [40 / 62, 16 / 62, 6 / 62]).state();
    const reset = await trainModel(syntheticDataset(), aligned, train, {
      resumeFrom: { ...latest, alignment: fresh },
    });
    expect(reset.resumed?.fromEpoch).toBe(2);
    expect(reset.history.at(-1)!.loss).not.toEqual(uninterrupted.history.at(-1)!.loss);
  });

  it("refuses a checkpoint without the state, or with a state that does not fit, and starts over", async () => {
    const latest = (await savedUntilCrash(2)).at(-1)!;
    const { alignment, ...withoutState } = latest;
    const cases: [string, TrainingCheckpoint, RegExp][] = [
      ["no state", withoutState, /lacks the distribution-alignment state/],
      ["a slot out of range", { ...latest, alignment: { ...alignment!, next: 128 } }, /next slot 128/],
      [
        "too few values",
        { ...latest, alignment: { ...alignment!, values: alignment!.values.subarray(3) } },
        /values/,
      ],
    ];
    for (const [what, checkpoint, reason] of cases) {
      const before = tf.memory().numTensors;
      const r = await trainModel(syntheticDataset(), aligned, train, { resumeFrom: checkpoint });
      expect(r.resumeRefused, what).toMatch(reason);
      expect(r.history, what).toHaveLength(train.epochs);
      expect(tf.memory().numTensors, what).toBe(before);
    }
  });

  it("refuses alignment state in a checkpoint of a run without alignment", async () => {
    const saved = await checkpointsUntilCrash(
      (hooks) => trainModel(syntheticDataset(), model(), train, hooks),
      2,
    );
    const withState = { ...saved[0]!, alignment: new DistributionAlignment(3, [0.5, 0.3, 0.2]).state() };
    const r = await trainModel(syntheticDataset(), model(), train, { resumeFrom: withState });
    expect(r.resumeRefused).toMatch(/distribution-alignment state this run does not use/);
  });

  it("round-trips the state through the encoding, and still reads a format-2 checkpoint", async () => {
    const latest = (await savedUntilCrash(2)).at(-1)!;
    expect(decodeCheckpoint(encodeCheckpoint(latest))).toEqual(latest);
    const { alignment: _, ...plain } = latest;
    const bytes = encodeCheckpoint(plain);
    expect(new DataView(bytes.buffer).getUint32(4, true)).toBe(3);
    // without the state the layout is format 2's: a checkpoint an earlier version wrote reads back the same
    new DataView(bytes.buffer).setUint32(4, 2, true);
    expect(decodeCheckpoint(bytes)).toEqual(plain);
  });
});
