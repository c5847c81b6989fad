/**
 * ms per step of one dense layer's matMuls, forward + backward, on the tfjs wasm backend: the stock
 * kernels against the transpose patch (and against OpenBLAS via koffi when libopenblas.so.0 loads), all in
 * one process so the variants share the machine's state. Variants are interleaved over several rounds,
 * because this machine is shared and load drifts; the printed CPU idle share says how quiet it was.
 *
 * Step: y = x·W (128×784 · 784×512), dx = dy·Wᵀ, dW = xᵀ·dy — the two transposed matMuls are what stock
 * wasm is slow at (see /work/shared/notes/compute.md §3).
 *
 * Usage: node --import tsx bench/backend-matmul.ts [rounds=5]
 */
import { createRequire } from "node:module";
import os from "node:os";

import { installWasmMatMulBlas, loadOpenBlas, type OpenBlas } from "../packages/model/src/wasm-matmul-blas";
import {
  installWasmMatMulTranspose,
  restoreStockWasmMatMul,
} from "../packages/model/src/wasm-matmul-transpose";

// The root package has no tfjs dependency (pnpm keeps it private to packages/model), so resolve it from
// there: the same tfjs-core instance the patch modules register their kernels with.
const requireFromModel = createRequire(new URL("../packages/model/package.json", import.meta.url));
type Tf = typeof import("../packages/model/node_modules/@tensorflow/tfjs-core");
type Tensor = import("../packages/model/node_modules/@tensorflow/tfjs-core").Tensor;
const tf = requireFromModel("@tensorflow/tfjs-core") as Tf;
// tfjs-core's Node bundle has no gradients; the union package's bundle registers them.
requireFromModel("@tensorflow/tfjs");

const BATCH = 128;
const IN = 784;
const OUT = 512;
/** Three matMuls of 2·128·784·512 FLOPs each. */
const GFLOP_PER_STEP = (3 * 2 * BATCH * IN * OUT) / 1e9;
/** Each variant runs at least this long per round, and at least MIN_STEPS steps. */
const ROUND_MS = 600;
const MIN_STEPS = 5;

interface Variant {
  label: string;
  install: () => void;
  times: number[];
}

function values(n: number, seed: number): Float32Array {
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = Math.sin(seed * 1.37 + i * 0.731);
  return v;
}

/** CPU time counters summed over all cores, to report how idle the machine was. */
function cpuTimes(): { idle: number; total: number } {
  let idle = 0;
  let total = 0;
  for (const { times } of os.cpus()) {
    idle += times.idle;
    total += times.user + times.nice + times.sys + times.idle + times.irq;
  }
  return { idle, total };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1] ?? Number.NaN;
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
}

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 5);
  if (!Number.isInteger(rounds) || rounds < 1)
    throw new Error(`rounds must be a positive integer, got ${process.argv[2]}`);

  let blas: OpenBlas | undefined;
  let blasSkipped = "";
  try {
    blas = await loadOpenBlas();
  } catch (err) {
    blasSkipped = (err as Error).message;
  }

  // Patches are swapped after setBackend here; that is fine because the stock kernels' setup has run.
  if (!(await tf.setBackend("wasm"))) throw new Error('tf.setBackend("wasm") failed');
  const x = tf.tensor2d(values(BATCH * IN, 1), [BATCH, IN]);
  const w = tf.tensor2d(values(IN * OUT, 2), [IN, OUT]);
  const dy = tf.tensor2d(values(BATCH * OUT, 3), [BATCH, OUT]);
  const grads = tf.grads((a: Tensor, b: Tensor) => tf.matMul(a, b));
  // The wasm backend runs kernels synchronously, so returning from grads means the work is done.
  const step = (): Tensor[] => grads([x, w], dy);

  const variants: Variant[] = [
    { label: "stock wasm", install: restoreStockWasmMatMul, times: [] },
    { label: "wasm + transpose patch", install: installWasmMatMulTranspose, times: [] },
  ];
  if (blas != null) {
    const lib = blas;
    const threads = [...new Set([1, os.availableParallelism()])];
    for (const n of threads) {
      variants.push({
        label: `wasm + OpenBLAS, ${n} thread${n === 1 ? "" : "s"}`,
        install: () => {
          lib.setThreads(n);
          installWasmMatMulBlas(lib);
        },
        times: [],
      });
    }
  }

  // Same numbers from every variant (dW has the largest sums).
  const reference: Float32Array[] = [];
  const maxDiff: number[] = [];
  for (const v of variants) {
    v.install();
    const out = step();
    const dW = out[1]!.dataSync() as Float32Array;
    tf.dispose(out);
    if (reference.length === 0) reference.push(dW);
    let d = 0;
    for (let i = 0; i < dW.length; i++) d = Math.max(d, Math.abs(dW[i]! - reference[0]![i]!));
    maxDiff.push(d);
  }

  const load = os.loadavg().map((l) => l.toFixed(2));
  const cpu0 = cpuTimes();
  for (let r = 0; r < rounds; r++) {
    for (const v of variants) {
      v.install();
      tf.dispose(step()); // warm-up after the kernel swap
      const start = performance.now();
      for (let i = 0; performance.now() - start < ROUND_MS || i < MIN_STEPS; i++) {
        const t0 = performance.now();
        tf.dispose(step());
        v.times.push(performance.now() - t0);
      }
    }
  }
  const cpu1 = cpuTimes();
  restoreStockWasmMatMul();
  tf.dispose([x, w, dy]);

  const idle = (100 * (cpu1.idle - cpu0.idle)) / (cpu1.total - cpu0.total);
  console.log(
    `matMul ${BATCH}×${IN}×${OUT} forward + backward (x·W, dy·Wᵀ, xᵀ·dy) on tfjs wasm ${tf.version_core}, ` +
      `${rounds} interleaved rounds`,
  );
  console.log(
    `machine: ${os.cpus().length} CPUs; load average at start ${load.join(" ")}; ` +
      `CPU idle during the timed part ${idle.toFixed(0)} % of all CPUs (the benchmark itself keeps one ` +
      "busy, two with 2 BLAS threads)",
  );
  if (blasSkipped) console.log(`OpenBLAS variants skipped: ${blasSkipped}`);
  const stock = median(variants[0]!.times);
  for (const [i, v] of variants.entries()) {
    const ms = median(v.times);
    const ratio =
      i === 0 ? "" : `  ratio vs stock ${(ms / stock).toFixed(3)} (${(stock / ms).toFixed(1)}× faster)`;
    console.log(
      `${v.label.padEnd(28)} ${ms.toFixed(2).padStart(7)} ms/step (p10 ${quantile(v.times, 0.1).toFixed(2)}, ` +
        `p90 ${quantile(v.times, 0.9).toFixed(2)}, n=${v.times.length}) ` +
        `${(GFLOP_PER_STEP / (ms / 1e3)).toFixed(1).padStart(6)} GFLOP/s  max|ΔdW| ${maxDiff[i]!.toExponential(1)}${ratio}`,
    );
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
