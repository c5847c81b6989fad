// Dispatch overhead: what the sweep machinery costs around a trial, with trials that do no work. Two figures, on
// the embedded default (in-process bus + PGlite) and on the distributed setup (NATS JetStream + PostgreSQL), in the
// same script:
//   latency   — submit of a one-trial sweep → the worker starting that trial (median and p90 of `latencyRuns`)
//   overhead  — wall time per trial for a 1,000-trial sweep of no-op trials run by one worker one at a time, from
//               submit until every trial is stored as succeeded (claim, heartbeat, one epoch event, result, ack)
// The ratio printed is against the target of 20 ms per trial. A third row runs the distributed setup with trials that
// need a GPU (execution.gpu) and a worker that takes GPU trials first, then CPU ones: the cost of routing by kind (a
// pending-count request per consumer before each pull), as a ratio to the CPU row.
// Needs PostgreSQL (TEST_DATABASE_URL or the local trust default) and NATS with JetStream (NATS_URL or local).
// Usage: node --import tsx bench/dispatch.ts [trials=1000] [--json]
import { type Bus, InProcessBus } from "@tailsweep/bus";
import { Controller } from "@tailsweep/controller";
import { openRunStore } from "@tailsweep/db";
import { parseSweepFile } from "@tailsweep/schemas";
import type { RunStore } from "@tailsweep/sweep";
import { type TrialRunner, Worker } from "@tailsweep/worker";
import { freshDeployment } from "./deployment";

const args = process.argv.slice(2);
const json = args.includes("--json");
const trials = Number(args.find((a) => !a.startsWith("--")) ?? 1000);
const latencyRuns = 30;
const targetMs = 20;

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
};

async function until(store: RunStore, sweepId: string): Promise<void> {
  for (;;) {
    if ((await store.getSweep(sweepId))?.status === "completed") return;
    await new Promise((r) => setTimeout(r, 25));
  }
}

interface Measured {
  latencyMedianMs: number;
  latencyP90Ms: number;
  /** Median of the submit call alone (store the sweep, record provenance, queue): part of the latency. */
  submitOneMs: number;
  perTrialMs: number;
  submitMs: number;
}

async function measure(store: RunStore, bus: Bus, options: { gpu?: boolean } = {}): Promise<Measured> {
  let started: (() => void) | undefined;
  // A trial that does nothing but report one epoch: all that is left is the machinery around it.
  const noop: TrialRunner = async (_config, hooks) => {
    started?.();
    hooks.onEpoch({ epoch: 1, loss: { total: 0, labeled: 0, unlabeled: 0, classification: 0 }, seconds: 0 });
    const test = { n: 0, accuracy: 0, balancedAccuracy: 0, macroF1: 0, gMean: 0 };
    const none = { perClassRecall: [], perClassPrecision: [], confusion: [] };
    const metrics = { test: { ...test, ...none }, minorityRecall: 0, minorityClasses: [], perModality: [] };
    return { metrics, backend: "none", seconds: 0 };
  };
  const controller = new Controller(store, bus, { reapEveryMs: 60_000 });
  await controller.start();
  const worker = new Worker(bus, {
    backend: { name: "cpu", tfjsBackend: "cpu", detail: "no-op", summary: "no-op", versions: {} },
    runTrial: noop,
    concurrency: 1,
    trialKinds: options.gpu ? ["gpu", "cpu"] : ["cpu"],
  });
  const execution = { gpu: Boolean(options.gpu) };
  await worker.start();
  try {
    const latencies: number[] = [];
    const submits: number[] = [];
    for (let i = 0; i < latencyRuns + 3; i++) {
      const spec = parseSweepFile({ name: `latency-${i}`, seeds: 1, execution });
      const start = new Promise<void>((resolve) => {
        started = resolve;
      });
      const t0 = performance.now();
      const sweep = await controller.submit(spec);
      const submitted = performance.now();
      await start;
      if (i >= 3) {
        // the first few warm up connections and JIT
        latencies.push(performance.now() - t0);
        submits.push(submitted - t0);
      }
      await until(store, sweep.id);
    }
    started = undefined;
    const spec = parseSweepFile({
      name: "overhead",
      seeds: trials,
      execution,
    });
    const t0 = performance.now();
    const sweep = await controller.submit(spec);
    const submitMs = performance.now() - t0;
    await until(store, sweep.id);
    const perTrialMs = (performance.now() - t0) / trials;
    return {
      latencyMedianMs: quantile(latencies, 0.5),
      latencyP90Ms: quantile(latencies, 0.9),
      submitOneMs: quantile(submits, 0.5),
      perTrialMs,
      submitMs,
    };
  } finally {
    await worker.stop();
    await controller.stop();
  }
}

async function embedded(): Promise<Measured> {
  const opened = await openRunStore({ pgliteDir: "memory" });
  const bus = new InProcessBus();
  try {
    return await measure(opened.store, bus);
  } finally {
    await bus.close();
    await opened.close();
  }
}

async function distributed(options: { gpu?: boolean } = {}): Promise<Measured> {
  const name = options.gpu ? "dispatchgpu" : "dispatch";
  const deployment = await freshDeployment(name, `${name}${process.pid}`);
  try {
    return await measure(deployment.opened.store, deployment.bus, options);
  } finally {
    await deployment.drop();
  }
}

const results = {
  embedded: await embedded(),
  distributed: await distributed(),
  distributedGpu: await distributed({ gpu: true }),
};
if (json) {
  console.log(JSON.stringify({ trials, latencyRuns, targetMs, ...results }, null, 2));
} else {
  console.log(`dispatch overhead, no-op trials, one worker running one trial at a time`);
  console.log(
    `${"setup".padEnd(34)}${"submit→start median".padStart(20)}${"p90".padStart(9)}${"(submit call)".padStart(15)}${`per trial (${trials})`.padStart(20)}${"vs 20 ms".padStart(10)}`,
  );
  const row = (label: string, m: Measured) =>
    console.log(
      `${label.padEnd(34)}${`${m.latencyMedianMs.toFixed(1)} ms`.padStart(20)}${`${m.latencyP90Ms.toFixed(1)} ms`.padStart(9)}${`${m.submitOneMs.toFixed(1)} ms`.padStart(15)}${`${m.perTrialMs.toFixed(2)} ms`.padStart(20)}${(m.perTrialMs / targetMs).toFixed(2).padStart(10)}`,
    );
  row("embedded (in process + PGlite)", results.embedded);
  row("distributed (NATS + PostgreSQL)", results.distributed);
  row("distributed, GPU trials, GPU worker", results.distributedGpu);
  console.log(
    `submitting ${trials} trials (store + queue): embedded ${results.embedded.submitMs.toFixed(0)} ms, distributed ${results.distributed.submitMs.toFixed(0)} ms`,
  );
  console.log(
    `routing by kind, GPU row / CPU row: per trial ${(results.distributedGpu.perTrialMs / results.distributed.perTrialMs).toFixed(2)}, submit→start median ${(results.distributedGpu.latencyMedianMs / results.distributed.latencyMedianMs).toFixed(2)}`,
  );
}
process.exit(0);
