import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { FileArtifactStore } from "@tailsweep/bus";
import { DATA_IMPORT_CODE } from "@tailsweep/data";
import { initBackend } from "@tailsweep/model";
import { hasErrorCode, isAppError, type RunConfig, resolveRunConfig } from "@tailsweep/schemas";
import { THREADS_CLOSED_CODE, UNCODED_ERROR_CODE } from "@tailsweep/schemas/trial-thread";
import {
  OnDemandTrialThreads,
  type OnDemandTrialThreadsOptions,
  type TrialGrant,
  type TrialHooks,
  type TrialRunner,
  TrialThreads,
  trainingRunner,
} from "@tailsweep/worker";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ServingGate } from "./serving-gate";
import { threadPlan, trialThreadEntry } from "./trial-threads";

/** A tiny trial: a few steps of two epochs on a small split, evaluated every epoch. */
function tinyConfig(
  more: { dataset?: Record<string, unknown>; model?: Record<string, unknown> } = {},
): RunConfig {
  return resolveRunConfig({
    dataset: {
      name: "mnist-2view",
      headCount: 100,
      testPerClass: 20,
      imbalanceRatio: 10,
      labelRatio: 0.2,
      ...more.dataset,
    },
    model: { encoderWidths: [32], decoderWidths: [32], classifierWidths: [32], latentDim: 4, ...more.model },
    train: {
      epochs: 2,
      maxStepsPerEpoch: 3,
      evalEvery: 1,
      labeledBatchSize: 16,
      unlabeledBatchSize: 16,
      seed: 7,
    },
  });
}

const grant = (execution: Partial<TrialGrant["execution"]> = {}): TrialGrant => ({
  trialId: "sweep:trial",
  attempt: 1,
  execution: { heartbeatSeconds: 5, trialTimeoutSeconds: 600, ...execution },
});

/** Hooks that record what the trainer reported and asked, stopping when `stopAt(epochsSeen)` says. */
function recorder(stopAt: (epochs: number) => boolean = () => false) {
  const seen = { epochs: [] as number[], asked: 0, cancelledAsked: 0 };
  const hooks: TrialHooks = {
    onEpoch: (m) => void seen.epochs.push(m.epoch),
    shouldStop: () => {
      seen.asked++;
      return stopAt(seen.epochs.length);
    },
    cancelled: () => {
      seen.cancelledAsked++;
      return false;
    },
  };
  return { hooks, seen };
}

/** What must not differ between two runs of the same trial: everything but times and where it ran. */
function reproducible(metrics: Record<string, unknown>) {
  const { history, backendDetail: _d, ...rest } = metrics;
  return {
    ...rest,
    history: (history as { seconds: number }[]).map(({ seconds: _s, ...epoch }) => epoch),
  };
}

describe("training trials on threads (TrialThreads)", { timeout: 300_000 }, () => {
  let threads: TrialThreads;
  beforeAll(async () => {
    await initBackend({ prefer: "wasm" });
    threads = await TrialThreads.start({
      size: 2,
      entry: trialThreadEntry(),
      backend: "wasm",
      blasThreads: 1,
    });
  });
  afterAll(() => threads?.close());

  it("gives a trial the same metrics on a thread as on the main thread, with the same seed", async () => {
    const config = tinyConfig();
    const backend = await initBackend({ prefer: "wasm" });
    const here = recorder();
    const there = recorder();
    const [threaded, main] = await Promise.all([
      threads.runner()(config, there.hooks, grant()),
      trainingRunner(backend)(config, here.hooks, grant()),
    ]);
    expect(threaded.backend).toBe("wasm");
    expect(reproducible(threaded.metrics)).toEqual(reproducible(main.metrics));
    expect(threaded.metrics.test.balancedAccuracy).toBeGreaterThan(0);
    // Epochs streamed as they ended, and the trainer asked the worker's hooks once an epoch, as in process.
    expect(there.seen).toEqual(here.seen);
    expect(there.seen).toMatchObject({ epochs: [1, 2], asked: 2 });
  });

  it("trains more trials than threads when they come at once: each waits for a thread of its own", async () => {
    const run = threads.runner();
    const results = await Promise.all([1, 2, 3].map(() => run(tinyConfig(), recorder().hooks, grant())));
    expect(results.map((r) => r.metrics.history)).toHaveLength(3);
    expect(reproducible(results[2]!.metrics)).toEqual(reproducible(results[0]!.metrics));
  });

  it("stops after the epoch at which the worker's shouldStop says so", async () => {
    const { hooks, seen } = recorder((epochs) => epochs >= 0);
    const result = await threads.runner()(tinyConfig(), hooks, grant());
    expect(seen.epochs).toEqual([1]);
    expect(seen.asked).toBe(1);
    expect(result.metrics.history).toHaveLength(1);
  });

  it("keeps checkpoints and artifacts in the worker's store, and asks whether the sweep was cancelled first", async () => {
    const store = new FileArtifactStore(mkdtempSync(join(tmpdir(), "tailsweep-thread-artifacts-")));
    const { hooks, seen } = recorder();
    const result = await threads.runner(store)(
      tinyConfig(),
      hooks,
      grant({ checkpointEvery: 1, artifacts: "all" }),
    );
    const keys = (await store.list("")).map((i) => i.key);
    expect(keys.some((k) => k.includes("checkpoint"))).toBe(true);
    expect(result.metrics.artifacts).toBeDefined();
    expect(seen.cancelledAsked).toBeGreaterThan(0);
    // A second attempt resumes from the checkpoint the thread stored through the worker.
    const again = await threads.runner(store)(tinyConfig(), recorder().hooks, {
      ...grant({ checkpointEvery: 1 }),
      attempt: 2,
    });
    expect(again.metrics.resumed).toBeDefined();
  });

  it("fails a trial with the error's own code, or UNCODED_ERROR with its name and message", async () => {
    const missing = tinyConfig({ dataset: { name: "user", path: "/nonexistent/tailsweep/manifest.json" } });
    const coded = await threads
      .runner()(missing, recorder().hooks, grant())
      .catch((e: unknown) => e);
    expect(hasErrorCode(coded, DATA_IMPORT_CODE)).toBe(true);
    // A config resolveRunConfig now refuses (a modality the data set lacks) but a sweep stored before that check
    // still holds: the model throws a plain RangeError in the thread.
    const valid = tinyConfig();
    const badModel: RunConfig = { ...valid, model: { ...valid.model, modalities: [2] } };
    const uncoded = await threads
      .runner()(badModel, recorder().hooks, grant())
      .catch((e: unknown) => e);
    expect(hasErrorCode(uncoded, UNCODED_ERROR_CODE)).toBe(true);
    expect(uncoded).toMatchObject({
      name: "RangeError",
      message: expect.stringMatching(/modalities: index 2/),
    });
    // The thread is still of use after a failed trial.
    expect(threads.size).toBe(2);
  });

  it("fails the trial on a thread when the threads are closed, and leaves none running", async () => {
    // Two: the busy one and the idle one both go.
    const pool = await TrialThreads.start({
      size: 2,
      entry: trialThreadEntry(),
      backend: "wasm",
      blasThreads: 1,
    });
    const closing = { done: undefined as Promise<void> | undefined };
    const hooks: TrialHooks = {
      ...recorder().hooks,
      onEpoch: () => {
        closing.done ??= pool.close();
      },
    };
    const outcome = await pool
      .runner()(tinyConfig(), hooks, grant())
      .catch((e: unknown) => e);
    await closing.done;
    expect(isAppError(outcome) && outcome.code).toBe(THREADS_CLOSED_CODE);
    expect(pool.size).toBe(0);
  });

  it("refuses a backend a thread cannot start, with its code, and starts none", async () => {
    const refused = await TrialThreads.start({
      size: 1,
      entry: trialThreadEntry(),
      backend: "tensorflow",
      blasThreads: 1,
    }).catch((e: unknown) => e);
    expect(hasErrorCode(refused, "BACKEND_UNAVAILABLE")).toBe(true);
  });
});

describe("trial threads started on demand (OnDemandTrialThreads, tailsweep ui)", { timeout: 300_000 }, () => {
  /** The main thread's runner, counting the trials it is given. */
  async function countedMainThread() {
    const backend = await initBackend({ prefer: "wasm" });
    const main = trainingRunner(backend);
    const calls = { count: 0 };
    const runner: TrialRunner = (config, hooks, trialGrant) => {
      calls.count++;
      return main(config, hooks, trialGrant);
    };
    return { runner, calls };
  }

  /** A pool of one wasm thread, as the dashboard makes it, with what a test changes. */
  const onDemand = (more: Partial<OnDemandTrialThreadsOptions> = {}) =>
    new OnDemandTrialThreads({
      size: 1,
      entry: trialThreadEntry(),
      backend: "wasm",
      blasThreads: 1,
      idleMs: 60_000,
      ...more,
    });

  it("starts the threads for the first trial, closes them once idle, and starts them again for the next", async () => {
    const lines: string[] = [];
    const pool = onDemand({ idleMs: 300, log: (line) => lines.push(line) });
    const fallback = await countedMainThread();
    const run = pool.runner(fallback.runner);
    try {
      expect(pool.started).toBe(false);
      const first = await run(tinyConfig(), recorder().hooks, grant());
      expect(pool.started).toBe(true);
      // said once the pool's close() has ended (every thread terminated)
      await vi.waitFor(() => expect(lines).toContain("trial threads closed after 0.3 s without a trial"), {
        timeout: 5_000,
      });
      expect(pool.started).toBe(false);
      const [second, third] = await Promise.all([
        run(tinyConfig(), recorder().hooks, grant()),
        run(tinyConfig(), recorder().hooks, grant()),
      ]);
      // every trial on a thread, none on the main thread; the threads started twice, once per busy spell
      expect(fallback.calls.count).toBe(0);
      expect(lines.filter((l) => l === "starting 1 trial thread")).toHaveLength(2);
      for (const result of [second, third])
        expect(reproducible(result.metrics)).toEqual(reproducible(first.metrics));
    } finally {
      await pool.close();
    }
    expect(pool.started).toBe(false);
    const closed = await run(tinyConfig(), recorder().hooks, grant()).catch((e: unknown) => e);
    expect(hasErrorCode(closed, THREADS_CLOSED_CODE)).toBe(true);
  });

  it("holds training while the process answers requests, and lets it go as soon as the last one ends", async () => {
    // Both bounds (a request's and a hold's) far beyond the test's time, so that only the request's end lets it go.
    const gate = new ServingGate(600_000);
    const pool = onDemand({ serving: gate.requests, servingMaxWaitMs: gate.maxWaitMs });
    try {
      const run = pool.runner((await countedMainThread()).runner);
      await run(tinyConfig(), recorder().hooks, grant()); // starts the thread
      const t0 = performance.now();
      await run(tinyConfig(), recorder().hooks, grant());
      const unheldMs = performance.now() - t0;
      const done = gate.enter();
      const { hooks, seen } = recorder();
      const held = run(tinyConfig(), hooks, grant());
      // twice what the same trial takes unheld
      await new Promise((r) => setTimeout(r, Math.min(20_000, Math.max(1_500, 2 * unheldMs))));
      expect(seen.epochs).toEqual([]);
      done();
      const late = new Promise<"late">((r) => setTimeout(() => r("late"), 60_000).unref());
      // woken by the end of the request (a missing wake-up would wait for the 600 s bound)
      expect(await Promise.race([held.then(() => "ended" as const), late])).toBe("ended");
      expect(seen.epochs).toEqual([1, 2]);
    } finally {
      await pool.close();
    }
  });

  it("holds training no longer than servingMaxWaitMs at a time while a request stays open", async () => {
    const gate = new ServingGate(600_000);
    const pool = onDemand({ serving: gate.requests, servingMaxWaitMs: 400 });
    const run = pool.runner((await countedMainThread()).runner);
    try {
      await run(tinyConfig(), recorder().hooks, grant()); // starts the thread
      const t0 = performance.now();
      await run(tinyConfig(), recorder().hooks, grant());
      const unheldMs = performance.now() - t0;
      const done = gate.enter();
      try {
        const { hooks, seen } = recorder();
        const t1 = performance.now();
        await run(tinyConfig(), hooks, grant());
        const heldMs = performance.now() - t1;
        expect(seen.epochs).toEqual([1, 2]);
        // held at each of its 6 steps for the 400 ms bound: not unheld, and not the 2 s default either
        expect(heldMs - unheldMs).toBeGreaterThan(6 * 400 * 0.8);
        expect(heldMs - unheldMs).toBeLessThan(6 * 2_000 * 0.8);
      } finally {
        done();
      }
    } finally {
      await pool.close();
    }
    const refused = await TrialThreads.start({
      size: 0,
      entry: trialThreadEntry(),
      backend: "wasm",
      blasThreads: 1,
      servingMaxWaitMs: 1.5,
    }).catch((e: unknown) => e);
    expect(hasErrorCode(refused, "TRIAL_THREADS_INVALID")).toBe(true);
    expect(refused).toMatchObject({ message: expect.stringMatching(/threads: .*; servingMaxWaitMs: /) });
  });

  it("fails a trial whose threads close() interrupts while they start, and runs nothing on the main thread", async () => {
    // A stand-in thread that is slow to be ready.
    const dir = mkdtempSync(join(tmpdir(), "tailsweep-slow-thread-"));
    const module = join(dir, "slow-ready.mjs");
    writeFileSync(
      module,
      `import { parentPort } from "node:worker_threads";
setTimeout(() => parentPort.postMessage({ type: "ready", backend: "cpu", detail: "stand-in" }), 500);
setInterval(() => {}, 1_000);
`,
    );
    const pool = onDemand({ entry: { module: pathToFileURL(module) }, backend: "cpu" });
    const fallback = await countedMainThread();
    const trial = pool
      .runner(fallback.runner)(tinyConfig(), recorder().hooks, grant())
      .catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 100));
    await pool.close();
    expect(hasErrorCode(await trial, THREADS_CLOSED_CODE)).toBe(true);
    expect(fallback.calls.count).toBe(0);
  });

  it("trains on the main thread when the threads cannot start, says so, and tries them again after idleMs", async () => {
    const lines: string[] = [];
    const pool = onDemand({
      entry: { module: pathToFileURL(join(tmpdir(), "tailsweep-no-such-thread.mjs")) },
      idleMs: 300,
      log: (line) => lines.push(line),
    });
    const fallback = await countedMainThread();
    const run = pool.runner(fallback.runner);
    const failedStarts = () =>
      lines.filter((l) => l.startsWith("training on the main thread: the trial threads did not start"));
    try {
      const results = await Promise.all([1, 2].map(() => run(tinyConfig(), recorder().hooks, grant())));
      expect(results[1]!.metrics.test.balancedAccuracy).toBeGreaterThan(0);
      await run(tinyConfig(), recorder().hooks, grant()); // at once: not tried again
      expect(fallback.calls.count).toBe(3);
      expect(failedStarts()).toHaveLength(1);
      expect(lines.filter((l) => l.startsWith("starting"))).toHaveLength(1);
      await new Promise((r) => setTimeout(r, 800));
      await run(tinyConfig(), recorder().hooks, grant()); // after idleMs: tried again
      expect(fallback.calls.count).toBe(4);
      expect(lines.filter((l) => l.startsWith("starting"))).toHaveLength(2);
      expect(failedStarts()).toHaveLength(2);
      // no threads were ever started, so none were closed
      expect(lines.filter((l) => l.startsWith("trial threads closed"))).toEqual([]);
    } finally {
      await pool.close();
    }
  });
});

describe("threadPlan", () => {
  it("hands each thread the data sets to read ahead, parsed as its setup", async () => {
    // A stand-in thread that says what setup it was given: the pool's side of the read-ahead (the thread's side is
    // trial-thread.ts, whose reading loadDataset then finds: packages/data's preload-sources.test.ts).
    const dir = mkdtempSync(join(tmpdir(), "tailsweep-thread-setup-"));
    const module = join(dir, "echo-setup.mjs");
    writeFileSync(
      module,
      `import { parentPort, workerData } from "node:worker_threads";
parentPort.postMessage({ type: "ready", backend: "cpu", detail: "stand-in" });
parentPort.postMessage({ type: "log", line: JSON.stringify(workerData.preload ?? null) });
`,
    );
    const lines: string[] = [];
    const preload = [resolveRunConfig({ dataset: { name: "mnist-2view", headCount: 100 } }).dataset];
    const pool = await TrialThreads.start({
      size: 2,
      entry: { module: pathToFileURL(module) },
      backend: "cpu",
      blasThreads: 1,
      preload,
      log: (line) => lines.push(line),
    });
    try {
      await vi.waitFor(() => expect(lines).toHaveLength(2));
      for (const line of lines) expect(JSON.parse(line)).toEqual(JSON.parse(JSON.stringify(preload)));
    } finally {
      await pool.close();
    }
  });

  it("takes a thread per core, at most one per trial, unless --workers says", () => {
    expect(threadPlan(undefined, 8, 1, 2)).toEqual({ threads: 2, blasThreads: 1 });
    expect(threadPlan(undefined, 1, 1, 4)).toEqual({ threads: 1, blasThreads: 1 });
    expect(threadPlan(3, 8, 1, 2)).toEqual({ threads: 3, blasThreads: 1 });
  });

  it("cuts the BLAS threads so that trials × BLAS threads stay within the cores", () => {
    expect(threadPlan(undefined, 8, 2, 2)).toEqual({ threads: 2, blasThreads: 1 });
    expect(threadPlan(undefined, 1, 2, 2)).toEqual({ threads: 1, blasThreads: 2 });
    expect(threadPlan(undefined, 8, 4, 8)).toEqual({ threads: 8, blasThreads: 1 });
    expect(threadPlan(2, 8, 4, 8)).toEqual({ threads: 2, blasThreads: 4 });
  });
});
