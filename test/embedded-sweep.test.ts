import { loadSweepRuns, sweepPareto } from "@tailsweep/analysis";
import { failureSummary } from "@tailsweep/analysis/failure-summary";
import { InProcessBus } from "@tailsweep/bus";
import { Controller } from "@tailsweep/controller";
import { openRunStore } from "@tailsweep/db";
import { initBackend } from "@tailsweep/model";
import { CONFIG_ERROR_CODE, defaultParetoObjectives, parseSweepFile } from "@tailsweep/schemas";
import { Worker } from "@tailsweep/worker";
import { describe, expect, it } from "vitest";
import { writeFailingDataset } from "./failing-dataset";

const tiny = {
  dataset: { name: "mnist-2view", headCount: 60, testPerClass: 10, imbalanceRatio: 10, labelRatio: 0.2 },
  model: { encoderWidths: [8], decoderWidths: [8], classifierWidths: [8], latentDim: 2 },
  train: { epochs: 2, maxStepsPerEpoch: 2, evalEvery: 1, labeledBatchSize: 8, unlabeledBatchSize: 8 },
};

async function until(check: () => Promise<boolean>, timeoutMs = 180_000): Promise<void> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs) throw new Error("sweep did not finish in time");
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The embedded setup: PGlite in memory, the in-process bus and a started controller; `close` stops them in order. */
async function embedded(options: { ackWaitMs?: number; reapEveryMs?: number } = {}) {
  const backend = await initBackend({ prefer: "cpu" });
  const opened = await openRunStore({ pgliteDir: "memory", databaseUrl: "" });
  const bus = new InProcessBus(options.ackWaitMs ? { ackWaitMs: options.ackWaitMs } : {});
  const controller = new Controller(
    opened.store,
    bus,
    options.reapEveryMs ? { reapEveryMs: options.reapEveryMs } : {},
  );
  await controller.start();
  return {
    backend,
    opened,
    bus,
    controller,
    close: async () => {
      await controller.stop();
      await bus.close();
      await opened.close();
    },
  };
}

describe("a sweep in embedded mode (in-process bus, PGlite)", { timeout: 240_000 }, () => {
  it("runs every trial exactly once with two workers, storing epochs and results", async () => {
    const { backend, opened, bus, controller, close } = await embedded({
      ackWaitMs: 30_000,
      reapEveryMs: 1_000,
    });
    const outcomes: string[] = [];
    const workers = ["w1", "w2"].map(
      (id) =>
        new Worker(bus, {
          id,
          backend,
          onTrialEnd: (_trial, outcome) => outcomes.push(outcome),
        }),
    );
    for (const w of workers) await w.start();
    const spec = parseSweepFile({
      name: "embedded",
      ...tiny,
      search: { nu: [5, 30], variant: ["proposed", "supervised"] },
      seeds: [1, 2],
    });
    const sweep = await controller.submit(spec, "sweep-embedded");
    await until(async () => (await opened.store.getSweep(sweep.id))!.status === "completed");
    const trials = await opened.store.listTrials(sweep.id);
    expect(trials).toHaveLength(8);
    expect(trials.every((t) => t.state === "succeeded" && t.attempt === 1)).toBe(true);
    expect(new Set(trials.map((t) => t.workerId))).toEqual(new Set(["w1", "w2"]));
    for (const t of trials) {
      const result = await opened.store.getResult(t.id);
      expect(result!.backend).toBe("cpu");
      expect((result!.metrics as { test: { n: number } }).test.n).toBe(100);
      expect(result!.metrics).toMatchObject({ backendVersions: backend.versions });
    }
    // the reproducibility record: this checkout's commit, tailsweep's version, the runtime
    expect((await opened.store.getSweep(sweep.id))!.provenance).toMatchObject({
      gitCommit: expect.stringMatching(/^[0-9a-f]{40}$/),
      gitDirty: expect.any(Boolean),
      tailsweep: "0.1.0",
      node: process.versions.node,
    });
    await until(async () => (await opened.store.listEpochs(trials[7]!.id)).length === 2, 5_000);
    expect(outcomes.filter((o) => o === "result sent")).toHaveLength(8);
    for (const w of workers) await w.stop();
    await controller.stop();
    // Both workers reported themselves, and their clean stop reached the store before the controller stopped.
    const seen = await opened.store.listWorkers();
    expect(seen.map((w) => w.id).sort()).toEqual(["w1", "w2"]);
    for (const w of seen)
      expect(w).toMatchObject({ backend: "cpu", concurrency: 1, stoppedAt: expect.any(Date) });
    await close(); // stops the controller a second time: harmless
  });

  it("runs a TPE sweep to its budget: each configuration on every seed, proposed as results come in", async () => {
    const { backend, opened, bus, controller, close } = await embedded();
    const workers = ["w1", "w2"].map((id) => new Worker(bus, { id, backend }));
    for (const w of workers) await w.start();
    const spec = parseSweepFile({
      name: "tpe",
      ...tiny,
      search: { nu: { distribution: "loguniform", low: 3, high: 100 }, variant: ["proposed", "supervised"] },
      method: "tpe",
      budget: 4,
      seeds: [1, 2],
      tpe: { startup: 2, parallel: 2 },
    });
    const sweep = await controller.submit(spec, "sweep-tpe");
    expect(sweep.trialCount).toBe(4); // the first two configurations; the rest come as they finish
    await until(async () => (await opened.store.getSweep(sweep.id))!.status === "completed");
    const trials = await opened.store.listTrials(sweep.id);
    expect(trials).toHaveLength(8);
    expect(trials.every((t) => t.state === "succeeded")).toBe(true);
    const seedsOf = new Map<string, number[]>();
    for (const t of trials) seedsOf.set(t.configKey, [...(seedsOf.get(t.configKey) ?? []), t.seed]);
    expect([...seedsOf.values()]).toEqual(new Array(4).fill([1, 2]));
    const revisions = await opened.store.listRevisions(sweep.id);
    expect(revisions.map((r) => [r.kind, r.trialCount])).toEqual([
      ["submit", 4],
      ["propose", 2],
      ["propose", 2],
    ]);
    // the later configurations came from what had finished: their notes say which
    expect(revisions[2]!.note).toMatch(/^configuration 4 of 4 \(.*\): proposed by TPE from 2 finished$/);
    for (const w of workers) await w.stop();
    await close();
  });

  it("runs a two-objective TPE sweep to its budget, its objectives in the spec and compare's default front", async () => {
    const { backend, opened, bus, controller, close } = await embedded();
    const workers = ["w1", "w2"].map((id) => new Worker(bus, { id, backend }));
    for (const w of workers) await w.start();
    const spec = parseSweepFile({
      name: "tpe-two",
      ...tiny,
      search: { nu: { distribution: "loguniform", low: 3, high: 100 }, variant: ["proposed", "supervised"] },
      method: "tpe",
      budget: 3,
      seeds: [1, 2],
      tpe: { startup: 2, parallel: 2 },
      objectives: [{ metric: "balancedAccuracy" }, { metric: "minorityRecall" }],
    });
    const sweep = await controller.submit(spec, "sweep-tpe-two");
    expect(sweep.trialCount).toBe(4);
    await until(async () => (await opened.store.getSweep(sweep.id))!.status === "completed");
    const trials = await opened.store.listTrials(sweep.id);
    expect(trials).toHaveLength(6);
    expect(trials.every((t) => t.state === "succeeded")).toBe(true);
    const stored = (await opened.store.getSweep(sweep.id))!;
    expect(stored.spec.objectives).toEqual([
      { metric: "balancedAccuracy", direction: "maximize" },
      { metric: "minorityRecall", direction: "maximize" },
    ]);
    expect(stored.spec.objective).toEqual({ metric: "balancedAccuracy", direction: "maximize" });
    // the third configuration was proposed from the first finished one's two objectives
    const revisions = await opened.store.listRevisions(sweep.id);
    expect(revisions.map((r) => [r.kind, r.trialCount])).toEqual([
      ["submit", 4],
      ["propose", 2],
    ]);
    // what compare defaults to for this sweep: the front over its objectives
    const front = sweepPareto(await loadSweepRuns(opened.store, sweep.id), {
      objectives: defaultParetoObjectives(stored.spec)!,
    });
    expect(front.objectives.map((o) => o.metric)).toEqual(["balancedAccuracy", "minorityRecall"]);
    expect(front.front.length).toBeGreaterThan(0);
    for (const w of workers) await w.stop();
    await close();
  });

  it("runs a two-objective grid sweep (objectives without tpe), its objectives in the spec", async () => {
    const { backend, opened, bus, controller, close } = await embedded();
    const worker = new Worker(bus, { backend });
    await worker.start();
    const spec = parseSweepFile({
      name: "grid-two",
      ...tiny,
      search: { variant: ["proposed", "supervised"] },
      seeds: [1, 2],
      objectives: [{ metric: "minorityRecall" }, { metric: "balancedAccuracy" }],
    });
    const sweep = await controller.submit(spec, "sweep-grid-two");
    expect(sweep.trialCount).toBe(4);
    await until(async () => (await opened.store.getSweep(sweep.id))!.status === "completed");
    const stored = (await opened.store.getSweep(sweep.id))!;
    expect(stored.spec).toMatchObject({
      method: "grid",
      objective: { metric: "minorityRecall", direction: "maximize" },
      objectives: [
        { metric: "minorityRecall", direction: "maximize" },
        { metric: "balancedAccuracy", direction: "maximize" },
      ],
    });
    expect((await opened.store.listTrials(sweep.id)).every((t) => t.state === "succeeded")).toBe(true);
    await worker.stop();
    await close();
  });

  it("fails a trial whose data cannot load, at once, without retrying it", async () => {
    const { backend, opened, bus, controller, close } = await embedded();
    const worker = new Worker(bus, { backend });
    await worker.start();
    // Valid as a sweep (its files are there), but a value in them is not a number.
    const data = writeFailingDataset();
    const spec = parseSweepFile({
      name: "bad",
      ...tiny,
      dataset: { ...tiny.dataset, name: "user", path: data.path },
      seeds: [1],
    });
    const sweep = await controller.submit(spec, "sweep-bad");
    await until(async () => (await opened.store.getSweep(sweep.id))!.status === "completed", 30_000);
    const [t] = await opened.store.listTrials(sweep.id);
    expect(t).toMatchObject({ state: "failed", attempt: 1 });
    expect(t!.error).toMatch(data.error);
    await worker.stop();
    await close();
  });

  it("stores the code of a configuration the model refuses with its failure, and clears it on a retry", async () => {
    const { backend, opened, bus, controller, close } = await embedded();
    const worker = new Worker(bus, { backend });
    await worker.start();
    // A γ that cannot train (E1: γ ≤ −2/(m+2) = −0.5 at latentDim 2), as a TPE proposal past the launch's checks
    // would have: the model refuses it at its first step with a ConfigError.
    const checked = parseSweepFile({ name: "refused", ...tiny, variant: "proposed", seeds: [1] });
    const spec = { ...checked, model: { ...checked.model, gamma: -0.6 } };
    const sweep = await controller.submit(spec, "sweep-refused");
    await until(async () => (await opened.store.getSweep(sweep.id))!.status === "completed", 60_000);
    const [t] = await opened.store.listTrials(sweep.id);
    expect(t).toMatchObject({ state: "failed", attempt: 1, errorCode: CONFIG_ERROR_CODE });
    expect(t!.error).toMatch(/model\.gamma: -0\.6 cannot train/);
    expect(failureSummary(await opened.store.listTrials(sweep.id))).toEqual([
      expect.objectContaining({ count: 1, code: CONFIG_ERROR_CODE }),
    ]);
    await worker.stop();
    // queued again, it waits with neither its error nor the code (the attempt's story is in `retries`)
    const [retried] = await controller.retry(sweep.id);
    expect(retried).toMatchObject({ state: "waiting" });
    expect(retried!.errorCode).toBeUndefined();
    expect(retried!.error).toBeUndefined();
    await close();
  });

  it("cancels a sweep: queued trials are dropped and the running one stops within an epoch", async () => {
    const { backend, opened, bus, controller, close } = await embedded();
    const outcomes: string[] = [];
    const worker = new Worker(bus, { backend, onTrialEnd: (_trial, outcome) => outcomes.push(outcome) });
    await worker.start();
    // Long trials: 40 epochs of 2 steps each, so the cancel lands mid-trial.
    const spec = parseSweepFile({
      name: "cancel",
      ...tiny,
      train: { epochs: 40, maxStepsPerEpoch: 2, evalEvery: 0 },
      search: { nu: [5, 10, 30] },
      seeds: [1],
    });
    const sweep = await controller.submit(spec, "sweep-cancel");
    await until(
      async () => (await opened.store.listTrials(sweep.id)).some((t) => t.state === "running"),
      30_000,
    );
    const started = Date.now();
    expect(await controller.cancel(sweep.id)).toEqual({ cancelled: true, stopped: 3 });
    await until(async () => outcomes.includes("cancelled"), 30_000);
    expect(Date.now() - started).toBeLessThan(10_000);
    await new Promise((r) => setTimeout(r, 500));
    const trials = await opened.store.listTrials(sweep.id);
    expect(trials.map((t) => t.state)).toEqual(["cancelled", "cancelled", "cancelled"]);
    expect((await opened.store.getSweep(sweep.id))!.status).toBe("cancelled");
    for (const t of trials) expect(await opened.store.getResult(t.id)).toBeUndefined();
    await worker.stop();
    await close();
  });

  it("hands the running trial back when its worker shuts down, and another worker finishes it", async () => {
    const { backend, opened, bus, controller, close } = await embedded();
    const outcomes: string[] = [];
    const leaving = new Worker(bus, { id: "leaving", backend, onTrialEnd: (_t, o) => outcomes.push(o) });
    await leaving.start();
    const spec = parseSweepFile({
      name: "shutdown",
      ...tiny,
      train: { epochs: 6, maxStepsPerEpoch: 2, evalEvery: 0 },
      seeds: [1],
    });
    const sweep = await controller.submit(spec, "sweep-shutdown");
    await until(async () => (await opened.store.listTrials(sweep.id))[0]!.state === "running", 30_000);
    await leaving.stop(); // what SIGTERM does: the trial stops after this epoch and is handed back
    expect(outcomes).toEqual(["handed back"]);
    const staying = new Worker(bus, { id: "staying", backend });
    await staying.start();
    await until(async () => (await opened.store.getSweep(sweep.id))!.status === "completed");
    const [t] = await opened.store.listTrials(sweep.id);
    expect(t).toMatchObject({ state: "succeeded", attempt: 2, workerId: "staying" });
    expect(t!.retries).toEqual([
      {
        attempt: 1,
        reason: "worker leaving shut down",
        handedBack: true,
        startedAt: expect.any(Date),
        endedAt: expect.any(Date),
      },
    ]);
    expect(await opened.store.getResult(t!.id)).toBeDefined();
    await staying.stop();
    await close();
  });

  it("gives the trials that need a GPU only to GPU workers, also when one is handed back", async () => {
    const { backend, opened, bus, controller, close } = await embedded();
    // The GPU side is the routing, not a device: these workers train on cpu but take GPU trials.
    const gpuWorker = (id: string) => new Worker(bus, { id, backend, trialKinds: ["gpu", "cpu"] });
    const cpuWorker = new Worker(bus, { id: "cpu-only", backend });
    await cpuWorker.start();
    const spec = parseSweepFile({
      name: "gpu-routing",
      ...tiny,
      search: { variant: ["proposed", "supervised"] },
      execution: { gpu: { variant: ["proposed"] } },
      seeds: [1, 2],
    });
    const sweep = await controller.submit(spec, "sweep-gpu");
    const byVariant = async (variant: string) =>
      (await opened.store.listTrials(sweep.id)).filter((t) => t.config.variant === variant);
    // The CPU worker finishes the supervised trials and leaves the GPU ones waiting.
    await until(async () => (await byVariant("supervised")).every((t) => t.state === "succeeded"), 30_000);
    await new Promise((r) => setTimeout(r, 500));
    expect((await byVariant("proposed")).map((t) => t.state)).toEqual(["waiting", "waiting"]);
    // A GPU worker that leaves mid-trial hands its trial back to the GPU queue, not to the CPU worker.
    const leaving = new Worker(bus, {
      id: "gpu-leaving",
      backend,
      trialKinds: ["gpu", "cpu"],
      // Runs until it is told to stop, so the trial is surely mid-run when the worker leaves.
      runTrial: async (_config, hooks) => {
        while (!hooks.shouldStop()) await new Promise((r) => setTimeout(r, 20));
        const test = { n: 0, accuracy: 0, balancedAccuracy: 0, macroF1: 0, gMean: 0 };
        const none = { perClassRecall: [], perClassPrecision: [], confusion: [] };
        const metrics = {
          test: { ...test, ...none },
          minorityRecall: 0,
          minorityClasses: [],
          perModality: [],
        };
        return { metrics, backend: backend.name, seconds: 0 };
      },
    });
    await leaving.start();
    await until(async () => (await byVariant("proposed")).some((t) => t.state === "running"), 30_000);
    await leaving.stop();
    await new Promise((r) => setTimeout(r, 500));
    expect((await byVariant("proposed")).map((t) => t.state)).toEqual(["waiting", "waiting"]);
    const staying = gpuWorker("gpu-staying");
    await staying.start();
    await until(async () => (await opened.store.getSweep(sweep.id))!.status === "completed", 60_000);
    for (const t of await byVariant("proposed"))
      expect(t).toMatchObject({ state: "succeeded", workerId: "gpu-staying" });
    for (const t of await byVariant("supervised")) expect(t.workerId).toBe("cpu-only");
    await Promise.all([staying.stop(), cpuWorker.stop()]);
    await controller.stop();
    // What each worker takes is on record for the workers list.
    const kinds = Object.fromEntries((await opened.store.listWorkers()).map((w) => [w.id, w.trialKinds]));
    expect(kinds).toEqual({
      "cpu-only": ["cpu"],
      "gpu-leaving": ["gpu", "cpu"],
      "gpu-staying": ["gpu", "cpu"],
    });
    await close();
  });

  it("retries failed trials, resumes a cancelled sweep and runs added seeds, each once and only where asked", async () => {
    const { backend, opened, bus, controller, close } = await embedded({ reapEveryMs: 1_000 });
    // Seed 2 fails at its first attempt, as a flaky trial would; every other trial takes a moment and succeeds.
    const runs: string[] = [];
    const failSeedTwo = { on: true };
    const worker = new Worker(bus, {
      id: "w",
      backend,
      runTrial: async (config, hooks) => {
        runs.push(`${config.model.nu}/${config.train.seed}`);
        if (config.train.seed === 2 && failSeedTwo.on) throw new Error("flaky: out of memory");
        for (let i = 0; i < 10 && !hooks.shouldStop(); i++) await new Promise((r) => setTimeout(r, 30));
        const test = { n: 1, accuracy: 0.5, balancedAccuracy: 0.5, macroF1: 0.5, gMean: 0.5 };
        const none = { perClassRecall: [], perClassPrecision: [], confusion: [] };
        const metrics = {
          test: { ...test, ...none },
          minorityRecall: 0,
          minorityClasses: [],
          perModality: [],
        };
        return { metrics, backend: backend.name, seconds: 0 };
      },
    });
    await worker.start();
    const spec = parseSweepFile({ name: "revise", ...tiny, search: { nu: [5, 30] }, seeds: [1, 2] });
    const sweep = await controller.submit(spec, "sweep-revise");
    const states = async () => (await opened.store.listTrials(sweep.id)).map((t) => `${t.seed}:${t.state}`);
    await until(async () => (await opened.store.getSweep(sweep.id))!.status === "completed");
    expect(await states()).toEqual(["1:succeeded", "2:failed", "1:succeeded", "2:failed"]);

    // retry: only the two failed trials run again, as their second attempt
    failSeedTwo.on = false;
    runs.length = 0;
    expect((await controller.retry(sweep.id)).map((t) => t.seed)).toEqual([2, 2]);
    await until(async () => (await opened.store.getSweep(sweep.id))!.status === "completed");
    expect(runs.sort()).toEqual(["30/2", "5/2"]);
    const retried = (await opened.store.listTrials(sweep.id)).filter((t) => t.seed === 2);
    for (const t of retried) {
      expect(t).toMatchObject({ state: "succeeded", attempt: 2 });
      expect(t.retries).toEqual([
        {
          attempt: 1,
          reason: "flaky: out of memory",
          startedAt: expect.any(Date),
          endedAt: expect.any(Date),
        },
      ]);
    }
    expect(await controller.retry(sweep.id)).toEqual([]);

    // extend: seeds 3 and 4 for nu=30 only, as a post-hoc revision; a repeat adds nothing
    runs.length = 0;
    const nu30 = (await opened.store.listTrials(sweep.id)).find((t) => t.config.model.nu === 30)!.configKey;
    const request = {
      seeds: [3, 4],
      configKeys: [nu30],
      kind: "extend" as const,
      posthoc: true,
      by: "local",
      note: "top up",
    };
    const { revision, added } = await controller.extend(sweep.id, request);
    expect(revision).toMatchObject({ revision: 2, kind: "extend", trialCount: 2, posthoc: true });
    expect(added.map((t) => `${t.config.model.nu}/${t.seed}`)).toEqual(["30/3", "30/4"]);
    await until(async () => (await opened.store.getSweep(sweep.id))!.status === "completed");
    expect(runs.sort()).toEqual(["30/3", "30/4"]);
    expect(await controller.extend(sweep.id, request)).toEqual({ revision: undefined, added: [] });

    // resume: cancel mid-way through more seeds, then go on; nothing that succeeded runs again
    runs.length = 0;
    await controller.extend(sweep.id, { ...request, seeds: [5, 6, 7, 8], configKeys: [] });
    await until(async () => runs.length >= 1);
    await controller.cancel(sweep.id);
    await until(async () => (await opened.store.listTrials(sweep.id)).every((t) => t.state !== "running"));
    const cancelled = (await opened.store.listTrials(sweep.id)).filter((t) => t.state === "cancelled");
    expect(cancelled.length).toBeGreaterThan(0);
    runs.length = 0;
    expect((await controller.resume(sweep.id))?.map((t) => t.id)).toEqual(cancelled.map((t) => t.id));
    await until(async () => (await opened.store.getSweep(sweep.id))!.status === "completed");
    expect(runs.sort()).toEqual(cancelled.map((t) => `${t.config.model.nu}/${t.seed}`).sort());
    const all = await opened.store.listTrials(sweep.id);
    expect(all).toHaveLength(14);
    expect(all.every((t) => t.state === "succeeded")).toBe(true);
    expect((await opened.store.listRevisions(sweep.id)).map((r) => r.revision)).toEqual([1, 2, 3]);
    await worker.stop();
    await close();
  });
});
