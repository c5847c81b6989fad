/**
 * Faster matMul *gradients* on the tfjs `wasm` backend (tfjs-backend-wasm 4.22).
 *
 * The wasm `BatchMatMul` / `_FusedMatMul` kernels only take their XNNPACK path when neither operand is
 * transposed and both batch sizes are 1; with `transposeA` or `transposeB` they fall back to a blocked
 * scalar loop that is 10–25× slower (1.7–3.6 vs ~40 GFLOP/s at 128×784×512). The gradient of every
 * `matMul` is two transposed matMuls (dA = dy·Bᵀ, dB = Aᵀ·dy), so a stock wasm training step spends
 * ~96 % of its time there (measurements: /work/shared/notes/compute.md §3).
 *
 * The patch re-registers both kernels so that a transposed operand is first materialised with the wasm
 * `Transpose` kernel (well under a millisecond for 784×512) and the fast path then runs. Results are
 * the same up to float32 summation order.
 *
 * The module also holds the small kernel-swapping helpers that `wasm-matmul-blas` shares, so that the
 * stock kernels can always be recovered, whichever patch is active.
 */
import "@tensorflow/tfjs-backend-wasm";

import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import * as tf from "@tensorflow/tfjs-core";

/** The tfjs backend name these patches apply to. */
export const WASM_BACKEND = "wasm";

/** The wasm kernels that a matMul patch replaces. */
export const MATMUL_KERNELS = ["BatchMatMul", "_FusedMatMul"] as const;

/** One of {@link MATMUL_KERNELS}. */
export type MatMulKernelName = (typeof MATMUL_KERNELS)[number];

/**
 * Marks a kernel config registered by this module and points at the stock config it replaced. A
 * registered symbol (not a module-level map) so that a second copy of this module — vitest's
 * `resetModules`, or two bundled copies of the package — still finds the real stock kernel instead of
 * mistaking a patched one for it.
 */
const STOCK = Symbol.for("tailsweep.wasmMatMul.stockKernel");

type PatchedKernelConfig = tf.KernelConfig & { [STOCK]?: tf.KernelConfig };

/**
 * The kernel config that `@tensorflow/tfjs-backend-wasm` registered for `kernelName`, even while a patch
 * is active. Throws if the wasm backend's kernels are not registered (the package was not loaded into
 * this tfjs-core instance).
 */
export function stockWasmKernel(kernelName: string): tf.KernelConfig {
  const registered = tf.getKernel(kernelName, WASM_BACKEND) as PatchedKernelConfig | undefined;
  if (registered == null) {
    throw new Error(
      `no "${kernelName}" kernel is registered for the tfjs "${WASM_BACKEND}" backend: ` +
        "@tensorflow/tfjs-backend-wasm must be imported into the same @tensorflow/tfjs-core instance",
    );
  }
  return registered[STOCK] ?? registered;
}

/**
 * Registers `kernelFunc` for `kernelName` on wasm in place of whatever is there now. The stock
 * `setupFunc` is kept: tfjs runs it on every `tf.setBackend("wasm")`, and the stock kernel func (which
 * patches fall back to) needs it.
 */
export function replaceWasmKernel(kernelName: string, kernelFunc: tf.KernelFunc): void {
  const stock = stockWasmKernel(kernelName);
  const patched: PatchedKernelConfig = { ...stock, kernelFunc, [STOCK]: stock };
  // unregister first: registerKernel over an existing key works but prints a warning.
  tf.unregisterKernel(kernelName, WASM_BACKEND);
  tf.registerKernel(patched);
}

/** Puts the stock wasm `BatchMatMul` and `_FusedMatMul` kernels back (undoes either patch). */
export function restoreStockWasmMatMul(): void {
  for (const name of MATMUL_KERNELS) {
    const stock = stockWasmKernel(name);
    if (tf.getKernel(name, WASM_BACKEND) === stock) continue;
    tf.unregisterKernel(name, WASM_BACKEND);
    tf.registerKernel(stock);
  }
}

/** Swaps the last two axes of `x` with the wasm `Transpose` kernel; the caller disposes the result. */
function transposeLastTwo(x: tf.TensorInfo, backend: BackendWasm): tf.TensorInfo {
  const perm = x.shape.map((_, i) => i);
  const r = perm.length;
  perm[r - 2] = r - 1;
  perm[r - 1] = r - 2;
  const transpose = tf.getKernel("Transpose", WASM_BACKEND);
  if (transpose == null) throw new Error(`no "Transpose" kernel is registered for "${WASM_BACKEND}"`);
  return transpose.kernelFunc({ inputs: { x }, backend, attrs: { perm } }) as tf.TensorInfo;
}

/** Number of matrices in a batched operand (product of all but the last two dimensions). */
function batchSize(x: tf.TensorInfo): number {
  return tf.util.sizeFromShape(x.shape.slice(0, -2));
}

/**
 * Wraps a stock wasm matMul kernel func (`BatchMatMul` or `_FusedMatMul`; both take inputs `a`, `b` and
 * attrs `transposeA`, `transposeB`) so that transposed operands are materialised first and the XNNPACK
 * path runs. Batched operands (batch size > 1) are passed through unchanged: they take the slow path
 * either way, so transposing them would only add a copy.
 */
export function transposingMatMul(stockFunc: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const attrs = args.attrs as unknown as tf.BatchMatMulAttrs;
    const { a, b } = args.inputs as unknown as { a: tf.TensorInfo; b: tf.TensorInfo };
    if ((!attrs.transposeA && !attrs.transposeB) || batchSize(a) !== 1 || batchSize(b) !== 1) {
      return stockFunc(args);
    }
    const backend = args.backend as BackendWasm;
    const temporaries: tf.TensorInfo[] = [];
    try {
      const aIn = attrs.transposeA ? transposeLastTwo(a, backend) : a;
      if (aIn !== a) temporaries.push(aIn);
      const bIn = attrs.transposeB ? transposeLastTwo(b, backend) : b;
      if (bIn !== b) temporaries.push(bIn);
      return stockFunc({
        ...args,
        inputs: { ...args.inputs, a: aIn, b: bIn },
        attrs: { ...args.attrs, transposeA: false, transposeB: false },
      });
    } finally {
      // Kernel-internal tensors are invisible to the engine's tf.memory() counts, so they must be
      // released here, also when the stock kernel throws (e.g. on a non-float32 dtype).
      for (const t of temporaries) backend.disposeData(t.dataId);
    }
  };
}

/**
 * Wraps a `BatchMatMul` kernel func so that an empty inner dimension (k = 0) gives zeros, as on the cpu
 * backend. XNNPACK rejects k = 0 ("XNN status … 2") and the stock kernel then returns an unwritten
 * buffer.
 */
export function zeroForEmptyInner(kernelFunc: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const attrs = args.attrs as unknown as tf.BatchMatMulAttrs;
    const { a, b } = args.inputs as unknown as { a: tf.TensorInfo; b: tf.TensorInfo };
    const ra = a.shape.length;
    const rb = b.shape.length;
    const kA = a.shape[attrs.transposeA ? ra - 2 : ra - 1];
    const kB = b.shape[attrs.transposeB ? rb - 1 : rb - 2];
    if (kA !== 0 || kB !== 0 || a.dtype !== "float32") return kernelFunc(args);
    const m = a.shape[attrs.transposeA ? ra - 1 : ra - 2]!;
    const n = b.shape[attrs.transposeB ? rb - 2 : rb - 1]!;
    const outer = tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
    const backend = args.backend as BackendWasm;
    const out = backend.makeOutput([...outer, m, n], "float32");
    backend.typedArrayFromHeap(out).fill(0);
    return out;
  };
}

/**
 * Replaces the wasm `BatchMatMul` and `_FusedMatMul` kernels with {@link transposingMatMul} versions
 * (`BatchMatMul` also with {@link zeroForEmptyInner}).
 * Call it before `tf.setBackend("wasm")` (calling it later is fine too: the stock kernels keep working
 * because their setup already ran). Idempotent; {@link restoreStockWasmMatMul} undoes it.
 */
export function installWasmMatMulTranspose(): void {
  replaceWasmKernel(
    "BatchMatMul",
    zeroForEmptyInner(transposingMatMul(stockWasmKernel("BatchMatMul").kernelFunc)),
  );
  replaceWasmKernel("_FusedMatMul", transposingMatMul(stockWasmKernel("_FusedMatMul").kernelFunc));
}
