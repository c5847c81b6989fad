import * as tf from "@tensorflow/tfjs-core";
import { fusedKernels, fusedStepActive } from "./fused-reconstruction";
import { nativeOutput } from "./wasm-heap-copy";
import { replaceWasmKernel, stockWasmKernel } from "./wasm-matmul-transpose";

/** The parts of the wasm backend (and its emscripten module) the kernels use. */
interface WasmBackendInternals {
  wasm: {
    HEAP32: Int32Array;
    stackSave(): number;
    stackAlloc(bytes: number): number;
    stackRestore(at: number): void;
  } & Record<string, unknown>;
  dataIdMap: { get(dataId: tf.DataId): { id: number } };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}

/** The element types as the wasm kernels number them (tfjs-backend-wasm's `CppDType`). */
const CPP_DTYPE: Partial<Record<tf.DataType, number>> = { float32: 0, int32: 1, bool: 2 };

/**
 * The wasm backend's broadcasting binary kernels, with their output dtype where it is not the input's. All take
 * the same arguments in its C++ code: (a id, a shape, a rank, b id, b shape, b rank, dtype, out id).
 */
const BINARY_KERNELS: Record<string, tf.DataType | undefined> = {
  Add: undefined,
  Sub: undefined,
  Multiply: undefined,
  RealDiv: undefined,
  SquaredDifference: undefined,
  Maximum: undefined,
  Minimum: undefined,
  Pow: undefined,
  Equal: "bool",
  NotEqual: "bool",
  Greater: "bool",
  GreaterEqual: "bool",
  Less: "bool",
  LessEqual: "bool",
  LogicalAnd: "bool",
  LogicalOr: "bool",
};

/**
 * A broadcasting binary kernel that hands the shapes to wasm through its stack. The stock kernels build two
 * `Int32Array`s per call and take their `.buffer` (an off-heap ArrayBuffer each, which V8 must track and free on
 * its GC threads) and a closure, then `ccall` copies them to the stack anyway: ≈ 700 calls per training step of
 * the proposed model, and much of the garbage a worker makes. Same wasm function, same result.
 */
export function stackShapedBinary(kernelName: string, outDtype: tf.DataType | undefined): tf.KernelFunc {
  return (args) => {
    const { a, b } = args.inputs as unknown as { a: tf.TensorInfo; b: tf.TensorInfo };
    const backend = args.backend as unknown as WasmBackendInternals;
    const shape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
    const out = backend.makeOutput(shape, outDtype ?? a.dtype);
    if (shape.includes(0)) return out;
    const wasm = backend.wasm;
    const fn = wasm[`_${kernelName}`] as (...args: number[]) => void;
    const saved = wasm.stackSave();
    try {
      const aShape = wasm.stackAlloc(4 * a.shape.length);
      const bShape = wasm.stackAlloc(4 * b.shape.length);
      // The heap view is read after makeOutput: growing the memory replaces it.
      const heap = wasm.HEAP32;
      heap.set(a.shape, aShape >> 2);
      heap.set(b.shape, bShape >> 2);
      fn(
        backend.dataIdMap.get(a.dataId).id,
        aShape,
        a.shape.length,
        backend.dataIdMap.get(b.dataId).id,
        bShape,
        b.shape.length,
        CPP_DTYPE[a.dtype]!,
        backend.dataIdMap.get(out.dataId).id,
      );
    } finally {
      wasm.stackRestore(saved);
    }
    return out;
  };
}

/** The kernels {@link installWasmBinaryOps} replaces. */
export const WASM_BINARY_KERNELS = Object.keys(BINARY_KERNELS);

/**
 * Registers {@link stackShapedBinary} for the wasm backend's broadcasting binary ops (idempotent). A dtype the
 * table does not know (string, complex64) keeps the stock kernel.
 */
export function installWasmBinaryOps(): void {
  for (const [name, outDtype] of Object.entries(BINARY_KERNELS)) {
    const stock = stockWasmKernel(name).kernelFunc;
    const fast = stackShapedBinary(name, outDtype);
    const kernel: tf.KernelFunc = (args) => {
      const { a } = args.inputs as unknown as { a: tf.TensorInfo };
      return CPP_DTYPE[a.dtype] === undefined ? stock(args) : fast(args);
    };
    replaceWasmKernel(name, name === "Add" ? nativeSameShapeAdd(kernel) : kernel);
  }
}

/** Values from which an `Add` of two float32 tensors of one shape goes to the native kernels. */
const NATIVE_ADD_MIN = 4096;

/**
 * `Add` of two float32 tensors of one shape on the native kernels where the fused step runs (issue #19): the gradient
 * sums of weights used more than once ([256 × 784] and the like, ≈ 2.3 ms of a proposed step on the wasm backend's one
 * thread) then run vectorised for this CPU, and on the OpenMP threads from 65,536 values. One float32 add per value
 * either way, so the same bits (wasm-binary-ops.test.ts). Anything else, and every add without the native kernels,
 * is `kernel`'s.
 */
function nativeSameShapeAdd(kernel: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { a, b } = args.inputs as unknown as { a: tf.TensorInfo; b: tf.TensorInfo };
    const n = tf.util.sizeFromShape(a.shape);
    if (
      n < NATIVE_ADD_MIN ||
      a.dtype !== "float32" ||
      b.dtype !== "float32" ||
      !tf.util.arraysEqual(a.shape, b.shape) ||
      !fusedStepActive()
    )
      return kernel(args);
    return nativeOutput(args.backend, a.shape, (view, out) =>
      fusedKernels("Add").add(n, view(a, n), view(b, n), out),
    );
  };
}
