// Sweeps on real infrastructure — PostgreSQL, a NATS server of the test's own, a controller and workers as separate
// processes — surviving what kills runs in practice: a worker killed mid-trial, NATS restarted, the controller
// restarted. Every trial must end succeeded with exactly one result.
import { mkdtempSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { loadSweepRuns, sequentialStatus, sweepPareto } from "@tailsweep/analysis";
import { NatsBus } from "@tailsweep/bus";
import { openRunStore } from "@tailsweep/db";
import { metricOf } from "@tailsweep/schemas";
import { afterEach, describe, expect, it } from "vitest";
import {
  exited,
  freePort,
  freshDatabase,
  onStop,
  run,
  sleep,
  startNats,
  stopAll,
  sweepFile,
  tailsweep,
  waitFor,
  workersReady,
} from "./harness";

// Each test starts a cluster of its own (NATS, a database, a controller, workers): stopped after it, not kept idling
// beside the rest of the file and the other test file's fork (some 30 processes and 6 GB by its end).
afterEach(stopAll, 60_000);

/** Starts NATS, a fresh database, a controller and `workers` worker processes. */
async function cluster(port: number, workers: number) {
  const nats = await startNats(port);
  const databaseUrl = await freshDatabase();
  const env = { DATABASE_URL: databaseUrl, NATS_URL: nats.url };
  const controller = tailsweep(["controller"], env);
  const workerProcs = Array.from({ length: workers }, () => tailsweep(["worker", "--concurrency", "1"], env));
  const opened = await openRunStore({ databaseUrl });
  onStop(() => opened.close());
  return { nats, env, controller, workers: workerProcs, store: opened.store };
}

async function finished(store: Awaited<ReturnType<typeof cluster>>["store"]) {
  const [sweep] = await store.listSweeps("faults");
  return sweep !== undefined && sweep.status === "completed";
}

async function expectEveryTrialOnce(store: Awaited<ReturnType<typeof cluster>>["store"], count: number) {
  const [sweep] = await store.listSweeps("faults");
  const trials = await store.listTrials(sweep!.id);
  expect(trials).toHaveLength(count);
  expect(trials.map((t) => t.state)).toEqual(new Array(count).fill("succeeded"));
  for (const t of trials) expect(await store.getResult(t.id)).toBeDefined();
  return trials;
}

describe("sweeps on PostgreSQL + NATS with worker and controller processes", { timeout: 240_000 }, () => {
  it("runs --concurrency worker processes on one host, which all stop with their parent", async () => {
    const c = await cluster(14_305, 0);
    const parent = tailsweep(["worker", "--concurrency", "2"], c.env);
    // Both processes must be listening before the trials exist, or the first one ready may take all four.
    await workersReady([parent], 2);
    await run(["sweep", "submit", sweepFile("procs", { nu: [5, 10] }, 2, 4)], c.env);
    await waitFor(() => finished(c.store), "the sweep to finish");
    const trials = await expectEveryTrialOnce(c.store, 4);
    const pids = new Set(trials.map((t) => t.workerId));
    expect(pids.size).toBe(2);
    expect(pids.has(`${hostname()}:${parent.pid}`)).toBe(true);
    const exited = new Promise((r) => parent.once("exit", r));
    parent.kill("SIGKILL");
    await exited;
    // The child noticed its parent is gone and left: no worker process of this test remains.
    const child = [...pids].map((id) => Number(id!.split(":")[1])).find((pid) => pid !== parent.pid)!;
    await waitFor(
      async () => {
        try {
          process.kill(child, 0);
          return false;
        } catch {
          return true;
        }
      },
      "the child worker to exit",
      20_000,
    );
    // SIGTERM to a parent shuts the whole group down cleanly: every process exits, the parent with status 0.
    const group = tailsweep(["worker", "--concurrency", "2"], c.env);
    await workersReady([group], 2);
    const groupExit = new Promise((r) => group.once("exit", r));
    group.kill("SIGTERM");
    expect(await Promise.race([groupExit, sleep(20_000).then(() => "still running")])).toBe(0);
  });

  it("starts another worker process when one of its group dies, and keeps the group's capacity", async () => {
    const c = await cluster(await freePort(), 0);
    const group = tailsweep(["worker", "--concurrency", "2"], c.env);
    await workersReady([group], 2);
    const pids = [...group.log().matchAll(/worker [^ ]+:(\d+) ready/g)].map((m) => Number(m[1]));
    const child = pids.find((pid) => pid !== group.pid)!;
    process.kill(child, "SIGKILL");
    await waitFor(
      async () =>
        /worker process \d+ exited by SIGKILL while the group runs: starting another/.test(group.log()),
      "the group to say its child died",
      20_000,
    );
    await workersReady([group], 3); // the new one is ready too
    const exited = new Promise((r) => group.once("exit", r));
    group.kill("SIGTERM");
    expect(await Promise.race([exited, sleep(20_000).then(() => "still running")])).toBe(0);
    expect(group.log()).not.toMatch(/not started again/);
  });

  it("runs 12 trials on 2 workers, each exactly once", async () => {
    const c = await cluster(14_301, 2);
    await workersReady(c.workers, 2);
    await run(["sweep", "submit", sweepFile("twelve", { nu: [5, 10, 30], beta: [0.1, 0.2] }, 2, 2)], c.env);
    await waitFor(() => finished(c.store), "the sweep to finish");
    const trials = await expectEveryTrialOnce(c.store, 12);
    // Both workers took part (the queue is shared, not owned by whoever connects first).
    expect(new Set(trials.map((t) => t.workerId)).size, `workers: ${trials.map((t) => t.workerId)}`).toBe(2);
    // A duplicate delivery of a finished trial (published again under a new message id) changes nothing.
    const bus = await NatsBus.connect({ servers: c.nats.url });
    await bus.publishTrial({ trialId: trials[0]!.id, sweepId: trials[0]!.sweepId }, `${trials[0]!.id}#again`);
    // a worker took it and was refused its claim (a wait on the log, where a fixed sleep showed nothing was delivered)
    await waitFor(
      async () => c.workers.some((w) => w.log().includes(`trial ${trials[0]!.id}: skipped`)),
      "the duplicate to be skipped",
      30_000,
    );
    await bus.close();
    const again = (await c.store.getTrial(trials[0]!.id))!;
    expect([again.state, again.attempt]).toEqual(["succeeded", 1]);
  });

  it("re-runs the trial of a worker killed with SIGKILL elsewhere, and stores one result", async () => {
    const c = await cluster(14_302, 2);
    await run(["sweep", "submit", sweepFile("kill", { nu: [5, 10] }, 2, 25)], c.env);
    const victim = c.workers[0]!;
    const victimId = `${hostname()}:${victim.pid}`;
    let killedTrial = "";
    await waitFor(async () => {
      const [sweep] = await c.store.listSweeps("faults");
      if (!sweep) return false;
      const t = (await c.store.listTrials(sweep.id)).find(
        (x) => x.state === "running" && x.workerId === victimId,
      );
      if (t) killedTrial = t.id;
      return Boolean(t);
    }, "the victim to start a trial");
    victim.kill("SIGKILL");
    await waitFor(() => finished(c.store), "the sweep to finish");
    await expectEveryTrialOnce(c.store, 4);
    const t = (await c.store.getTrial(killedTrial))!;
    expect(t.attempt).toBe(2);
    expect(t.retries[0]!.reason).toMatch(new RegExp(`no heartbeat from worker ${victimId}`));
    expect(t.workerId).not.toBe(victimId);
  });

  it("resumes a SIGKILLed worker's trial from its checkpoint in the object store, with every epoch on record", async () => {
    const c = await cluster(14_306, 2);
    // Both ready first, so each takes one trial; 8 epochs of 6 steps, so the kill lands mid-trial with
    // checkpoints behind it.
    await workersReady(c.workers, 2);
    await run(["sweep", "submit", sweepFile("resume", { nu: [5, 10] }, 1, 6, {}, 8)], c.env);
    const victim = c.workers[0]!;
    const victimId = `${hostname()}:${victim.pid}`;
    let killed = "";
    await waitFor(async () => {
      const [sweep] = await c.store.listSweeps("faults");
      if (!sweep) return false;
      const t = (await c.store.listTrials(sweep.id)).find(
        (x) => x.state === "running" && x.workerId === victimId,
      );
      // Epoch 4 on record: epoch 2's checkpoint has finished uploading (epoch 3's waited for it; its own upload may
      // still be running when the kill lands).
      if (t && (await c.store.listEpochs(t.id, t.attempt)).length >= 4) killed = t.id;
      return killed !== "";
    }, "the victim to train 4 epochs of a trial");
    victim.kill("SIGKILL");
    await waitFor(() => finished(c.store), "the sweep to finish");
    await expectEveryTrialOnce(c.store, 2);
    const trial = (await c.store.getTrial(killed))!;
    expect(trial.attempt).toBe(2);
    expect(trial.workerId).not.toBe(victimId);
    const result = (await c.store.getResult(killed))!;
    expect(result.metrics.resumed?.fromEpoch).toBeGreaterThanOrEqual(2);
    expect(result.metrics.resumed?.savedSeconds).toBeGreaterThan(0);
    expect(result.metrics.history?.map((h) => h.epoch)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    // The resuming attempt published the epochs it restored: its curve is whole.
    expect((await c.store.listEpochs(killed, 2)).map((e) => e.epoch)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    // Its restored epochs are the numbers the killed attempt trained, to the bit.
    const first = await c.store.listEpochs(killed, 1);
    const second = await c.store.listEpochs(killed, 2);
    const upTo = result.metrics.resumed!.fromEpoch;
    expect(second.slice(0, upTo).map((e) => e.loss)).toEqual(first.slice(0, upTo).map((e) => e.loss));
    // The other trial never stopped, and its checkpoint went once it succeeded; artifacts stay for both.
    expect(result.metrics.artifacts?.map((a) => a.name)).toContain("predictions.csv");
  });

  it("finishes the sweep when NATS restarts mid-sweep, nothing lost or duplicated", async () => {
    const c = await cluster(14_303, 2);
    await run(["sweep", "submit", sweepFile("nats", { nu: [5, 10, 30] }, 2, 10)], c.env);
    await waitFor(async () => {
      const [sweep] = await c.store.listSweeps("faults");
      return sweep !== undefined && (await c.store.listTrials(sweep.id)).some((t) => t.state === "succeeded");
    }, "a first trial to finish");
    await c.nats.stop();
    await sleep(2_000);
    await c.nats.start();
    await waitFor(() => finished(c.store), "the sweep to finish");
    await expectEveryTrialOnce(c.store, 6);
  });

  it("refuses a sweep run without NATS on a store a team's controller serves, storing nothing", async () => {
    const c = await cluster(await freePort(), 0);
    await waitFor(async () => c.controller.log().includes("controller ready"), "the controller");
    const local = tailsweep(["sweep", "run", sweepFile("beside", { nu: [5] }, 1, 2)], {
      DATABASE_URL: c.env.DATABASE_URL,
      NATS_URL: "",
      TAILSWEEP_ARTIFACTS_DIR: mkdtempSync(join(tmpdir(), "tailsweep-artifacts-")),
    });
    expect(await exited(local)).toBe(7);
    expect(local.log()).toMatch(
      new RegExp(
        `controller lease \\(postgresql://\\S+\\) is taken: tailsweep controller ${hostname()} pid ${c.controller.pid} \\(database session`,
      ),
    );
    expect(local.log()).toMatch(
      /would serve trials beside that controller.*Set NATS_URL to that deployment's NATS/s,
    );
    // Refused before the sweep was stored: nothing for the team's controller to queue.
    expect(await c.store.listSweeps("faults")).toEqual([]);
  });

  it("lets sweep runs without NATS share a PostgreSQL store, and a team controller started meanwhile waits for them", async () => {
    const databaseUrl = await freshDatabase();
    // files of their own: without NATS a run's checkpoints go to a folder, not the repository's .tailsweep/
    const local = {
      DATABASE_URL: databaseUrl,
      NATS_URL: "",
      TAILSWEEP_ARTIFACTS_DIR: mkdtempSync(join(tmpdir(), "tailsweep-artifacts-")),
    };
    // two files, each its own sweep, trained in their own processes over their own in-process buses
    const first = tailsweep(["sweep", "run", sweepFile("local-a", { nu: [5] }, 1, 30, {}, 40)], local);
    const second = tailsweep(["sweep", "run", sweepFile("local-b", { nu: [10] }, 1, 30, {}, 40)], local);
    for (const p of [first, second])
      await waitFor(async () => /trials: 0\/1 done, 1 running/.test(p.log()), "both runs to train", 60_000);
    const nats = await startNats(await freePort());
    const team = tailsweep(["controller"], { DATABASE_URL: databaseUrl, NATS_URL: nats.url });
    await waitFor(
      async () =>
        /standby: this run store's controller lease is held by tailsweep sweep run \S+ pid \d+ \(database session \d+.*\) and 1 more; serving once it is free/.test(
          team.log(),
        ),
      "the team's controller to stand by",
    );
    expect(team.log()).not.toContain("controller ready");
    // once both runs stop (handing their trials back), it serves
    first.kill("SIGTERM");
    second.kill("SIGTERM");
    expect([await exited(first), await exited(second)]).toEqual([143, 143]);
    await waitFor(
      async () => team.log().includes("controller ready"),
      "the team's controller to serve",
      30_000,
    );
  });

  it("finishes the sweep when its controller is killed mid-sweep: a standby takes over, persisting what waited in the stream", async () => {
    const c = await cluster(14_304, 2);
    await waitFor(async () => c.controller.log().includes("controller ready"), "the first controller");
    // A second controller on the same store waits as a standby, naming the one that serves.
    const standby = tailsweep(["controller"], c.env);
    await waitFor(
      async () =>
        standby
          .log()
          .includes(
            `standby: this run store's controller lease is held by tailsweep controller ${hostname()} pid ${c.controller.pid} (`,
          ),
      "the second controller to stand by",
    );
    await run(["sweep", "submit", sweepFile("controller", { nu: [5, 10, 30] }, 2, 10)], c.env);
    await waitFor(async () => {
      const [sweep] = await c.store.listSweeps("faults");
      return sweep !== undefined && (await c.store.listTrials(sweep.id)).some((t) => t.state === "running");
    }, "trials to start");
    expect(standby.log()).not.toContain("controller ready");
    c.controller.kill("SIGKILL");
    await waitFor(async () => standby.log().includes("controller ready"), "the standby to take over", 30_000);
    await waitFor(() => finished(c.store), "the sweep to finish");
    const trials = await expectEveryTrialOnce(c.store, 6);
    for (const t of trials) {
      const epochs = await c.store.listEpochs(t.id, t.attempt);
      expect(epochs.map((e) => e.epoch)).toEqual([1, 2, 3]);
    }
  });

  it("runs a TPE sweep to its budget on worker processes, its controller restarted mid-sweep proposing as before", async () => {
    const c = await cluster(14_307, 2);
    await workersReady(c.workers, 2);
    const file = sweepFile(
      "tpe",
      { nu: { distribution: "loguniform", low: 3, high: 100 }, variant: ["proposed", "gaussian"] },
      2,
      2,
      {},
      2,
      { method: "tpe", budget: 5, tpe: { startup: 2, parallel: 2 } },
    );
    await run(["sweep", "submit", file], c.env);
    const configurations = async () => {
      const [sweep] = await c.store.listSweeps("faults");
      return sweep ? new Set((await c.store.listTrials(sweep.id)).map((t) => t.configKey)).size : 0;
    };
    await waitFor(async () => (await configurations()) >= 3, "the first proposal");
    c.controller.kill("SIGKILL");
    await sleep(2_000);
    tailsweep(["controller"], c.env);
    await waitFor(() => finished(c.store), "the sweep to finish");
    const trials = await expectEveryTrialOnce(c.store, 10);
    const byConfig = new Map<string, number[]>();
    for (const t of trials) byConfig.set(t.configKey, [...(byConfig.get(t.configKey) ?? []), t.seed]);
    expect([...byConfig.values()].map((seeds) => seeds.sort())).toEqual(new Array(5).fill([1, 2]));
    const revisions = await c.store.listRevisions(trials[0]!.sweepId);
    expect(revisions.map((r) => r.kind)).toEqual(["submit", "propose", "propose", "propose"]);
    expect(revisions.every((r) => !r.posthoc)).toBe(true);
  });

  it("runs a TPE search with a sequential design on worker processes, deciding on fresh seeds across a controller restart", async () => {
    const c = await cluster(14_309, 2);
    await workersReady(c.workers, 2);
    const file = sweepFile(
      "tpe-decide",
      { nu: { distribution: "loguniform", low: 3, high: 100 }, variant: ["proposed", "gaussian"] },
      2,
      2,
      {},
      2,
      {
        method: "tpe",
        budget: 4,
        tpe: { startup: 2, parallel: 2 },
        seeds: { initial: 2, step: 1, max: 3 },
        decide: { baseline: "variant=gaussian", top: 1 },
      },
    );
    await run(["sweep", "submit", file], c.env);
    const trialsNow = async () => {
      const [sweep] = await c.store.listSweeps("faults");
      return sweep ? c.store.listTrials(sweep.id) : [];
    };
    // the controller is killed as the decision stage starts; the one started after it takes the looks from the store
    await waitFor(async () => (await trialsNow()).some((t) => t.seed > 2), "the decision stage");
    c.controller.kill("SIGKILL");
    await sleep(2_000);
    tailsweep(["controller"], c.env);
    await waitFor(() => finished(c.store), "the sweep to finish");
    const trials = await trialsNow();
    expect(trials.every((t) => t.state === "succeeded")).toBe(true);
    const sweepId = trials[0]!.sweepId;
    const search = trials.filter((t) => t.seed <= 2);
    const decision = trials.filter((t) => t.seed > 2);
    expect(search).toHaveLength(8);
    expect(new Set(decision.map((t) => t.configKey)).size).toBe(2);
    expect(decision.some((t) => t.configLabel === "variant=gaussian")).toBe(true);
    expect(new Set(decision.map((t) => t.seed)).has(3)).toBe(true);
    const revisions = await c.store.listRevisions(sweepId);
    expect(revisions.filter((r) => r.note?.startsWith("decision stage"))).toHaveLength(1);
    // what a teammate's CLI reads from PostgreSQL is the store's own replay of the looks
    const status = tailsweep(["sweep", "status", sweepId, "--json"], c.env);
    let stdout = "";
    status.stdout!.on("data", (d: Buffer) => {
      stdout += d;
    });
    expect(await exited(status)).toBe(0);
    const json = JSON.parse(stdout);
    const expected = sequentialStatus(await loadSweepRuns(c.store, sweepId), { adjustedP: true });
    expect(json.sequential).toEqual(JSON.parse(JSON.stringify(expected)));
    expect(json.sequential.stage).toBe("decision");
    expect(json.sequential.result.rows).toHaveLength(1);
  });

  it("runs a two-objective TPE sweep on worker processes, and compare shows its Pareto front from the server's store", async () => {
    const c = await cluster(14_308, 2);
    await workersReady(c.workers, 2);
    const objectives: { metric: string; direction: "maximize" | "minimize" }[] = [
      { metric: "balancedAccuracy", direction: "maximize" },
      { metric: "minorityRecall", direction: "maximize" },
    ];
    const file = sweepFile(
      "pareto",
      { nu: { distribution: "loguniform", low: 3, high: 100 }, variant: ["proposed", "gaussian"] },
      2,
      2,
      {},
      2,
      { method: "tpe", budget: 4, tpe: { startup: 2, parallel: 2 }, objectives },
    );
    await run(["sweep", "submit", file], c.env);
    await waitFor(() => finished(c.store), "the sweep to finish");
    const trials = await expectEveryTrialOnce(c.store, 8);
    const sweepId = trials[0]!.sweepId;
    for (const t of trials) {
      const metrics = (await c.store.getResult(t.id))!.metrics;
      expect(objectives.map((o) => Number.isFinite(metricOf(metrics, o.metric)))).toEqual([true, true]);
    }
    // No --objectives: the sweep's own, read through the CLI from PostgreSQL as a teammate would.
    const compare = tailsweep(["compare", sweepId, "--json"], c.env);
    let stdout = "";
    compare.stdout!.on("data", (d: Buffer) => {
      stdout += d;
    });
    expect(await exited(compare)).toBe(0);
    const json = JSON.parse(stdout);
    const expected = sweepPareto(await loadSweepRuns(c.store, sweepId), { objectives: [...objectives] });
    expect(json.pareto).toEqual(JSON.parse(JSON.stringify(expected)));
    expect(json.pareto.objectives).toEqual(objectives);
    expect(json.pareto.configurations).toHaveLength(4);
    // proposed by the controller as results came in, not all at submission
    const kinds = (await c.store.listRevisions(sweepId)).map((r) => r.kind);
    expect(kinds[0]).toBe("submit");
    expect(kinds.filter((k) => k === "propose").length).toBeGreaterThanOrEqual(1);
  });
});
