// The quick preset's 8 trials (examples/quick.yaml) trained on the embedded run's trial threads (TrialThreads), for
// each pool size × OpenBLAS threads per thread given: wall time of the 8 trials only (no store, no controller), rounds
// interleaved. What `sweep run`'s default split of the cores was chosen by (apps/cli/src/trial-threads.ts threadPlan).
// Usage: node --import tsx bench/trial-threads.ts [--cases 1x1,1x2,2x1,2x2] [--rounds 3] [--backend wasm-blas]
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { parseSweepFile } from "@tailsweep/schemas";
import { expandSweep } from "@tailsweep/sweep";
import { TrialThreads } from "@tailsweep/worker";
import { parse } from "yaml";
import { z } from "zod";
import { trialThreadEntry } from "../apps/cli/src/trial-threads";
import { loadAverage } from "./cpu-load";
import { summarise } from "./summary";

const { values } = parseArgs({
  options: {
    cases: { type: "string", default: "1x1,1x2,2x1,2x2" },
    rounds: { type: "string", default: "3" },
    backend: { type: "string", default: "wasm-blas" },
  },
});
const Options = z.object({
  cases: z.array(z.tuple([z.number().int().min(1), z.number().int().min(1)])).min(1),
  rounds: z.number().int().min(1).max(20),
  backend: z.enum(["wasm-blas", "wasm", "cpu"]),
});
const options = Options.parse({
  cases: (values.cases ?? "").split(",").map((c) => c.split("x").map(Number)),
  rounds: Number(values.rounds),
  backend: values.backend,
});
const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const trials = expandSweep(parseSweepFile(parse(readFileSync(join(root, "examples/quick.yaml"), "utf8"))));
const execution = { heartbeatSeconds: 5, trialTimeoutSeconds: 600 };
const never = { onEpoch: () => {}, shouldStop: () => false, cancelled: () => false };

/** Seconds to train every trial on `threads` threads with `blas` OpenBLAS threads each (threads started first). */
async function once(threads: number, blas: number): Promise<number> {
  const pool = await TrialThreads.start({
    size: threads,
    entry: trialThreadEntry(),
    backend: options.backend,
    blasThreads: blas,
  });
  try {
    const run = pool.runner();
    const t0 = performance.now();
    await Promise.all(
      trials.map((t, i) => run(t.config, never, { trialId: `t${i}`, attempt: 1, execution })),
    );
    return (performance.now() - t0) / 1000;
  } finally {
    await pool.close();
  }
}

console.log(`1-min load ${loadAverage().toFixed(2)}; ${trials.length} trials; ${options.backend}`);
const seconds = options.cases.map(() => [] as number[]);
await once(1, 1); // warm-up: the image cache, the native kernels
for (let round = 0; round < options.rounds; round++) {
  const order = options.cases.map((_, i) => i);
  if (round % 2 === 1) order.reverse();
  for (const i of order) seconds[i]!.push(await once(...options.cases[i]!));
  console.log(
    `round ${round + 1}: ${options.cases.map(([t, b], i) => `${t}×${b} ${seconds[i]!.at(-1)!.toFixed(1)} s`).join(", ")}`,
  );
}
for (const [i, [t, b]] of options.cases.entries()) {
  const s = summarise(seconds[i]!);
  console.log(
    `${t} thread(s) × ${b} BLAS: ${s.median.toFixed(1)} s [${s.min.toFixed(1)}–${s.max.toFixed(1)}]`,
  );
}
console.log(`1-min load after: ${loadAverage().toFixed(2)}`);
