// tailsweep's side of bench/train-vs-pytorch.ts: times one benchmark case through tailsweep's own training code
// (packages/model layers, losses and optimizerStep) in a process of its own, and prints one JSON line.
// Usage: node --import tsx bench/peers/tfjs-step.ts <reference|proposed> <warmup> <steps> <threads> [batch]
//        node --import tsx bench/peers/tfjs-step.ts check <reference|proposed> <dir> <threads>
// (TAILSWEEP_BACKEND picks the backend, e.g. webgpu; `batch` is the proposed case's, half labeled, half unlabeled.)
// `check` writes the case's initial weights and batch to <dir> (manifest.json + tensors.bin, float32 little-endian)
// and prints the losses of two training steps with the posterior's mean decoded (no noise), for torch_step.py's
// `check` to load and recompute: both sides must compute the same function before their times are compared.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  backendDefaultsFromEnv,
  configureBackend,
  initBackend,
  LayerwiseAdam,
  optimizerStep,
  releaseWebGpu,
  type tf,
} from "@tailsweep/model";
import { buildCase } from "./tfjs-cases";

/** The median as Python's statistics.median takes it (torch_step.py): the mean of the middle two of an even count. */
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Steps 2 to 21 of the warm-up make `earlyMsPerStep`, as in torch_step.py. */
const EARLY_STEPS = 20;
const argv = process.argv.slice(2);
const checkMode = argv[0] === "check";
const [caseName = "reference", warmupArg = "10", stepsArg = "50", threadsArg = "2", batchArg] = checkMode
  ? [argv[1], "0", "0", argv[3]]
  : argv;
// A script is its own app: TAILSWEEP_BACKEND is read here, as the CLI's settings read it.
configureBackend(backendDefaultsFromEnv(process.env));
const backend = await initBackend({ blasThreads: Number(threadsArg) });
const built = buildCase(
  caseName,
  batchArg === undefined ? undefined : Number(batchArg),
  checkMode ? "mean" : "sample",
);
const { variables, loss } = built;
const optimizer = new LayerwiseAdam(1e-3);
// The read waits for the step's kernels: on a GPU the time includes the work, not just its queueing.
const step = async () => {
  const packed = optimizerStep(optimizer, variables, loss);
  const total = (await packed.data())[0]!;
  packed.dispose();
  return total;
};

/** The variables (under their tfjs names) and the batch (under `data/<name>`) as one float32 file and a manifest. */
function dumpCase(dir: string): void {
  const named: [string, tf.Tensor][] = [
    ...variables.map((v): [string, tf.Tensor] => [v.name, v]),
    ...Object.entries(built.data).map(([k, t]): [string, tf.Tensor] => [`data/${k}`, t]),
  ];
  const tensors: { name: string; shape: number[]; offset: number }[] = [];
  const chunks: Buffer[] = [];
  let offset = 0;
  for (const [name, t] of named) {
    const values = Float32Array.from(t.dataSync());
    tensors.push({ name, shape: t.shape, offset });
    chunks.push(Buffer.from(values.buffer, values.byteOffset, values.byteLength));
    offset += values.byteLength;
  }
  writeFileSync(join(dir, "tensors.bin"), Buffer.concat(chunks));
  writeFileSync(join(dir, "manifest.json"), JSON.stringify({ case: caseName, tensors }));
}

if (checkMode) {
  dumpCase(argv[2]!);
  const losses = [await step(), await step()];
  console.log(JSON.stringify({ side: "tailsweep", loss: losses }));
  releaseWebGpu();
  process.exit(0);
}

const first = await step();
// The warm-up's own steps after the first are timed too: V8 is still compiling the step's JavaScript then (≈ 40–80
// steps here), and that early cost is reported beside the settled one (`earlyMsPerStep`).
const early: number[] = [];
for (let i = 1; i < Number(warmupArg); i++) {
  const t0 = performance.now();
  await step();
  if (early.length < EARLY_STEPS) early.push(performance.now() - t0);
}
const times: number[] = [];
let last = first;
const faultsBefore = process.resourceUsage().minorPageFault;
for (let i = 0; i < Number(stepsArg); i++) {
  const t0 = performance.now();
  last = await step();
  times.push(performance.now() - t0);
}
const minorFaults = process.resourceUsage().minorPageFault - faultsBefore;
console.log(
  JSON.stringify({
    side: "tailsweep",
    backend: `${backend.name} (${backend.detail.split(";").slice(0, 2).join(";")})`,
    settings: {
      backend: `${backend.name}: ${backend.detail}`,
      kernels: backend.kernels ?? "tfjs's own",
      // what the process actually mapped, as torch_step.py reports it (--ours-allocator jemalloc preloads it)
      allocator: `V8 heap + one wasm memory (grown, never returned); ${
        /libjemalloc/.test(readFileSync("/proc/self/maps", "utf8")) ? "jemalloc" : "glibc malloc"
      } for OpenBLAS's buffers`,
      // wasm has no flush-to-zero mode (its float semantics are IEEE with denormals); OpenBLAS's sgemm runs under the
      // process's default MXCSR, as PyTorch's does before set_flush_denormal.
      flushToZero: "no (wasm has no such mode)",
      minorFaultsPerStep: minorFaults / Number(stepsArg),
    },
    msPerStep: median(times),
    earlyMsPerStep: early.length > 0 ? median(early) : null,
    loss: [first, last],
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  }),
);
releaseWebGpu();
process.exit(0);
