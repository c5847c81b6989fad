// Tiny sweeps trained end to end on the webgpu backend: tfjs-backend-webgpu on Dawn over Vulkan. On a CPU machine that
// is Mesa's lavapipe (CI installs it and requires these tests to run); on a GPU machine, the GPU. First through the
// real CLI in embedded mode: every trial must succeed on "webgpu", record its adapter, and the process must exit by
// itself. Then over NATS, with a `tailsweep worker --backend webgpu` process beside a CPU worker: the trials that ask
// for a GPU must all run on the webgpu worker.
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { NatsBus } from "@tailsweep/bus";
import { Controller } from "@tailsweep/controller";
import { openRunStore } from "@tailsweep/db";
import { initBackend, probeWebGpu } from "@tailsweep/model";
import { parseSweepFile } from "@tailsweep/schemas";
import { Worker } from "@tailsweep/worker";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const cli = join(__dirname, "..", "apps", "cli", "bin", "tailsweep.mjs");
const required = (process.env.TAILSWEEP_REQUIRE_BACKENDS ?? "").split(",").includes("webgpu");
const adapter = await probeWebGpu().catch((e: Error) => {
  if (required) throw e;
  return undefined;
});

describe.skipIf(!adapter)("a sweep on the webgpu backend", () => {
  it("trains every trial on webgpu and records the adapter", { timeout: 240_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "tailsweep-webgpu-"));
    const file = join(dir, "gpu.yaml");
    writeFileSync(
      file,
      [
        "name: gpu",
        "project: gpu",
        "dataset: { name: mnist-2view, headCount: 40, testPerClass: 5, imbalanceRatio: 10, labelRatio: 0.2 }",
        "model: { encoderWidths: [8], decoderWidths: [8], classifierWidths: [8], latentDim: 2 }",
        "train: { epochs: 1, maxStepsPerEpoch: 2 }",
        "search: { variant: [proposed, gaussian] }",
        "execution: { gpu: true }",
        "seeds: 1",
      ].join("\n"),
    );
    const env = {
      ...process.env,
      TAILSWEEP_DB_DIR: join(dir, "db"),
      TAILSWEEP_BACKEND: "webgpu",
      DATABASE_URL: "",
      NATS_URL: "",
    };
    // execFile's timeout also catches a process that Dawn would keep alive after the sweep.
    const { stderr } = await run(process.execPath, [cli, "sweep", "run", file, "--json"], {
      env,
      timeout: 200_000,
    });
    // This process's own webgpu worker is online before the sweep is stored: no warning that none is.
    expect(stderr).not.toContain("no GPU worker is online");
    const opened = await openRunStore({ pgliteDir: join(dir, "db"), databaseUrl: "" });
    try {
      const [sweep] = await opened.store.listSweeps("gpu");
      const trials = await opened.store.listTrials(sweep!.id);
      expect(trials.map((t) => [t.state, t.backend])).toEqual([
        ["succeeded", "webgpu"],
        ["succeeded", "webgpu"],
      ]);
      const result = (await opened.store.getResult(trials[0]!.id))!;
      expect(result.backend).toBe("webgpu");
      expect((result.metrics as { backendDetail: string }).backendDetail).toContain(
        `WebGPU via Dawn on ${adapter!.vendor}`,
      );
      expect((result.metrics as { gpuAdapter: unknown }).gpuAdapter).toEqual(adapter);
    } finally {
      await opened.close();
    }
  });

  it("sends the trials that need a GPU to a webgpu worker process over NATS", {
    timeout: 240_000,
  }, async () => {
    const servers = process.env.NATS_URL || "127.0.0.1:4222";
    const prefix = `tsgpu${process.pid}`;
    const opened = await openRunStore({ pgliteDir: "memory", databaseUrl: "" });
    const controllerBus = await NatsBus.connect({ servers, prefix });
    const controller = new Controller(opened.store, controllerBus);
    await controller.start();
    const cpuBus = await NatsBus.connect({ servers, prefix, role: "worker" });
    const cpuWorker = new Worker(cpuBus, { id: "cpu-worker", backend: await initBackend({ prefer: "cpu" }) });
    await cpuWorker.start();
    let log = "";
    const gpuWorker = spawn(process.execPath, [cli, "worker", "--backend", "webgpu", "--concurrency", "1"], {
      env: { ...process.env, NATS_URL: servers, TAILSWEEP_NATS_PREFIX: prefix, DATABASE_URL: "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    gpuWorker.stdout.on("data", (d) => (log += d));
    gpuWorker.stderr.on("data", (d) => (log += d));
    const exited = new Promise<number | null>((resolve) => gpuWorker.once("exit", resolve));
    try {
      const sweep = await controller.submit(
        parseSweepFile({
          name: "gpu-nats",
          dataset: {
            name: "mnist-2view",
            headCount: 40,
            testPerClass: 5,
            imbalanceRatio: 10,
            labelRatio: 0.2,
          },
          model: { encoderWidths: [8], decoderWidths: [8], classifierWidths: [8], latentDim: 2 },
          train: { epochs: 1, maxStepsPerEpoch: 2 },
          search: { variant: ["proposed", "gaussian"] },
          execution: { gpu: { variant: ["proposed"] } },
          seeds: 2,
        }),
      );
      const start = Date.now();
      while ((await opened.store.getSweep(sweep.id))!.status !== "completed") {
        if (Date.now() - start > 180_000) throw new Error(`the sweep did not complete; worker log:\n${log}`);
        await new Promise((r) => setTimeout(r, 250));
      }
      const trials = await opened.store.listTrials(sweep.id);
      const proposed = trials.filter((t) => t.config.variant === "proposed");
      expect(proposed.map((t) => [t.state, t.backend])).toEqual([
        ["succeeded", "webgpu"],
        ["succeeded", "webgpu"],
      ]);
      expect(trials.every((t) => t.state === "succeeded")).toBe(true);
      const gpuRecord = (await opened.store.listWorkers()).find((w) => w.backend === "webgpu");
      expect(gpuRecord).toMatchObject({
        trialKinds: ["gpu", "cpu"],
        gpu: expect.stringContaining(adapter!.vendor),
      });
      expect(log).toMatch(/ready \(webgpu on .*; takes gpu then cpu trials\)/);
    } finally {
      gpuWorker.kill("SIGTERM");
      // The worker must exit by itself once stopped, Dawn and all.
      expect(
        await Promise.race([exited, new Promise((r) => setTimeout(() => r("still running"), 30_000))]),
      ).toBe(0);
      await cpuWorker.stop();
      await controller.stop();
      await controllerBus.deleteStreams();
      await Promise.all([cpuBus.close(), controllerBus.close()]);
      await opened.close();
    }
  });
});
