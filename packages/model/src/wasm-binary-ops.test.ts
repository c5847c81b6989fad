import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "./backend";
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
