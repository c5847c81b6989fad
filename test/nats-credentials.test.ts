// The shipped NATS config (infra/nats/tailsweep.conf) on a server of the test's own (issue #7): a worker with bad
// credentials is refused; one with the worker's credentials can neither publish trials nor read the controller's
// events, and with the controller on its own credentials it completes a sweep.
import { type ChildProcess, spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { connect as tcpConnect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ArtifactStore, NatsBus } from "@tailsweep/bus";
import { Controller } from "@tailsweep/controller";
import { openRunStore } from "@tailsweep/db";
import { initBackend } from "@tailsweep/model";
import {
  ARTIFACT_FILES,
  CHECKPOINT_FILE,
  parseSweepFile,
  sweepArtifactPrefix,
  trialArtifactPrefix,
  trialCheckpointKey,
} from "@tailsweep/schemas";
import { Worker } from "@tailsweep/worker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const shipped = join(__dirname, "..", "infra", "nats", "tailsweep.conf");
const port = 14_000 + (process.pid % 1_000);
const servers = `nats://127.0.0.1:${port}`;
const passwords = { controller: "controller-secret-1", worker: "worker-secret-2" };
const cleanups: (() => Promise<unknown>)[] = [];

const portOpen = (p: number) =>
  new Promise<boolean>((resolve) => {
    const s = tcpConnect(p, "127.0.0.1");
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });

/** Rejects after `ms`: a refused publish can surface as a request that is never answered. */
const within = <T>(p: Promise<T>, ms: number) =>
  Promise.race([
    p,
    new Promise<never>((_, no) => setTimeout(() => no(new Error(`no answer in ${ms} ms`)), ms)),
  ]);

describe("NATS credentials per role (infra/nats/tailsweep.conf)", { timeout: 90_000 }, () => {
  let server: ChildProcess;

  beforeAll(async () => {
    // The shipped file as it is, but listening on this test's port and storing in a temporary folder; the users it
    // includes come along, since NATS resolves `include` beside the including file.
    const dir = mkdtempSync(join(tmpdir(), "tailsweep-nats-"));
    const config = join(dir, "tailsweep.conf");
    copyFileSync(join(shipped, "..", "roles.conf"), join(dir, "roles.conf"));
    writeFileSync(
      config,
      readFileSync(shipped, "utf8")
        .replace(/^listen: .*$/m, `listen: "127.0.0.1:${port}"`)
        .replace(/store_dir: "[^"]*"/, `store_dir: "${join(dir, "js")}"`),
    );
    server = spawn("nats-server", ["-c", config], {
      stdio: "ignore",
      env: {
        ...process.env,
        TAILSWEEP_CONTROLLER_PASSWORD: passwords.controller,
        TAILSWEEP_WORKER_PASSWORD: passwords.worker,
      },
    });
    cleanups.push(async () => server.kill("SIGKILL"));
    const start = Date.now();
    while (!(await portOpen(port))) {
      if (server.exitCode !== null) throw new Error(`nats-server exited (${server.exitCode}) on ${shipped}`);
      if (Date.now() - start > 20_000) throw new Error("nats-server did not start");
      await new Promise((r) => setTimeout(r, 200));
    }
  });
  afterAll(async () => {
    for (const f of cleanups.reverse()) await f().catch(() => {});
  });

  const asController = () =>
    NatsBus.connect({ servers, user: "controller", pass: passwords.controller, prefix: "tailsweep" });
  const asWorker = (pass = passwords.worker) =>
    NatsBus.connect({ servers, user: "worker", pass, role: "worker", prefix: "tailsweep" });

  it("refuses a worker with a wrong password, or with none, and a controller with the worker's user, naming the setting", async () => {
    // NATS's own "Authorization Violation" alone, exit 1, named no setting
    await expect(asWorker("wrong")).rejects.toMatchObject({
      code: "SETTINGS_INVALID",
      problems: [
        expect.stringMatching(
          /^NATS_USER \/ NATS_PASSWORD: NATS at nats:\/\/127\.0\.0\.1:\d+ refused the login of user "worker" \(.*authorization.*\)$/i,
        ),
      ],
    });
    await expect(NatsBus.connect({ servers, role: "worker" })).rejects.toMatchObject({
      code: "SETTINGS_INVALID",
      problems: [expect.stringMatching(/refused the login \(none was given\)/)],
    });
    const asControllerWithWorkersUser = NatsBus.connect({
      servers,
      user: "worker",
      pass: passwords.worker,
      prefix: "tailsweep",
    });
    await expect(asControllerWithWorkersUser).rejects.toMatchObject({
      code: "SETTINGS_INVALID",
      problems: [
        expect.stringMatching(
          /^NATS_USER: user "worker" may not do what a controller \(or tailsweep ui\) needs on NATS at .*Permissions Violation.*; give it the controller role of infra\/nats\/roles\.conf$/,
        ),
      ],
    });
  });

  it("lets a worker neither publish trials nor read the controller's events", async () => {
    const controllerBus = await asController(); // creates the streams
    cleanups.push(() => controllerBus.close());
    const worker = await asWorker();
    cleanups.push(() => worker.close());
    // The server refuses both, naming the subject.
    const refused = (p: Promise<unknown>) =>
      within(p, 5_000).then(
        () => "accepted",
        (e: Error) => e.message,
      );
    const forged = { trialId: "t-forged", sweepId: "s-forged" };
    expect(await refused(worker.publishTrial(forged, "t-forged"))).toMatch(/Permissions Violation/);
    expect(await refused(worker.consumeEvents(async () => {}))).toMatch(/Permissions Violation/);
    // Its own subjects work: it can reach the workers' consumers, both kinds.
    expect(await refused(worker.consumeTrials(async () => {}).then((sub) => sub.stop()))).toBe("accepted");
    const bothKinds = worker.consumeTrials(async () => {}, { kinds: ["gpu", "cpu"] });
    expect(await refused(bothKinds.then((sub) => sub.stop()))).toBe("accepted");
    // Its heartbeats (core NATS, straight to the controller) get through: a refused one is dropped without a word.
    const heard = new Promise<unknown>((resolve) => {
      void controllerBus.onHeartbeat(resolve).then(async (sub) => {
        cleanups.push(() => sub.stop());
        await worker.publishHeartbeat({ trialId: "t-beat", attempt: 1, workerId: "w-beat" });
      });
    });
    expect(await within(heard, 5_000)).toEqual({ trialId: "t-beat", attempt: 1, workerId: "w-beat" });
  });

  it("completes a CPU and a GPU trial with the worker's and the controller's own credentials, keeping checkpoints and artifacts in the object store", async () => {
    const opened = await openRunStore({ pgliteDir: "memory", databaseUrl: "" });
    cleanups.push(() => opened.close());
    const controllerBus = await asController();
    cleanups.push(() => controllerBus.close());
    // The controller's role makes the bucket; the worker's may only use it.
    const controllerArtifacts = await controllerBus.artifactStore();
    cleanups.push(() => controllerArtifacts.close());
    const controller = new Controller(opened.store, controllerBus, { artifacts: controllerArtifacts });
    await controller.start();
    cleanups.push(() => controller.stop());
    const workerBus = await asWorker();
    cleanups.push(() => workerBus.close());
    const workerArtifacts = await workerBus.artifactStore();
    const checkpointsSeen: string[] = [];
    // Every put the worker makes, seen: the checkpoint of epoch 1 is written, then deleted once the trial succeeds.
    const watched: ArtifactStore = {
      put: (key, data) => {
        if (key.endsWith(CHECKPOINT_FILE)) checkpointsSeen.push(key);
        return workerArtifacts.put(key, data);
      },
      get: (key) => workerArtifacts.get(key),
      info: (key) => workerArtifacts.info(key),
      list: (prefix) => workerArtifacts.list(prefix),
      delete: (key) => workerArtifacts.delete(key),
      deletePrefix: (prefix) => workerArtifacts.deletePrefix(prefix),
      close: () => workerArtifacts.close(),
    };
    const worker = new Worker(workerBus, {
      id: "nats-auth-worker",
      artifacts: watched,
      backend: await initBackend({ prefer: "cpu" }),
      // Taking GPU trials on the cpu backend: the permissions are what is tested here, not the GPU.
      trialKinds: ["gpu", "cpu"],
    });
    await worker.start();
    cleanups.push(() => worker.stop());
    const sweep = await controller.submit(
      parseSweepFile({
        name: "nats-auth",
        project: "p",
        dataset: { name: "mnist-2view", headCount: 40, testPerClass: 5 },
        model: { encoderWidths: [8], decoderWidths: [8], classifierWidths: [8], latentDim: 2 },
        train: { epochs: 2, maxStepsPerEpoch: 2, labeledBatchSize: 8, unlabeledBatchSize: 8 },
        search: { variant: ["proposed", "gaussian"] },
        execution: { gpu: { variant: ["proposed"] } },
        seeds: 1,
      }),
    );
    const start = Date.now();
    while ((await opened.store.getSweep(sweep.id))?.status !== "completed") {
      if (Date.now() - start > 60_000) throw new Error("the sweep did not complete");
      await new Promise((r) => setTimeout(r, 250));
    }
    const trials = await opened.store.listTrials(sweep.id);
    expect(trials).toHaveLength(2);
    for (const trial of trials) {
      expect(trial).toMatchObject({ state: "succeeded", workerId: "nats-auth-worker" });
      const result = await opened.store.getResult(trial.id);
      expect(result?.metrics.artifacts?.map((a) => a.name)).toEqual([...ARTIFACT_FILES]);
      const stored = await controllerArtifacts.list(trialArtifactPrefix(trial.id));
      expect(stored.map((a) => a.key.slice(a.key.lastIndexOf("/") + 1)).sort()).toEqual(
        [...ARTIFACT_FILES].sort(),
      );
    }
    expect(checkpointsSeen.sort()).toEqual(trials.map((t) => trialCheckpointKey(t.id)).sort());
    // Deleting the sweep deletes what its trials stored.
    expect(await controller.delete(sweep.id)).toBe(true);
    expect(await controllerArtifacts.list(sweepArtifactPrefix(sweep.id))).toEqual([]);
    await workerArtifacts.close();
  });
});
