import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { LayerwiseAdam } from "./adam";
import { useCpuBackend } from "./test-backend";

beforeAll(useCpuBackend);

describe("LayerwiseAdam", () => {
  it("gives tfjs's Adam update, variable by variable, and frees its state", () => {
    const make = (tag: string) =>
      [0, 1].map((i) => {
        const init = tf.randomNormal([6, 3 + i], 0, 1, "float32", 10 + i);
        const v = tf.variable(init, true, `${tag}-${i}`);
        init.dispose();
        return v;
      });
    const ours = make("layerwise");
    const theirs = make("whole");
    const before = tf.memory().numTensors;
    const layerwise = new LayerwiseAdam(0.05);
    const whole: tf.Optimizer = tf.train.adam(0.05);
    const lossOf = (vs: tf.Variable[]) => () =>
      tf.add(tf.sum(tf.square(tf.sin(vs[0]!))), tf.sum(tf.pow(vs[1]!, 4))) as tf.Scalar;
    for (let step = 0; step < 25; step++) {
      tf.tidy(() => {
        layerwise.applyGradients(tf.variableGrads(lossOf(ours), ours).grads);
        whole.applyGradients(tf.variableGrads(lossOf(theirs), theirs).grads);
      });
    }
    for (const [i, v] of ours.entries()) {
      const gap = tf.tidy(() => tf.max(tf.abs(tf.sub(v, theirs[i]!))).dataSync()[0]!);
      expect(gap).toBeLessThan(1e-6);
    }
    const moved = tf.tidy(
      () => tf.max(tf.abs(tf.sub(ours[0]!, tf.randomNormal([6, 3], 0, 1, "float32", 10)))).dataSync()[0]!,
    );
    expect(moved).toBeGreaterThan(0.1);
    layerwise.dispose();
    whole.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([...ours, ...theirs]);
  });
});
