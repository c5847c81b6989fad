import { InProcessBus } from "@tailsweep/bus";
import { parseSweepFile } from "@tailsweep/schemas";
import { InMemoryRunStore, type RunStore, workerStatus } from "@tailsweep/sweep";
import { afterEach, describe, expect, it } from "vitest";
import { Controller } from "./controller";

const file = { name: "c", project: "p", search: { nu: [5, 10] }, seeds: [1, 2] };
const spec = parseSweepFile(file);
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

async function started(store: RunStore = new InMemoryRunStore()) {
  const bus = new InProcessBus();
  const controller = new Controller(store, bus, { reapEveryMs: 60_000 });
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
    const reads = { listTrials: 0, getTrial: 0 };
    const listTrials = store.listTrials.bind(store);
    const getTrial = store.getTrial.bind(store);
    store.listTrials = (id) => {
      reads.listTrials++;
      return listTrials(id);
    };
    store.getTrial = (id) => {
      reads.getTrial++;
      return getTrial(id);
    };
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
    expect(reads).toEqual({ listTrials: 0, getTrial: 0 });
    expect(await getTrial(trial!.id)).toMatchObject({ state: "waiting", attempt: 2 });
    // The first message and the two re-queued attempts' messages: all on the CPU queue (nu=5).
    expect((await bus.queuedTrials(["sw"])).get("sw")).toEqual({ cpu: 4, gpu: 2 });
  });
});
