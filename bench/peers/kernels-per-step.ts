// Kernels per training step of a quick-example trial (examples/quick.yaml, the proposed model), by kernel name, and
// ms per step. A step of these small models is bound by the per-kernel cost of the tfjs engine (scopes, tape,
// dispatch: ≈ 10 µs a kernel), so the count is the number to bring down; `--stack Name` prints where a kernel is
// called from (the 8 most frequent call sites).
// `--unfused` keeps tfjs's ops where the wasm backends fuse the decoders' output layers (fused-reconstruction.ts), to
// compare the two in separate runs.
// Usage: node --import tsx bench/peers/kernels-per-step.ts [--stack Multiply] [--unfused]
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadDataset } from "@tailsweep/data";
import {
  backendDefaultsFromEnv,
  configureBackend,
  fusedStepActive,
  initBackend,
  tf,
  trainModel,
  useFusedStep,
} from "@tailsweep/model";
import { parseSweepFile } from "@tailsweep/schemas";
import { expandSweep } from "@tailsweep/sweep";
import { parse } from "yaml";

const stackOf = process.argv.includes("--stack")
  ? process.argv[process.argv.indexOf("--stack") + 1]
  : undefined;
const quick = parse(readFileSync(join(import.meta.dirname, "..", "..", "examples", "quick.yaml"), "utf8"));
const [trial] = expandSweep(parseSweepFile({ ...quick, search: {}, seeds: 1 }));
const { config } = trial!;
// A script is its own app: TAILSWEEP_BACKEND is read here, as the CLI's settings read it.
configureBackend(backendDefaultsFromEnv(process.env));
const backend = await initBackend({});
if (process.argv.includes("--unfused")) useFusedStep(undefined);
const dataset = await loadDataset(config.dataset);
await trainModel(dataset, config.model, { ...config.train, epochs: 1 }); // warm-up: JIT, wasm tier-up

const engine = tf.engine() as unknown as { runKernel(name: string, ...rest: unknown[]): unknown };
const stock = engine.runKernel;
const counts = new Map<string, number>();
const sites = new Map<string, number>();
let counting = false;
engine.runKernel = function (this: unknown, name: string, ...rest: unknown[]) {
  if (counting) {
    counts.set(name, (counts.get(name) ?? 0) + 1);
    if (name === stackOf) {
      const site = (new Error().stack ?? "").split("\n").slice(2, 6).join(" <");
      sites.set(site, (sites.get(site) ?? 0) + 1);
    }
  }
  return stock.call(this, name, ...rest);
};
let steps = 0;
const stepTimes: number[] = [];
let last = 0;
await trainModel(
  dataset,
  config.model,
  { ...config.train, epochs: 1, evalEvery: 0 },
  {
    onStep: () => {
      const now = performance.now();
      if (steps > 0) stepTimes.push(now - last);
      last = now;
      steps++;
      counting = true; // from the end of the first step to the end of the last: whole steps only
    },
  },
);
counting = false;
engine.runKernel = stock;

const counted = steps - 1;
const total = [...counts.values()].reduce((a, b) => a + b, 0);
const median = stepTimes.sort((a, b) => a - b)[Math.floor(stepTimes.length / 2)]!;
console.log(
  `${backend.name}${fusedStepActive() ? " (decoder outputs fused)" : ""}: ${counted} steps, ${(total / counted).toFixed(0)} kernels per step, ${median.toFixed(1)} ms per step (median, counting on)`,
);
console.log(
  [...counts]
    .sort((a, b) => b[1] - a[1])
    .map(([name, n]) => `${name} ${(n / counted).toFixed(0)}`)
    .join(", "),
);
for (const [site, n] of [...sites].sort((a, b) => b[1] - a[1]).slice(0, 8))
  console.log(`\n${(n / counted).toFixed(0)} per step:${site}`);
