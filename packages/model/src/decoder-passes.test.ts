import { randomStream } from "@tailsweep/random";
import { ModelConfigSchema } from "@tailsweep/schemas";
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DecoderPasses } from "./decoder-passes";
import { decodedReconstructionError, fusedStepActive } from "./fused-reconstruction";
import { applyMlpUntilBias, createMlp, disposeMlp, mlpVariables } from "./layers";
import { type Batch, MultimodalVae } from "./model";
import { kernelsDuring, relativeError, wasmWithNativeKernels } from "./test-backend";

let restore: () => Promise<void>;
beforeAll(async () => {
  ({ restore } = await wasmWithNativeKernels());
});
afterAll(() => restore());

/**
 * Two requests of one decoder (rows 2·B and 3·B: a batch of B tiled 2 and 3 times, as two subsets' or experts'
 * passes), their errors weighted per row and summed: each request's errors, the gradients in the decoder's weights
 * and in both inputs, and the rows of every decode and whether it came before `run()`.
 */
function twoRequests(stacked: boolean): {
  errors: number[][];
  grads: number[][];
  decodes: [number, boolean][];
} {
  const rng = randomStream(4, "decoder-passes");
  const decoder = createMlp("dp", 9, [16, 16], 12, "relu", rng);
  const decodes: [number, boolean][] = [];
  try {
    return tf.tidy(() => {
      const B = 5;
      const x = tf.randomUniform([B, 12], 0, 1, "float32", 1) as tf.Tensor2D;
      const inA = tf.randomNormal([2 * B, 9], 0, 1, "float32", 2) as tf.Tensor2D;
      const inB = tf.randomNormal([3 * B, 9], 0, 1, "float32", 3) as tf.Tensor2D;
      const weights = tf.linspace(0.5, 2, 5 * B);
      const errors: number[][] = [];
      const f = (a: tf.Tensor, b: tf.Tensor) => {
        let ran = false;
        const passes = new DecoderPasses((_, decoderIn) => {
          decodes.push([decoderIn.shape[0], ran]);
          const { product, bias } = applyMlpUntilBias(decoder, decoderIn);
          return decodedReconstructionError(product, bias, x, "sigmoid", 0.7, () => {
            throw new Error("the fused step makes no tiled targets");
          });
        }, stacked);
        const readA = passes.request(0, a as tf.Tensor2D);
        const readB = passes.request(0, b as tf.Tensor2D);
        ran = true;
        passes.run();
        const both = tf.concat([readA(), readB()]);
        errors.push(Array.from(readA().dataSync()), Array.from(readB().dataSync()));
        return tf.sum(tf.mul(weights, both));
      };
      const variables = mlpVariables([decoder]);
      const { grads } = tf.variableGrads(() => f(inA, inB) as tf.Scalar, variables);
      const [dA, dB] = tf.grads(f)([inA, inB]);
      return {
        errors: errors.slice(0, 2),
        grads: [...variables.map((v) => grads[v.name]!), dA!, dB!].map((g) => Array.from(g.dataSync())),
        decodes: decodes.slice(0, stacked ? 1 : 2),
      };
    });
  } finally {
    disposeMlp(decoder);
  }
}

describe("DecoderPasses: a decoder's requests in one pass", () => {
  it("gives each request the error of its own rows and the same gradients as separate passes", () => {
    expect(fusedStepActive()).toBe(true);
    const merged = twoRequests(true);
    const separate = twoRequests(false);
    // Stacked: one decode of all 25 rows, at run(). Not: each request decoded when made, before run().
    expect(merged.decodes).toEqual([[25, true]]);
    expect(separate.decodes).toEqual([
      [10, false],
      [15, false],
    ]);
    expect(merged.errors.map((e) => e.length)).toEqual([10, 15]);
    merged.errors.forEach((e, k) => {
      expect(relativeError(e, separate.errors[k]!)).toBeLessThan(1e-6);
    });
    expect(merged.grads).toHaveLength(separate.grads.length);
    merged.grads.forEach((g, k) => {
      expect(g.some((v) => v !== 0)).toBe(true);
      expect(relativeError(g, separate.grads[k]!)).toBeLessThan(1e-5);
    });
  });

  it("refuses a read before the passes have run", () => {
    const passes = new DecoderPasses(() => tf.zeros([1]) as tf.Tensor1D, true);
    const input = tf.zeros([1, 1]) as tf.Tensor2D;
    const read = passes.request(0, input);
    expect(read).toThrow(/before run\(\)/);
    input.dispose();
  });
});

describe("the model's fused step decodes each batch once per modality", () => {
  const shape = {
    modalityDims: [8, 6],
    numClasses: 3,
    decoderOutputs: ["sigmoid", "linear"] as ("sigmoid" | "linear")[],
    labeledCounts: [20, 8, 3],
  };
  const config = ModelConfigSchema.parse({
    encoderWidths: [12],
    decoderWidths: [12, 12],
    classifierWidths: [12],
    latentDim: 4,
    subsets: "joint-and-singles",
  });

  function batches(): { labeled: Batch; unlabeled: Batch } {
    const x = (n: number, d: number, seed: number) =>
      tf.randomUniform([n, d], 0, 1, "float32", seed) as tf.Tensor2D;
    return {
      labeled: {
        xs: [x(5, 8, 1), x(5, 6, 2)],
        yOneHot: tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1], "int32"), 3).toFloat() as tf.Tensor2D,
      },
      unlabeled: { xs: [x(4, 8, 3), x(4, 6, 4)] },
    };
  }

  it("runs a decoder's three products once per batch, not once per subset, without leaking", () => {
    const model = new MultimodalVae(config, shape, randomStream(2, "decoder-passes"));
    try {
      const b = batches();
      const settings = { regWeight: 1, alpha: 0.5, rng: randomStream(7, "step") };
      const before = tf.memory().numTensors;
      let total = Number.NaN;
      const seen = kernelsDuring(() => {
        total = tf.tidy(() => model.loss(b.labeled, b.unlabeled, settings).total.dataSync()[0]!);
      });
      expect(tf.memory().numTensors).toBe(before);
      expect(Number.isFinite(total)).toBe(true);
      // Encoders: 2 × 2 products on the labeled batch, 2 × 3 on the tiled unlabeled one (its first layer split in
      // two); classifier heads: 2 batches × 2 × 2; decoders: 2 batches × 2 × 3. Decoding per subset (the joint one,
      // then each single one) ran every decoder twice per batch: 12 products more.
      expect(seen.get("BatchMatMul")).toBe(2 * 2 + 2 * 3 + 2 * 2 * 2 + 2 * 2 * 3);
      tf.dispose([...b.labeled.xs, b.labeled.yOneHot!, ...b.unlabeled.xs]);
    } finally {
      model.dispose();
    }
  });
});
