// Kernel-time breakdown of one benchmark case's training step (tf.profile), to see where a step's time goes: the
// kernels' own time against the step's wall time (on a GPU the rest is dispatch and synchronisation).
// Usage: node --import tsx bench/peers/profile-step.ts <reference|proposed|quick> [threads=2] [batch] [--calls]
// (`--calls`: also the 30 costliest single kernel calls with their input shapes, summed over calls of the same shapes.)
// (TAILSWEEP_BACKEND picks the backend; `batch` is the proposed case's, half labeled, half unlabeled.)
import {
  backendDefaultsFromEnv,
  configureBackend,
  initBackend,
  LayerwiseAdam,
  optimizerStep,
  releaseWebGpu,
  tf,
} from "@tailsweep/model";
import { buildCase } from "./tfjs-cases";

const showCalls = process.argv.includes("--calls");
const [caseName = "reference", threads = "2", batch] = process.argv.slice(2).filter((a) => a !== "--calls");
// A script is its own app: TAILSWEEP_BACKEND is read here, as the CLI's settings read it.
configureBackend(backendDefaultsFromEnv(process.env));
const backend = await initBackend({ blasThreads: Number(threads) });
const { variables, loss } = buildCase(caseName, batch === undefined ? undefined : Number(batch));
const optimizer = new LayerwiseAdam(1e-3);
// Several warm-up steps: the wasm heap grows (and copies itself) during the first ones.
for (let i = 0; i < 6; i++) optimizerStep(optimizer, variables, loss).dispose();
// The step as training runs it, unprofiled: the read waits for its kernels (median of 5).
const plain: number[] = [];
for (let i = 0; i < 5; i++) {
  const t = performance.now();
  const packed = optimizerStep(optimizer, variables, loss);
  await packed.data();
  packed.dispose();
  plain.push(performance.now() - t);
}
const stepMs = plain.sort((a, b) => a - b)[2]!;
const t0 = performance.now();
const info = await tf.profile(() => optimizerStep(optimizer, variables, loss));
const wall = performance.now() - t0;
const byKernel = new Map<string, { ms: number; calls: number }>();
for (const k of info.kernels) {
  const e = byKernel.get(k.name) ?? { ms: 0, calls: 0 };
  e.ms += Number(k.kernelTimeMs) || 0;
  e.calls++;
  byKernel.set(k.name, e);
}
const rows = [...byKernel.entries()].sort((a, b) => b[1].ms - a[1].ms);
const total = rows.reduce((s, [, e]) => s + e.ms, 0);
console.log(`${caseName}${batch ? ` at batch ${batch}` : ""} on ${backend.name}: ${backend.detail}`);
console.log(
  `kernel time ${total.toFixed(1)} ms in ${info.kernels.length} kernel calls (profiled wall ${wall.toFixed(0)} ms)`,
);
console.log(
  `unprofiled step ${stepMs.toFixed(1)} ms: ${Math.max(0, stepMs - total).toFixed(1)} ms (${((100 * Math.max(0, stepMs - total)) / stepMs).toFixed(0)} %) outside the kernels (dispatch, JS, synchronisation)`,
);
for (const [name, e] of rows.slice(0, 30))
  console.log(`${name.padEnd(22)} ${e.ms.toFixed(1).padStart(8)} ms ${String(e.calls).padStart(6)} calls`);
if (showCalls) {
  const byShape = new Map<string, { ms: number; calls: number }>();
  for (const k of info.kernels) {
    const key = `${k.name} ${k.inputShapes.map((s) => `[${s}]`).join(" ")}`;
    const e = byShape.get(key) ?? { ms: 0, calls: 0 };
    e.ms += Number(k.kernelTimeMs) || 0;
    e.calls++;
    byShape.set(key, e);
  }
  console.log("\ncostliest calls by kernel and input shapes:");
  for (const [key, e] of [...byShape.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 60))
    console.log(`${e.ms.toFixed(2).padStart(8)} ms ${String(e.calls).padStart(5)} × ${key}`);
}
releaseWebGpu();
