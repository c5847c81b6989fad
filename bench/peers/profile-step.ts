// Kernel-time breakdown of one benchmark case's training step (tf.profile), to see where a step's time goes.
// Usage: node --import tsx bench/peers/profile-step.ts <reference|proposed> [threads=2]
import { initBackend, LayerwiseAdam, optimizerStep, tf } from "@tailsweep/model";
import { buildCase } from "./tfjs-cases";

const [caseName = "reference", threads = "2"] = process.argv.slice(2);
await initBackend({ blasThreads: Number(threads) });
const { variables, loss } = buildCase(caseName);
const optimizer = new LayerwiseAdam(1e-3);
// Several warm-up steps: the wasm heap grows (and copies itself) during the first ones.
for (let i = 0; i < 6; i++) optimizerStep(optimizer, variables, loss).dispose();
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
console.log(
  `${caseName}: kernel time ${total.toFixed(1)} ms in ${info.kernels.length} kernel calls (profiled wall ${wall.toFixed(0)} ms)`,
);
for (const [name, e] of rows.slice(0, 16))
  console.log(`${name.padEnd(22)} ${e.ms.toFixed(1).padStart(8)} ms ${String(e.calls).padStart(6)} calls`);
