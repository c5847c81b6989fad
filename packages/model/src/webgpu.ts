/**
 * The `webgpu` compute backend: tfjs-backend-webgpu on Dawn's Node addon (npm `webgpu`), over Vulkan. On a GPU
 * machine that is the NVIDIA (or AMD, Intel) driver; on a CPU machine Mesa's lavapipe (≥ 25: Dawn refuses older),
 * which is how CI tests the GPU code path. Three things make tfjs work here: `navigator.gpu` must exist before the
 * backend module loads (it registers itself only then), gradients come from the `@tensorflow/tfjs` import in
 * register-gradients.ts, and tensors are read with `await data()` (a synchronous read needs an OffscreenCanvas).
 */
import { existsSync, readdirSync } from "node:fs";
import * as tf from "@tensorflow/tfjs-core";

/** The WebGPU adapter Dawn offers, as recorded with each trial. */
export interface GpuAdapter {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** A software (CPU) adapter such as lavapipe: correct, but no reason to prefer it over wasm. */
  fallback: boolean;
}

interface DawnGpu {
  requestAdapter(options?: { powerPreference?: string }): Promise<{
    info: {
      vendor: string;
      architecture: string;
      device: string;
      description: string;
      isFallbackAdapter?: boolean;
    };
  } | null>;
}

/** Dawn's GPU object while tfjs uses it (held only then: while it is referenced, Node does not exit). */
let gpu: DawnGpu | undefined;

/**
 * Throws when the Vulkan loader cannot be opened. Dawn prints a native warning with a stack line for that on every
 * probe, so the loader is tried first, quietly, and its absence is said once in the backend's own error.
 */
async function requireVulkanLoader(): Promise<void> {
  let koffi: typeof import("koffi");
  try {
    koffi = await import("koffi");
  } catch {
    return; // no FFI here: let Dawn find out for itself
  }
  try {
    koffi.load("libvulkan.so.1");
  } catch {
    throw new Error(
      "no Vulkan loader (libvulkan.so.1; Debian: apt-get install libvulkan1 and a driver: NVIDIA's, or mesa-vulkan-drivers ≥ 25 for a CPU one)",
    );
  }
}

/**
 * The kernel device nodes a hardware Vulkan driver on Linux opens: a DRM render node (Mesa's AMD, Intel and virtio
 * drivers), NVIDIA's (its container toolkit mounts nvidiactl), Jetson's (nvhost, nvmap), Arm Mali's, Qualcomm Adreno's
 * (kgsl), or WSL's (dxg). With none of them Dawn can only offer a software adapter, and asking it prints two native
 * warnings about lavapipe's limits on every run; auto mode, which would pass a software adapter by anyway, does not
 * ask. Elsewhere (macOS's Metal, Windows' D3D12) the answer is Dawn's.
 */
export function gpuDeviceNodes(dev = "/dev"): string[] {
  const dri = `${dev}/dri`;
  let render: string[] = [];
  try {
    render = readdirSync(dri)
      .filter((n) => n.startsWith("renderD"))
      .map((n) => `${dri}/${n}`);
  } catch {
    // no /dev/dri, or one this user may not list: the other nodes, or none
  }
  const others = ["nvidiactl", "nvhost-ctrl", "nvmap", "mali0", "kgsl-3d0", "dxg"].map((n) => `${dev}/${n}`);
  return [...render, ...others.filter((p) => existsSync(p))];
}

/** Loads Dawn and asks it for an adapter; the GPU object is returned, not kept. */
async function openDawn(): Promise<{ dawnGpu: DawnGpu; adapter: GpuAdapter }> {
  if (process.platform === "linux") await requireVulkanLoader();
  const dawn = (await import("webgpu")) as unknown as {
    create(options: string[]): DawnGpu;
    globals: Record<string, unknown>;
  };
  // GPUBufferUsage, GPUMapMode, GPUShaderStage…: tfjs-backend-webgpu reads them as globals.
  Object.assign(globalThis, dawn.globals);
  const dawnGpu = dawn.create([]);
  const found = await dawnGpu.requestAdapter({ powerPreference: "high-performance" });
  if (!found)
    throw new Error(
      "Dawn found no WebGPU adapter (no usable Vulkan driver: NVIDIA's, or mesa-vulkan-drivers ≥ 25 for a CPU one)",
    );
  const { vendor, architecture, device, description, isFallbackAdapter } = found.info;
  return {
    dawnGpu,
    adapter: { vendor, architecture, device, description, fallback: isFallbackAdapter === true },
  };
}

/** The adapter Dawn would give tfjs, or why there is none. Nothing stays referenced, so a process that only probes
 * can still exit. */
export async function probeWebGpu(): Promise<GpuAdapter> {
  return (await openDawn()).adapter;
}

/**
 * Makes tfjs's `webgpu` backend current on Dawn's adapter; returns the adapter. `hardwareOnly` (auto) refuses a
 * software adapter before anything is set up: correct, but no faster than wasm.
 */
export async function useWebGpu(options: { hardwareOnly?: boolean } = {}): Promise<GpuAdapter> {
  if (options.hardwareOnly && process.platform === "linux" && gpuDeviceNodes().length === 0)
    throw new Error(
      "no GPU device (no /dev/dri/renderD*, /dev/nvidiactl, /dev/nvhost-ctrl, /dev/mali0, /dev/kgsl-3d0 or /dev/dxg)",
    );
  const { dawnGpu, adapter } = await openDawn();
  if (options.hardwareOnly && adapter.fallback)
    throw new Error(`only a software adapter (${adapter.description})`);
  gpu = dawnGpu;
  const g = globalThis as { navigator?: { gpu?: unknown } };
  // Node 20 has no navigator; Node 22's is a getter-only object whose `gpu` can still be set.
  if (g.navigator) g.navigator.gpu = gpu;
  else Object.defineProperty(globalThis, "navigator", { value: { gpu }, configurable: true, writable: true });
  await import("@tensorflow/tfjs-backend-webgpu");
  if (!(await tf.setBackend("webgpu"))) throw new Error('tf.setBackend("webgpu") failed');
  await tf.ready();
  return adapter;
}

/**
 * Lets a process that trained on webgpu exit: Dawn keeps Node alive while tfjs holds its device. Safe to call on any
 * backend (it does nothing elsewhere).
 */
export function releaseWebGpu(): void {
  if (tf.findBackend("webgpu")) tf.removeBackend("webgpu");
  const g = globalThis as { navigator?: { gpu?: unknown } };
  if (g.navigator?.gpu) delete g.navigator.gpu;
  gpu = undefined;
}

/** An adapter's model as it reports it: vendor, architecture and device, those it names ("" when none). */
export function adapterModel(a: GpuAdapter): string {
  return [a.vendor, a.architecture, a.device].filter(Boolean).join(" ");
}

/** Which adapter, and whether it is a software one: what a run's log line says of it. */
export function adapterName(a: GpuAdapter): string {
  return `${adapterModel(a) || "an unnamed adapter"}${a.fallback ? " (software adapter)" : ""}`;
}

/** One line for the run record: which adapter, from whom, and whether it is a software one. */
export function describeAdapter(a: GpuAdapter): string {
  return `WebGPU via Dawn on ${adapterName(a)}: ${a.description}`;
}
