import * as tf from "@tensorflow/tfjs-core";
import { afterAll, describe, expect, it } from "vitest";
import { ADAM_UPDATE_KERNEL, LayerwiseAdam } from "./adam";
import { initBackend } from "./backend";
import { useCpuBackend } from "./test-backend";

afterAll(useCpuBackend);

/** Trains two variables for 25 steps with `optimizer`; returns their final values. */
function train(tag: string, optimizer: Pick<tf.Optimizer, "applyGradients">): Float32Array[] {
  const vars = [0, 1].map((i) => {
    const init = tf.randomNormal([6, 3 + i], 0, 1, "float32", 10 + i);
    const v = tf.variable(init, true, `${tag}-${i}`);
    init.dispose();
    return v;
  });
  const loss = () => tf.add(tf.sum(tf.square(tf.sin(vars[0]!))), tf.sum(tf.pow(vars[1]!, 4))) as tf.Scalar;
  for (let step = 0; step < 25; step++)
    tf.tidy(() => optimizer.applyGradients(tf.variableGrads(loss, vars).grads));
  const values = vars.map((v) => v.dataSync() as Float32Array);
  tf.dispose(vars);
  return values;
}

describe.each([
  ["cpu", useCpuBackend],
  ["wasm", () => initBackend({ prefer: "wasm" })],
])("LayerwiseAdam on %s", (backend, use) => {
  it("gives tfjs's Adam update bit for bit, fused and op by op, and frees its state", async () => {
    await use();
    expect(tf.getBackend()).toBe(backend);
    expect(tf.getKernel(ADAM_UPDATE_KERNEL, backend)).toBeDefined();
    const before = tf.memory().numTensors;
    const reference = tf.train.adam(0.05);
    const fused = new LayerwiseAdam(0.05);
    const ops = new LayerwiseAdam(0.05, { fused: false });
    const expected = train("reference", reference);
    const [fusedValues, opsValues] = [train("fused", fused), train("ops", ops)];
    for (const [i, want] of expected.entries()) {
      expect(fusedValues[i]).toEqual(want);
      expect(opsValues[i]).toEqual(want);
    }
    // It moved: the variables are not their initial values.
    const init = tf.tidy(() => tf.randomNormal([6, 3], 0, 1, "float32", 10).dataSync());
    expect(Math.max(...fusedValues[0]!.map((x, j) => Math.abs(x - init[j]!)))).toBeGreaterThan(0.1);
    for (const o of [reference, fused, ops]) o.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
