// The fault drills of the reliability issue, each a test: outages of PostgreSQL and NATS (also one that loses its
// storage), a long event backlog with the shortest heartbeat, a graceful shutdown with one attempt, a repeated
// submit, Ctrl-C on a worker group, a worker killed during a top-up (an interrupted embedded run: embedded-interrupts).
// The promise under test: every trial ends with exactly one result, nothing hangs, no finished training is thrown away.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NatsBus } from "@tailsweep/bus";
import { Controller } from "@tailsweep/controller";
import { openRunStore } from "@tailsweep/db";
import { parseSweepFile } from "@tailsweep/schemas";
import type { RunStore } from "@tailsweep/sweep";
import { Worker } from "@tailsweep/worker";
import { afterEach, describe, expect, it } from "vitest";
import { writeFailingDataset } from "./failing-dataset";
import {
  exited,
  freshDatabase,
  onStop,
  run,
  sleep,
  startNats,
  startPostgres,
  stopAll,
  sweepFile,
  type Tailsweep,
  tailsweep,
  waitFor,
  workersReady,
} from "./harness";

// Each drill's servers and processes go when it ends: the next drill gets the machine's two cores to itself.
afterEach(stopAll, 180_000);

async function store(databaseUrl: string): Promise<RunStore> {
  const opened = await openRunStore({ databaseUrl });
  onStop(() => opened.close());
  return opened.store;
}

async function onlySweep(s: RunStore) {
  const sweeps = await s.listSweeps("faults");
  expect(sweeps).toHaveLength(1);
  return sweeps[0]!;
}

const finished = async (s: RunStore) => {
  const [sweep] = await s.listSweeps("faults");
  return sweep !== undefined && sweep.status === "completed";
};

/** Every trial succeeded once, with one result; and the controller threw no finished result away. */
async function expectEveryTrialOnce(s: RunStore, count: number, controller?: Tailsweep) {
  const sweep = await onlySweep(s);
  const trials = await s.listTrials(sweep.id);
  expect(trials).toHaveLength(count);
  expect(trials.map((t) => t.state)).toEqual(new Array(count).fill("succeeded"));
  expect((await s.listResults(sweep.id)).size).toBe(count);
  if (controller) expect(controller.log()).not.toMatch(/result not stored/);
  return trials;
}

/** A controller and `workers` single-trial worker processes on the given store and NATS server, all ready. */
async function team(env: Record<string, string>, workers: number) {
  const controller = tailsweep(["controller"], env);
  const procs = Array.from({ length: workers }, () => tailsweep(["worker", "--concurrency", "1"], env));
  await workersReady(procs, workers);
  return { controller, workers: procs };
}

const lastLine = (out: string) => out.trim().split("\n").at(-1)!;

const someTrial = (s: RunStore, state: string) => async () => {
  const [sweep] = await s.listSweeps("faults");
  return sweep !== undefined && (await s.listTrials(sweep.id)).some((t) => t.state === state);
};

describe("fault drills on PostgreSQL + NATS with controller and worker processes", {
  timeout: 300_000,
}, () => {
  it("loses no queued trial to a PostgreSQL outage: claims refused meanwhile are tried again", async () => {
    const nats = await startNats(14_311);
    const pg = await startPostgres(15_433);
    const env = { DATABASE_URL: pg.url, NATS_URL: nats.url };
    const { controller } = await team(env, 2);
    await run(["sweep", "submit", sweepFile("pg-outage", { nu: [5, 10, 30], beta: [0.1, 0.2] }, 2, 2)], env);
    const s = await store(pg.url);
    await waitFor(someTrial(s, "succeeded"), "a first trial to finish");
    const outageStart = Date.now();
    await pg.stop();
    await sleep(6_000);
    await pg.start();
    await waitFor(() => finished(s), "the sweep to finish after the outage");
    console.log(
      `PostgreSQL outage drill: finished ${((Date.now() - outageStart) / 1000).toFixed(1)} s after it began`,
    );
    await expectEveryTrialOnce(s, 12, controller);
    // Its lease went with its database session: it stopped serving, and served again once it held the lease anew.
    expect(controller.log()).toMatch(/warning: the controller lease was lost: .*; stopped serving/);
    const log = controller.log();
    expect(log.split("controller ready").length - 1).toBeGreaterThanOrEqual(2);
    expect(log.lastIndexOf("controller ready")).toBeGreaterThan(log.lastIndexOf("lease was lost"));
  });

  it("stops a sweep run without NATS whose PostgreSQL restarts (its lease gone), and the same command resumes it", async () => {
    const pg = await startPostgres(15_434);
    // without NATS the run's checkpoints go to a folder: one of the test's, not the repository's .tailsweep/
    const env = {
      DATABASE_URL: pg.url,
      NATS_URL: "",
      TAILSWEEP_ARTIFACTS_DIR: mkdtempSync(join(tmpdir(), "tailsweep-artifacts-")),
    };
    const file = sweepFile("run-outage", { nu: [5, 10] }, 1, 20, {}, 6);
    const first = tailsweep(["sweep", "run", file, "--workers", "1"], env);
    await waitFor(async () => /trials: 0\/2 done, 1 running/.test(first.log()), "a trial to run", 60_000);
    await pg.stop();
    // another controller may serve once the lease is gone: the run stops, in one line, not a driver's stack
    expect(await exited(first)).toBe(7);
    expect(first.log()).toMatch(
      /tailsweep: the controller lease was lost: .*: this run stopped, since another controller may serve its sweep now; the same command resumes it\n/,
    );
    expect(first.log()).not.toMatch(/^Invalid `prisma/m); // not the driver's multi-line error it used to end with
    await pg.start();
    const again = await run(["sweep", "run", file, "--workers", "1"], env);
    expect(again).toMatch(/completed/);
    const s = await store(pg.url);
    const [sweep] = await s.listSweeps("faults");
    expect((await s.listTrials(sweep!.id)).map((t) => t.state)).toEqual(["succeeded", "succeeded"]);
  });

  it("finishes when NATS is down for longer than 3 heartbeats, keeping results trained meanwhile", async () => {
    const nats = await startNats(14_312);
    const databaseUrl = await freshDatabase();
    const env = { DATABASE_URL: databaseUrl, NATS_URL: nats.url };
    const { controller } = await team(env, 2);
    await run(["sweep", "submit", sweepFile("nats-outage", { nu: [5, 10, 30] }, 2, 12)], env);
    const s = await store(databaseUrl);
    await waitFor(someTrial(s, "running"), "trials to start");
    const outageStart = Date.now();
    await nats.stop();
    // heartbeats every 2 s: stale after 6; past the object store's put timeout, so that a trial finishing meanwhile
    // stores its files only by trying again
    await sleep(20_000);
    await nats.start();
    await waitFor(() => finished(s), "the sweep to finish after the outage");
    console.log(
      `NATS outage drill: finished ${((Date.now() - outageStart) / 1000).toFixed(1)} s after it began`,
    );
    await expectEveryTrialOnce(s, 6, controller);
    // A trial that finished during the outage or just after it stored its files too: tried again until the object
    // store answered, not given up on at its first timeout (and then listed as keeping none).
    const results = [...(await s.listResults((await onlySweep(s)).id)).values()];
    expect(results.map((r) => r.metrics.artifactsNotStored)).toEqual(new Array(6).fill(undefined));
    expect(results.every((r) => (r.metrics.artifacts?.length ?? 0) > 0)).toBe(true);
  });

  it("finishes when NATS comes back without its storage: streams made again, waiting trials queued again", async () => {
    const nats = await startNats(14_313);
    const databaseUrl = await freshDatabase();
    const env = { DATABASE_URL: databaseUrl, NATS_URL: nats.url };
    const { controller } = await team(env, 2);
    await run(["sweep", "submit", sweepFile("nats-wiped", { nu: [5, 10, 30], beta: [0.1, 0.2] }, 1, 4)], env);
    const s = await store(databaseUrl);
    await waitFor(someTrial(s, "succeeded"), "a first trial to finish");
    const outageStart = Date.now();
    await nats.stop();
    nats.wipe();
    await nats.start();
    await waitFor(() => finished(s), "the sweep to finish after the wipe", 180_000);
    console.log(
      `NATS wipe drill: finished ${((Date.now() - outageStart) / 1000).toFixed(1)} s after it began`,
    );
    expect(controller.log()).toMatch(/queued the waiting ones again/);
    await expectEveryTrialOnce(s, 6, controller);
  });

  it("keeps live trials alive behind a long event backlog with 1 s heartbeats: every trial once, none failed", async () => {
    const nats = await startNats(14_314);
    const databaseUrl = await freshDatabase();
    const s = await store(databaseUrl);
    const bus = await NatsBus.connect({ servers: nats.url, name: "drill" });
    onStop(() => bus.close());
    const controller = new Controller(s, bus, { reapEveryMs: 500 });
    await controller.start();
    onStop(() => controller.stop());
    const backend = {
      name: "cpu" as const,
      tfjsBackend: "cpu",
      detail: "no-op",
      summary: "no-op",
      versions: {},
    };
    // No-op trials of 30 ms, 16 at once: results arrive far faster than one heartbeat interval.
    const workers = ["w1", "w2"].map(
      (id) =>
        new Worker(bus, {
          id,
          backend,
          concurrency: 8,
          runTrial: async (_config, hooks) => {
            hooks.onEpoch({
              epoch: 1,
              loss: { total: 1, labeled: 1, unlabeled: 1, classification: 1 },
              seconds: 0,
            });
            await sleep(30);
            const test = { n: 1, accuracy: 0.5, balancedAccuracy: 0.5, macroF1: 0.5, gMean: 0.5 };
            const perClass = { perClassRecall: [0.5], perClassPrecision: [0.5], confusion: [[1]] };
            const metrics = {
              test: { ...test, ...perClass },
              minorityRecall: 0.5,
              minorityClasses: [0],
              perModality: [],
            };
            return { metrics, backend: "cpu", seconds: 0.03 };
          },
        }),
    );
    for (const w of workers) await w.start();
    onStop(async () => {
      for (const w of workers) await w.stop();
    });
    const spec = parseSweepFile({
      name: "backlog",
      project: "faults",
      search: { nu: Array.from({ length: 20 }, (_, i) => 3 + i) },
      seeds: 100,
      execution: { heartbeatSeconds: 1, maxAttempts: 3 },
    });
    const start = Date.now();
    await controller.submit(spec, "backlog");
    await waitFor(() => finished(s), "2,000 no-op trials to finish", 240_000);
    const seconds = (Date.now() - start) / 1000;
    console.log(
      `backlog drill: 2,000 no-op trials in ${seconds.toFixed(1)} s (${(2000 / seconds).toFixed(0)} trials/s)`,
    );
    const trials = await expectEveryTrialOnce(s, 2000);
    expect(trials.filter((t) => t.attempt !== 1).map((t) => [t.id, t.attempt, t.retries])).toEqual([]);
  });

  it("keeps a trial alive while its steps outlast three heartbeats: a worker trains on a thread of its own", async () => {
    const nats = await startNats(14_319);
    const databaseUrl = await freshDatabase();
    const s = await store(databaseUrl);
    const env = { DATABASE_URL: databaseUrl, NATS_URL: nats.url, TAILSWEEP_BACKEND: "cpu" };
    const { controller, workers } = await team(env, 1);
    expect(workers[0]!.log()).toContain("trains on a thread of its own");
    // The quick example's layers and batches: a step takes about 3 s on the cpu backend, and training yields every 4
    // steps. On the worker's main thread its heartbeats stopped for 12 s and more, 4 times the 3 s that 1 s heartbeats
    // are given, and the trial was queued again while it trained.
    const file = join(mkdtempSync(join(tmpdir(), "tailsweep-sweep-")), "slow-steps.json");
    writeFileSync(
      file,
      JSON.stringify({
        name: "slow-steps",
        project: "faults",
        dataset: {
          name: "mnist-2view",
          headCount: 500,
          testPerClass: 20,
          imbalanceRatio: 100,
          labelRatio: 0.1,
        },
        model: { encoderWidths: [128], decoderWidths: [128], classifierWidths: [128], latentDim: 16 },
        train: { epochs: 1, maxStepsPerEpoch: 4, evalEvery: 0, labeledBatchSize: 64, unlabeledBatchSize: 64 },
        search: { nu: [5] },
        seeds: 1,
        execution: { maxAttempts: 3, heartbeatSeconds: 1, trialTimeoutSeconds: 600 },
      }),
    );
    await run(["sweep", "submit", file], env);
    await waitFor(() => finished(s), "the trial of slow steps", 240_000);
    const [trial] = await expectEveryTrialOnce(s, 1, controller);
    expect([trial!.attempt, trial!.retries]).toEqual([1, []]);
    expect(controller.log()).not.toMatch(/no heartbeat/);
    // followed from another process until it ends: 0 when every trial succeeded, 1 when some failed
    const watched = tailsweep(["sweep", "watch", trial!.sweepId, "--interval", "1"], env);
    expect(await exited(watched)).toBe(0);
    expect(watched.log()).toMatch(/UTC {2}completed: 1 succeeded\n$/);
    const data = writeFailingDataset();
    const failing = sweepFile("all-fail", { "dataset.name": ["user"], "dataset.path": [data.path] }, 1, 2, {
      maxAttempts: 1,
    });
    // its output holds the store's line (stderr) and the JSON (stdout)
    const submitted = JSON.parse(
      /^\{.*\}$/m.exec(await run(["sweep", "submit", failing, "--json"], env))![0],
    ) as {
      id: string;
    };
    const failed = tailsweep(["sweep", "watch", submitted.id, "--interval", "1"], env);
    expect(await exited(failed)).toBe(1);
    expect(failed.log()).toMatch(/completed: 1 failed\n {2}1 trial failed: /);
    expect(failed.log()).toMatch(data.error);
    expect(failed.log()).toContain(`tailsweep sweep retry ${submitted.id} queues them again`);
  });

  it("hands a trial back on a graceful shutdown without using up its only attempt", async () => {
    const nats = await startNats(14_315);
    const databaseUrl = await freshDatabase();
    const env = { DATABASE_URL: databaseUrl, NATS_URL: nats.url };
    const { workers } = await team(env, 1);
    await run(["sweep", "submit", sweepFile("shutdown", { nu: [5] }, 1, 40, { maxAttempts: 1 }, 5)], env);
    const s = await store(databaseUrl);
    await waitFor(someTrial(s, "running"), "the trial to start");
    workers[0]!.kill("SIGTERM");
    expect(await exited(workers[0]!)).toBe(0);
    await waitFor(someTrial(s, "waiting"), "the trial to be handed back");
    const next = tailsweep(["worker", "--concurrency", "1"], env);
    await workersReady([next], 1);
    await waitFor(() => finished(s), "the sweep to finish");
    const [t] = await expectEveryTrialOnce(s, 1);
    expect(t).toMatchObject({ attempt: 2, maxAttempts: 1 });
    expect(t!.retries).toEqual([
      {
        attempt: 1,
        reason: expect.stringMatching(/shut down/),
        handedBack: true,
        startedAt: expect.any(Date),
        endedAt: expect.any(Date),
      },
    ]);
  });

  it("hands both trials back when Ctrl-C reaches a worker group, and every process exits cleanly", async () => {
    const nats = await startNats(14_316);
    const databaseUrl = await freshDatabase();
    const env = { DATABASE_URL: databaseUrl, NATS_URL: nats.url };
    tailsweep(["controller"], env);
    // Its own process group, as in a terminal: Ctrl-C signals the parent and both its children at once.
    const group = tailsweep(["worker", "--concurrency", "2"], env, { detached: true });
    await workersReady([group], 2);
    // Heartbeats every 5 s (stale after 15 s), not the drills' 2 s: this drill is about the hand-back, and on a loaded
    // machine a worker finishing its epoch before it hands back could look lost first (CI saw it at load 5).
    await run(
      ["sweep", "submit", sweepFile("ctrl-c", { nu: [5, 10] }, 1, 40, { heartbeatSeconds: 5 }, 5)],
      env,
    );
    const s = await store(databaseUrl);
    const sweep = async () => (await s.listTrials((await onlySweep(s)).id)).map((t) => t.state);
    await waitFor(async () => (await sweep()).every((state) => state === "running"), "both trials to run");
    process.kill(-group.pid!, "SIGINT");
    expect(await exited(group)).toBe(0);
    await waitFor(
      async () => (await sweep()).every((state) => state === "waiting"),
      "both trials handed back",
    );
    for (const t of await s.listTrials((await onlySweep(s)).id))
      expect(t.retries).toEqual([
        {
          attempt: 1,
          reason: expect.stringMatching(/shut down/),
          handedBack: true,
          startedAt: expect.any(Date),
          endedAt: expect.any(Date),
        },
      ]);
  });

  it("finishes a top-up whose worker is killed mid-trial: every new seed's trial succeeds once, none lost", async () => {
    const nats = await startNats(14_318);
    const databaseUrl = await freshDatabase();
    const env = { DATABASE_URL: databaseUrl, NATS_URL: nats.url };
    const { controller, workers } = await team(env, 2);
    await run(["sweep", "submit", sweepFile("top-up", { nu: [5, 10] }, 1, 4, {}, 6)], env);
    const s = await store(databaseUrl);
    await waitFor(() => finished(s), "the first round");
    const { id } = await onlySweep(s);
    expect(await run(["sweep", "extend", id, "--seeds", "+2"], env)).toMatch(
      /revision 2: seeds 2–3 for 2 configurations .*: 4 trials.*the workers take them/,
    );
    // kill -9 a worker in the middle of a top-up trial: no hand-back, only silence
    const running = async () => (await s.listTrials(id)).find((t) => t.state === "running" && t.seed > 1);
    await waitFor(async () => (await running()) !== undefined, "a top-up trial to run");
    const trial = (await running())!;
    const victim = workers.find((w) => trial.workerId?.endsWith(`:${w.pid}`))!;
    expect(victim).toBeDefined();
    victim.kill("SIGKILL");
    await waitFor(() => finished(s), "the top-up to finish after the kill", 180_000);
    const trials = await expectEveryTrialOnce(s, 6, controller);
    const killed = trials.find((t) => t.id === trial.id)!;
    expect(killed.attempt).toBeGreaterThanOrEqual(2);
    expect(killed.retries[0]).toMatchObject({ attempt: 1, reason: expect.stringMatching(/no heartbeat/) });
    expect((await s.listRevisions(id)).map((r) => [r.revision, r.kind, r.posthoc, r.trialCount])).toEqual([
      [1, "submit", false, 2],
      [2, "extend", true, 4],
    ]);
  });

  it("finds the sweep a file made when it is submitted again, and makes a second one only with --new", async () => {
    const nats = await startNats(14_317);
    const databaseUrl = await freshDatabase();
    const env = { DATABASE_URL: databaseUrl, NATS_URL: nats.url };
    tailsweep(["controller"], env);
    const file = sweepFile("twice", { nu: [5, 10] }, 1, 2);
    const first = JSON.parse(await run(["sweep", "submit", file, "--json"], env).then(lastLine));
    const again = JSON.parse(await run(["sweep", "submit", file, "--json"], env).then(lastLine));
    expect(again).toMatchObject({ id: first.id, existing: true });
    expect(first.existing).toBe(false);
    const s = await store(databaseUrl);
    expect(await s.listSweeps("faults")).toHaveLength(1);
    expect(await run(["sweep", "submit", file], env)).toMatch(/submitted before; nothing queued again/);
    const fresh = JSON.parse(await run(["sweep", "submit", file, "--new", "--json"], env).then(lastLine));
    expect(fresh.id).not.toBe(first.id);
    // a fresh id has the shape of a file's, so that tables line up
    expect(fresh.id).toMatch(/^[0-9a-f]{32}$/);
    expect(await s.listSweeps("faults")).toHaveLength(2);
  });

  it("says that a sweep no controller serves waits for one, on submit and in its status, until one serves it", async () => {
    const nats = await startNats(14_320);
    const databaseUrl = await freshDatabase();
    const env = { DATABASE_URL: databaseUrl, NATS_URL: nats.url };
    const waits = "no controller serves this store now: the sweep's trials wait, queued, until one starts";
    const submitted = await run(["sweep", "submit", sweepFile("unserved", { nu: [5] }, 1, 2), "--json"], env);
    expect(submitted).toContain(`note: ${waits}`);
    expect(JSON.parse(lastLine(submitted))).toMatchObject({ servedBy: null });
    expect(await run(["sweep", "status"], env)).toContain(`  ${waits} (tailsweep controller)`);
    // a worker that finds trials no one grants says why it waits, once, and when a controller answers again
    const worker = tailsweep(["worker", "--concurrency", "1"], env);
    await waitFor(
      async () => /no controller answers claims/.test(worker.log()),
      "the worker to say it waits",
      60_000,
    );
    const controller = tailsweep(["controller"], env);
    await waitFor(async () => controller.log().includes("controller ready"), "the controller", 60_000);
    await waitFor(
      async () => worker.log().includes("a controller answers claims again"),
      "a granted claim",
      60_000,
    );
    expect(worker.log().split("no controller answers claims")).toHaveLength(2);
    expect(await run(["sweep", "status"], env)).not.toContain(waits);
    // submitted while one serves: it is named
    const again = await run(["sweep", "submit", sweepFile("served", { nu: [5] }, 1, 2), "--json"], env);
    expect(again).not.toContain(waits);
    expect(JSON.parse(lastLine(again)).servedBy).toMatch(/^tailsweep controller .* \(database session \d+/);
  });
});
