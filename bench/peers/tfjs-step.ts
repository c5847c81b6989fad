// tailsweep's side of bench/train-vs-pytorch.ts: times one benchmark case through tailsweep's own training code
// (packages/model layers, losses and optimizerStep) in a process of its own, and prints one JSON line.
// Usage: node --import tsx bench/peers/tfjs-step.ts <reference|proposed> <warmup> <steps> <threads>
import { initBackend, LayerwiseAdam, optimizerStep } from "@tailsweep/model";
import { buildCase } from "./tfjs-cases";

const [caseName = "reference", warmupArg = "10", stepsArg = "50", threadsArg = "2"] = process.argv.slice(2);
const backend = await initBackend({ blasThreads: Number(threadsArg) });
const { variables, loss } = buildCase(caseName);
const optimizer = new LayerwiseAdam(1e-3);
const step = () => {
  const packed = optimizerStep(optimizer, variables, loss);
  const total = packed.dataSync()[0]!;
  packed.dispose();
  return total;
};
const first = step();
for (let i = 1; i < Number(warmupArg); i++) step();
const times: number[] = [];
let last = first;
for (let i = 0; i < Number(stepsArg); i++) {
  const t0 = performance.now();
  last = step();
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
process.exit(0);
