import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { gpuDeviceNodes } from "./webgpu";

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function dev(...nodes: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), "tailsweep-dev-"));
  made.push(dir);
  for (const node of nodes) {
    mkdirSync(join(dir, node, ".."), { recursive: true });
    writeFileSync(join(dir, node), "");
  }
  return dir;
}

describe("gpuDeviceNodes", () => {
  it("finds the render nodes, NVIDIA's control node and WSL's, and nothing on a machine without a GPU", () => {
    expect(gpuDeviceNodes(dev())).toEqual([]);
    // A display-only card node is not a render node; NVIDIA's per-GPU nodes come with nvidiactl.
    expect(gpuDeviceNodes(dev("dri/card0", "nvidia-uvm"))).toEqual([]);
    const d = dev("dri/card0", "dri/renderD128", "dri/renderD129", "nvidiactl", "nvidia0", "dxg");
    expect(gpuDeviceNodes(d).sort()).toEqual(
      [`${d}/dri/renderD128`, `${d}/dri/renderD129`, `${d}/dxg`, `${d}/nvidiactl`].sort(),
    );
    // Jetson, Mali and Adreno have no render node of their own
    for (const node of ["nvhost-ctrl", "nvmap", "mali0", "kgsl-3d0"]) {
      const soc = dev(node);
      expect(gpuDeviceNodes(soc)).toEqual([`${soc}/${node}`]);
    }
  });
});
