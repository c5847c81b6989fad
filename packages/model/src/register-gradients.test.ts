import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import "./register-gradients";
import { kernelsDuring, useCpuBackend } from "./test-backend";

// Small integers: every product and sum is exact in float32, so the expected gradients are exact too.
let a: tf.Tensor;
let row: tf.Tensor; // [1, 3]: broadcast over rows
let col: tf.Tensor; // broadcast everywhere
let w: tf.Tensor; // weights dy
beforeAll(async () => {
  await useCpuBackend();
  a = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
  row = tf.tensor2d([[2, -1, 3]]);
  col = tf.tensor1d([3]);
  w = tf.tensor2d([1, -2, 3, -4, 5, -6], [2, 3]);
});

const gradsOf = (f: (x: tf.Tensor, y: tf.Tensor) => tf.Tensor, x: tf.Tensor, y: tf.Tensor) =>
  tf.tidy(() =>
    tf
      .grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(f(p, q), w)))([x, y])
      .map((g) => ({ shape: g.shape, values: Array.from(g.dataSync()) })),
  );

describe("lean gradients of add, sub and mul", () => {
  it("broadcast and reduce like tfjs's", () => {
    // d/dx Σ w·(x + row) = w; d/drow = column sums of w, in row's [1, 3] shape.
    expect(gradsOf(tf.add, a, row)).toEqual([
      { shape: [2, 3], values: [1, -2, 3, -4, 5, -6] },
      { shape: [1, 3], values: [-3, 3, -3] },
    ]);
    expect(gradsOf(tf.sub, a, col)).toEqual([
      { shape: [2, 3], values: [1, -2, 3, -4, 5, -6] },
      { shape: [1], values: [3] },
    ]);
    // d/dx Σ w·x·row = w·row; d/drow = Σ_rows w·x.
    expect(gradsOf(tf.mul, a, row)).toEqual([
      { shape: [2, 3], values: [2, 2, 9, -8, -5, -18] },
      { shape: [1, 3], values: [-15, 21, -27] },
    ]);
  });

  it("cast an int32 factor to float32", () => {
    const ints = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3], "int32");
    const [, g] = tf.tidy(() => tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(p, q)))([ints, a]));
    expect(g!.dtype).toBe("float32");
    expect(Array.from(g!.dataSync())).toEqual([1, 2, 3, 4, 5, 6]);
    tf.dispose([ints, g!]);
  });

  it("run no reshape or cast that changes nothing", () => {
    const b = tf.tensor2d([6, 5, 4, 3, 2, 1], [2, 3]);
    const seen = kernelsDuring(() => {
      tf.tidy(() =>
        tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(tf.sub(tf.add(p, q), q), p)))([a, b]),
      );
    });
    expect(seen.get("Reshape") ?? 0).toBe(1); // the gradient of the final sum
    expect(seen.get("Cast") ?? 0).toBe(0);
    b.dispose();
  });
});
