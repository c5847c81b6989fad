import type * as tf from "@tensorflow/tfjs-core";
import { replaceWasmKernel, stockWasmKernel } from "./wasm-matmul-transpose";

/** The parts of the wasm backend this kernel uses. */
interface RefCountingBackend {
  incRef(dataId: tf.DataId): void;
}

/**
 * An `Identity` that shares its input's data (one more reference) instead of copying it, as the cpu backend's
 * does. tfjs clones every tensor it saves for the backward pass, so the stock wasm kernel copied 754 full
 * tensors per training step of the proposed model (19 ms of a ~230 ms step, bench/peers/profile-step.ts).
 * Sharing is safe because no wasm kernel writes into its inputs and variables change by swapping their data.
 */
export function sharedIdentity(stock: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { x } = args.inputs as unknown as { x: tf.TensorInfo };
    if (x.dtype === "string") return stock(args);
    (args.backend as unknown as RefCountingBackend).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
}

/**
 * A `Cast` that shares its input's data when the dtype does not change. tfjs's gradients cast to float32 what is
 * already float32 (the gradients of mul, div, relu, square, log…: ~140 casts per training step of the proposed
 * model), and the stock wasm kernel copies the tensor every time.
 */
export function sharedSameDtypeCast(stock: tf.KernelFunc): tf.KernelFunc {
  const identity = sharedIdentity(stock);
  return (args) => {
    const { x } = args.inputs as unknown as { x: tf.TensorInfo };
    return (args.attrs as unknown as { dtype: tf.DataType }).dtype === x.dtype ? identity(args) : stock(args);
  };
}

/**
 * Registers {@link sharedIdentity} and {@link sharedSameDtypeCast} for the wasm backend (idempotent: each always
 * wraps the stock kernel).
 */
export function installWasmSharedIdentity(): void {
  replaceWasmKernel("Identity", sharedIdentity(stockWasmKernel("Identity").kernelFunc));
  replaceWasmKernel("Cast", sharedSameDtypeCast(stockWasmKernel("Cast").kernelFunc));
}
