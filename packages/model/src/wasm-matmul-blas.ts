/**
 * Routes the tfjs `wasm` backend's `BatchMatMul` to OpenBLAS `cblas_sgemm`, called through `koffi` (an
 * npm FFI with prebuilt binaries, so no install script has to run).
 *
 * Why: wasm SIMD is 128-bit and single-threaded in Node, so its GEMM tops out at ~40 GFLOP/s on the
 * project's machines, while OpenBLAS's AVX2 kernels reach ~110 per core. A batch-128 VAE training step
 * went from 80.7 ms (wasm + transpose patch) to 32.8 ms with 2 BLAS threads
 * (/work/shared/notes/compute.md §1, §3).
 *
 * How: tensors of the wasm backend live in the wasm heap, an ordinary ArrayBuffer. The kernel hands
 * `Float32Array` views of that heap straight to `cblas_sgemm` (koffi passes a typed array as a pointer
 * to its bytes, no copy) and lets BLAS handle transposes with its own flags. This needs the
 * single-threaded wasm binary (the only one tfjs uses in Node): a shared-memory heap falls back to the
 * transpose path.
 *
 * Guard: only a library that exports `openblas_get_config` is accepted. Debian's reference
 * `libblas.so.3` also has `cblas_sgemm` but runs at ~8 GFLOP/s — slower than wasm.
 */

import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import * as tf from "@tensorflow/tfjs-core";
import { replaceWasmKernel, stockWasmKernel, transposingMatMul } from "./wasm-matmul-transpose";

/** The OpenBLAS soname tried by default (Debian/Ubuntu `libopenblas0-openmp` or `libopenblas0-pthread`). */
export const OPENBLAS_LIBRARY = "libopenblas.so.0";

/** How the loaded OpenBLAS build runs its threads (`openblas_get_parallel()`). */
export type OpenBlasParallel = "sequential" | "pthreads" | "openmp" | "unknown";

/** Signature of `cblas_sgemm` as bound by koffi (row-major use only; see {@link blasBatchMatMul}). */
export type CblasSgemm = (
  order: number,
  transA: number,
  transB: number,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: Float32Array,
  lda: number,
  b: Float32Array,
  ldb: number,
  beta: number,
  c: Float32Array,
  ldc: number,
) => void;

/** Signature of `cblas_sgemv` as bound by koffi (row-major use only; see wasm-leading-sum.ts). */
export type CblasSgemv = (
  order: number,
  trans: number,
  m: number,
  n: number,
  alpha: number,
  a: Float32Array,
  lda: number,
  x: Float32Array,
  incX: number,
  beta: number,
  y: Float32Array,
  incY: number,
) => void;

/** A loaded OpenBLAS, with the few entry points this package needs. */
export interface OpenBlas {
  /** The name or path it was loaded from. */
  readonly library: string;
  /** `openblas_get_config()`, e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY Haswell MAX_THREADS=64". */
  readonly config: string;
  /** Version parsed from {@link config}, or "unknown". */
  readonly version: string;
  /** Threading model of this build. */
  readonly parallel: OpenBlasParallel;
  /** Version of the koffi package used to call it. */
  readonly koffiVersion: string;
  /** Threads OpenBLAS currently uses per call. */
  getThreads(): number;
  /** Sets the threads OpenBLAS uses per call (a positive integer). */
  setThreads(threads: number): void;
  /** `cblas_sgemm`. */
  readonly sgemm: CblasSgemm;
  /** `cblas_sgemv`. */
  readonly sgemv: CblasSgemv;
}

// CBLAS enum values (cblas.h).
export const CBLAS_ROW_MAJOR = 101;
export const CBLAS_NO_TRANS = 111;
export const CBLAS_TRANS = 112;

const PARALLEL: Record<number, OpenBlasParallel> = { 0: "sequential", 1: "pthreads", 2: "openmp" };

/** Loaded libraries by name: loading twice would work, but the handle must stay alive anyway. */
const loaded = new Map<string, Promise<OpenBlas>>();

/** First line of an error message, for one-line diagnostics. */
function reason(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split("\n", 1)[0] ?? text;
}

/**
 * Loads OpenBLAS through koffi. Rejects with an error that says which step failed: koffi's native
 * module, finding the library, or the library not being OpenBLAS. Results are cached per `library`.
 */
export function loadOpenBlas(library: string = OPENBLAS_LIBRARY): Promise<OpenBlas> {
  let pending = loaded.get(library);
  if (pending == null) {
    pending = load(library);
    // Don't cache a failure: a later call may come after the library was installed.
    pending.catch(() => loaded.delete(library));
    loaded.set(library, pending);
  }
  return pending;
}

async function load(library: string): Promise<OpenBlas> {
  let koffi: typeof import("koffi");
  try {
    // Imported lazily: koffi loads a native module when imported, and a platform without a prebuilt
    // binary must not break the modules that import this one.
    koffi = await import("koffi");
  } catch (err) {
    throw new Error(`the koffi FFI module could not be loaded: ${reason(err)}`, { cause: err });
  }
  let lib: ReturnType<typeof koffi.load>;
  try {
    lib = koffi.load(library);
  } catch (err) {
    throw new Error(
      `${library} could not be loaded: ${reason(err)} (Debian/Ubuntu: apt-get install libopenblas0-openmp)`,
      { cause: err },
    );
  }
  let getConfig: () => string;
  try {
    getConfig = lib.func("const char *openblas_get_config()");
  } catch (err) {
    throw new Error(
      `${library} does not export openblas_get_config, so it is not OpenBLAS (not used: a reference ` +
        "BLAS is slower than the wasm kernels)",
      { cause: err },
    );
  }
  try {
    const sgemm: CblasSgemm = lib.func(
      "void cblas_sgemm(int order, int transA, int transB, int M, int N, int K, float alpha, " +
        "const float *A, int lda, const float *B, int ldb, float beta, float *C, int ldc)",
    );
    const sgemv: CblasSgemv = lib.func(
      "void cblas_sgemv(int order, int trans, int M, int N, float alpha, const float *A, int lda, " +
        "const float *X, int incX, float beta, float *Y, int incY)",
    );
    const getThreads: () => number = lib.func("int openblas_get_num_threads()");
    const setThreads: (n: number) => void = lib.func("void openblas_set_num_threads(int n)");
    const getParallel: () => number = lib.func("int openblas_get_parallel()");
    const config = getConfig().trim();
    return {
      library,
      config,
      version: /OpenBLAS\s+(\S+)/.exec(config)?.[1] ?? "unknown",
      parallel: PARALLEL[getParallel()] ?? "unknown",
      koffiVersion: koffi.version,
      getThreads,
      setThreads(threads: number) {
        if (!Number.isInteger(threads) || threads < 1) {
          throw new Error(`OpenBLAS threads must be a positive integer, got ${threads}`);
        }
        setThreads(threads);
      },
      sgemm,
      sgemv,
    };
  } catch (err) {
    throw new Error(`${library} is OpenBLAS but lacks an entry point this package needs: ${reason(err)}`, {
      cause: err,
    });
  }
}

/**
 * A wasm `BatchMatMul` kernel func that computes with `cblas_sgemm` straight on the wasm heap.
 *
 * Batch broadcasting follows the stock tfjs kernels (cpu and wasm alike): output matrix `i` uses
 * matrix `i % batchA` of `a` and `i % batchB` of `b`. Anything those kernels handle differently or
 * reject (non-float32 dtypes, mismatched inner sizes, general broadcasting where the output batch is
 * not the larger input batch) goes to `fallback`, so behaviour and error messages stay tfjs's own.
 */
export function blasBatchMatMul(blas: OpenBlas, fallback: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { a, b } = args.inputs as unknown as { a: tf.TensorInfo; b: tf.TensorInfo };
    const { transposeA, transposeB } = args.attrs as unknown as tf.BatchMatMulAttrs;
    const backend = args.backend as BackendWasm;
    const ra = a.shape.length;
    const rb = b.shape.length;
    if (a.dtype !== "float32" || b.dtype !== "float32" || ra < 2 || rb < 2) return fallback(args);
    const m = a.shape[transposeA ? ra - 1 : ra - 2]!;
    const k = a.shape[transposeA ? ra - 2 : ra - 1]!;
    const n = b.shape[transposeB ? rb - 2 : rb - 1]!;
    if (b.shape[transposeB ? rb - 1 : rb - 2] !== k) return fallback(args);
    const batchA = tf.util.sizeFromShape(a.shape.slice(0, -2));
    const batchB = tf.util.sizeFromShape(b.shape.slice(0, -2));
    const outer = tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
    const batch = tf.util.sizeFromShape(outer);
    if (batch !== Math.max(batchA, batchB)) return fallback(args);

    const out = backend.makeOutput([...outer, m, n], "float32");
    if (batch * m * n === 0) return out;
    // Views are taken after makeOutput: allocating may grow the wasm memory, which detaches the old
    // ArrayBuffer.
    const cView = backend.typedArrayFromHeap(out) as Float32Array;
    if (k === 0) {
      // BLAS rejects lda = 0; an empty sum is 0, and fresh wasm memory is not guaranteed to be zeroed.
      cView.fill(0);
      return out;
    }
    if (cView.buffer instanceof SharedArrayBuffer) {
      // Threaded wasm binary: not tested with raw pointers from another thread pool.
      backend.disposeData(out.dataId);
      return fallback(args);
    }
    const aView = backend.typedArrayFromHeap(a) as Float32Array;
    const bView = backend.typedArrayFromHeap(b) as Float32Array;
    const sizeA = m * k;
    const sizeB = k * n;
    const sizeC = m * n;
    // Row-major: an operand stored transposed has the other dimension as its leading one.
    const lda = transposeA ? m : k;
    const ldb = transposeB ? k : n;
    const opA = transposeA ? CBLAS_TRANS : CBLAS_NO_TRANS;
    const opB = transposeB ? CBLAS_TRANS : CBLAS_NO_TRANS;
    for (let i = 0; i < batch; i++) {
      const offA = (i % batchA) * sizeA;
      const offB = (i % batchB) * sizeB;
      blas.sgemm(
        CBLAS_ROW_MAJOR,
        opA,
        opB,
        m,
        n,
        k,
        1,
        aView.subarray(offA, offA + sizeA),
        lda,
        bView.subarray(offB, offB + sizeB),
        ldb,
        0,
        cView.subarray(i * sizeC, (i + 1) * sizeC),
        n,
      );
    }
    return out;
  };
}

/**
 * Replaces the wasm `BatchMatMul` kernel with {@link blasBatchMatMul} (falling back to the transpose
 * patch) and `_FusedMatMul` with the transpose patch (its bias and activation stay in XNNPACK). Call it
 * before `tf.setBackend("wasm")`; `restoreStockWasmMatMul` undoes it.
 */
export function installWasmMatMulBlas(blas: OpenBlas): void {
  const transposing = transposingMatMul(stockWasmKernel("BatchMatMul").kernelFunc);
  replaceWasmKernel("BatchMatMul", blasBatchMatMul(blas, transposing));
  replaceWasmKernel("_FusedMatMul", transposingMatMul(stockWasmKernel("_FusedMatMul").kernelFunc));
}
