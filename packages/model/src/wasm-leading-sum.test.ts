import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "./backend";
import { blasColumnSums, installWasmLeadingSum, sequentialColumnSums } from "./wasm-leading-sum";
import { loadOpenBlas } from "./wasm-matmul-blas";
import { stockWasmKernel } from "./wasm-matmul-transpose";

beforeAll(async () => {
  await initBackend({ prefer: "wasm" });
});
afterAll(async () => {
  installWasmLeadingSum();
  await initBackend({ prefer: "cpu" });
});

/** The sum by the registered wasm kernel and by the stock one. */
async function bothSums(shape: number[], axis: number | number[], keepDims = false) {
  const x = tf.randomNormal(shape, 0, 3, "float32", 7);
  const ours = tf.sum(x, axis, keepDims);
  const stock = stockWasmKernel(tf.Sum).kernelFunc({
    inputs: { x },
    attrs: { axis, keepDims },
    backend: tf.backend(),
  }) as tf.TensorInfo;
  const stockTensor = tf.engine().makeTensorFromTensorInfo(stock);
  const result = {
    ours: new Float32Array(await ours.data()),
    stock: new Float32Array(await stockTensor.data()),
    shape: ours.shape,
    stockShape: stockTensor.shape,
  };
  tf.dispose([x, ours, stockTensor]);
  return result;
}

const leadingSums: [number[], number | number[]][] = [
  [[1408, 784], 0],
  [[640, 256], [0]],
  [
    [3, 5, 7],
    [0, 1],
  ],
  [[3, 5, 7], 0],
  [[4, 6], -2],
];

describe("the wasm Sum over leading axes", () => {
  it("is the kernel the wasm backend runs", () => {
    expect(tf.getKernel(tf.Sum, "wasm")!.kernelFunc).not.toBe(stockWasmKernel(tf.Sum).kernelFunc);
  });

  it.each(leadingSums)("sums %j over %j bit for bit as the stock kernel does", async (shape, axis) => {
    installWasmLeadingSum();
    for (const keepDims of [false, true]) {
      const { ours, stock, shape: s, stockShape } = await bothSums(shape, axis, keepDims);
      expect(s).toEqual(stockShape);
      expect(Array.from(new Uint32Array(ours.buffer))).toEqual(Array.from(new Uint32Array(stock.buffer)));
    }
  });

  it.each(leadingSums)(
    "on OpenBLAS's sgemv, sums %j over %j within float32 rounding of the stock kernel",
    async (shape, axis) => {
      installWasmLeadingSum(await loadOpenBlas());
      for (const keepDims of [false, true]) {
        const { ours, stock, shape: s, stockShape } = await bothSums(shape, axis, keepDims);
        expect(s).toEqual(stockShape);
        // Two float32 sums of the same n terms (|x| ≈ 3) in different orders differ by at most ≈ 2 · n · 2^-24 · Σ|x|.
        const rows = tf.util.sizeFromShape(shape) / ours.length;
        const bound = 2 * rows * 2 ** -24 * (rows * 3 * 4);
        for (const [i, v] of ours.entries()) expect(Math.abs(v - stock[i]!)).toBeLessThan(bound);
        // …and over many rows they do differ somewhere: the sums came from sgemv, not from the JavaScript loop.
        if (rows > 100) expect(ours.some((v, i) => v !== stock[i])).toBe(true);
      }
    },
  );

  it("gives the same column sums on OpenBLAS and in JavaScript for a matrix with exact sums", async () => {
    const rows = 300;
    const cols = 7;
    const values = Float32Array.from({ length: rows * cols }, (_, i) => (i % 13) - 6);
    const [a, b] = [new Float32Array(cols), new Float32Array(cols)];
    sequentialColumnSums(values, rows, cols, a);
    blasColumnSums(await loadOpenBlas())(values, rows, cols, b);
    const exact = Array.from({ length: cols }, (_, c) =>
      Array.from({ length: rows }, (_, r) => values[r * cols + c]!).reduce((s, v) => s + v, 0),
    );
    expect(Array.from(a)).toEqual(exact);
    expect(Array.from(b)).toEqual(exact);
  });

  it("leaves other sums to the stock kernel and gives the cpu backend's values", async () => {
    const x = tf.tensor3d([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2]);
    const cases: [number | number[] | undefined, number[]][] = [
      [undefined, [36]],
      [1, [4, 6, 12, 14]],
      [
        [0, 2],
        [14, 22],
      ],
      [0, [6, 8, 10, 12]],
    ];
    for (const [axis, expected] of cases) expect(Array.from(await tf.sum(x, axis).data())).toEqual(expected);
    expect(Array.from(await tf.sum(tf.tensor2d([1, 2, 3, 4], [2, 2], "int32"), 0).data())).toEqual([4, 6]);
    x.dispose();
  });

  it("makes no tensor it does not hand back", () => {
    const x = tf.ones([64, 256]);
    const before = tf.memory().numTensors;
    const s = tf.sum(x, 0);
    expect(tf.memory().numTensors).toBe(before + 1);
    tf.dispose([x, s]);
  });
});
