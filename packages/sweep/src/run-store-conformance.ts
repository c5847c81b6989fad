import { ANNOTATION_LIMITS, hasErrorCode, isInputError, parseSweepFile } from "@tailsweep/schemas";
import { describe, expect, it } from "vitest";
import { expandSweep, planTrials } from "./expand";
import { sweepProgress } from "./progress";
import { emptyTrialCounts, type RunStore, type TrialRecord, type TrialResult, trialId } from "./run-store";
import { SweepArchiveSchema } from "./sweep-archive";
import { configKey } from "./trial-key";

/**
 * The behaviour every RunStore must have, as one vitest suite. Each implementation's test file calls this with a
 * factory giving a fresh, empty store (and an optional cleanup).
 */
export function describeRunStoreConformance(name: string, makeStore: () => Promise<RunStore>): void {
  const spec = parseSweepFile({
    name: "conformance",
    project: "p1",
    search: { nu: [5, 10] },
    seeds: [1, 2],
    // The nu=10 trials need a GPU: each trial's kind is fixed at expansion and stored with it.
    execution: { maxAttempts: 2, gpu: { nu: [10] } },
  });
  const plans = expandSweep(spec);
  const t0 = new Date("2026-01-01T00:00:00Z");
  const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);
  const result: TrialResult = {
    metrics: {
      test: {
        n: 2,
        accuracy: 0.5,
        balancedAccuracy: 0.5,
        macroF1: 0.5,
        gMean: 0.5,
        perClassRecall: [0.5, 0.5],
        perClassPrecision: [0.5, 0.5],
        confusion: [
          [1, 0],
          [1, 0],
        ],
      },
      minorityRecall: 0.5,
      minorityClasses: [1],
      perModality: [],
    },
    backend: "cpu",
    seconds: 1,
  };

  async function fresh() {
    const store = await makeStore();
    const sweep = await store.createSweep({
      id: "sw1",
      spec,
      trials: plans,
      now: t0,
      provenance: { gitCommit: "abc123" },
    });
    const [first] = await store.listTrials(sweep.id);
    return { store, sweep, first: first! };
  }

  describe(`RunStore conformance: ${name}`, () => {
    it("stores a sweep with every trial waiting, and a repeated create changes nothing", async () => {
      const { store, sweep } = await fresh();
      expect(sweep).toMatchObject({
        id: "sw1",
        project: "p1",
        name: "conformance",
        status: "running",
        trialCount: 4,
        revision: 1,
      });
      expect(sweep.spec.search).toEqual(spec.search);
      expect(sweep.provenance).toEqual({ gitCommit: "abc123" });
      const again = await store.createSweep({ id: "sw1", spec, trials: plans, now: at(5) });
      expect(again.createdAt).toEqual(t0);
      const trials = await store.listTrials("sw1");
      expect(trials.map((t) => t.key)).toEqual(plans.map((p) => p.key));
      expect(trials.every((t) => t.state === "waiting" && t.attempt === 0 && t.maxAttempts === 2)).toBe(true);
      expect(trials[0]!.config.model.nu).toBe(5);
      // One configuration per nu, shared by its two seeds: key, label and kind as planned.
      expect(trials.map((t) => [t.configKey, t.configLabel, t.kind])).toEqual(
        plans.map((p) => [p.configKey, p.configLabel, p.kind]),
      );
      expect(trials.map((t) => [t.configLabel, t.kind])).toEqual([
        ["model.nu=5", "cpu"],
        ["model.nu=5", "cpu"],
        ["model.nu=10", "gpu"],
        ["model.nu=10", "gpu"],
      ]);
      expect(trials[0]!.configKey).toBe(configKey({ "model.nu": 5 }));
      expect(trials[1]!.configKey).toBe(trials[0]!.configKey);
      expect(trials[2]!.configKey).not.toBe(trials[0]!.configKey);
      expect((await store.listSweeps("p1")).map((s) => s.id)).toEqual(["sw1"]);
      expect(await store.listSweeps("other")).toEqual([]);
    });

    it("stores several sweeps of a new project made at once, each of them", async () => {
      const store = await makeStore();
      const ids = ["new-a", "new-b", "new-c", "new-d"];
      const made = await Promise.all(
        ids.map((id) =>
          store.createSweep({ id, spec: { ...spec, project: "brand-new" }, trials: plans, now: t0 }),
        ),
      );
      expect(made.map((s) => s?.id)).toEqual(ids);
      expect((await store.listSweeps("brand-new")).map((s) => s.id).sort()).toEqual(ids);
    });

    it("lets exactly one of two workers claim a trial", async () => {
      const { store, first } = await fresh();
      const [a, b] = await Promise.all([
        store.claimTrial(first.id, "w1", at(1), "cpu"),
        store.claimTrial(first.id, "w2", at(1)),
      ]);
      expect([a, b].filter(Boolean)).toHaveLength(1);
      const t = await store.getTrial(first.id);
      expect(t).toMatchObject({ state: "running", attempt: 1 });
    });

    it("completes once: a repeat of the same attempt is harmless, a stale attempt is refused", async () => {
      const { store, first } = await fresh();
      await store.claimTrial(first.id, "w1", at(1));
      expect(await store.completeTrial(first.id, 1, result, at(2))).toMatchObject({ state: "succeeded" });
      expect(await store.completeTrial(first.id, 1, { ...result, seconds: 99 }, at(3))).toMatchObject({
        state: "succeeded",
      });
      expect((await store.getResult(first.id))!.seconds).toBe(1);
      expect(await store.listResults("sw1")).toEqual(new Map([[first.id, result]]));
      expect(await store.listResults("no-such-sweep")).toEqual(new Map());
      expect(await store.completeTrial(first.id, 2, result, at(3))).toBeUndefined();
      expect(await store.claimTrial(first.id, "w2", at(4))).toBeUndefined();
      expect(await store.failTrial(first.id, 1, "late", true, at(5))).toBeUndefined();
      expect((await store.getTrial(first.id))!.state).toBe("succeeded");
    });

    it("stores each epoch of an attempt once", async () => {
      const { store, first } = await fresh();
      await store.claimTrial(first.id, "w1", at(1));
      const e = { epoch: 1, loss: { total: 3, labeled: 1, unlabeled: 1, classification: 1 }, seconds: 2 };
      await store.recordEpoch(first.id, 1, e);
      await store.recordEpoch(first.id, 1, { ...e, seconds: 9 });
      await store.recordEpoch(first.id, 1, { ...e, epoch: 2 });
      await store.recordEpochs([
        {
          trialId: first.id,
          attempt: 1,
          metric: { ...e, epoch: 3, test: { accuracy: 0.5, balancedAccuracy: 0.25, macroF1: 0.2 } },
        },
        { trialId: first.id, attempt: 1, metric: { ...e, epoch: 2, seconds: 7 } },
        { trialId: first.id, attempt: 1, metric: { ...e, epoch: 3, seconds: 7 } },
      ]);
      const epochs = await store.listEpochs(first.id);
      expect(epochs.map((x) => [x.attempt, x.epoch, x.seconds])).toEqual([
        [1, 1, 2],
        [1, 2, 2],
        [1, 3, 2],
      ]);
      expect(epochs[2]).toMatchObject({
        loss: e.loss,
        test: { accuracy: 0.5, balancedAccuracy: 0.25, macroF1: 0.2 },
      });
      expect(epochs[0]).not.toHaveProperty("test");
    });

    it("aggregates learning curves per configuration and epoch, from current attempts only", async () => {
      const { store } = await fresh();
      // plans: nu 5 and 10 × seeds 1 and 2; the two nu=5 trials are one configuration
      const trials = await store.listTrials("sw1");
      const [a, b] = trials.filter((t) => t.params["model.nu"] === 5);
      const [c] = trials.filter((t) => t.params["model.nu"] === 10);
      const loss = (total: number) => ({ total, labeled: 1, unlabeled: 1, classification: 1 });
      const test = { accuracy: 0.5, balancedAccuracy: 0.4, macroF1: 0.3 };
      await store.claimTrial(a!.id, "w1", at(1));
      await store.recordEpoch(a!.id, 1, { epoch: 1, loss: loss(100), seconds: 1 }); // attempt 1: superseded
      await store.failTrial(a!.id, 1, "worker lost", true, at(2));
      await store.claimTrial(a!.id, "w2", at(3));
      await store.recordEpochs([
        { trialId: a!.id, attempt: 2, metric: { epoch: 1, loss: loss(4), test, seconds: 1 } },
        { trialId: a!.id, attempt: 2, metric: { epoch: 2, loss: loss(2), seconds: 1 } },
      ]);
      const validation = { accuracy: 0.75, balancedAccuracy: 0.625, macroF1: 0.5 };
      await store.recordEpochs([
        { trialId: a!.id, attempt: 2, metric: { epoch: 3, loss: loss(1), validation, seconds: 1 } },
      ]);
      expect((await store.listEpochs(a!.id, 2)).at(-1)).toEqual({
        attempt: 2,
        epoch: 3,
        loss: loss(1),
        validation,
        seconds: 1,
      });
      expect(
        (await store.epochCurves("sw1", "validation.balancedAccuracy")).map((p) => [p.epoch, p.n, p.mean]),
      ).toEqual([[3, 1, 0.625]]);
      await store.claimTrial(b!.id, "w1", at(3));
      await store.recordEpoch(b!.id, 1, { epoch: 1, loss: loss(6), seconds: 1 });
      await store.claimTrial(c!.id, "w1", at(3));
      await store.recordEpoch(c!.id, 1, { epoch: 1, loss: loss(9), seconds: 1 });
      const curves = await store.epochCurves("sw1", "loss.total");
      const point = (nu: number, epoch: number) =>
        curves.find((p) => p.params["model.nu"] === nu && p.epoch === epoch);
      expect(curves).toHaveLength(4);
      expect(point(5, 1)).toMatchObject({ n: 2, mean: 5, sd: expect.closeTo(Math.SQRT2, 12) });
      expect(point(5, 2)).toMatchObject({ n: 1, mean: 2, sd: Number.NaN });
      expect(point(10, 1)).toMatchObject({ n: 1, mean: 9 });
      expect(point(5, 1)!.params).toEqual(a!.params);
      expect(point(5, 1)!.configKey).toBe(a!.configKey);
      expect(await store.epochCurves("sw1", "test.balancedAccuracy")).toEqual([
        {
          configKey: a!.configKey,
          params: a!.params,
          epoch: 1,
          n: 1,
          mean: 0.4,
          sd: Number.NaN,
          finished: false,
        },
      ]);
      expect(curves.every((p) => !p.finished)).toBe(true); // all three still running
      // a finished trial's epochs are counted apart from the running one's; a failed trial's not at all
      const metrics = {
        test: {
          n: 1,
          accuracy: 1,
          balancedAccuracy: 1,
          macroF1: 1,
          gMean: 1,
          perClassRecall: [],
          perClassPrecision: [],
          confusion: [],
        },
        minorityRecall: 1,
        minorityClasses: [],
        perModality: [],
      };
      await store.completeTrial(a!.id, 2, { metrics, backend: "cpu", seconds: 1 }, at(4));
      await store.failTrial(c!.id, 1, "diverged", false, at(4));
      const after = await store.epochCurves("sw1", "loss.total");
      expect(after.map((p) => [p.params["model.nu"], p.epoch, p.finished, p.n, p.mean]).sort()).toEqual([
        [5, 1, false, 1, 6],
        [5, 1, true, 1, 4],
        [5, 2, true, 1, 2],
        [5, 3, true, 1, 1],
      ]);
    });

    it("hands a silent worker's trial back as a new attempt, then gives up after maxAttempts", async () => {
      const { store, first } = await fresh();
      await store.claimTrial(first.id, "w1", at(0));
      expect(await store.heartbeat(first.id, 1, at(10))).toBe(true);
      expect(await store.requeueStale(at(20), 30_000)).toEqual([]);
      const requeued = await store.requeueStale(at(50), 30_000);
      expect(requeued.map((t) => t.id)).toEqual([first.id]);
      let t = (await store.getTrial(first.id))!;
      expect(t.state).toBe("waiting");
      // the attempt keeps when it ran: the trial's own times go to its next attempt
      expect(t.retries).toEqual([
        {
          attempt: 1,
          reason: expect.stringMatching(/no heartbeat from worker w1 for 40 s/),
          startedAt: at(0),
          endedAt: at(50),
        },
      ]);
      expect(await store.heartbeat(first.id, 1, at(51))).toBe(false);
      await store.claimTrial(first.id, "w2", at(60));
      await store.requeueStale(at(200), 30_000);
      t = (await store.getTrial(first.id))!;
      expect(t).toMatchObject({ state: "failed", attempt: 2 });
      expect(t.error).toMatch(/gave up after 2 attempts/);
    });

    it("hands back stale trials of one sweep only when asked for that sweep", async () => {
      const { store, first } = await fresh();
      await store.createSweep({ id: "sw2", spec, trials: plans, now: t0 });
      const [other] = await store.listTrials("sw2");
      await store.claimTrial(first.id, "w1", at(0));
      await store.claimTrial(other!.id, "w2", at(0));
      expect((await store.requeueStale(at(50), 30_000, "sw2")).map((t) => t.id)).toEqual([other!.id]);
      expect((await store.getTrial(first.id))!.state).toBe("running");
      expect((await store.getTrial(other!.id))!.state).toBe("waiting");
    });

    it("keeps each worker's latest presence, tolerating repeats and reordering", async () => {
      const { store } = await fresh();
      const w = {
        id: "host:1",
        host: "host",
        backend: "cpu",
        trialKinds: ["cpu" as const],
        concurrency: 1,
        startedAt: at(0),
      };
      await store.recordWorker({ ...w, lastHeartbeat: at(10) });
      await store.recordWorker({ ...w, id: "host:2", lastHeartbeat: at(5) });
      await store.recordWorker({ ...w, lastHeartbeat: at(20), startedAt: at(15) });
      await store.recordWorker({ ...w, lastHeartbeat: at(15) }); // late delivery: the heartbeat stays at 20
      expect(await store.listWorkers()).toEqual([
        { ...w, lastHeartbeat: at(20) },
        { ...w, id: "host:2", lastHeartbeat: at(5) },
      ]);
      await store.recordWorker({ ...w, lastHeartbeat: at(30), stoppedAt: at(30) });
      await store.recordWorker({ ...w, lastHeartbeat: at(25) }); // older than the stop: it stays stopped
      expect((await store.listWorkers())[0]).toEqual({ ...w, lastHeartbeat: at(30), stoppedAt: at(30) });
      await store.recordWorker({ ...w, lastHeartbeat: at(40), backend: "wasm-blas" }); // the same id back again
      expect((await store.listWorkers())[0]).toEqual({ ...w, backend: "wasm-blas", lastHeartbeat: at(40) });
      // Restarted on a GPU: what it has and takes is what it says now.
      const onGpu = { gpu: "nvidia hopper", trialKinds: ["gpu" as const, "cpu" as const] };
      await store.recordWorker({ ...w, backend: "webgpu", ...onGpu, lastHeartbeat: at(50) });
      expect((await store.listWorkers())[0]).toEqual({
        ...w,
        backend: "webgpu",
        ...onGpu,
        lastHeartbeat: at(50),
      });
    });

    it("fails at once, without retry, when the failure is not retryable", async () => {
      const { store, first } = await fresh();
      await store.claimTrial(first.id, "w1", at(0));
      expect(
        await store.failTrial(first.id, 1, "training diverged: loss is NaN", false, at(1)),
      ).toMatchObject({
        state: "failed",
      });
      expect((await store.getTrial(first.id))!.error).toBe("training diverged: loss is NaN");
    });

    it("cancels waiting and running trials, keeps finished ones, and reports the sweep cancelled", async () => {
      const { store } = await fresh();
      const trials = await store.listTrials("sw1");
      await store.claimTrial(trials[0]!.id, "w1", at(0));
      await store.completeTrial(trials[0]!.id, 1, result, at(1));
      await store.claimTrial(trials[1]!.id, "w1", at(1));
      expect(await store.cancelSweep("sw1", at(2))).toBe(3);
      const states = (await store.listTrials("sw1")).map((t) => t.state);
      expect(states).toEqual(["succeeded", "cancelled", "cancelled", "cancelled"]);
      expect((await store.getSweep("sw1"))!.status).toBe("cancelled");
      expect(await store.completeTrial(trials[1]!.id, 1, result, at(3))).toBeUndefined();
      await expect(store.cancelSweep("no-such-sweep", at(4))).rejects.toThrow(/no sweep no-such-sweep/);
    });

    it("deletes a sweep with its trials, epochs and results; later events for them change nothing", async () => {
      const { store } = await fresh();
      const [first, second] = await store.listTrials("sw1");
      await store.claimTrial(first!.id, "w1", at(0));
      await store.recordEpoch(first!.id, 1, { epoch: 1, loss: { total: 1 }, seconds: 1 } as never);
      await store.completeTrial(first!.id, 1, result, at(1));
      await store.claimTrial(second!.id, "w1", at(1));
      expect(await store.deleteSweep("sw1")).toBe(true);
      expect(await store.getSweep("sw1")).toBeUndefined();
      expect(await store.listSweeps()).toEqual([]);
      expect(await store.getTrial(first!.id)).toBeUndefined();
      expect(await store.getResult(first!.id)).toBeUndefined();
      expect(await store.listEpochs(first!.id)).toEqual([]);
      // A worker that had not heard yet reports on: nothing is stored, nothing throws.
      await store.recordEpochs([
        { trialId: second!.id, attempt: 1, metric: { epoch: 1, loss: { total: 1 }, seconds: 1 } as never },
      ]);
      expect(await store.heartbeat(second!.id, 1, at(2))).toBe(false);
      expect(await store.completeTrial(second!.id, 1, result, at(2))).toBeUndefined();
      expect(await store.failTrial(second!.id, 1, "x", true, at(2))).toBeUndefined();
      expect(await store.listEpochs(second!.id)).toEqual([]);
      expect(await store.deleteSweep("sw1")).toBe(false);
    });

    it("does not count a clean hand-back against maxAttempts", async () => {
      const { store, first } = await fresh(); // maxAttempts: 2
      for (let attempt = 1; attempt <= 3; attempt++) {
        await store.claimTrial(first.id, "w1", at(attempt));
        const after = await store.failTrial(first.id, attempt, "worker w1 shut down", true, at(attempt), {
          handedBack: true,
        });
        expect(after?.state).toBe("waiting");
      }
      await store.claimTrial(first.id, "w2", at(10));
      expect((await store.failTrial(first.id, 4, "no heartbeat", true, at(11)))?.state).toBe("waiting");
      await store.claimTrial(first.id, "w2", at(12));
      expect((await store.failTrial(first.id, 5, "no heartbeat", true, at(13)))?.state).toBe("failed");
      const t = (await store.getTrial(first.id))!;
      expect(t.error).toMatch(/gave up after 2 attempts/);
      expect(t.retries.map((r) => r.handedBack ?? false)).toEqual([true, true, true, false]);
    });

    it("keeps a result that arrives after its attempt was handed back or given up on, unless another succeeded", async () => {
      const { store } = await fresh();
      const [a, b, c] = await store.listTrials("sw1");
      // a: handed back (waiting) when attempt 1's result arrives
      await store.claimTrial(a!.id, "w1", at(0));
      await store.requeueStale(at(100), 30_000);
      expect(await store.completeTrial(a!.id, 1, result, at(101), "w1")).toMatchObject({
        state: "succeeded",
      });
      expect(await store.getTrial(a!.id)).toMatchObject({ state: "succeeded", attempt: 1, workerId: "w1" });
      expect(await store.getResult(a!.id)).toEqual(result);
      // b: running again on w2 as attempt 2 when attempt 1's result arrives; attempt 2's result is then stale
      await store.claimTrial(b!.id, "w1", at(0));
      await store.requeueStale(at(100), 30_000);
      await store.claimTrial(b!.id, "w2", at(101));
      expect(await store.completeTrial(b!.id, 1, result, at(102), "w1")).toMatchObject({
        state: "succeeded",
      });
      expect(await store.getTrial(b!.id)).toMatchObject({ state: "succeeded", attempt: 1, workerId: "w1" });
      expect(await store.completeTrial(b!.id, 2, { ...result, seconds: 7 }, at(103), "w2")).toBeUndefined();
      expect((await store.getResult(b!.id))!.seconds).toBe(1);
      expect(await store.heartbeat(b!.id, 2, at(103))).toBe(false);
      // c: failed after two silent attempts (maxAttempts 2), then the second one's result arrives after all
      await store.claimTrial(c!.id, "w1", at(0));
      await store.requeueStale(at(100), 30_000);
      await store.claimTrial(c!.id, "w2", at(101));
      await store.requeueStale(at(200), 30_000);
      expect((await store.getTrial(c!.id))!.state).toBe("failed");
      expect(await store.completeTrial(c!.id, 2, result, at(201), "w2")).toMatchObject({
        state: "succeeded",
      });
      const late = (await store.getTrial(c!.id))!;
      expect(late).toMatchObject({ state: "succeeded", attempt: 2, workerId: "w2" });
      expect(late.error).toBeUndefined(); // the give-up is history, kept in retries
      expect(late.retries.map((r) => r.attempt)).toEqual([1]);
      // d: a result for an attempt that never was is refused
      const [, , , d] = await store.listTrials("sw1");
      expect(await store.completeTrial(d!.id, 1, result, at(1))).toBeUndefined();
      expect((await store.getTrial(d!.id))!.state).toBe("waiting");
    });

    it("leaves a completed sweep completed when cancelled, and never finishes a trial before its start", async () => {
      const { store } = await fresh();
      const trials = await store.listTrials("sw1");
      for (const t of trials) {
        await store.claimTrial(t.id, "w1", at(0));
        await store.completeTrial(t.id, 1, result, at(1));
      }
      expect(await store.cancelSweep("sw1", at(2))).toBeNull();
      expect((await store.getSweep("sw1"))!.status).toBe("completed");
      // Claimed at 10 s by the controller's clock, cancelled "at 5 s" by another process's
      await store.createSweep({ id: "sw2", spec, trials: plans, now: t0 });
      const [claimed] = await store.listTrials("sw2");
      await store.claimTrial(claimed!.id, "w1", at(10));
      expect(await store.cancelSweep("sw2", at(5))).toBe(4);
      const t = (await store.getTrial(claimed!.id))!;
      expect(t.finishedAt!.getTime()).toBeGreaterThanOrEqual(t.startedAt!.getTime());
      expect((await store.listTrials("sw2")).every((x) => x.state === "cancelled")).toBe(true);
    });

    it("returns from each transition the trial as a fresh read gives it", async () => {
      const { store } = await fresh();
      const [a, b, c] = await store.listTrials("sw1");
      const asRead = async (t: TrialRecord | undefined) => {
        expect(t).toBeDefined();
        expect(t).toEqual(await store.getTrial(t!.id));
        return t!;
      };
      expect(await asRead(await store.claimTrial(a!.id, "w1", at(1), "cpu"))).toMatchObject({
        state: "running",
        attempt: 1,
        workerId: "w1",
        backend: "cpu",
        heartbeatAt: at(1),
        startedAt: at(1),
      });
      expect(await store.claimTrial(a!.id, "w2", at(1))).toBeUndefined();
      // handed back (retryable, attempts left), then failed past maxAttempts, then a late result counts
      expect(await asRead(await store.failTrial(a!.id, 1, "worker lost", true, at(2)))).toMatchObject({
        state: "waiting",
        error: "worker lost",
        retries: [{ attempt: 1, reason: "worker lost" }],
      });
      await asRead(await store.claimTrial(a!.id, "w2", at(3)));
      const failed = await asRead(
        await store.failTrial(a!.id, 2, "thread exited", true, at(4), { code: "TRIAL_THREAD_EXITED" }),
      );
      expect(failed).toMatchObject({ state: "failed", finishedAt: at(4), errorCode: "TRIAL_THREAD_EXITED" });
      expect(await store.failTrial(a!.id, 2, "again", true, at(5))).toBeUndefined();
      const late = await asRead(await store.completeTrial(a!.id, 2, result, at(5), "w2"));
      expect(late).toMatchObject({ state: "succeeded", attempt: 2, workerId: "w2", finishedAt: at(5) });
      expect(late.error).toBeUndefined();
      // the failure's code goes with its error
      expect(late.errorCode).toBeUndefined();
      // a repeated result gets the trial too, unchanged
      expect(await store.completeTrial(a!.id, 2, result, at(6))).toEqual(late);
      // a trial failed at once, with its error's code
      await store.claimTrial(b!.id, "w1", at(1));
      expect(
        await asRead(await store.failTrial(b!.id, 1, "refused", false, at(2), { code: "CONFIG_INVALID" })),
      ).toMatchObject({ state: "failed", error: "refused", errorCode: "CONFIG_INVALID" });
      // requeueStale: the trials it handed back, as they are after (a lost worker: no code, though its attempt before
      // ended with one: a hand-back, which counts no attempt)
      await store.claimTrial(c!.id, "w3", at(0));
      expect(
        await asRead(
          await store.failTrial(c!.id, 1, "shutting down", true, at(0), {
            handedBack: true,
            code: "SHUTTING_DOWN",
          }),
        ),
      ).toMatchObject({ state: "waiting", errorCode: "SHUTTING_DOWN" });
      await store.claimTrial(c!.id, "w3", at(0));
      const requeued = await store.requeueStale(at(100), 30_000);
      expect(requeued).toEqual([await store.getTrial(c!.id)]);
      expect(requeued[0]).toMatchObject({
        state: "waiting",
        error: expect.stringMatching(/no heartbeat from worker w3/),
      });
      expect(requeued[0]!.workerId).toBeUndefined();
      expect(requeued[0]!.errorCode).toBeUndefined();
      // a retry clears the code with the error
      const retried = (await store.retryTrials("sw1", at(101))).find((t) => t.id === b!.id);
      expect(retried).toMatchObject({ state: "waiting" });
      expect(retried!.errorCode).toBeUndefined();
      expect((await store.getTrial(b!.id))!.errorCode).toBeUndefined();
    });

    it("counts each sweep's trials by kind and state, in one read for many sweeps", async () => {
      const { store } = await fresh();
      await store.createSweep({ id: "sw2", spec, trials: plans, now: t0 });
      const [a, b, c] = await store.listTrials("sw1"); // a, b: cpu (nu=5); c: gpu (nu=10)
      await store.claimTrial(a!.id, "w1", at(0));
      await store.completeTrial(a!.id, 1, result, at(1));
      await store.claimTrial(b!.id, "w1", at(1));
      await store.claimTrial(c!.id, "w1", at(1));
      await store.failTrial(c!.id, 1, "diverged", false, at(2));
      const counts = await store.countTrials(["sw1", "sw2", "no-such-sweep"]);
      const expected = emptyTrialCounts();
      Object.assign(expected.cpu, { succeeded: 1, running: 1 });
      Object.assign(expected.gpu, { failed: 1, waiting: 1 });
      expect(counts.get("sw1")).toEqual(expected);
      const untouched = emptyTrialCounts();
      untouched.cpu.waiting = 2;
      untouched.gpu.waiting = 2;
      expect(counts.get("sw2")).toEqual(untouched);
      expect(counts.get("no-such-sweep")).toEqual(emptyTrialCounts());
      expect([...counts.keys()].sort()).toEqual(["no-such-sweep", "sw1", "sw2"]);
      expect(await store.countTrials([])).toEqual(new Map());
    });

    it("retries failed trials as new attempts with a fresh allowance, keeping why they failed; a repeat changes nothing", async () => {
      const { store } = await fresh(); // maxAttempts: 2
      const [a, b, c] = await store.listTrials("sw1");
      await store.claimTrial(a!.id, "w1", at(0));
      await store.failTrial(a!.id, 1, "diverged", false, at(1));
      for (const attempt of [1, 2]) {
        await store.claimTrial(b!.id, "w1", at(attempt));
        await store.failTrial(b!.id, attempt, "worker lost", true, at(attempt));
      }
      await store.claimTrial(c!.id, "w1", at(3));
      await store.completeTrial(c!.id, 1, result, at(4));
      expect((await store.getSweep("sw1"))!.status).toBe("running");
      const retried = await store.retryTrials("sw1", at(10));
      expect(retried.map((t) => t.id)).toEqual([a!.id, b!.id]);
      for (const t of retried) expect(t).toEqual(await store.getTrial(t.id));
      expect(retried[0]).toMatchObject({ state: "waiting", attempt: 1, maxAttempts: 3 });
      expect(retried[0]!.retries).toEqual([
        { attempt: 1, reason: "diverged", startedAt: at(0), endedAt: at(1) },
      ]);
      expect(retried[0]!.error).toBeUndefined();
      expect(retried[0]!.finishedAt).toBeUndefined();
      // b used both its attempts: it gets two more, and its history stays
      expect(retried[1]).toMatchObject({ state: "waiting", attempt: 2, maxAttempts: 4 });
      expect(retried[1]!.retries.map((r) => r.attempt)).toEqual([1, 2]);
      expect((await store.getTrial(c!.id))!.state).toBe("succeeded");
      expect(await store.retryTrials("sw1", at(11))).toEqual([]);
      // the new attempt runs as any other
      expect(await store.claimTrial(a!.id, "w2", at(12))).toMatchObject({ state: "running", attempt: 2 });
      expect(await store.retryTrials("no-such-sweep", at(13))).toEqual([]);
    });

    it("resumes a cancelled sweep: cancelled trials wait again, succeeded ones stay; a repeat changes nothing", async () => {
      const { store } = await fresh();
      const [a, b] = await store.listTrials("sw1");
      await store.claimTrial(a!.id, "w1", at(0));
      await store.completeTrial(a!.id, 1, result, at(1));
      await store.claimTrial(b!.id, "w1", at(1));
      await store.cancelSweep("sw1", at(2));
      expect(await store.claimTrial((await store.listTrials("sw1"))[2]!.id, "w1", at(2))).toBeUndefined();
      expect(await store.resumeSweep("sw1", at(3))).toHaveLength(3);
      const trials = await store.listTrials("sw1");
      expect(trials.map((t) => t.state)).toEqual(["succeeded", "waiting", "waiting", "waiting"]);
      // the attempt the cancel stopped is recorded as handed back: it uses up none of the trial's attempts
      expect(trials[1]).toMatchObject({
        attempt: 1,
        retries: [{ attempt: 1, handedBack: true, startedAt: at(1), endedAt: at(2) }],
      });
      expect(trials[1]!.finishedAt).toBeUndefined();
      // the stopped attempt's second still counts: a resume does not turn the sweep's elapsed time back
      expect(sweepProgress(trials, at(3)).elapsedSeconds).toBe(2);
      expect(trials[1]!.workerId).toBeUndefined();
      expect((await store.getSweep("sw1"))!.status).toBe("running");
      expect(await store.resumeSweep("sw1", at(4))).toBeNull();
      expect(await store.claimTrial(b!.id, "w2", at(5))).toMatchObject({ state: "running", attempt: 2 });
      expect(await store.completeTrial(b!.id, 2, result, at(6))).toMatchObject({ state: "succeeded" });
      expect(await store.resumeSweep("no-such-sweep", at(7))).toBeNull();
    });

    it("resumes a sweep once when two resume it at the same time", async () => {
      const { store } = await fresh();
      await store.cancelSweep("sw1", at(1));
      const both = await Promise.all([store.resumeSweep("sw1", at(2)), store.resumeSweep("sw1", at(2))]);
      expect(both.filter((r) => r === null)).toHaveLength(1);
      expect(both.find((r) => r !== null)).toHaveLength(4);
      expect((await store.listTrials("sw1")).map((t) => t.state)).toEqual(Array(4).fill("waiting"));
    });

    it("adds seeds as an immutable revision, idempotent through the trial keys, and refuses a cancelled sweep", async () => {
      const { store } = await fresh();
      for (const t of await store.listTrials("sw1")) {
        await store.claimTrial(t.id, "w1", at(0));
        await store.completeTrial(t.id, 1, result, at(1));
      }
      expect((await store.getSweep("sw1"))!.status).toBe("completed");
      const wider = { ...spec, seeds: [1, 2, 3, 4] };
      const nu5 = plans[0]!.configKey;
      const extra = expandSweep(wider).filter((p) => p.configKey === nu5);
      const input = {
        sweepId: "sw1",
        kind: "extend" as const,
        spec: wider,
        seeds: [3, 4],
        configKeys: [nu5],
        trials: extra, // seeds 1 and 2 of nu=5 are stored: only 3 and 4 are new
        posthoc: true,
        by: "ada@example.org",
        note: "top up undecided comparisons",
        now: at(10),
      };
      const { revision, added } = await store.reviseSweep(input);
      expect(revision).toEqual({
        sweepId: "sw1",
        revision: 2,
        kind: "extend",
        spec: wider,
        seeds: [3, 4],
        configKeys: [nu5],
        trialCount: 2,
        posthoc: true,
        by: "ada@example.org",
        note: "top up undecided comparisons",
        createdAt: at(10),
      });
      expect(added.map((t) => [t.seed, t.configKey, t.revision, t.state, t.index])).toEqual([
        [3, nu5, 2, "waiting", 4],
        [4, nu5, 2, "waiting", 5],
      ]);
      for (const t of added) expect(t).toEqual(await store.getTrial(t.id));
      const sweep = (await store.getSweep("sw1"))!;
      expect(sweep).toMatchObject({ status: "running", revision: 2, trialCount: 6 });
      expect(sweep.spec.seeds).toEqual([1, 2, 3, 4]);
      expect((await store.listTrials("sw1")).map((t) => t.revision)).toEqual([1, 1, 1, 1, 2, 2]);
      // a revision planned on a stale spec (another stored meanwhile) keeps the stored seeds and adds its own
      const stale = { ...spec, seeds: [1, 2, 9] };
      await store.reviseSweep({
        ...input,
        spec: stale,
        seeds: [9],
        trials: expandSweep(stale).filter((p) => p.seed === 9 && p.configKey === nu5),
        now: at(10),
      });
      expect((await store.getSweep("sw1"))!.spec.seeds).toEqual([1, 2, 3, 4, 9]);
      expect((await store.listRevisions("sw1")).at(-1)!.spec.seeds).toEqual([1, 2, 3, 4, 9]);
      // the same request again adds nothing and stores no revision
      expect(await store.reviseSweep({ ...input, now: at(11) })).toEqual({ revision: undefined, added: [] });
      const revisions = await store.listRevisions("sw1");
      expect(revisions.map((r) => [r.revision, r.kind, r.trialCount, r.posthoc])).toEqual([
        [1, "submit", 4, false],
        [2, "extend", 2, true],
        [3, "extend", 1, true],
      ]);
      expect(revisions[0]!.spec).toEqual(spec);
      expect(await store.listRevisions("no-such-sweep")).toEqual([]);
      // a cancelled sweep is resumed before it takes more seeds
      await store.cancelSweep("sw1", at(12));
      const widest = { ...spec, seeds: [1, 2, 3, 4, 5] };
      const more = expandSweep(widest).filter((p) => p.seed === 5);
      const refused = await store
        .reviseSweep({ ...input, spec: widest, trials: more })
        .catch((e: unknown) => e);
      expect(hasErrorCode(refused, "SWEEP_CANCELLED")).toBe(true);
      expect(await store.listRevisions("sw1")).toHaveLength(3);
      expect((await store.listTrials("sw1")).length).toBe(7);
    });

    it("keeps a sequential sweep running while its next look is pending, also after a retry", async () => {
      const store = await makeStore();
      const sequential = {
        ...spec,
        execution: { ...spec.execution, gpu: false },
        seeds: [1, 2],
        sequential: {
          initial: 2,
          step: 1,
          max: 3,
          seeds: [1, 2, 3],
          decide: {
            baseline: "model.nu=5",
            metric: "balancedAccuracy" as const,
            alpha: 0.05,
            correction: "holm" as const,
            spending: "obrien-fleming" as const,
          },
        },
      };
      await store.createSweep({ id: "seq", spec: sequential, trials: expandSweep(sequential), now: t0 });
      const [first, ...rest] = await store.listTrials("seq");
      await store.claimTrial(first!.id, "w1", at(0));
      await store.failTrial(first!.id, 1, "diverged", false, at(1));
      for (const t of rest) {
        await store.claimTrial(t.id, "w1", at(0));
        await store.completeTrial(t.id, 1, result, at(1));
      }
      expect((await store.getSweep("seq"))!.status).toBe("running"); // every trial final, the look pending
      expect(await store.setLookPending("seq", false)).toBe(true);
      expect((await store.getSweep("seq"))!.status).toBe("completed");
      // a retried trial of a sequential sweep must be looked at again, and the look stays pending while it is open
      await store.retryTrials("seq", at(2));
      expect(await store.setLookPending("seq", false)).toBe(false);
      expect((await store.getSweep("seq"))!.status).toBe("running");
      await store.claimTrial(first!.id, "w1", at(3));
      await store.completeTrial(first!.id, 2, result, at(4));
      expect((await store.getSweep("seq"))!.status).toBe("running");
      await store.setLookPending("seq", false);
      expect((await store.getSweep("seq"))!.status).toBe("completed");
      // cancelled between two looks (no trial open, the next round not queued): cancelled, not left running
      await store.setLookPending("seq", true);
      expect(await store.cancelSweep("seq", at(5))).toBe(0);
      expect((await store.getSweep("seq"))!.status).toBe("cancelled");
      // a sweep without a sequential design never waits for a look
      const { store: plain } = await fresh();
      for (const t of await plain.listTrials("sw1")) {
        await plain.claimTrial(t.id, "w1", at(0));
        await plain.completeTrial(t.id, 1, result, at(1));
      }
      expect((await plain.getSweep("sw1"))!.status).toBe("completed");
    });

    it("keeps a TPE sweep running between its proposals, and stores a proposal as a 'propose' revision", async () => {
      const store = await makeStore();
      const tpe = {
        ...spec,
        execution: { ...spec.execution, gpu: false },
        search: { "model.nu": { distribution: "uniform" as const, low: 3, high: 30 } },
        method: "tpe" as const,
        budget: 2,
        seeds: [1, 2],
        tpe: { startup: 1, parallel: 1 },
      };
      await store.createSweep({ id: "tpe", spec: tpe, trials: expandSweep(tpe), now: t0 });
      const first = await store.listTrials("tpe");
      expect(first).toHaveLength(2); // one configuration (parallel 1) on both seeds
      for (const t of first) {
        await store.claimTrial(t.id, "w1", at(0));
        await store.completeTrial(t.id, 1, result, at(1));
      }
      // every trial final, but the next configuration is still to be proposed
      expect((await store.getSweep("tpe"))!.status).toBe("running");
      const next = planTrials(tpe, [{ "model.nu": 12.5 }]);
      const { revision, added } = await store.reviseSweep({
        sweepId: "tpe",
        kind: "propose",
        spec: tpe,
        seeds: tpe.seeds,
        configKeys: [next[0]!.configKey],
        trials: next,
        posthoc: false,
        by: "controller",
        note: "configuration 2 of 2",
        now: at(2),
      });
      expect(revision).toMatchObject({ revision: 2, kind: "propose", trialCount: 2 });
      expect(added.map((t) => t.index)).toEqual([2, 3]);
      expect((await store.listRevisions("tpe")).map((r) => r.kind)).toEqual(["submit", "propose"]);
      expect(await store.setLookPending("tpe", false)).toBe(false); // its trials are open
      for (const t of added) {
        await store.claimTrial(t.id, "w1", at(3));
        await store.completeTrial(t.id, 1, result, at(4));
      }
      expect(await store.setLookPending("tpe", false)).toBe(true);
      expect((await store.getSweep("tpe"))!.status).toBe("completed");
    });

    it("keeps people's tags and notes on a sweep and a trial: an edit changes what it names, a refused one nothing", async () => {
      const { store, first } = await fresh();
      expect(await store.getSweep("sw1")).toMatchObject({ tags: [], notes: "" });
      expect((await store.listTrials("sw1")).every((t) => t.tags.length === 0 && t.notes === "")).toBe(true);
      const tagged = await store.setSweepAnnotations("sw1", {
        tags: ["ablation", "paper:fig3"],
        notes: "# Why\nν",
      });
      expect(tagged).toMatchObject({
        id: "sw1",
        status: "running",
        tags: ["ablation", "paper:fig3"],
        notes: "# Why\nν",
      });
      expect(await store.getSweep("sw1")).toEqual(tagged);
      expect((await store.listSweeps("p1"))[0]).toEqual(tagged);
      // added and removed against what is stored, sorted; notes left out stay
      const changed = await store.setSweepAnnotations("sw1", {
        addTags: ["baseline"],
        removeTags: ["ablation"],
      });
      expect(changed).toMatchObject({ tags: ["baseline", "paper:fig3"], notes: "# Why\nν" });
      // one over the limit: refused as the caller's mistake, and what was stored stays
      const many = Array.from(
        { length: ANNOTATION_LIMITS.tags - 1 },
        (_, i) => `t${String(i).padStart(2, "0")}`,
      );
      const refused = await store
        .setSweepAnnotations("sw1", { addTags: many, notes: "lost" })
        .catch((e: unknown) => e);
      expect(isInputError(refused) && refused.field).toBe("tags");
      expect(await store.getSweep("sw1")).toEqual(changed);
      expect(await store.setSweepAnnotations("sw1", { notes: "" })).toMatchObject({
        tags: ["baseline", "paper:fig3"],
        notes: "",
      });

      const running = await store.claimTrial(first.id, "w1", at(1));
      const trial = await store.setTrialAnnotations(first.id, {
        tags: ["diverged"],
        notes: "loss NaN at epoch 3",
      });
      expect(trial).toEqual({ ...running, tags: ["diverged"], notes: "loss NaN at epoch 3" });
      expect(await store.getTrial(first.id)).toEqual(trial);
      // the run goes on as if nothing happened, and keeps its notes through its transitions
      const done = await store.completeTrial(first.id, 1, result, at(2));
      expect(done).toMatchObject({ state: "succeeded", tags: ["diverged"], notes: "loss NaN at epoch 3" });
      expect(await store.setTrialAnnotations(first.id, { removeTags: ["diverged"] })).toMatchObject({
        state: "succeeded",
        tags: [],
        notes: "loss NaN at epoch 3",
      });
      const others = (await store.listTrials("sw1")).filter((t) => t.id !== first.id);
      expect(others.every((t) => t.tags.length === 0 && t.notes === "")).toBe(true);

      expect(await store.setSweepAnnotations("nope", { notes: "x" })).toBeUndefined();
      expect(await store.setTrialAnnotations("nope", { notes: "x" })).toBeUndefined();
      // a cancelled sweep can still be written about
      await store.cancelSweep("sw1", at(3));
      expect(await store.setSweepAnnotations("sw1", { addTags: ["stopped"] })).toMatchObject({
        status: "cancelled",
        tags: ["baseline", "paper:fig3", "stopped"],
      });
    });

    it("imports a finished sweep from its export as it was, into another store; a second import is refused", async () => {
      // an id as tailsweep makes them: the archive refuses others (stored files live under sweeps/<id>/)
      const id = "0123456789abcdef0123456789abcdef";
      const made = async () => {
        const into = await makeStore();
        await into.createSweep({ id, spec, trials: plans, now: t0, provenance: { gitCommit: "abc123" } });
        return into;
      };
      const store = await made();
      const [a, b, c, d] = await store.listTrials(id);
      for (const t of [a!, b!, c!]) {
        await store.claimTrial(t.id, "w1", at(0));
        await store.completeTrial(t.id, 1, result, at(1), "w1");
      }
      // d is lost once (its attempt's run kept in retries, through the archive too), then diverges
      await store.claimTrial(d!.id, "w2", at(1));
      await store.failTrial(d!.id, 1, "worker lost", true, at(2));
      await store.claimTrial(d!.id, "w2", at(2));
      await store.failTrial(d!.id, 2, "diverged", false, at(3));
      expect((await store.getTrial(d!.id))!.retries).toEqual([
        { attempt: 1, reason: "worker lost", startedAt: at(1), endedAt: at(2) },
      ]);
      const wider = { ...spec, seeds: [1, 2, 3] };
      const nu5 = plans[0]!.configKey;
      const { added } = await store.reviseSweep({
        sweepId: id,
        kind: "extend",
        spec: wider,
        seeds: [3],
        configKeys: [nu5],
        trials: expandSweep(wider).filter((p) => p.configKey === nu5),
        posthoc: true,
        by: "ada@example.org",
        note: "one more seed",
        now: at(4),
      });
      await store.claimTrial(added[0]!.id, "w1", at(5));
      await store.completeTrial(added[0]!.id, 1, { ...result, seconds: 2 }, at(6), "w1");
      await store.setSweepAnnotations(id, { tags: ["study"], notes: "# first edition" });
      await store.setTrialAnnotations(d!.id, { tags: ["diverged"] });
      expect((await store.getSweep(id))!.status).toBe("completed");
      // what `sweep export --json` writes, through JSON and back, as `sweep import` reads it
      const exported = async (from: RunStore) => {
        const results = await from.listResults(id);
        return {
          sweep: await from.getSweep(id),
          trials: (await from.listTrials(id)).map((t) => ({ ...t, result: results.get(t.id) ?? null })),
          revisions: await from.listRevisions(id),
        };
      };
      const archive = SweepArchiveSchema.parse(JSON.parse(JSON.stringify(await exported(store))));
      const other = await makeStore();
      expect(await other.importSweep(archive)).toEqual(await store.getSweep(id));
      expect(await exported(other)).toEqual(await exported(store));
      expect((await other.listSweeps("p1")).map((s) => s.id)).toEqual([id]);
      // the imported trials are final: nothing is claimed, and a second import changes nothing
      expect(await other.claimTrial(a!.id, "w3", at(7))).toBeUndefined();
      expect(await other.importSweep(archive)).toBeUndefined();
      expect(await exported(other)).toEqual(await exported(store));
      // a cancelled sweep stays cancelled
      const stopped = await made();
      await stopped.cancelSweep(id, at(8));
      const cancelled = SweepArchiveSchema.parse(JSON.parse(JSON.stringify(await exported(stopped))));
      expect((await (await makeStore()).importSweep(cancelled))?.status).toBe("cancelled");
    });

    it("reports a sweep completed when every trial is final", async () => {
      const { store } = await fresh();
      for (const t of await store.listTrials("sw1")) {
        await store.claimTrial(t.id, "w1", at(0));
        await store.completeTrial(t.id, 1, result, at(1));
      }
      expect((await store.getSweep("sw1"))!.status).toBe("completed");
      expect(trialId("sw1", plans[0]!.key)).toBe((await store.listTrials("sw1"))[0]!.id);
    });
  });
}
