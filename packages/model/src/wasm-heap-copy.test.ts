import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "./backend";
import { stockWasmKernel } from "./wasm-matmul-transpose";
import "./register-gradients";

/** A tensor of the given shape holding 0, 1, 2, … (distinct values, so a misplaced element shows). */
const iota = (shape: number[], dtype: "float32" | "int32" = "float32") =>
  tf.tensor(
    Array.from({ length: tf.util.sizeFromShape(shape) }, (_, i) => i),
    shape,
    dtype,
  );

/** Runs `f` on wasm (the heap kernels) and on the cpu backend, returning both results as plain arrays. */
async function onBoth(f: () => tf.Tensor): Promise<[number[], number[], number[], number[]]> {
  await tf.setBackend("wasm");
  const a = f();
  const wasm = [Array.from(await a.data()), a.shape] as const;
  a.dispose();
  await tf.setBackend("cpu");
  const b = f();
  const cpu = [Array.from(await b.data()), b.shape] as const;
  b.dispose();
  return [wasm[0], [...wasm[1]], cpu[0], [...cpu[1]]];
}

beforeAll(async () => {
  await initBackend({ prefer: "wasm" });
});
afterAll(async () => {
  await initBackend({ prefer: "cpu" });
});

describe("wasm Slice, Concat and SplitV copying inside the heap", () => {
  it("are the kernels the wasm backend runs", () => {
    for (const name of ["Slice", "Concat", "SplitV"])
      expect(tf.getKernel(name, "wasm")!.kernelFunc).not.toBe(stockWasmKernel(name).kernelFunc);
  });

  const slices: [number[], number[], number[]][] = [
    [[10], [3], [4]],
    [
      [6, 5],
      [1, 0],
      [3, 5],
    ], // whole rows: one contiguous copy
    [
      [6, 5],
      [2, 1],
      [3, 3],
    ], // columns: a run per row
    [
      [7, 1568],
      [0, 784],
      [7, 784],
    ], // the second modality of a batch
    [
      [3, 4, 5],
      [1, 2, 1],
      [2, 2, 3],
    ],
    [
      [3, 4, 5],
      [0, 1, 0],
      [3, 2, 5],
    ], // runs spanning the last axis
    [
      [2, 3, 4, 5],
      [1, 0, 2, 1],
      [1, 3, 2, 4],
    ],
    [
      [4, 3],
      [0, 0],
      [0, 3],
    ], // empty
  ];
  for (const [shape, begin, size] of slices) {
    it(`slices ${JSON.stringify(shape)} at ${JSON.stringify(begin)} size ${JSON.stringify(size)} as the cpu backend does`, async () => {
      for (const dtype of ["float32", "int32"] as const) {
        const [w, ws, c, cs] = await onBoth(() => tf.tidy(() => tf.slice(iota(shape, dtype), begin, size)));
        expect(ws).toEqual(cs);
        expect(w).toEqual(c);
      }
    });
  }

  const concats: [number[][], number][] = [
    [
      [
        [3, 2],
        [3, 4],
      ],
      1,
    ],
    [
      [
        [3, 2],
        [3, 0],
        [3, 1],
      ],
      1,
    ], // an empty input is skipped
    [
      [
        [2, 3, 4],
        [2, 1, 4],
      ],
      1,
    ],
    [
      [
        [2, 3, 4],
        [2, 3, 2],
        [2, 3, 1],
      ],
      2,
    ],
    [
      [
        [2, 3],
        [4, 3],
      ],
      0,
    ], // axis 0 stays with the stock kernel
  ];
  for (const [shapes, axis] of concats) {
    it(`concatenates ${JSON.stringify(shapes)} on axis ${axis} as the cpu backend does`, async () => {
      for (const dtype of ["float32", "int32"] as const) {
        const [w, ws, c, cs] = await onBoth(() =>
          tf.tidy(() =>
            tf.concat(
              shapes.map((s, i) => tf.add(iota(s, dtype), tf.scalar(100 * i, dtype))),
              axis,
            ),
          ),
        );
        expect(ws).toEqual(cs);
        expect(w).toEqual(c);
      }
    });
  }

  const splits: [number[], number[] | number, number][] = [
    [[6, 10], [4, 6], 1], // location and scale of an encoder's output
    [[6, 10], 2, 0],
    [[3, 4, 5], [1, 3, 1], 2],
    [[4, 6], [0, 6], 1], // an empty part
  ];
  for (const [shape, sizes, axis] of splits) {
    it(`splits ${JSON.stringify(shape)} into ${JSON.stringify(sizes)} on axis ${axis} as the cpu backend does`, async () => {
      for (let part = 0; part < (Array.isArray(sizes) ? sizes.length : sizes); part++) {
        const [w, ws, c, cs] = await onBoth(() =>
          tf.tidy(() => {
            const parts = tf.split(iota(shape), sizes, axis);
            return parts[part]!.clone();
          }),
        );
        expect(ws).toEqual(cs);
        expect(w).toEqual(c);
      }
    });
  }

  it("converts, rather than copies the bits of, an int32 input concatenated to float32 ones", async () => {
    const [w, , c] = await onBoth(() =>
      tf.tidy(() => tf.concat([iota([2, 2]), tf.oneHot(tf.tensor1d([1, 0], "int32"), 2)], 1)),
    );
    expect(w).toEqual([0, 1, 0, 1, 2, 3, 1, 0]);
    expect(w).toEqual(c);
  });

  it("keeps gradients through split and concat right, and leaves no tensor behind", async () => {
    await tf.setBackend("wasm");
    const before = tf.memory().numTensors;
    const x = iota([4, 6]);
    const g = tf.grad((v: tf.Tensor) => {
      const [a, b] = tf.split(v, [2, 4], 1);
      return tf.sum(tf.mul(tf.concat([tf.mul(b!, 2), a!], 1), tf.range(0, 6).reshape([1, 6])));
    })(x);
    // columns 0–1 (a) land at positions 4–5 (weights 4, 5); columns 2–5 (b, doubled) at 0–3 (weights 0–3)
    expect(Array.from(await g.data()).slice(0, 6)).toEqual([4, 5, 0, 2, 4, 6]);
    tf.dispose([x, g]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
