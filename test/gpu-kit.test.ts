// The GPU kit, built as for a lent GPU machine and run the way one runs it, but on this machine's Vulkan (lavapipe,
// which CI installs and requires): its size against the 40 MiB limit, the launcher with nothing but the kit
// (carried Node, Dawn, loader, data; no node_modules, no PATH beyond the system's), the agreement check on webgpu,
// and a sweep whose trials all need a GPU.
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { probeWebGpu } from "@tailsweep/model";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const root = join(__dirname, "..");
const required = (process.env.TAILSWEEP_REQUIRE_BACKENDS ?? "").split(",").includes("webgpu");
const adapter = await probeWebGpu().catch((e: Error) => {
  if (required) throw e;
  return undefined;
});
const lavapipe = "/usr/share/vulkan/icd.d/lvp_icd.json";

describe.skipIf(!adapter)("the GPU kit", () => {
  it("builds under 40 MiB and runs the agreement check and a GPU sweep with only what it carries", {
    timeout: 420_000,
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "tailsweep-kit-"));
    const kit = join(dir, "kit");
    const built = await run(process.execPath, ["--import", "tsx", "scripts/gpu-kit/build.ts", "--out", kit], {
      cwd: root,
      maxBuffer: 1 << 24,
    });
    const total = built.stdout.match(/^total\s+([\d,]+) bytes/m);
    expect(total).not.toBeNull();
    expect(Number(total![1]!.replaceAll(",", ""))).toBeLessThan(40 * 2 ** 20);

    // Nothing from this checkout or its Node: a bare environment, the kit unpacked to a folder of its own, and the
    // carried Vulkan loader instead of the system's.
    const env = {
      PATH: "/usr/bin:/bin",
      HOME: dir,
      TAILSWEEP_KIT_HOME: join(dir, "home"),
      TAILSWEEP_KIT_OWN_LOADER: "1",
      TAILSWEEP_VK_ICD: lavapipe,
    };
    const kitRun = (...args: string[]) =>
      run("bash", [join(kit, "run.sh"), ...args], { cwd: dir, env, maxBuffer: 1 << 24, timeout: 240_000 });
    const check = JSON.parse(
      (await kitRun("backends", "--check", "--backend", "webgpu", "--json")).stdout,
    ) as { backend: string; detail: string; agreement: { agrees: boolean } }[];
    expect(check).toEqual([
      expect.objectContaining({ backend: "webgpu", agreement: expect.objectContaining({ agrees: true }) }),
    ]);
    expect(check[0]!.detail).toContain(`WebGPU via Dawn on ${adapter!.vendor}`);

    const sweepFile = join(dir, "tiny-gpu.yaml");
    writeFileSync(
      sweepFile,
      [
        "name: kit-gpu",
        "dataset: { name: mnist-2view, headCount: 60, testPerClass: 10, imbalanceRatio: 10, labelRatio: 0.2 }",
        "model: { encoderWidths: [16], decoderWidths: [16], classifierWidths: [16], latentDim: 4 }",
        "train: { epochs: 1, maxStepsPerEpoch: 3 }",
        "search: { variant: [proposed, gaussian] }",
        "execution: { gpu: true }",
        "seeds: 1",
      ].join("\n"),
    );
    const swept = JSON.parse(
      (await kitRun("sweep", "run", sweepFile, "--backend", "webgpu", "--json")).stdout,
    ) as {
      trials: { state: string; backend: string }[];
    };
    expect(swept.trials.map((t) => [t.state, t.backend])).toEqual([
      ["succeeded", "webgpu"],
      ["succeeded", "webgpu"],
    ]);
  });
});
