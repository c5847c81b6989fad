import { InProcessBus } from "@tailsweep/bus";
import { parseSweepFile } from "@tailsweep/schemas";
import { InMemoryRunStore, type RunStore, type TrialRecord, workerStatus } from "@tailsweep/sweep";
import { countReads, finishWaiting, openBaselineSpec, scriptedResult } from "@tailsweep/sweep/testing";
import { afterEach, describe, expect, it, vi } from "vitest";
import { Controller, type ControllerOptions } from "./controller";

const file = { name: "c", project: "p", search: { nu: [5, 10] }, seeds: [1, 2] };
const spec = parseSweepFile(file);
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

async function started(store: RunStore = new InMemoryRunStore(), options: ControllerOptions = {}) {
  const bus = new InProcessBus();
  const controller = new Controller(store, bus, { reapEveryMs: 60_000, ...options });
  await controller.start();
  stops.push(async () => {
    await controller.stop();
    await bus.close();
  });
  return { store, bus, controller };
}

describe("Controller", () => {
  it("queues again the waiting trials whose messages were lost, under ids the dedupe window lets through", async () => {
    const { bus, controller } = await started();
    const sweep = await controller.submit(spec, "sw");
    expect((await bus.queuedTrials(["sw"])).get("sw")).toEqual({ cpu: 4, gpu: 0 });
    // A worker that drops every message without claiming (what a final refusal during an outage did)
    const dropped: string[] = [];
    const sub = await bus.consumeTrials(async (d) => {
      dropped.push(d.message.trialId);
      d.term();
    });
    await new Promise((r) => setTimeout(r, 100));
    await sub.stop();
    expect(dropped).toHaveLength(4);
    expect((await bus.queuedTrials(["sw"])).get("sw")).toEqual({ cpu: 0, gpu: 0 });
    // A shortage is acted on when a second round sees it again with the queue no fuller (not still being queued)
    expect(await controller.reconcile()).toBe(0);
    expect(await controller.reconcile()).toBe(4);
    expect((await bus.queuedTrials([sweep.id])).get(sweep.id)).toEqual({ cpu: 4, gpu: 0 });
    expect(await controller.reconcile()).toBe(0); // nothing missing now: no copies
    expect(await controller.reconcile()).toBe(0);
  });

  it("leaves a sweep alone while any of two overlapping operations still queues it", async () => {
    const store = new InMemoryRunStore();
    const { bus, controller } = await started(store);
    await controller.submit(spec, "sw");
    const [trial] = await store.listTrials("sw");
    await store.claimTrial(trial!.id, "w", new Date());
    await store.failTrial(trial!.id, 1, "diverged", false, new Date());
    // The next publish (the extend's first trial) waits until released; later ones (the retry's) go through.
    const publish = bus.publishTrial.bind(bus);
    let release = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let reached = () => {};
    const blocked = new Promise<void>((r) => {
      reached = r;
    });
    let first = true;
    bus.publishTrial = async (message, id) => {
      if (first) {
        first = false;
        reached();
        await gate;
      }
      return publish(message, id);
    };
    const asked: string[][] = [];
    const queuedTrials = bus.queuedTrials.bind(bus);
    bus.queuedTrials = (ids) => {
      asked.push([...ids]);
      return queuedTrials(ids);
    };
    const extending = controller.extend("sw", {
      seeds: [3],
      configKeys: [],
      kind: "extend",
      posthoc: true,
      by: "me",
      note: "",
    });
    await blocked;
    // a retry overlaps the extend and ends first: the sweep is still being queued by the extend
    expect(await controller.retry("sw")).toHaveLength(1);
    expect(await controller.reconcile()).toBe(0);
    expect(asked).toEqual([]);
    release();
    expect((await extending).added).toHaveLength(2);
    await controller.reconcile();
    expect(asked).toEqual([["sw"]]);
  });

  it("lets a sequential sweep complete whose stored baseline names no single configuration, saying why, once", async () => {
    // what a sweep file stored before files were checked for an open baseline holds: variant=gaussian over two ν
    const legacy = openBaselineSpec({ initial: 2, step: 1, max: 3 });
    const lines: string[] = [];
    const { store, controller } = await started(new InMemoryRunStore(), { log: (line) => lines.push(line) });
    await controller.submit(legacy, "sw");
    await finishWaiting(store, "sw", () => 0.5);
    expect((await store.getSweep("sw"))!.status).toBe("running");
    expect(await controller.advanceSequential()).toBe(0);
    expect(await controller.advanceSequential()).toBe(0);
    expect((await store.getSweep("sw"))!.status).toBe("completed");
    expect(lines.filter((line) => line.startsWith("sweep sw:"))).toEqual([
      expect.stringMatching(
        /^sweep sw: no look can be taken: decide\.baseline 'variant=gaussian' matches 2 configurations/,
      ),
    ]);
  });

  it("says each reason a failing upkeep has once (a minute apart at most), then how long it failed once it works", async () => {
    const lines: string[] = [];
    const bus = new InProcessBus();
    // the bus out for seven rounds: four timeouts, then refusals and timeouts taking turns
    const failures = [
      "timeout",
      "timeout",
      "timeout",
      "timeout",
      "connection refused",
      "timeout",
      "connection refused",
    ];
    const ensureTopology = bus.ensureTopology.bind(bus);
    bus.ensureTopology = async () => {
      const why = failures.shift();
      if (why) throw new Error(why);
      return ensureTopology();
    };
    const controller = new Controller(new InMemoryRunStore(), bus, {
      reapEveryMs: 20,
      log: (line) => lines.push(line),
    });
    await controller.start();
    stops.push(async () => {
      await controller.stop();
      await bus.close();
    });
    await vi.waitFor(() => expect(lines.some((l) => l.startsWith("upkeep works again"))).toBe(true), {
      timeout: 5_000,
    });
    expect(lines).toEqual([
      "upkeep: timeout (tried again every 0.02 s; said again when it works, or once a minute)",
      expect.stringMatching(
        /^upkeep: connection refused \(5 rounds failed in 0 s; tried again every 0\.02 s\)$/,
      ),
      expect.stringMatching(
        /^upkeep works again, after 7 failed rounds in 0 s \(last: connection refused\)$/,
      ),
    ]);
  });

  it("refuses a claim it cannot decide as retryable, and one for a taken trial as final", async () => {
    const store = new InMemoryRunStore();
    const { bus, controller } = await started(store);
    const sweep = await controller.submit(spec, "sw");
    const [trial] = await store.listTrials(sweep.id);
    const claim = { trialId: trial!.id, workerId: "w", backend: "cpu" };
    expect(await bus.requestClaim(claim)).toMatchObject({ granted: true, attempt: 1 });
    expect(await bus.requestClaim({ ...claim, workerId: "other" })).toEqual({
      granted: false,
      reason: "trial is running",
    });
    const broken = new InMemoryRunStore();
    broken.claimTrial = async () => {
      throw new Error("database is down");
    };
    const bus2 = new InProcessBus();
    const c2 = new Controller(broken, bus2, { reapEveryMs: 60_000 });
    await c2.start();
    stops.push(async () => {
      await c2.stop();
      await bus2.close();
    });
    expect(await bus2.requestClaim(claim)).toEqual({
      granted: false,
      retryable: true,
      reason: "controller error: database is down",
    });
  });

  it("says when a trial has settled, once its outcome is written, and not for an epoch or a heartbeat", async () => {
    const store = new InMemoryRunStore();
    const settledStates: string[][] = [];
    const { bus, controller } = await started(store, {
      // what the store holds when it is told: the outcome is written already
      onProgress: () => void store.listTrials("sw").then((ts) => settledStates.push(ts.map((t) => t.state))),
    });
    const sweep = await controller.submit(spec, "sw");
    const [first, second] = await store.listTrials(sweep.id);
    for (const t of [first!, second!])
      await bus.requestClaim({ trialId: t.id, workerId: "w", backend: "cpu" });
    const at = () => new Date().toISOString();
    await bus.publishEvent({ type: "heartbeat", trialId: first!.id, attempt: 1, workerId: "w", at: at() });
    await bus.publishEvent({
      type: "epoch",
      trialId: first!.id,
      attempt: 1,
      metric: { epoch: 1, loss: { total: 1, labeled: 1, unlabeled: 0, classification: 0 }, seconds: 1 },
    });
    await new Promise((r) => setTimeout(r, 200));
    expect(settledStates).toEqual([]);
    const result = scriptedResult(0.5);
    await bus.publishEvent({
      type: "result",
      trialId: first!.id,
      attempt: 1,
      workerId: "w",
      at: at(),
      result,
    });
    await vi.waitFor(() => expect(settledStates).toHaveLength(1), { timeout: 2_000 });
    expect(settledStates[0]!.filter((s) => s === "succeeded")).toHaveLength(1);
    const reason = "out of memory";
    await bus.publishEvent({
      type: "failed",
      trialId: second!.id,
      attempt: 1,
      at: at(),
      reason,
      retryable: false,
    });
    await vi.waitFor(() => expect(settledStates).toHaveLength(2), { timeout: 2_000 });
    expect(settledStates[1]!.filter((s) => s === "failed")).toHaveLength(1);
  });

  it("lists a worker by when it was heard, not by its own clock", async () => {
    const { store, bus } = await started();
    const behind = new Date(Date.now() - 60_000).toISOString();
    await bus.publishEvent({
      type: "worker",
      workerId: "w-slow-clock",
      host: "h",
      backend: "cpu",
      concurrency: 1,
      startedAt: behind,
      at: behind,
      stopped: false,
    });
    await new Promise((r) => setTimeout(r, 200));
    const [w] = await store.listWorkers();
    expect(workerStatus(w!)).toBe("online");
  });

  it("takes over at start, when exclusive, the trials an earlier process left waiting or running", async () => {
    // An earlier process stored the sweep, queued it on its own bus and claimed one trial, then died with both.
    const store = new InMemoryRunStore();
    const earlier = new Controller(store, new InProcessBus());
    const sweep = await earlier.submit(spec, "sw");
    const [left] = await store.listTrials(sweep.id);
    await store.claimTrial(left!.id, "w-gone", new Date(Date.now() - 1_000));
    // Shared (NATS, or another process on the store): the shortage is only a first sighting at start, and the
    // trial heard from a second ago runs on.
    const shared = await started(store);
    expect((await shared.bus.queuedTrials(["sw"])).get("sw")).toEqual({ cpu: 0, gpu: 0 });
    expect((await store.getTrial(left!.id))!.state).toBe("running");
    await shared.controller.stop();
    // Exclusive: all four are queued at start, the one left running handed back as a new attempt.
    const lines: string[] = [];
    const { bus } = await started(store, { exclusive: true, log: (l) => lines.push(l) });
    expect((await bus.queuedTrials(["sw"])).get("sw")).toEqual({ cpu: 4, gpu: 0 });
    const handedBack = (await store.getTrial(left!.id))!;
    expect(handedBack).toMatchObject({ state: "waiting", attempt: 1 });
    expect(lines).toEqual([
      `trial ${left!.id}: left running by an earlier process; queued again as attempt 2`,
    ]);
    expect(await bus.requestClaim({ trialId: left!.id, workerId: "w", backend: "cpu" })).toMatchObject({
      granted: true,
      attempt: 2,
    });
  });

  it("keeps a running trial alive by the heartbeats it hears, stored with its own receive time", async () => {
    const store = new InMemoryRunStore();
    const { bus, controller } = await started(store);
    const sweep = await controller.submit(spec, "sw");
    const [trial] = await store.listTrials(sweep.id);
    await store.claimTrial(trial!.id, "w", new Date(Date.now() - 60_000));
    await bus.publishHeartbeat({ trialId: trial!.id, attempt: 1, workerId: "w" });
    await new Promise((r) => setTimeout(r, 100));
    const t = (await store.getTrial(trial!.id))!;
    expect(Date.now() - t.heartbeatAt!.getTime()).toBeLessThan(5_000);
  });

  it("hands back a silent trial only once a stale interval has passed since it started", async () => {
    const store = new InMemoryRunStore();
    const { controller } = await started(store);
    const sweep = await controller.submit(spec, "sw"); // heartbeats every 10 s (the default): stale after 30 s
    const [trial] = await store.listTrials(sweep.id);
    await store.claimTrial(trial!.id, "w", new Date(Date.now() - 60_000)); // silent for a minute already
    // Heartbeats sent while no controller listened were not lost work: within 30 s of the start, nothing is reaped
    expect(await controller.reap(new Date(Date.now() + 25_000))).toEqual([]);
    expect((await store.getTrial(trial!.id))!.state).toBe("running");
    const handedBack = await controller.reap(new Date(Date.now() + 31_000));
    expect(handedBack.map((t) => t.id)).toEqual([trial!.id]);
  });

  it("holds a settled trial alive while events wait, and drops the hold when the stream has none left to read", async () => {
    const store = new InMemoryRunStore();
    const { bus, controller } = await started(store);
    let backlog = 3; // the settled outcome is somewhere in there
    bus.eventBacklog = async () => backlog;
    const sweep = await controller.submit(spec, "sw"); // stale after 30 s
    const [trial] = await store.listTrials(sweep.id);
    await store.claimTrial(trial!.id, "w", new Date());
    await bus.publishHeartbeat({ trialId: trial!.id, attempt: 1, workerId: "w", settled: true });
    await new Promise((r) => setTimeout(r, 50));
    const later = (s: number) => new Date(Date.now() + s * 1000);
    expect(await controller.reap(later(31))).toEqual([]);
    expect((await store.getTrial(trial!.id))!.state).toBe("running");
    // The stream came back without its storage: nothing left to read, and the outcome never arrived.
    backlog = 0;
    expect(await controller.reap(later(45))).toEqual([]); // the hold goes; the heartbeat of 31 s is fresh
    expect((await controller.reap(later(62))).map((t) => t.id)).toEqual([trial!.id]);
  });

  it("grants a worker's own claim again when its first answer came too late, using no new attempt", async () => {
    const store = new InMemoryRunStore();
    const { bus, controller } = await started(store);
    const sweep = await controller.submit(spec, "sw");
    const [trial] = await store.listTrials(sweep.id);
    await store.claimTrial(trial!.id, "w", new Date()); // granted, but the worker had stopped waiting
    expect(await bus.requestClaim({ trialId: trial!.id, workerId: "w", backend: "cpu" })).toMatchObject({
      granted: true,
      attempt: 1,
    });
    expect(await bus.requestClaim({ trialId: trial!.id, workerId: "other", backend: "cpu" })).toMatchObject({
      granted: false,
    });
  });

  it("routes each trial by its stored kind, and looks after the queue without reading back what it wrote", async () => {
    const store = new InMemoryRunStore();
    const {
      reads,
      uncounted: { listTrials, getTrial },
    } = countReads(store);
    const { bus, controller } = await started(store);
    const gpuSpec = parseSweepFile({ ...file, execution: { gpu: { nu: [10] } } });
    await controller.submit(gpuSpec, "sw");
    expect((await bus.queuedTrials(["sw"])).get("sw")).toEqual({ cpu: 2, gpu: 2 });
    const [trial] = await listTrials("sw");
    reads.listTrials = 0;
    // Upkeep counts the trials: nothing is short, so none is read.
    expect(await controller.reconcile()).toBe(0);
    expect(await controller.reconcile()).toBe(0);
    // A silent trial handed back, and a worker's failure handed back: queued again from what the store returned.
    await store.claimTrial(trial!.id, "w", new Date(Date.now() - 60_000));
    expect((await controller.reap(new Date(Date.now() + 31_000))).map((t) => t.state)).toEqual(["waiting"]);
    await store.claimTrial(trial!.id, "w", new Date());
    await bus.publishEvent({
      type: "failed",
      trialId: trial!.id,
      attempt: 2,
      at: new Date().toISOString(),
      reason: "worker w shut down",
      retryable: true,
      handBack: true,
    });
    await new Promise((r) => setTimeout(r, 200));
    expect(reads).toEqual({ listTrials: 0, listResults: 0, listRevisions: 0, getTrial: 0 });
    expect(await getTrial(trial!.id)).toMatchObject({ state: "waiting", attempt: 2 });
    // The first message and the two re-queued attempts' messages: all on the CPU queue (nu=5).
    expect((await bus.queuedTrials(["sw"])).get("sw")).toEqual({ cpu: 4, gpu: 2 });
  });

  describe("a TPE sweep (method: tpe)", () => {
    const tpeFile = {
      name: "t",
      project: "p",
      search: { nu: { distribution: "loguniform", low: 3, high: 100 }, variant: ["proposed", "gaussian"] },
      method: "tpe",
      budget: 5,
      seeds: [1, 2],
      tpe: { startup: 2, parallel: 2 },
    };
    const tpeSpec = parseSweepFile(tpeFile);

    /** A result whose balanced accuracy peaks at ν = 8. */
    const resultFor = (trial: TrialRecord) => {
      const v = 0.8 - 0.05 * Math.log(Number(trial.params["model.nu"]) / 8) ** 2 + trial.seed / 100;
      return scriptedResult(v);
    };

    /** Finishes every trial of the open configuration proposed first: it succeeds, or fails for good. */
    async function finishFirstOpen(store: RunStore, sweepId: string, fail = false): Promise<void> {
      const open = (await store.listTrials(sweepId)).filter((t) => t.state === "waiting");
      const key = open[0]!.configKey;
      for (const t of open.filter((o) => o.configKey === key)) {
        await store.claimTrial(t.id, "w", new Date());
        if (fail) await store.failTrial(t.id, 1, "diverged", false, new Date());
        else await store.completeTrial(t.id, 1, resultFor(t), new Date());
      }
      await new Promise((r) => setTimeout(r, 2)); // the next finishes later by the store's clock
    }

    const configsOf = async (store: RunStore, id: string) =>
      [...new Set((await store.listTrials(id)).map((t) => t.configKey))].length;

    it("says it progressed when the search's pending look is cleared: the sweep is complete then", async () => {
      const store = new InMemoryRunStore();
      let progressed = 0;
      const { controller } = await started(store, { onProgress: () => progressed++ });
      await controller.submit({ ...tpeSpec, budget: 2 }, "tpe");
      await finishFirstOpen(store, "tpe");
      await finishFirstOpen(store, "tpe");
      expect((await store.getSweep("tpe"))!.status).toBe("running"); // the look is still pending
      expect(progressed).toBe(0); // written here, not through the controller's events
      expect(await controller.advanceTpe()).toBe(0);
      expect((await store.getSweep("tpe"))!.status).toBe("completed");
      expect(progressed).toBe(1);
      expect(await controller.advanceTpe()).toBe(0); // nothing left to clear: nothing said
      expect(progressed).toBe(1);
    });

    it("starts with `parallel` configurations and proposes one per finished one, on every seed, until the budget", async () => {
      const store = new InMemoryRunStore();
      const { bus, controller } = await started(store);
      const sweep = await controller.submit(tpeSpec, "tpe");
      expect(await store.listTrials(sweep.id)).toHaveLength(4);
      expect((await bus.queuedTrials(["tpe"])).get("tpe")).toEqual({ cpu: 4, gpu: 0 });
      expect(await controller.advanceTpe()).toBe(0); // nothing finished: nothing to propose
      for (let n = 3; n <= 5; n++) {
        await finishFirstOpen(store, sweep.id, n === 4);
        expect(await controller.advanceTpe()).toBe(1);
        expect(await configsOf(store, sweep.id)).toBe(n);
        expect(await controller.advanceTpe()).toBe(0);
      }
      const revisions = await store.listRevisions(sweep.id);
      expect(revisions.map((r) => r.kind)).toEqual(["submit", "propose", "propose", "propose"]);
      expect(revisions[3]).toMatchObject({ by: "controller", posthoc: false, trialCount: 2, seeds: [1, 2] });
      expect(revisions[3]!.note).toMatch(/^configuration 5 of 5 \(.*\): proposed by TPE from 3 finished$/);
      expect((await bus.queuedTrials(["tpe"])).get("tpe")).toEqual({ cpu: 10, gpu: 0 });
      // The budget is spent: the sweep runs until its last configurations finish, then completes.
      await finishFirstOpen(store, sweep.id);
      expect(await controller.advanceTpe()).toBe(0);
      expect((await store.getSweep(sweep.id))!.status).toBe("running");
      await finishFirstOpen(store, sweep.id);
      expect(await controller.advanceTpe()).toBe(0);
      expect((await store.getSweep(sweep.id))!.status).toBe("completed");
      expect(await configsOf(store, sweep.id)).toBe(5);
    });

    it("goes on after a restart with what the first controller would have proposed: nothing is held in memory", async () => {
      const run = async (restartAt: number) => {
        const store = new InMemoryRunStore();
        let { controller } = await started(store);
        await controller.submit(tpeSpec, "tpe");
        for (let n = 1; n <= 3; n++) {
          if (n === restartAt) {
            await controller.stop();
            ({ controller } = await started(store));
          }
          await finishFirstOpen(store, "tpe");
          await controller.advanceTpe();
        }
        return (await store.listTrials("tpe")).map((t) => t.params);
      };
      const straight = await run(0);
      expect(straight).toHaveLength(10);
      expect(await run(2)).toEqual(straight);
    });

    it("proposes on a result event without waiting for upkeep, and composes with cancel, resume and retry", async () => {
      const store = new InMemoryRunStore();
      const { bus, controller } = await started(store);
      await controller.submit({ ...tpeSpec, budget: 3 }, "tpe");
      // a worker's result for each trial of the first configuration, through the event stream
      const first = (await store.listTrials("tpe")).slice(0, 2);
      for (const t of first) {
        await bus.requestClaim({ trialId: t.id, workerId: "w", backend: "cpu" });
        await bus.publishEvent({
          type: "result",
          trialId: t.id,
          attempt: 1,
          workerId: "w",
          at: new Date().toISOString(),
          result: resultFor(t),
        });
      }
      await vi.waitFor(async () => expect(await configsOf(store, "tpe")).toBe(3), { timeout: 2_000 });
      // cancelled, it proposes nothing; resumed, its cancelled trials run again and it completes as before
      await controller.cancel("tpe");
      expect(await controller.advanceTpe()).toBe(0);
      expect((await controller.resume("tpe"))?.length).toBe(4);
      await finishFirstOpen(store, "tpe", true); // fails for good
      await finishFirstOpen(store, "tpe");
      expect(await controller.advanceTpe()).toBe(0);
      expect((await store.getSweep("tpe"))!.status).toBe("completed");
      // a retry reopens it; it completes again once the retried configuration finishes, proposing nothing new
      expect(await controller.retry("tpe")).toHaveLength(2);
      expect((await store.getSweep("tpe"))!.status).toBe("running");
      await finishFirstOpen(store, "tpe");
      expect(await controller.advanceTpe()).toBe(0);
      expect((await store.getSweep("tpe"))!.status).toBe("completed");
      expect(await configsOf(store, "tpe")).toBe(3);
    });

    it("adds a person's seeds to the configurations it proposed once it has finished", async () => {
      const store = new InMemoryRunStore();
      const { controller } = await started(store);
      await controller.submit({ ...tpeSpec, budget: 2 }, "tpe");
      await finishFirstOpen(store, "tpe");
      await finishFirstOpen(store, "tpe");
      await controller.advanceTpe();
      const { added } = await controller.extend("tpe", {
        seeds: [3],
        configKeys: [],
        kind: "extend",
        posthoc: true,
        by: "me",
        note: "",
      });
      expect(added.map((t) => t.seed)).toEqual([3, 3]);
      expect(new Set(added.map((t) => t.configKey))).toEqual(
        new Set((await store.listTrials("tpe")).filter((t) => t.seed === 1).map((t) => t.configKey)),
      );
    });
  });
});
