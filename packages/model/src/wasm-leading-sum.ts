import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import * as tf from "@tensorflow/tfjs-core";
import { CBLAS_ROW_MAJOR, CBLAS_TRANS, type OpenBlas } from "./wasm-matmul-blas";
import { replaceWasmKernel, stockWasmKernel } from "./wasm-matmul-transpose";

/** Writes the column sums of the row-major `rows × cols` matrix `values` into `sums`. */
export type ColumnSums = (values: Float32Array, rows: number, cols: number, sums: Float32Array) => void;

/**
 * Each column accumulated over the rows in row order in float32 — the order in which the stock wasm kernel sums a
 * transposed row, so the result is the same bit for bit (wasm-leading-sum.test.ts holds it to the stock kernel).
 */
export const sequentialColumnSums: ColumnSums = (values, rows, cols, sums) => {
  sums.fill(0);
  for (let r = 0; r < rows; r++) {
    const row = r * cols;
    for (let c = 0; c < cols; c++) sums[c]! += values[row + c]!;
  }
};

/**
 * Column sums as OpenBLAS's `sgemv`, y = Aᵀ·1, on the wasm heap: vectorised and on the BLAS threads, in the order
 * OpenBLAS blocks its sums (not the stock kernel's bits, but the same on every run at a given thread count: each
 * output is one thread's).
 */
export function blasColumnSums(blas: OpenBlas): ColumnSums {
  let ones = new Float32Array(0);
  return (values, rows, cols, sums) => {
    if (ones.length < rows) ones = new Float32Array(rows).fill(1);
    // β = 0 should overwrite y, but some OpenBLAS releases scale y by β instead, and 0·NaN left in fresh heap memory
    // is NaN: start from zeros.
    sums.fill(0);
    blas.sgemv(CBLAS_ROW_MAJOR, CBLAS_TRANS, rows, cols, 1, values, cols, ones, 1, 0, sums, 1);
  };
}

/**
 * A float32 `Sum` over the leading axes of its input (a bias's gradient: the column sums of a [rows, units] matrix),
 * read in place on the wasm heap; undefined when the sum is not such a sum (the stock kernel's then).
 *
 * The stock wasm kernel reduces innermost axes only, so it first transposes the input into a new tensor and then sums
 * each of its rows: for the proposed model's step that was ≈ 40 transposes of up to [640, 784] and 16 % of a 1-thread
 * step on wasm-blas (`bench/peers/profile-step.ts proposed 1 --calls`).
 */
export function leadingAxisSum(
  args: Parameters<tf.KernelFunc>[0],
  columnSums: ColumnSums,
): tf.TensorInfo | undefined {
  const { x } = args.inputs as unknown as { x: tf.TensorInfo };
  const { axis, keepDims } = args.attrs as unknown as tf.SumAttrs;
  if (x.dtype !== "float32") return undefined;
  const rank = x.shape.length;
  const axes = tf.util.parseAxisParam(axis, x.shape).sort((a, b) => a - b);
  // A leading prefix of the axes, not all of them (a whole-tensor sum is innermost already and the stock kernel's).
  if (axes.length === 0 || axes.length >= rank || axes.some((a, i) => a !== i)) return undefined;
  const rows = tf.util.sizeFromShape(x.shape.slice(0, axes.length));
  const outShape = x.shape.slice(axes.length);
  const cols = tf.util.sizeFromShape(outShape);
  const backend = args.backend as BackendWasm;
  const out = backend.makeOutput(keepDims ? [...axes.map(() => 1), ...outShape] : outShape, "float32");
  // Views are taken after makeOutput: allocating may grow the wasm memory, which detaches the old ArrayBuffer.
  const sums = backend.typedArrayFromHeap(out);
  const values = backend.typedArrayFromHeap(x);
  if (!(sums instanceof Float32Array) || !(values instanceof Float32Array)) {
    backend.disposeData(out.dataId);
    return undefined;
  }
  if (cols === 0) return out;
  if (rows === 0) sums.fill(0);
  else columnSums(values, rows, cols, sums);
  return out;
}

/**
 * Registers {@link leadingAxisSum} as the wasm backend's `Sum`, with OpenBLAS's `sgemv` when `blas` is given (the
 * wasm-blas backend) and {@link sequentialColumnSums} otherwise; the stock kernel does every other sum. Idempotent;
 * the last call decides.
 */
export function installWasmLeadingSum(blas?: OpenBlas): void {
  const stock = stockWasmKernel(tf.Sum).kernelFunc;
  const columnSums = blas ? blasColumnSums(blas) : sequentialColumnSums;
  replaceWasmKernel(tf.Sum, (args) => leadingAxisSum(args, columnSums) ?? stock(args));
}
