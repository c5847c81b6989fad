// A tiny sweep trained end to end on the webgpu backend, through the real CLI in embedded mode: tfjs-backend-webgpu on
// Dawn over Vulkan. On a CPU machine that is Mesa's lavapipe (CI installs it and requires this test to run); on a GPU
// machine, the GPU. Every trial must succeed on "webgpu", record its adapter, and the process must exit by itself.
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { openRunStore } from "@tailsweep/db";
import { probeWebGpu } from "@tailsweep/model";
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
    await run(process.execPath, [cli, "sweep", "run", file, "--json"], { env, timeout: 200_000 });
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
    } finally {
      await opened.close();
    }
  });
});
