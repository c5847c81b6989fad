import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "./backend";
import { fusedStepActive, useFusedStep } from "./fused-reconstruction";
import { float32Bits, wasmWithNativeKernels } from "./test-backend";
import { WASM_BINARY_KERNELS } from "./wasm-binary-ops";
import { stockWasmKernel } from "./wasm-matmul-transpose";

beforeAll(async () => {
  await initBackend({ prefer: "wasm" });
});
afterAll(async () => {
  await initBackend({ prefer: "cpu" });
});

/** Runs the kernel `name` on a and b (made by `make`) on wasm and on cpu; returns values, shape and dtype of each. */
async function onBoth(name: string, make: () => [tf.Tensor, tf.Tensor]) {
  const run = async (backend: string) => {
    await tf.setBackend(backend);
    const [a, b] = make();
    const out = tf.engine().runKernel(name, { a, b }) as tf.Tensor;
    const result = { values: Array.from(await out.data()), shape: out.shape, dtype: out.dtype };
    tf.dispose([a, b, out]);
    return result;
  };
  const wasm = await run("wasm");
  const cpu = await run("cpu");
  await tf.setBackend("wasm");
  return { wasm, cpu };
}

const shapes: [number[], number[]][] = [
  [
    [2, 3],
    [2, 3],
  ],
  [
    [2, 3],
    [1, 3],
  ], // a row broadcast down
  [
    [4, 1],
    [1, 5],
  ], // both broadcast
  [[3], []], // a scalar
  [[2, 2, 3], [3]],
];

describe("wasm binary kernels with shapes on the wasm stack", () => {
  it("are the kernels the wasm backend runs", () => {
    for (const name of WASM_BINARY_KERNELS)
      expect(tf.getKernel(name, "wasm")!.kernelFunc).not.toBe(stockWasmKernel(name).kernelFunc);
  });

  for (const name of WASM_BINARY_KERNELS) {
    const logical = name.startsWith("Logical");
    it(`${name} gives the cpu backend's values, shape and dtype under broadcasting`, async () => {
      for (const [sa, sb] of shapes) {
        for (const dtype of logical ? (["bool"] as const) : (["float32", "int32"] as const)) {
          const values = (shape: number[], seed: number) =>
            Array.from({ length: tf.util.sizeFromShape(shape) }, (_, i) =>
              logical ? (i + seed) % 2 : ((i * 7 + seed * 3) % 11) - 4 + (dtype === "float32" ? 0.5 : 0),
            );
          // Divisors away from 0, and positive bases and exponents, so every backend gives a number.
          const positive = (v: number) => (name === "RealDiv" || name === "Pow" ? Math.abs(v) + 1 : v);
          const { wasm, cpu } = await onBoth(name, () => [
            tf.tensor(values(sa, 1).map(name === "Pow" ? positive : (v) => v), sa, dtype),
            tf.tensor(values(sb, 2).map(positive), sb, dtype),
          ]);
          expect(wasm.shape).toEqual(cpu.shape);
          expect(wasm.dtype).toBe(cpu.dtype);
          if (name === "Pow")
            for (const [i, v] of wasm.values.entries()) expect(v).toBeCloseTo(cpu.values[i]!, 3);
          else expect(wasm.values).toEqual(cpu.values);
        }
      }
    });
  }

  it("refuses shapes that do not broadcast, naming them", () => {
    const a = tf.ones([2, 3]);
    const b = tf.ones([4]);
    expect(() => tf.add(a, b)).toThrow(/2,3 and 4/);
    tf.dispose([a, b]);
  });

  it("leaves the wasm stack and the tensor count as they were", () => {
    const wasm = (tf.backend() as unknown as { wasm: { stackSave(): number } }).wasm;
    const before = { stack: wasm.stackSave(), tensors: tf.memory().numTensors };
    for (let i = 0; i < 1_000; i++)
      tf.tidy(() => {
        tf.mul(tf.add(tf.ones([3, 4]), tf.ones([4])), 2);
      });
    expect(wasm.stackSave()).toBe(before.stack);
    expect(tf.memory().numTensors).toBe(before.tensors);
  });
});

describe("a large float32 Add of two tensors of one shape on the native kernels", () => {
  const special = [
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    -0,
    0,
    1e-40,
    -1e-40,
    3.4e38,
  ];

  it("runs where the fused step does and gives the wasm kernel's bits, ±0, ±∞, NaN and overflow included", async () => {
    const { kernels, restore } = await wasmWithNativeKernels();
    try {
      expect(fusedStepActive()).toBe(true);
      const n = 300 * 250; // past the size at which the loop goes parallel
      // every pair of special values, both ways round (−0 + −0, ∞ + −∞, overflow, NaN on either side), then ordinary ones
      const pairs = special.flatMap((x) => special.map((y) => [x, y] as const));
      const values = (side: 0 | 1, seed: number) =>
        Float32Array.from({ length: n }, (_, i) =>
          i < pairs.length ? pairs[i]![side] : Math.sin(i * seed) * 1e3,
        );
      const a = tf.tensor2d(values(0, 1), [300, 250]);
      const b = tf.tensor2d(values(1, 3), [300, 250]);
      const add = () => tf.tidy(() => float32Bits(tf.add(a, b)));
      const calls: number[] = [];
      const native = kernels.add;
      kernels.add = (...args) => {
        calls.push(args[0]);
        native(...args);
      };
      const fused = add();
      kernels.setThreads(2);
      const twoThreads = add();
      kernels.setThreads(1);
      kernels.add = native;
      expect(calls).toEqual([n, n]);
      useFusedStep(undefined);
      const stock = add();
      useFusedStep(kernels);
      expect(fused).toEqual(stock);
      expect(twoThreads).toEqual(stock);
      // a broadcast add and a small one keep the wasm kernel
      kernels.add = () => {
        throw new Error("not for these");
      };
      tf.dispose(tf.tidy(() => [tf.add(a, tf.ones([1, 250])), tf.add(tf.ones([4, 4]), tf.ones([4, 4]))]));
      kernels.add = native;
      tf.dispose([a, b]);
    } finally {
      await restore();
      await initBackend({ prefer: "wasm" });
    }
  });
});
