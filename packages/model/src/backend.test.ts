import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import * as tf from "@tensorflow/tfjs-core";
// tfjs-core's Node bundle registers no gradients; the union package's bundle registers tfjs's own on the
// same tfjs-core instance, as model.ts does, so the gradient cases run the matMuls backprop really runs.
import "@tensorflow/tfjs";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import {
  type BackendName,
  backendDefaultsFromEnv,
  configureBackend,
  currentBackend,
  initBackend,
} from "./backend";
import { loadOpenBlas } from "./wasm-matmul-blas";

// Whether OpenBLAS loads here decides what "auto" must pick and whether wasm-blas can be checked.
const blasMissing: string | undefined = await loadOpenBlas().then(
  () => undefined,
  (err: Error) => err.message,
);
const AUTO_EXPECTED: BackendName = blasMissing == null ? "wasm-blas" : "wasm";

/** Deterministic values in [-1, 1], created on whatever backend is current. */
function data(shape: number[], seed: number): tf.Tensor {
  const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < values.length; i++) values[i] = Math.sin(seed * 1.37 + i * 0.731);
  return tf.tensor(values, shape);
}

interface Case {
  name: string;
  run: () => tf.Tensor | tf.Tensor[];
}

const TRANSPOSES: [boolean, boolean][] = [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
];

/** Shapes of a and b for an m×k by k×n product with optional transposes and leading batch dims. */
function shapes(
  m: number,
  k: number,
  n: number,
  tA: boolean,
  tB: boolean,
  batchA: number[],
  batchB: number[],
) {
  return { a: [...batchA, ...(tA ? [k, m] : [m, k])], b: [...batchB, ...(tB ? [n, k] : [k, n])] };
}

function matMulCase(
  m: number,
  k: number,
  n: number,
  tA: boolean,
  tB: boolean,
  batchA: number[] = [],
  batchB: number[] = [],
): Case {
  const s = shapes(m, k, n, tA, tB, batchA, batchB);
  return {
    name: `matMul [${s.a}]·[${s.b}] tA=${tA} tB=${tB}`,
    run: () => tf.matMul(data(s.a, 1), data(s.b, 2), tA, tB),
  };
}

/** dA and dB for a given upstream gradient: exactly the two transposed matMuls of backprop. */
function gradCase(m: number, k: number, n: number, tA: boolean, tB: boolean): Case {
  const s = shapes(m, k, n, tA, tB, [], []);
  return {
    name: `grad of matMul [${s.a}]·[${s.b}] tA=${tA} tB=${tB}`,
    run: () =>
      tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.matMul(a, b, tA, tB))(
        [data(s.a, 3), data(s.b, 4)],
        data([m, n], 5),
      ),
  };
}

/**
 * The _FusedMatMul kernel: forward with bias + relu, and the gradient with bias + linear activation (the
 * only one tfjs keeps fused under a gradient tape; its gradient is built into the op).
 */
function fusedCase(m: number, k: number, n: number, tA: boolean, tB: boolean): Case {
  const s = shapes(m, k, n, tA, tB, [], []);
  const fused = (activation: "relu" | "linear") => (a: tf.Tensor, b: tf.Tensor, bias: tf.Tensor) =>
    tf.fused.matMul({
      a: a as tf.Tensor2D,
      b: b as tf.Tensor2D,
      transposeA: tA,
      transposeB: tB,
      bias,
      activation,
    });
  return {
    name: `fused matMul+bias (relu; linear with grad) [${s.a}]·[${s.b}] tA=${tA} tB=${tB}`,
    run: () => {
      const args = [data(s.a, 6), data(s.b, 7), data([n], 8)] as const;
      return [fused("relu")(...args), ...tf.grads(fused("linear"))([...args], data([m, n], 9))];
    },
  };
}

const CASES: Case[] = [
  ...TRANSPOSES.map(([tA, tB]) => matMulCase(33, 70, 21, tA, tB)),
  ...TRANSPOSES.map(([tA, tB]) => matMulCase(5, 7, 4, tA, tB, [3], [3])),
  matMulCase(5, 7, 4, true, false, [3], [1]),
  matMulCase(5, 7, 4, false, true, [1], [3]),
  matMulCase(4, 5, 6, false, false, [2, 3], []),
  matMulCase(1, 9, 1, true, true),
  matMulCase(0, 4, 3, false, false),
  matMulCase(2, 0, 3, false, false),
  ...TRANSPOSES.map(([tA, tB]) => gradCase(17, 40, 23, tA, tB)),
  gradCase(128, 784, 64, false, false),
  ...TRANSPOSES.map(([tA, tB]) => fusedCase(9, 30, 11, tA, tB)),
];

/** Runs every case on the current backend and returns plain copies of the results. */
function runCases(): { shape: number[]; values: Float32Array }[][] {
  return CASES.map((c) => {
    const out = tf.tidy(c.run);
    const list = Array.isArray(out) ? out : [out];
    // dataSync outside tidy: returning typed arrays from tidy is slow (it walks them for tensors).
    const result = list.map((t) => ({ shape: t.shape, values: Float32Array.from(t.dataSync()) }));
    tf.dispose(list);
    return result;
  });
}

function maxAbs(values: Float32Array): number {
  let m = 0;
  for (const v of values) m = Math.max(m, Math.abs(v));
  return m;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < b.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

let reference: ReturnType<typeof runCases>;

beforeAll(async () => {
  await initBackend({ prefer: "cpu" });
  reference = runCases();
});

beforeEach(() => {
  // Each test starts from no configured default (the module reads no environment of its own).
  configureBackend({});
});

afterEach(() => {
  configureBackend({});
});

describe("initBackend selection", () => {
  it('"auto" picks the best backend available here, logs one line, and is stable', async () => {
    vi.resetModules(); // a fresh module: nothing selected yet
    const fresh = await import("./backend");
    const lines: string[] = [];
    const info = await fresh.initBackend({ log: (m) => lines.push(m) });
    expect(info.name, blasMissing ? `OpenBLAS unavailable: ${blasMissing}` : "").toBe(AUTO_EXPECTED);
    expect(tf.getBackend()).toBe(info.tfjsBackend);
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain("\n");
    expect(lines[0]).toContain(`compute backend: ${AUTO_EXPECTED} (${info.summary}) [auto; `);
    // The configuration in a few words, not `detail`'s BLAS build string and list of fused kernels.
    expect(info.summary.length).toBeLessThan(80);
    expect(lines[0]).not.toContain(info.detail);
    expect(lines[0]).toContain("tensorflow: @tensorflow/tfjs-node-gpu is not installed");
    // No hardware GPU here: webgpu is passed by, saying why (no GPU device node, lavapipe's software adapter, or no
    // Vulkan at all).
    expect(lines[0]).toMatch(/webgpu: (no GPU device|only a software adapter|Dawn found no WebGPU adapter)/);
    expect(info.versions["@tensorflow/tfjs-core"]).toBe(tf.version_core);
    expect(fresh.currentBackend()).toBe(info);
    // Second call: same object, no second log line.
    expect(await fresh.initBackend({ log: (m) => lines.push(m) })).toBe(info);
    expect(lines).toHaveLength(1);
  });

  it("reads no environment: TAILSWEEP_BACKEND counts only through configureBackend", async () => {
    vi.stubEnv("TAILSWEEP_BACKEND", "tensorflow");
    try {
      expect(await initBackend({ prefer: "cpu" })).toMatchObject({ name: "cpu" });
      expect(await initBackend()).toMatchObject({ name: "cpu" });
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it("parses TAILSWEEP_BACKEND and the BLAS threads from a given environment, naming every bad variable", () => {
    expect(backendDefaultsFromEnv({})).toEqual({});
    expect(backendDefaultsFromEnv({ TAILSWEEP_BACKEND: " WASM ", OMP_NUM_THREADS: "4,2" })).toEqual({
      prefer: "wasm",
      source: "TAILSWEEP_BACKEND=WASM",
      variable: "TAILSWEEP_BACKEND",
      blasThreads: 4,
    });
    expect(backendDefaultsFromEnv({ OPENBLAS_NUM_THREADS: "2", OMP_NUM_THREADS: "8" })).toEqual({
      blasThreads: 2,
    });
    const err = (() => {
      try {
        return backendDefaultsFromEnv({ TAILSWEEP_BACKEND: "gpu", OPENBLAS_NUM_THREADS: "0" });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toMatchObject({ code: "SETTINGS_INVALID", category: "invalid" });
    expect((err as Error).message).toContain(
      'TAILSWEEP_BACKEND: must be one of webgpu, tensorflow, wasm-blas, wasm, cpu, auto (unset: auto), got "gpu"',
    );
    expect((err as Error).message).toContain(
      'OPENBLAS_NUM_THREADS: must be a whole number of threads ≥ 1, got "0"',
    );
  });

  it("rejects an unknown prefer option and a bad blasThreads", async () => {
    await expect(initBackend({ prefer: "gpu" as BackendName })).rejects.toThrow(/prefer: "gpu".*wasm-blas/);
    await expect(initBackend({ prefer: "wasm", blasThreads: 0 })).rejects.toThrow(/blasThreads/);
  });

  it("fails clearly when TAILSWEEP_BACKEND forces tensorflow (not installable here)", async () => {
    vi.resetModules();
    const fresh = await import("./backend");
    fresh.configureBackend(fresh.backendDefaultsFromEnv({ TAILSWEEP_BACKEND: "tensorflow" }));
    await expect(fresh.initBackend()).rejects.toThrow(
      /^TAILSWEEP_BACKEND=tensorflow: the "tensorflow" compute backend could not be initialised: @tensorflow\/tfjs-node-gpu is not installed, @tensorflow\/tfjs-node is not installed; unset TAILSWEEP_BACKEND/,
    );
    expect(fresh.currentBackend()).toBeUndefined();
  });

  it("keeps the current backend when a forced switch fails, and the option overrides the variable", async () => {
    const before = await initBackend({ prefer: "wasm" });
    configureBackend(backendDefaultsFromEnv({ TAILSWEEP_BACKEND: "tensorflow" }));
    await expect(initBackend()).rejects.toThrow(/TAILSWEEP_BACKEND=tensorflow.*still using "wasm"/);
    expect(currentBackend()).toBe(before);
    expect(tf.getBackend()).toBe("wasm");
    expect(await initBackend({ prefer: "cpu" })).toMatchObject({ name: "cpu", tfjsBackend: "cpu" });
    expect(tf.getBackend()).toBe("cpu");
  });

  it.runIf(process.platform === "linux")(
    "loads only a library that is OpenBLAS, with clear errors",
    async () => {
      await expect(loadOpenBlas("libtailsweep-absent.so.0")).rejects.toThrow(
        /^libtailsweep-absent\.so\.0 could not be loaded: .*apt-get install libopenblas0-openmp/,
      );
      // A BLAS without openblas_get_config (Debian's reference libblas) must be refused; libc stands in.
      await expect(loadOpenBlas("libc.so.6")).rejects.toThrow(/does not export openblas_get_config/);
    },
  );

  it.runIf(blasMissing == null)("wasm-blas applies blasThreads, also on a later call", async () => {
    const one = await initBackend({ prefer: "wasm-blas", blasThreads: 1 });
    expect(one.detail).toMatch(/^OpenBLAS .*; 1 BLAS thread \(/);
    expect(one.versions.openblas).toMatch(/^\d+\.\d+/);
    const two = await initBackend({ prefer: "wasm-blas", blasThreads: 2 });
    expect(two.detail).toContain("; 2 BLAS threads (");
    expect(currentBackend()).toBe(two);
  });
});

describe.each<BackendName>(["wasm", "wasm-blas", "cpu"])("%s backend", (name) => {
  const unavailable = name === "wasm-blas" && blasMissing != null;

  it.skipIf(unavailable)(
    "matches the cpu backend on matMul, transposes, batches, fused matMul and gradients",
    async () => {
      const info = await initBackend({ prefer: name });
      expect(info.name).toBe(name);
      const results = runCases();
      CASES.forEach((c, i) => {
        const ref = reference[i]!;
        const got = results[i]!;
        expect(
          got.map((r) => r.shape),
          c.name,
        ).toEqual(ref.map((r) => r.shape));
        ref.forEach((r, j) => {
          // 1e-5 relative to the output's scale: float32 sums differ only in their order.
          const tolerance = 1e-5 * Math.max(1, maxAbs(r.values));
          expect(maxAbsDiff(got[j]!.values, r.values), `${c.name} output ${j}`).toBeLessThanOrEqual(
            tolerance,
          );
        });
      });
    },
  );

  it.skipIf(unavailable)("leaks no tensors, not even kernel-internal ones or on a kernel error", async () => {
    await initBackend({ prefer: name });
    const dataIds = () => (tf.backend() as BackendWasm | { numDataIds(): number }).numDataIds();
    runCases(); // warm-up: lazily created backend state must not count as a leak
    const tensors = tf.memory().numTensors;
    const buffers = dataIds();
    runCases();
    // int32 operands reach the kernel (after the transposes) and are rejected by the wasm kernels.
    try {
      tf.tidy(() => {
        tf.matMul(tf.ones([3, 2], "int32"), tf.ones([3, 4], "int32"), true, false).dataSync();
      });
    } catch {
      // only the bookkeeping matters here
    }
    expect(tf.memory().numTensors).toBe(tensors);
    expect(dataIds()).toBe(buffers);
  });
});
