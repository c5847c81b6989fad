// Milliseconds per training step of the quick-preset model on mnist-2view for each compute backend that
// initialises here, interleaved in one process (3 rounds, median). Prints ms/step and the ratio against the
// pure-npm default (patched wasm).
// Usage: node --import tsx bench/train-step.ts [steps=10]
import { loadDataset } from "@tailsweep/data";
import { type BackendName, initBackend, trainModel } from "@tailsweep/model";
import { ModelConfigSchema, TrainConfigSchema } from "@tailsweep/schemas";

const steps = Number(process.argv[2] ?? 10);
const dataset = await loadDataset({ headCount: 2000, testPerClass: 20, seed: 1 });
const model = ModelConfigSchema.parse({
  encoderWidths: [256],
  decoderWidths: [256],
  classifierWidths: [256],
  latentDim: 16,
});
const variants: { name: string; backend: BackendName; blasThreads?: number }[] = [
  { name: "wasm (default)", backend: "wasm" },
  { name: "wasm-blas, 1 thread", backend: "wasm-blas", blasThreads: 1 },
  { name: "wasm-blas, 2 threads", backend: "wasm-blas", blasThreads: 2 },
];
const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const samples = variants.map(() => [] as number[]);
for (let round = 0; round < 3; round++) {
  for (const [i, v] of variants.entries()) {
    try {
      await initBackend({ prefer: v.backend, ...(v.blasThreads ? { blasThreads: v.blasThreads } : {}) });
    } catch {
      continue; // not available on this machine
    }
    let last = 0;
    const times: number[] = [];
    // Two warm-up steps, then the timed ones; evaluation is outside the per-step times.
    await trainModel(
      dataset,
      model,
      TrainConfigSchema.parse({ epochs: 1, maxStepsPerEpoch: steps + 2, evalEvery: 0 }),
      {
        onStep: (s) => {
          const now = performance.now();
          if (s.step > 2) times.push(now - last);
          last = now;
        },
      },
    );
    samples[i]!.push(median(times));
  }
}
const base = median(samples[0]!);
for (const [i, v] of variants.entries()) {
  const s = samples[i]!;
  if (s.length === 0) console.log(`${v.name.padEnd(22)} unavailable`);
  else
    console.log(
      `${v.name.padEnd(22)} ${median(s).toFixed(0).padStart(6)} ms/step   ratio ${(median(s) / base).toFixed(2)}`,
    );
}
