// tailsweep's side of bench/train-vs-pytorch.ts: times one benchmark case through tailsweep's own training code
// (packages/model layers, losses and optimizerStep) in a process of its own, and prints one JSON line.
// Usage: node --import tsx bench/peers/tfjs-step.ts <reference|proposed> <warmup> <steps> <threads> [batch]
// (TAILSWEEP_BACKEND picks the backend, e.g. webgpu; `batch` is the proposed case's, half labeled, half unlabeled.)
import {
  backendDefaultsFromEnv,
  configureBackend,
  initBackend,
  LayerwiseAdam,
  optimizerStep,
  releaseWebGpu,
} from "@tailsweep/model";
import { buildCase } from "./tfjs-cases";

const [caseName = "reference", warmupArg = "10", stepsArg = "50", threadsArg = "2", batchArg] =
  process.argv.slice(2);
// A script is its own app: TAILSWEEP_BACKEND is read here, as the CLI's settings read it.
configureBackend(backendDefaultsFromEnv(process.env));
const backend = await initBackend({ blasThreads: Number(threadsArg) });
const { variables, loss } = buildCase(caseName, batchArg === undefined ? undefined : Number(batchArg));
const optimizer = new LayerwiseAdam(1e-3);
// The read waits for the step's kernels: on a GPU the time includes the work, not just its queueing.
const step = async () => {
  const packed = optimizerStep(optimizer, variables, loss);
  const total = (await packed.data())[0]!;
  packed.dispose();
  return total;
};
const first = await step();
for (let i = 1; i < Number(warmupArg); i++) await step();
const times: number[] = [];
let last = first;
for (let i = 0; i < Number(stepsArg); i++) {
  const t0 = performance.now();
  last = await step();
  times.push(performance.now() - t0);
}
times.sort((a, b) => a - b);
console.log(
  JSON.stringify({
    side: "tailsweep",
    backend: `${backend.name} (${backend.detail.split(";").slice(0, 2).join(";")})`,
    msPerStep: times[times.length >> 1],
    loss: [first, last],
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  }),
);
releaseWebGpu();
process.exit(0);
