import { ModelConfigSchema, TrainConfigSchema } from "@tailsweep/schemas";
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "./backend";
import { decodeCheckpoint, encodeCheckpoint } from "./checkpoint";
import { syntheticDataset } from "./synthetic-dataset";
import { checkpointsUntilCrash } from "./test-backend";
import { type TrainResult, trainModel } from "./train";

const model = ModelConfigSchema.parse({
  encoderWidths: [16],
  decoderWidths: [16],
  classifierWidths: [16],
  latentDim: 4,
});
// A learning rate high enough that validation balanced accuracy moves up and down over six epochs, so the best
// epoch is not simply the last.
const train = TrainConfigSchema.parse({
  epochs: 6,
  labeledBatchSize: 16,
  unlabeledBatchSize: 32,
  learningRate: 2e-2,
  evalEvery: 1,
  seed: 5,
  select: "best",
});
const withValidation = () => syntheticDataset({ validation: 12 });

function outcome(r: TrainResult) {
  return {
    metrics: r.metrics,
    history: r.history.map(({ seconds: _, ...rest }) => rest),
    selection: r.selection,
    weights: r.artifacts?.weights,
    probabilities: r.artifacts?.testProbabilities,
  };
}

describe("choosing the epoch on a validation set (train.select)", () => {
  beforeAll(async () => {
    await initBackend({ prefer: "cpu" });
  });

  it("tests the best validated epoch's weights, reading the test set once, at the end", async () => {
    const before = tf.memory().numTensors;
    const best = await trainModel(withValidation(), model, train, { artifacts: true });
    expect(tf.memory().numTensors).toBe(before);
    // every epoch validated, none tested: the test numbers are the result's alone
    expect(best.history.every((r) => r.validation !== undefined && r.test === undefined)).toBe(true);
    const scores = best.history.map((r) => r.validation!.balancedAccuracy);
    const top = Math.max(...scores);
    const chosen = scores.indexOf(top) + 1; // the earliest of tied epochs
    expect(best.selection).toEqual({
      rule: "best",
      metric: "validation.balancedAccuracy",
      epoch: chosen,
      value: top,
      evaluated: 6,
    });
    // The data set and seed make a run whose best epoch is not its last: the case that needs the weights restored.
    expect(chosen).toBeLessThan(train.epochs);
    // Training is deterministic, so a run that stops at the chosen epoch has those weights: the same test numbers,
    // weights and probabilities, bit for bit.
    const stoppedThere = await trainModel(
      withValidation(),
      model,
      { ...train, epochs: chosen, select: "last" },
      { artifacts: true },
    );
    expect(best.metrics).toEqual(stoppedThere.metrics);
    expect(best.artifacts?.weights).toEqual(stoppedThere.artifacts?.weights);
    expect(best.artifacts?.testProbabilities).toEqual(stoppedThere.artifacts?.testProbabilities);
    expect(stoppedThere.selection).toMatchObject({ rule: "last", epoch: chosen, value: top });
  });

  it("keeps the last epoch's weights under select: last, and says so", async () => {
    const last = await trainModel(withValidation(), model, { ...train, select: "last" });
    expect(last.selection).toMatchObject({ rule: "last", epoch: 6, evaluated: 6 });
    expect(last.selection?.value).toBe(last.history.at(-1)!.validation!.balancedAccuracy);
  });

  it("without a validation set, evaluates the test set along the way as before and selects nothing", async () => {
    const plain = await trainModel(syntheticDataset(), model, { ...train, select: undefined });
    expect(plain.selection).toBeUndefined();
    expect(plain.history.every((r) => r.test !== undefined && r.validation === undefined)).toBe(true);
    // the validation rows are drawn after every other table: training on the rest is unchanged by them
    const sameRows = await trainModel(withValidation(), model, { ...train, select: undefined, evalEvery: 0 });
    const noValidation = await trainModel(syntheticDataset(), model, {
      ...train,
      select: undefined,
      evalEvery: 0,
    });
    expect(sameRows.metrics).toEqual(noValidation.metrics);
  });

  it("refuses select: best without a validation set", async () => {
    await expect(trainModel(syntheticDataset(), model, train)).rejects.toThrow(
      /select: best needs a validation set/,
    );
  });

  it("resumes bit-identically from a checkpoint saved after the best epoch", async () => {
    const uninterrupted = await trainModel(withValidation(), model, train, { artifacts: true });
    const chosen = uninterrupted.selection!.epoch;
    const saved = await checkpointsUntilCrash(
      (hooks) => trainModel(withValidation(), model, train, hooks),
      train.epochs,
    );
    const latest = decodeCheckpoint(encodeCheckpoint(saved.at(-1)!));
    expect(latest.epoch).toBe(train.epochs - 1);
    expect(latest.best?.epoch).toBe(Math.min(chosen, train.epochs - 1));
    const before = tf.memory().numTensors;
    const resumed = await trainModel(withValidation(), model, train, { artifacts: true, resumeFrom: latest });
    expect(tf.memory().numTensors).toBe(before);
    expect(resumed.resumed?.fromEpoch).toBe(train.epochs - 1);
    expect(outcome(resumed)).toEqual(outcome(uninterrupted));
  });

  it("refuses a checkpoint that lost its best epoch, and starts over", async () => {
    const saved = await checkpointsUntilCrash(
      (hooks) => trainModel(withValidation(), model, train, hooks),
      3,
    );
    const { best: _, ...withoutBest } = saved.at(-1)!;
    const result = await trainModel(withValidation(), model, train, { resumeFrom: withoutBest });
    expect(result.resumeRefused).toMatch(/best epoch's weights/);
    expect(result.history).toHaveLength(train.epochs);
  });

  it("round-trips the best epoch through the checkpoint encoding", async () => {
    const saved = await checkpointsUntilCrash(
      (hooks) => trainModel(withValidation(), model, train, hooks),
      2,
    );
    const checkpoint = saved[0]!;
    expect(checkpoint.best?.epoch).toBe(1);
    expect(decodeCheckpoint(encodeCheckpoint(checkpoint))).toEqual(checkpoint);
  });
});
