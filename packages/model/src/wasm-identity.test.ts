import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "./backend";
import { rowSums } from "./losses";
import "./register-gradients";

beforeAll(async () => {
  await initBackend({ prefer: "wasm" });
});
afterAll(async () => {
  await initBackend({ prefer: "cpu" });
});

describe("wasm Identity shares data instead of copying", () => {
  it("clones without a new buffer, and each side outlives the other", () => {
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const x = tf.tensor2d([
      [1, 2],
      [3, 4],
    ]);
    const buffers = backend.numDataIds();
    const y = x.clone();
    expect(backend.numDataIds()).toBe(buffers);
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3, 4]);
    y.dispose();
    expect(backend.numDataIds()).toBe(buffers - 1);
  });

  it("casts to the same dtype by sharing, and to another dtype by converting", () => {
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const x = tf.tensor1d([1.5, -2.25, 3]);
    const buffers = backend.numDataIds();
    const same = tf.cast(x, "float32");
    expect(backend.numDataIds()).toBe(buffers);
    const ints = tf.cast(x, "int32");
    expect(backend.numDataIds()).toBe(buffers + 1);
    expect(ints.dtype).toBe("int32");
    expect(Array.from(ints.dataSync())).toEqual([1, -2, 3]);
    x.dispose();
    expect(Array.from(same.dataSync())).toEqual([1.5, -2.25, 3]);
    tf.dispose([same, ints]);
    expect(backend.numDataIds()).toBe(buffers - 1);
  });

  it("keeps gradients right where the tape saves tensors (exp saves its output, mul its inputs)", () => {
    const x = tf.tensor1d([0.5, -1, 2]);
    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.exp(v), v)))(x);
    const expected = [0.5, -1, 2].map((v) => Math.exp(v) * (1 + v));
    Array.from(g.dataSync()).forEach((v, i) => {
      expect(v).toBeCloseTo(expected[i]!, 4);
    });
    tf.dispose([x, g]);
  });
});

describe("rowSums", () => {
  it("equals tf.sum over rows, forwards and backwards", () => {
    const x = tf.randomNormal([7, 13], 0, 1, "float32", 5) as tf.Tensor2D;
    const a = rowSums(x).dataSync();
    const b = tf.sum(x, 1).dataSync();
    for (let i = 0; i < 7; i++) expect(a[i]).toBeCloseTo(b[i]!, 4);
    const w = tf.range(0, 7).toFloat();
    const g = tf
      .grad((v: tf.Tensor) => tf.sum(tf.mul(rowSums(v as tf.Tensor2D), w)))(x)
      .dataSync();
    for (let i = 0; i < 7 * 13; i++) expect(g[i]).toBeCloseTo(Math.floor(i / 13), 5);
    tf.dispose([x, w]);
  });
});
