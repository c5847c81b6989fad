import * as tf from "@tensorflow/tfjs-core";
import { replaceWasmKernel, stockWasmKernel } from "./wasm-matmul-transpose";

/** The parts of the wasm backend these kernels use. */
export interface HeapBackend {
  wasm: { HEAPU8: Uint8Array };
  dataIdMap: { get(dataId: tf.DataId): { memoryOffset: number } };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}

/** A 4-byte view of the whole wasm heap, remade only when the memory grows (its buffer then changes). */
let heapView: Float32Array | undefined;
export function heap32(backend: HeapBackend): Float32Array {
  const buffer = backend.wasm.HEAPU8.buffer;
  if (heapView?.buffer !== buffer) heapView = new Float32Array(buffer);
  return heapView;
}

/** Where a tensor's first element sits in {@link heap32} (wasm allocations are at least 8-byte aligned). */
export const at = (backend: HeapBackend, t: tf.TensorInfo) =>
  backend.dataIdMap.get(t.dataId).memoryOffset >>> 2; // unsigned: the heap may grow past 2 GiB

/**
 * Float32 views of tensors in the wasm heap, for kernels that hand them to native code. Made after the kernel's
 * outputs: allocating them can grow the heap, which replaces its buffer and detaches views taken before.
 */
export function heapViews(backend: HeapBackend): (t: tf.TensorInfo, size: number) => Float32Array {
  const heap = heap32(backend);
  return (t, size) => heap.subarray(at(backend, t), at(backend, t) + size);
}

/**
 * Float32 outputs of `shapes` for a native kernel: all made first, then `fill` gets views taken after them (see
 * {@link heapViews}) and each output's own view; outputs that are all empty are returned without calling it.
 */
export function nativeOutputs(
  backend: unknown,
  shapes: number[][],
  fill: (view: (t: tf.TensorInfo, size: number) => Float32Array, outs: Float32Array[]) => void,
): tf.TensorInfo[] {
  const heap = backend as HeapBackend;
  const outs = shapes.map((shape) => heap.makeOutput(shape, "float32"));
  const sizes = shapes.map((shape) => tf.util.sizeFromShape(shape));
  if (sizes.every((size) => size === 0)) return outs;
  const view = heapViews(heap);
  fill(
    view,
    outs.map((out, i) => view(out, sizes[i]!)),
  );
  return outs;
}

/** {@link nativeOutputs} for one output. */
export function nativeOutput(
  backend: unknown,
  shape: number[],
  fill: (view: (t: tf.TensorInfo, size: number) => Float32Array, out: Float32Array) => void,
): tf.TensorInfo {
  return nativeOutputs(backend, [shape], (view, [out]) => fill(view, out!))[0]!;
}

/** Float32 and int32 move as 4-byte words: `copyWithin` copies bytes, so either dtype can use the same view. */
const wordSized = (dtype: tf.DataType) => dtype === "float32" || dtype === "int32";

/**
 * `Slice` that copies inside the wasm heap. The stock kernel first copies the *whole* input out of the heap into
 * a fresh JS buffer (`readSync`), then copies the slice back row by row through a new view per row: for the
 * column splits of the model (means and scales, the experts) that is a full-tensor copy and hundreds of views per
 * call, plus off-heap buffers that trigger extra garbage collections. Here each contiguous run of the output is
 * one `copyWithin` on the heap.
 */
export function heapSlice(stock: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { x } = args.inputs as unknown as { x: tf.TensorInfo };
    if (!wordSized(x.dtype)) return stock(args);
    const { begin, size } = args.attrs as unknown as { begin: number | number[]; size: number | number[] };
    const [begin_, size_] = tf.slice_util.parseSliceParams(x as unknown as tf.Tensor, begin, size) as [
      number[],
      number[],
    ];
    const backend = args.backend as unknown as HeapBackend;
    const out = backend.makeOutput(size_, x.dtype);
    const n = tf.util.sizeFromShape(size_);
    if (n === 0) return out;
    const heap = heap32(backend);
    const rank = x.shape.length;
    const strides = tf.util.computeStrides(x.shape);
    const stride = (d: number) => (d === rank - 1 ? 1 : strides[d]!);
    // The contiguous run: the last axis, widened over trailing axes the slice takes whole; the `outer` axes before
    // it are walked one index at a time.
    let run = 1;
    let outer = rank;
    while (outer > 0) {
      const d = outer - 1;
      run *= size_[d]!;
      outer = d;
      if (begin_[d] !== 0 || size_[d] !== x.shape[d]) break;
    }
    const base = at(backend, x) + (outer < rank ? begin_[outer]! * stride(outer) : 0);
    const dst = at(backend, out);
    const index = new Array<number>(outer).fill(0);
    for (let written = 0; written < n; written += run) {
      let from = base;
      for (let d = 0; d < outer; d++) from += (begin_[d]! + index[d]!) * stride(d);
      heap.copyWithin(dst + written, from, from + run);
      for (let d = outer - 1; d >= 0; d--) {
        if (++index[d]! < size_[d]!) break;
        index[d] = 0;
      }
    }
    return out;
  };
}

/**
 * `Concat` along an inner axis, copying each input's rows inside the wasm heap. The stock kernel makes a view per
 * row and input for that case (the model concatenates per-modality and per-expert columns every step).
 */
export function heapConcat(stock: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const all = args.inputs as unknown as tf.TensorInfo[];
    const first = all[0]!;
    const axis = tf.util.parseAxisParam((args.attrs as { axis: number }).axis, first.shape)[0]!;
    const inputs = all.filter((t) => tf.util.sizeFromShape(t.shape) > 0);
    // Mixed dtypes (an int32 one-hot beside float32 features) need converting, not a byte copy: the stock kernel does.
    if (
      !wordSized(first.dtype) ||
      axis === 0 ||
      inputs.length < 2 ||
      all.some((t) => t.dtype !== first.dtype)
    )
      return stock(args);
    tf.backend_util.assertParamsConsistent(
      all.map((t) => t.shape),
      axis,
    );
    const backend = args.backend as unknown as HeapBackend;
    const out = backend.makeOutput(
      tf.backend_util.computeOutShape(
        all.map((t) => t.shape),
        axis,
      ),
      first.dtype,
    );
    const heap = heap32(backend);
    const rows = tf.util.sizeFromShape(first.shape.slice(0, axis));
    const widths = inputs.map((t) => tf.util.sizeFromShape(t.shape.slice(axis)));
    const starts = inputs.map((t) => at(backend, t));
    let dst = at(backend, out);
    for (let r = 0; r < rows; r++) {
      for (let i = 0; i < inputs.length; i++) {
        const w = widths[i]!;
        const from = starts[i]! + r * w;
        heap.copyWithin(dst, from, from + w);
        dst += w;
      }
    }
    return out;
  };
}

/**
 * `SplitV` through {@link heapSlice}: the stock kernel calls the stock slice function directly (not through the
 * kernel registry), so each part again copied the whole input out of the heap (the model splits every encoder's
 * output into location and scale).
 */
export function heapSplitV(slice: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { x } = args.inputs as unknown as { x: tf.TensorInfo };
    const { numOrSizeSplits, axis } = args.attrs as unknown as {
      numOrSizeSplits: number | number[];
      axis: number;
    };
    const $axis = tf.util.parseAxisParam(axis, x.shape)[0]!;
    const sizes = tf.backend_util.prepareSplitSize(x as unknown as tf.Tensor, numOrSizeSplits, $axis);
    const begin = new Array<number>(x.shape.length).fill(0);
    return sizes.map((s) => {
      const size = x.shape.slice();
      size[$axis] = s;
      const part = slice({ ...args, attrs: { begin: begin.slice(), size } }) as tf.TensorInfo;
      begin[$axis]! += s;
      return part;
    });
  };
}

/**
 * Registers {@link heapSlice}, {@link heapConcat} and {@link heapSplitV} for the wasm backend (idempotent: they
 * wrap the stock kernels).
 */
export function installWasmHeapCopies(): void {
  const slice = heapSlice(stockWasmKernel("Slice").kernelFunc);
  replaceWasmKernel("Slice", slice);
  replaceWasmKernel("Concat", heapConcat(stockWasmKernel("Concat").kernelFunc));
  replaceWasmKernel("SplitV", heapSplitV(slice));
}
