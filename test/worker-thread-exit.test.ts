// A trial whose training thread dies under it (out of memory, a native crash) goes again as a new attempt, as when a
// worker process dies; a trial that fails on its own (a config the trainer rejects) does not.
import { InProcessBus } from "@tailsweep/bus";
import { Controller } from "@tailsweep/controller";
import { openRunStore } from "@tailsweep/db";
import { initBackend } from "@tailsweep/model";
import { AppError, parseSweepFile } from "@tailsweep/schemas";
import { THREAD_EXITED_CODE } from "@tailsweep/schemas/trial-thread";
import { Worker } from "@tailsweep/worker";
import { afterAll, expect, it } from "vitest";
import { waitFor } from "./harness";

const cleanup: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const f of cleanup.reverse()) await f();
});

it("queues a trial whose thread died again as a new attempt, and fails one that failed on its own", {
  timeout: 60_000,
}, async () => {
  const opened = await openRunStore({ pgliteDir: "memory", databaseUrl: "" });
  const bus = new InProcessBus();
  const logged: string[] = [];
  const controller = new Controller(opened.store, bus, {
    reapEveryMs: 500,
    logTrials: true,
    log: (line) => logged.push(line),
  });
  await controller.start();
  cleanup.push(
    () => opened.close(),
    () => bus.close(),
    () => controller.stop(),
  );
  const backend = await initBackend({ prefer: "cpu" });
  const calls = new Map<number, number>();
  const ends: string[] = [];
  const worker = new Worker(bus, {
    id: "w",
    backend,
    onTrialEnd: (_, outcome, why) => ends.push(`${outcome}${why ? ` (${why})` : ""}`),
    runTrial: async (config) => {
      const seed = config.train.seed;
      calls.set(seed, (calls.get(seed) ?? 0) + 1);
      if (seed === 1 && calls.get(seed) === 1)
        throw new AppError(THREAD_EXITED_CODE, "internal", "a trial thread exited (code 134)");
      if (seed === 2) throw new Error("modalities: index 2 is out of range");
      const v = 0.5;
      const test = { n: 1, accuracy: v, balancedAccuracy: v, macroF1: v, gMean: v };
      const metrics = {
        test: { ...test, perClassRecall: [], perClassPrecision: [], confusion: [] },
        minorityRecall: v,
        minorityClasses: [],
        perModality: [],
      };
      return { metrics, backend: backend.name, seconds: 1 };
    },
  });
  await worker.start();
  cleanup.push(() => worker.stop());
  const spec = parseSweepFile({ name: "thread-exit", project: "p", search: { nu: [5] }, seeds: 2 });
  const { id } = await controller.submit(spec, "thread-exit");
  await waitFor(async () => (await opened.store.getSweep(id))?.status === "completed", "the sweep", 30_000);
  const trials = await opened.store.listTrials(id);
  const bySeed = new Map(trials.map((t) => [t.seed, t]));
  expect(bySeed.get(1)).toMatchObject({
    state: "succeeded",
    attempt: 2,
    retries: [expect.objectContaining({ attempt: 1, reason: "a trial thread exited (code 134)" })],
  });
  expect(bySeed.get(2)).toMatchObject({ state: "failed", attempt: 1 });
  expect(calls.get(2)).toBe(1);
  // what a team's controller logs of them: each grant and each stored result, with the worker (it said nothing)
  const seed1 = bySeed.get(1)!.id;
  expect(logged).toEqual(
    expect.arrayContaining([
      `trial ${seed1} attempt 1: granted to worker w`,
      `trial ${seed1} attempt 2: granted to worker w`,
      `trial ${seed1} attempt 2: succeeded in 1 s on worker w`,
    ]),
  );
  // what the worker's log says of each end: a failure with its reason (it said "failed" alone)
  expect(ends.sort()).toEqual([
    "failed (a trial thread exited (code 134))",
    "failed (modalities: index 2 is out of range)",
    "result sent",
  ]);
});
