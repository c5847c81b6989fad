import { randomStream } from "@tailsweep/random";
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { applyMlp, applyMlpToTiledWithLabels, createMlp, disposeMlp, mlpVariables } from "./layers";
import { useCpuBackend } from "./test-backend";

beforeAll(useCpuBackend);

describe("an MLP on a tiled batch beside labels", () => {
  it("is the MLP of the tiled input, in value and in every gradient, without making that input", () => {
    const [batch, dim, classes, times] = [5, 7, 3, 3];
    for (const widths of [[6, 4], []]) {
      const mlp = createMlp("tiled", dim + classes, widths, 4, "elu", randomStream(2, "test"));
      const x = tf.randomUniform([batch, dim], 0, 1, "float32", 1) as tf.Tensor2D;
      const labels = Int32Array.from({ length: times * batch }, (_, i) => Math.floor(i / batch));
      const y = tf.tidy(() =>
        tf.cast(tf.oneHot(tf.tensor1d(labels, "int32"), classes), "float32"),
      ) as tf.Tensor2D;
      const tile = (t: tf.Tensor2D) => tf.concat(new Array<tf.Tensor2D>(times).fill(t), 0);
      const weights = tf.randomNormal([times * batch, 4], 0, 1, "float32", 3);
      const run = (f: () => tf.Tensor2D) => {
        const before = tf.memory().numTensors;
        const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(f(), weights)), mlpVariables([mlp]));
        const out = {
          value: value.dataSync()[0]!,
          grads: Object.values(grads).map((g) => Array.from(g.dataSync())),
        };
        tf.dispose([value, ...Object.values(grads)]);
        expect(tf.memory().numTensors).toBe(before);
        return out;
      };
      const direct = run(() => applyMlp(mlp, tf.concat([tile(x), y], 1)));
      const perBatch = run(() => applyMlpToTiledWithLabels(mlp, x, y, tile));
      expect(perBatch.value).toBeCloseTo(direct.value, 5);
      expect(perBatch.grads).toHaveLength(direct.grads.length);
      for (const [i, g] of perBatch.grads.entries()) {
        for (const [j, v] of g.entries()) expect(v).toBeCloseTo(direct.grads[i]![j]!, 5);
      }
      tf.dispose([x, y, weights]);
      disposeMlp(mlp);
    }
  });
});
