import { ModelConfigSchema } from "@tailsweep/schemas";
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, describe, expect, it } from "vitest";
import { type BackendName, initBackend } from "./backend";
import { MultimodalVae } from "./model";
import { Rng } from "./rng";

/**
 * The correctness guard for every fast path: one training step of the proposed model, from the same weights,
 * batch and noise (tfjs samples random numbers in JS for every backend), must give the same loss and gradients
 * on every backend that initialises here as on the reference `cpu` backend.
 */
const K = 4;
const dims = [20, 12];
const config = ModelConfigSchema.parse({
  encoderWidths: [16, 16],
  decoderWidths: [16],
  classifierWidths: [8],
  latentDim: 6,
});

async function stepOn(): Promise<{ loss: number; grads: Float32Array[] }> {
  const model = new MultimodalVae(
    config,
    {
      modalityDims: dims,
      numClasses: K,
      decoderOutputs: ["sigmoid", "sigmoid"],
      labeledCounts: [9, 5, 3, 1],
    },
    new Rng(42),
  );
  const data = new Rng(7);
  const x = (rows: number, d: number) =>
    tf.tensor2d(
      Float32Array.from({ length: rows * d }, () => data.next()),
      [rows, d],
    );
  const { value, grads } = tf.tidy(() => {
    const labeled = {
      xs: dims.map((d) => x(6, d)),
      yOneHot: tf.oneHot(tf.tensor1d([0, 1, 2, 3, 0, 1], "int32"), K) as tf.Tensor2D,
    };
    const unlabeled = { xs: dims.map((d) => x(5, d)) };
    return tf.variableGrads(
      () => model.loss(labeled, unlabeled, { regWeight: 1, alpha: 0.7, rng: new Rng(3) }).total,
      model.variables(),
    );
  });
  // Read asynchronously: a GPU backend cannot download synchronously in Node.
  const result = {
    loss: (await value.data())[0]!,
    grads: await Promise.all(
      model.variables().map(async (v) => (await grads[v.name]!.data()) as Float32Array),
    ),
  };
  tf.dispose([value, ...Object.values(grads)]);
  model.dispose();
  return result;
}

const candidates: BackendName[] = ["wasm", "wasm-blas", "tensorflow", "webgpu"];
/** Set by CI, which installs lavapipe: there a webgpu that does not initialise is a failure, not a skip. */
const required = new Set((process.env.TAILSWEEP_REQUIRE_BACKENDS ?? "").split(",").filter(Boolean));

describe("one training step agrees across compute backends", () => {
  afterAll(async () => {
    await initBackend({ prefer: "cpu" });
  });

  it.for(candidates)("%s matches cpu in loss and every gradient", async (name, ctx) => {
    await initBackend({ prefer: "cpu" });
    const reference = await stepOn();
    try {
      await initBackend({ prefer: name });
    } catch (e) {
      if (required.has(name)) throw e;
      // Not installable here (tensorflow never is; wasm-blas needs libopenblas0-openmp; webgpu a Vulkan driver):
      // reported as skipped.
      ctx.skip();
    }
    const other = await stepOn();
    expect(Math.abs(other.loss - reference.loss) / Math.abs(reference.loss)).toBeLessThan(1e-5);
    expect(other.grads).toHaveLength(reference.grads.length);
    for (const [i, g] of reference.grads.entries()) {
      const scale = Math.max(1e-3, ...Array.from(g, Math.abs));
      let worst = 0;
      for (let j = 0; j < g.length; j++) worst = Math.max(worst, Math.abs(other.grads[i]![j]! - g[j]!));
      expect(worst / scale, `variable ${i}`).toBeLessThan(1e-4);
    }
  });
});
