import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { initBackend } from "./backend";
import type { TrainingCheckpoint } from "./checkpoint";
import { useFusedStep } from "./fused-reconstruction";
import { loadNativeKernels, type NativeKernels } from "./native-kernels";
import "./register-gradients";
import type { TrainHooks, TrainResult } from "./train";

/** Tests run on the JS `cpu` backend: deterministic and always available. */
export async function useCpuBackend(): Promise<void> {
  tf.env().set("PROD", true); // silences tfjs's "install tfjs-node" banner
  await tf.setBackend("cpu");
  await tf.ready();
}

/**
 * The wasm backend with the native kernels the fused step runs on (fused-*.test.ts); throws where they do not build.
 * `restore` puts the fused step back on and the cpu backend back, for an afterAll.
 */
export async function wasmWithNativeKernels(): Promise<{
  kernels: NativeKernels;
  restore: () => Promise<void>;
}> {
  await initBackend({ prefer: "wasm" });
  const native = await loadNativeKernels();
  if (!native.ok) throw new Error(native.reason);
  const kernels = native.kernels;
  return {
    kernels,
    restore: async () => {
      useFusedStep(kernels);
      await useCpuBackend();
    },
  };
}

/** Largest |a − b| over the largest |b|: the backend-agreement test's measure of a gradient's error. */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return diff / scale;
}

/** Each float32 value's bits, so that −0 and +0 and every NaN payload count as different values. */
export function float32Bits(t: tf.Tensor): number[] {
  return Array.from(new Uint32Array(Float32Array.from(t.dataSync()).buffer));
}

/** The kernels run while `fn` runs, by name (to check that a change removed some). */
export function kernelsDuring(fn: () => void): Map<string, number> {
  const engine = tf.engine() as unknown as { runKernel(name: string, ...rest: unknown[]): unknown };
  const stock = engine.runKernel;
  const seen = new Map<string, number>();
  engine.runKernel = function (this: unknown, name: string, ...rest: unknown[]) {
    seen.set(name, (seen.get(name) ?? 0) + 1);
    return stock.call(this, name, ...rest);
  };
  try {
    fn();
  } finally {
    engine.runKernel = stock;
  }
  return seen;
}

/**
 * Runs `train` with a checkpoint after every epoch and loses the worker when epoch `crashAfter` ends (the epoch hook
 * runs before that epoch's save): the checkpoints it left, in order. Throws unless the run was lost there.
 */
export async function checkpointsUntilCrash(
  train: (hooks: TrainHooks) => Promise<TrainResult>,
  crashAfter: number,
): Promise<TrainingCheckpoint[]> {
  const saved: TrainingCheckpoint[] = [];
  const lost = new Error("worker lost");
  const outcome = await train({
    checkpoints: { everyEpochs: 1, save: async (c) => void saved.push(c) },
    onEpoch: (r) => {
      if (r.epoch === crashAfter) throw lost;
    },
  }).then(
    () => "finished training",
    (e: unknown) => e,
  );
  if (outcome !== lost)
    throw new Error(`the run was to be lost after epoch ${crashAfter}; got ${String(outcome)}`);
  return saved;
}
