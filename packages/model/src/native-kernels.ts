/**
 * Kernels in C for the wasm backends, compiled on this machine by its C compiler on first use and called through
 * koffi on the wasm heap, in place (issue #19: a step of these small models spends as much time around its matmuls
 * as in them). The library is cached under ~/.cache/tailsweep/native (else a folder of this user's own in the temp
 * folder), keyed by a hash of the source, the compiler's version and target, the platform and the flags, built under
 * a name of its own and renamed into place so that workers starting together never see a half-written file; a cached
 * file or folder another user could have written is refused, and a cached library that does not load is rebuilt.
 * Where there is no compiler, or it fails, `loadNativeKernels` says why and the backends keep their JavaScript and
 * wasm kernels: the results are the same bit for bit either way (native-kernels.test.ts).
 *
 * Flags: `-ffp-contract=off` keeps every multiply and add its own float32 rounding (no fused multiply-add), and
 * there is no `-ffast-math`, so the C code rounds exactly as tfjs's float32 kernels do; `-fopenmp` runs the loops on
 * the BLAS threads' count (elementwise, so the thread count does not change a bit).
 */
import { execFileSync } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { existsSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { assertOwn, cacheDirCandidates, ownDir } from "@tailsweep/schemas/own-cache";

const SOURCE = `
#include <math.h>
#include <omp.h>

void ts_set_threads(int n) { omp_set_num_threads(n); }
int ts_get_threads(void) { return omp_get_max_threads(); }

/* Adam's update of one variable in tfjs's order of float32 operations (adam.ts, adamUpdateLoop). */
/* restrict: the tensors never overlap, and without it gcc does not vectorise the loop (it must assume aliasing). */
void ts_adam_update(int n, const float *restrict x, const float *restrict m, const float *restrict v,
                    const float *restrict g, float *restrict out_x, float *restrict out_m, float *restrict out_v,
                    float beta1, float one_minus_beta1, float beta2, float one_minus_beta2, float correction1,
                    float correction2, float epsilon, float negative_learning_rate) {
#pragma omp parallel for simd schedule(static) if (n >= 65536)
  for (int i = 0; i < n; i++) {
    float gi = g[i];
    float mi = m[i] * beta1 + gi * one_minus_beta1;
    float vi = v[i] * beta2 + (gi * gi) * one_minus_beta2;
    float m_hat = mi / correction1;
    float v_hat = vi / correction2;
    float step = (m_hat / (sqrtf(v_hat) + epsilon)) * negative_learning_rate;
    out_x[i] = step + x[i];
    out_m[i] = mi;
    out_v[i] = vi;
  }
}
`;

const FLAGS = ["-O3", "-fPIC", "-shared", "-fopenmp", "-ffp-contract=off", "-fno-math-errno"];

/** The compiled kernels. Array arguments are float32 views (of the wasm heap, or any Float32Array). */
export interface NativeKernels {
  /** Path of the shared library in use. */
  readonly library: string;
  /** The compiler's first line of `--version`. */
  readonly compiler: string;
  /** Sets the threads the kernels run on (OpenMP). */
  setThreads(threads: number): void;
  getThreads(): number;
  /** One Adam update of n weights (docs/model.md §8), the same bits as adam.ts's loop and tfjs's ops. */
  adamUpdate(
    n: number,
    x: Float32Array,
    m: Float32Array,
    v: Float32Array,
    g: Float32Array,
    outX: Float32Array,
    outM: Float32Array,
    outV: Float32Array,
    beta1: number,
    oneMinusBeta1: number,
    beta2: number,
    oneMinusBeta2: number,
    correction1: number,
    correction2: number,
    epsilon: number,
    negativeLearningRate: number,
  ): void;
}

/** The kernels, or why there are none (for the backend's description; the caller falls back). */
export type NativeKernelsResult = { ok: true; kernels: NativeKernels } | { ok: false; reason: string };

/** Where and with what to build; the defaults are the machine's `cc` and ~/.cache/tailsweep/native. */
export interface NativeBuildOptions {
  compiler?: string;
  cacheDir?: string;
}

const loaded = new Map<string, Promise<NativeKernelsResult>>();

function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split("\n", 1)[0] ?? text;
}

/**
 * Builds (once per source, compiler and flags) and loads the native kernels. Never rejects: a machine without a
 * compiler, or one whose build fails, gets `{ ok: false, reason }`.
 */
export function loadNativeKernels(options: NativeBuildOptions = {}): Promise<NativeKernelsResult> {
  const key = `${options.compiler ?? ""}\0${options.cacheDir ?? ""}`;
  let pending = loaded.get(key);
  if (!pending) {
    pending = build(options);
    loaded.set(key, pending);
  }
  return pending;
}

async function build(options: NativeBuildOptions): Promise<NativeKernelsResult> {
  const compiler = options.compiler ?? "cc";
  let version: string;
  let machine: string;
  try {
    const ask = (flag: string) =>
      execFileSync(compiler, [flag], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] })
        .split("\n", 1)[0]!
        .trim();
    version = ask("--version");
    machine = ask("-dumpmachine");
  } catch (err) {
    return { ok: false, reason: `no C compiler (${compiler}: ${firstLine(err)})` };
  }
  // The target triple and the platform too: a home folder shared by machines of another kind must not hand one
  // machine's library to another.
  const hash = createHash("sha256")
    .update([SOURCE, version, machine, process.platform, process.arch, FLAGS.join(" ")].join("\0"))
    .digest("hex")
    .slice(0, 16);
  const dirs = options.cacheDir ? [options.cacheDir] : cacheDirCandidates("native");
  const failures: string[] = [];
  for (const dir of dirs) {
    const target = join(dir, `kernels-${hash}.so`);
    try {
      ownDir(dir);
      if (existsSync(target)) {
        assertOwn(target, "file");
        try {
          return { ok: true, kernels: await bind(target, version) };
        } catch {
          // A library that does not load (cut short, or from before a change the key misses) is built again, once.
          rmSync(target, { force: true });
        }
      }
      compile(compiler, dir, target);
      return { ok: true, kernels: await bind(target, version) };
    } catch (err) {
      failures.push(`${dir}: ${firstLine(err)}`);
    }
  }
  return { ok: false, reason: `the native kernels did not build (${failures.join("; ")})` };
}

/** Compiles the source into `target`, through files of this build's own (workers may build at once) and a rename. */
function compile(compiler: string, dir: string, target: string): void {
  const own = join(dir, `build-${randomUUID()}`);
  try {
    writeFileSync(`${own}.c`, SOURCE, { mode: 0o600 });
    execFileSync(compiler, [...FLAGS, "-o", `${own}.so`, `${own}.c`, "-lm"], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    renameSync(`${own}.so`, target);
  } catch (err) {
    const stderr = err instanceof Error && "stderr" in err ? String(err.stderr).trim().split("\n", 1)[0] : "";
    // the compiler names this build's temporary file: the reason reads the same from every process
    throw new Error((stderr || firstLine(err)).replaceAll(own, "kernels"));
  } finally {
    rmSync(`${own}.c`, { force: true });
    rmSync(`${own}.so`, { force: true });
  }
}

/** Loads a built library through koffi and binds its functions. */
async function bind(library: string, compiler: string): Promise<NativeKernels> {
  // Imported lazily, as wasm-matmul-blas.ts does: a platform without koffi's prebuilt binary keeps the rest.
  const koffi = await import("koffi");
  const lib = koffi.load(library);
  const setThreads: (n: number) => void = lib.func("void ts_set_threads(int n)");
  const getThreads: () => number = lib.func("int ts_get_threads()");
  const adamUpdate: NativeKernels["adamUpdate"] = lib.func(
    "void ts_adam_update(int n, const float *x, const float *m, const float *v, const float *g, float *out_x, " +
      "float *out_m, float *out_v, float beta1, float one_minus_beta1, float beta2, float one_minus_beta2, " +
      "float correction1, float correction2, float epsilon, float negative_learning_rate)",
  );
  return {
    library,
    compiler,
    setThreads(threads: number) {
      if (!Number.isInteger(threads) || threads < 1)
        throw new Error(`native kernel threads must be a positive integer, got ${threads}`);
      setThreads(threads);
    },
    getThreads,
    adamUpdate,
  };
}
