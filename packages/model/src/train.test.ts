import { randomStream } from "@tailsweep/random";
import { ModelConfigSchema, TrainConfigSchema } from "@tailsweep/schemas";
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { MultimodalVae } from "./model";
import { syntheticDataset } from "./synthetic-dataset";
import { useCpuBackend } from "./test-backend";
import { evaluateModel, predictClasses, trainModel } from "./train";

beforeAll(useCpuBackend);

const small = { encoderWidths: [16], decoderWidths: [16], classifierWidths: [16], latentDim: 4 };
const quick = { epochs: 3, labeledBatchSize: 16, unlabeledBatchSize: 32, learningRate: 3e-3 };
/** The configs resolved as the sweep file's parse resolves them, before training sees them. */
const modelConfig = (input: Record<string, unknown>) => ModelConfigSchema.parse(input);
const trainConfig = (input: Record<string, unknown>) => TrainConfigSchema.parse(input);

describe("trainModel", () => {
  it("repeats exactly with the same seed on the cpu backend, and differs with another", async () => {
    const ds = syntheticDataset();
    const a = await trainModel(ds, modelConfig(small), trainConfig({ ...quick, seed: 4 }));
    const b = await trainModel(ds, modelConfig(small), trainConfig({ ...quick, seed: 4 }));
    const c = await trainModel(ds, modelConfig(small), trainConfig({ ...quick, seed: 5 }));
    expect(b.metrics).toEqual(a.metrics);
    expect(b.history.map((h) => h.loss)).toEqual(a.history.map((h) => h.loss));
    expect(c.history.map((h) => h.loss)).not.toEqual(a.history.map((h) => h.loss));
  });

  it("leaves no tensor behind after training and evaluation", async () => {
    const before = tf.memory().numTensors;
    await trainModel(syntheticDataset(), modelConfig(small), trainConfig({ ...quick, epochs: 2 }));
    await trainModel(
      syntheticDataset(),
      modelConfig({ ...small, objective: "supervised-only" }),
      trainConfig({ ...quick, epochs: 1 }),
    );
    expect(tf.memory().numTensors).toBe(before);
  });

  it("predicts and evaluates without leaking tensors, in chunks of any size", async () => {
    const ds = syntheticDataset();
    const model = new MultimodalVae(
      ModelConfigSchema.parse(small),
      {
        modalityDims: [8, 6],
        numClasses: 3,
        decoderOutputs: ["sigmoid", "sigmoid"],
        labeledCounts: ds.counts.labeled,
      },
      randomStream(1, "test"),
    );
    const before = tf.memory().numTensors;
    const whole = await predictClasses(model, ds.test, [0, 1]);
    const chunked = await predictClasses(model, ds.test, [0, 1], 7);
    await evaluateModel(model, ds);
    expect(tf.memory().numTensors).toBe(before);
    expect(chunked).toEqual(whole);
    expect(whole).toHaveLength(ds.test.n);
    model.dispose();
  });

  it("learns the synthetic classes well above chance and reports every metric", async () => {
    const ds = syntheticDataset();
    const r = await trainModel(ds, modelConfig(small), trainConfig({ ...quick, epochs: 12 }));
    const losses = r.history.map((h) => h.loss.total);
    expect(losses.at(-1)!).toBeLessThan(losses[0]!);
    expect(r.metrics.test.balancedAccuracy).toBeGreaterThan(0.6);
    expect(r.metrics.perModality.map((p) => p.name)).toEqual(["m0", "m1"]);
    expect(r.metrics.minorityClasses).toEqual([2]);
    expect(r.metrics.pseudoLabels!.perClassRecall).toHaveLength(3);
    expect(r.metrics.pseudoLabels!.predictedShare.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    // the bias measure: the unlabeled rows' true shares (120, 50, 20 of 190) against the predicted ones
    const { trueShare, predictedShare, classShift } = r.metrics.pseudoLabels!;
    expect(trueShare.map((s) => s * 190)).toEqual([120, 50, 20].map((n) => expect.closeTo(n, 9)));
    const tv = predictedShare.reduce((s, p, c) => s + Math.abs(p - trueShare[c]!), 0) / 2;
    expect(classShift).toBeCloseTo(tv, 12);
    expect(classShift).toBeGreaterThanOrEqual(0);
    expect(classShift).toBeLessThanOrEqual(1);
    expect(r.history).toHaveLength(12);
    expect(r.history.every((h) => h.test !== undefined)).toBe(true);
    expect(r.backend.name).toBe("cpu");
  });
});
