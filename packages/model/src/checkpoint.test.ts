import { ModelConfigSchema, TrainConfigSchema } from "@tailsweep/schemas";
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, describe, expect, it } from "vitest";
import { type BackendName, initBackend } from "./backend";
import { decodeCheckpoint, encodeCheckpoint, encodeWeights, type TrainingCheckpoint } from "./checkpoint";
import { syntheticDataset } from "./synthetic-dataset";
import { checkpointsUntilCrash } from "./test-backend";
import { type TrainHooks, type TrainResult, trainModel } from "./train";

const model = ModelConfigSchema.parse({
  encoderWidths: [16],
  decoderWidths: [16],
  classifierWidths: [16],
  latentDim: 4,
});
// Four epochs with a test evaluation on the way, so the resumed half also re-evaluates and cycles labeled rows.
const train = TrainConfigSchema.parse({
  epochs: 4,
  labeledBatchSize: 16,
  unlabeledBatchSize: 32,
  learningRate: 3e-3,
  evalEvery: 1,
  seed: 7,
});

/** What must be the same bit for bit: every metric, every epoch's losses and test numbers, the step count. */
function outcome(r: TrainResult) {
  return {
    metrics: r.metrics,
    history: r.history.map(({ seconds: _, ...rest }) => rest),
    steps: r.steps,
    weights: r.artifacts?.weights,
    probabilities: r.artifacts?.testProbabilities,
  };
}

/** Trains, saving checkpoints, and "crashes" after `crashAfter` epochs by throwing from the epoch hook. */
async function trainUntilCrash(crashAfter: number, backend: TrainHooks["backend"]): Promise<Uint8Array[]> {
  const saved = await checkpointsUntilCrash(
    (hooks) => trainModel(syntheticDataset(), model, train, { backend, ...hooks }),
    crashAfter,
  );
  return saved.map(encodeCheckpoint);
}

// Every CPU backend: the JS one and both WebAssembly ones (wasm-blas needs libopenblas0-openmp, which the test
// setup installs; tensorflow cannot install here and is not a CPU backend this project ships).
const backends: BackendName[] = ["cpu", "wasm", "wasm-blas"];

describe("resuming from a checkpoint", () => {
  afterAll(async () => {
    await initBackend({ prefer: "cpu" });
  });

  it.for(backends)("reaches bit-identical metrics, weights and history on %s", async (name) => {
    const info = await initBackend({ prefer: name });
    const backend = { name: info.name, detail: info.detail };
    const uninterrupted = await trainModel(syntheticDataset(), model, train, { backend, artifacts: true });
    // The epoch hook runs before that epoch's save: a crash at epoch 3 leaves the checkpoints of epochs 1 and 2.
    const saved = await trainUntilCrash(3, backend);
    expect(saved).toHaveLength(2);
    const latest = decodeCheckpoint(saved.at(-1)!);
    expect(latest.epoch).toBe(2);
    const before = tf.memory().numTensors;
    const resumed = await trainModel(syntheticDataset(), model, train, {
      backend,
      artifacts: true,
      resumeFrom: latest,
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(resumed.resumed?.fromEpoch).toBe(2);
    expect(resumed.resumed?.savedSeconds).toBeGreaterThan(0);
    expect(resumed.steps).toBe(uninterrupted.steps);
    expect(outcome(resumed)).toEqual(outcome(uninterrupted));
  });

  it("saves a checkpoint where shouldStop stops training early, and resumes from it to the same end", async () => {
    await initBackend({ prefer: "cpu" });
    const uninterrupted = await trainModel(syntheticDataset(), model, train, {});
    const saved: TrainingCheckpoint[] = [];
    let epochs = 0;
    const stopped = await trainModel(syntheticDataset(), model, train, {
      checkpoints: { everyEpochs: 10, save: async (c) => void saved.push(c) },
      onEpoch: () => epochs++,
      shouldStop: () => epochs === 1, // seen at the end of epoch 2
    });
    expect(stopped.history).toHaveLength(2);
    expect(saved.map((c) => c.epoch)).toEqual([2]);
    const restored: number[] = [];
    const resumed = await trainModel(syntheticDataset(), model, train, {
      resumeFrom: saved[0]!,
      onResume: (r) => restored.push(r.epoch, r.history.length),
    });
    expect(restored).toEqual([2, 2]);
    expect(outcome(resumed)).toEqual(outcome(uninterrupted));
  });

  it("refuses a damaged checkpoint whole, before restoring any of it, and leaks nothing", async () => {
    await initBackend({ prefer: "cpu" });
    const good = decodeCheckpoint((await trainUntilCrash(2, undefined))[0]!);
    const damaged: [string, TrainingCheckpoint, RegExp][] = [
      [
        "Adam moments of the wrong size",
        { ...good, adam: good.adam.map((a) => a && { ...a, m: a.m.subarray(1) }) },
        /optimiser state/,
      ],
      [
        "a cursor that is no order of the labeled rows",
        { ...good, labeledCursor: { order: Int32Array.from([0, 1, 2]), pos: 99 } },
        /labeled-row order/,
      ],
      [
        "an all-zero stream",
        { ...good, streams: { ...good.streams, batches: { generator: [0, 0, 0, 0], spareNormal: null } } },
        /random-stream state/,
      ],
      ["a history with a gap", { ...good, history: [] }, /history/],
    ];
    for (const [what, checkpoint, reason] of damaged) {
      const before = tf.memory().numTensors;
      const result = await trainModel(syntheticDataset(), model, train, { resumeFrom: checkpoint });
      expect(result.resumeRefused, what).toMatch(reason);
      expect(result.history, what).toHaveLength(train.epochs);
      expect(tf.memory().numTensors, what).toBe(before);
    }
  });

  it("says it stopped when shouldStop ends training, even at the last epoch", async () => {
    await initBackend({ prefer: "cpu" });
    let epochs = 0;
    const result = await trainModel(syntheticDataset(), model, train, {
      onEpoch: () => epochs++,
      shouldStop: () => epochs === 3, // seen at the end of epoch 4 of 4
    });
    expect([result.history.length, result.stopped]).toEqual([4, true]);
    expect((await trainModel(syntheticDataset(), model, { ...train, epochs: 1 })).stopped).toBe(false);
  });

  it("starts over, and says why, from a checkpoint made for another run", async () => {
    await initBackend({ prefer: "cpu" });
    const saved = await trainUntilCrash(2, undefined);
    const other = await trainModel(
      syntheticDataset(),
      model,
      { ...train, learningRate: 1e-3 },
      {
        resumeFrom: decodeCheckpoint(saved[0]!),
      },
    );
    expect(other.resumed).toBeUndefined();
    expect(other.resumeRefused).toMatch(/other settings, data or backend/);
    expect(other.history).toHaveLength(train.epochs);
  });

  it("goes on training while a save uploads, and finishes only after it", async () => {
    await initBackend({ prefer: "cpu" });
    const events: string[] = [];
    let epochThreeDone!: () => void;
    const epochThree = new Promise<void>((resolve) => {
      epochThreeDone = resolve;
    });
    const result = await trainModel(syntheticDataset(), model, train, {
      checkpoints: {
        everyEpochs: 2,
        // An upload that ends only once the next epoch has trained: training that waited for it would hang here.
        save: async (c) => {
          events.push(`save ${c.epoch} start`);
          await epochThree;
          await new Promise((r) => setTimeout(r, 20));
          events.push(`save ${c.epoch} end`);
        },
      },
      onEpoch: (r) => {
        events.push(`epoch ${r.epoch}`);
        if (r.epoch === 3) epochThreeDone();
      },
    });
    expect(result.history).toHaveLength(4);
    // epoch 4 is the last: no checkpoint after it; the result waited for epoch 2's upload, which ended after
    // epoch 3 had trained
    expect(events.filter((e) => e.startsWith("save"))).toEqual(["save 2 start", "save 2 end"]);
    expect(events.slice(0, 4)).toEqual(["epoch 1", "epoch 2", "save 2 start", "epoch 3"]);
    expect(events).toContain("epoch 4");
  });

  it("keeps training when a save fails, and reports the failure", async () => {
    await initBackend({ prefer: "cpu" });
    const errors: unknown[] = [];
    const result = await trainModel(syntheticDataset(), model, train, {
      checkpoints: {
        everyEpochs: 1,
        save: () => Promise.reject(new Error("object store down")),
        onError: (e) => errors.push(e),
      },
    });
    expect(result.history).toHaveLength(4);
    expect(errors).toHaveLength(3);
  });
});

describe("the checkpoint encoding", () => {
  const sample: TrainingCheckpoint = {
    epoch: 3,
    steps: 42,
    seconds: 1.5,
    fingerprint: '{"x":1}',
    history: [
      { epoch: 1, loss: { total: 1, labeled: 0.5, unlabeled: 0.25, classification: 0.25 }, seconds: 0.5 },
    ],
    streams: {
      batches: { generator: [1, -2, 3, 4], spareNormal: null },
      sampling: { generator: [5, 6, 7, -8], spareNormal: 0.25 },
    },
    labeledCursor: { order: Int32Array.from([2, 0, 1]), pos: 1 },
    weights: [
      { name: "enc/0/W0", shape: [2, 3], values: Float32Array.from([1, 2, 3, 4, 5, Math.fround(0.1)]) },
      { name: "enc/0/b0", shape: [3], values: Float32Array.from([-0, Number.MIN_VALUE, 7]) },
    ],
    adam: [
      {
        m: new Float32Array(6).fill(0.5),
        v: new Float32Array(6).fill(0.25),
        beta1Power: 0.729,
        beta2Power: 0.997,
      },
      null,
    ],
  };

  it("round-trips every field bit for bit, at any byte offset", () => {
    const bytes = encodeCheckpoint(sample);
    expect(decodeCheckpoint(bytes)).toEqual(sample);
    const shifted = new Uint8Array(bytes.length + 1);
    shifted.set(bytes, 1);
    expect(decodeCheckpoint(shifted.subarray(1))).toEqual(sample);
  });

  it("refuses bytes that are not a whole checkpoint, naming what is wrong", () => {
    const bytes = encodeCheckpoint(sample);
    expect(() => decodeCheckpoint(bytes.subarray(0, 8))).toThrow(/not a tailsweep checkpoint/);
    expect(() => decodeCheckpoint(bytes.subarray(0, bytes.length - 4))).toThrow(/truncated/);
    const wrongVersion = bytes.slice();
    new DataView(wrongVersion.buffer).setUint32(4, 99, true);
    expect(() => decodeCheckpoint(wrongVersion)).toThrow(/format 99/);
    const wrongMagic = bytes.slice();
    wrongMagic[0] = 0;
    expect(() => decodeCheckpoint(wrongMagic)).toThrow(/magic/);
  });

  it("writes weights in tfjs's weights-manifest layout", () => {
    const { manifest, bin } = encodeWeights(sample.weights, { model: { latentDim: 4 } });
    const parsed = JSON.parse(manifest);
    expect(parsed.weightsManifest[0].weights).toEqual([
      { name: "enc/0/W0", shape: [2, 3], dtype: "float32" },
      { name: "enc/0/b0", shape: [3], dtype: "float32" },
    ]);
    expect(parsed.model).toEqual({ latentDim: 4 });
    expect(Array.from(new Float32Array(bin.slice().buffer))).toEqual([
      ...sample.weights[0]!.values,
      ...sample.weights[1]!.values,
    ]);
  });
});
