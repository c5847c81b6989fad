/**
 * Picks and initialises the tfjs compute backend for this process.
 *
 * Order for "auto" (first that initialises wins; measurements in docs/compute.md):
 *  0. `webgpu` — tfjs-backend-webgpu on Dawn over Vulkan (webgpu.ts), when the adapter is a real GPU; a software
 *     adapter (lavapipe) is only used when forced.
 *  1. `tensorflow` — native TensorFlow from `@tensorflow/tfjs-node-gpu` or `@tensorflow/tfjs-node`. Not a
 *     dependency (their install script downloads libtensorflow, which fails offline); used when a deployment
 *     provides one.
 *  2. `wasm-blas` — the wasm backend with `BatchMatMul` routed to OpenBLAS through koffi (~33 ms per
 *     batch-128 VAE step with 2 BLAS threads). Needs `libopenblas.so.0` (Debian `libopenblas0-openmp`).
 *  3. `wasm` — the wasm SIMD backend with the transpose patch for matMul gradients (~81 ms). Pure npm,
 *     the default that always works.
 *  4. `cpu` — tfjs's plain-JS kernels (~2 s); a last resort, e.g. where WebAssembly is disabled.
 *
 * An app's settings (the CLI's `TAILSWEEP_BACKEND`: webgpu | tensorflow | wasm-blas | wasm | cpu | auto, parsed by
 * {@link backendDefaultsFromEnv}) force one for the process through {@link configureBackend};
 * `initBackend({ prefer })` overrides that. This module reads no environment itself. A forced backend that cannot
 * initialise is an error, never a silent fallback, so a run never records a backend it did not use.
 */
import { createRequire } from "node:module";
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-backend-wasm";
import { AppError, codeOf, SettingsError } from "@tailsweep/schemas";
import { version_cpu } from "@tensorflow/tfjs-backend-cpu";
import { getThreadsCount, version_wasm } from "@tensorflow/tfjs-backend-wasm";
import * as tf from "@tensorflow/tfjs-core";
import { useNativeAdam } from "./adam";
import { installFusedClip } from "./fused-clip";
import { installFusedDense } from "./fused-dense";
import { installFusedProductOfExperts } from "./fused-poe";
import { installFusedReconstruction, useFusedStep } from "./fused-reconstruction";
import { installFusedRegularizer } from "./fused-regularizer";
import { installFusedStudentTDraw } from "./fused-student-t";
import { loadNativeKernels, type NativeKernelsResult } from "./native-kernels";
import { shareSavedTensors } from "./shared-saved-tensors";
import { installWasmBinaryOps } from "./wasm-binary-ops";
import { installWasmHeapCopies } from "./wasm-heap-copy";
import { installWasmSharedIdentity } from "./wasm-identity";
import { installWasmLeadingSum } from "./wasm-leading-sum";
import { installWasmMatMulBlas, loadOpenBlas, type OpenBlas } from "./wasm-matmul-blas";
import { installWasmMatMulTranspose } from "./wasm-matmul-transpose";
import { adapterName, describeAdapter, type GpuAdapter, useWebGpu } from "./webgpu";

/** A compute backend this package can select. */
export type BackendName = "webgpu" | "tensorflow" | "wasm-blas" | "wasm" | "cpu";

/** All backend names, in the order "auto" tries them. */
export const BACKEND_NAMES: readonly BackendName[] = ["webgpu", "tensorflow", "wasm-blas", "wasm", "cpu"];

/** Environment variable that forces a backend (a {@link BackendName} or "auto"), read by the app's settings. */
export const BACKEND_ENV_VAR = "TAILSWEEP_BACKEND";

/** This process's defaults for {@link initBackend}, from its app's settings ({@link configureBackend}). */
export interface BackendDefaults {
  /** The backend to use when a call names none (default "auto"). */
  prefer?: BackendName | "auto";
  /** OpenBLAS threads when a call gives none (default 1); only used by `wasm-blas`. */
  blasThreads?: number;
  /** Where `prefer` came from, for errors and the log line, e.g. `TAILSWEEP_BACKEND=wasm`. */
  source?: string;
  /** What to unset to fall back to "auto", named in errors, e.g. `TAILSWEEP_BACKEND`. */
  variable?: string;
}

let defaults: BackendDefaults = {};

/**
 * Sets this process's defaults for {@link initBackend}: what its calls without `prefer` (or `blasThreads`) use. The
 * app's settings module calls it once, before any command runs; nothing else sets them.
 */
export function configureBackend(next: BackendDefaults): void {
  if (next.prefer !== undefined) parseName(next.prefer, next.source ?? "configureBackend({ prefer })");
  checkThreads(next.blasThreads, "configureBackend: blasThreads");
  defaults = { ...next };
}

/**
 * The defaults an environment asks for: `TAILSWEEP_BACKEND` (a backend name or "auto"; blank: auto), and OpenBLAS's
 * own `OPENBLAS_NUM_THREADS`, else `OMP_NUM_THREADS` (the first number of a list), as the BLAS thread count. A
 * SettingsError names each bad variable and what it takes. Pure: `env` is whatever the caller read.
 */
export function backendDefaultsFromEnv(env: Readonly<Record<string, string | undefined>>): BackendDefaults {
  const problems: string[] = [];
  const raw = env[BACKEND_ENV_VAR]?.trim();
  let prefer: BackendName | "auto" | undefined;
  if (raw) {
    const name = raw.toLowerCase();
    if (name === "auto" || BACKEND_NAMES.includes(name as BackendName)) prefer = name as BackendName | "auto";
    else
      problems.push(
        `${BACKEND_ENV_VAR}: must be one of ${[...BACKEND_NAMES, "auto"].join(", ")} (unset: auto), got "${raw}"`,
      );
  }
  let blasThreads: number | undefined;
  for (const variable of ["OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"]) {
    const text = env[variable]?.trim();
    if (!text || blasThreads !== undefined) continue;
    const first = /^(\d{1,4})(,\d+)*$/.exec(text)?.[1];
    if (first !== undefined && Number(first) >= 1) blasThreads = Number(first);
    else problems.push(`${variable}: must be a whole number of threads ≥ 1, got "${text}"`);
  }
  if (problems.length > 0) throw new SettingsError(problems, "environment");
  return {
    ...(prefer !== undefined && { prefer, source: `${BACKEND_ENV_VAR}=${raw}`, variable: BACKEND_ENV_VAR }),
    ...(blasThreads !== undefined && { blasThreads }),
  };
}

/** Native TensorFlow packages tried for the `tensorflow` backend, GPU build first. */
export const TENSORFLOW_PACKAGES = ["@tensorflow/tfjs-node-gpu", "@tensorflow/tfjs-node"] as const;

/** What {@link initBackend} selected; worth recording with every training run. */
export interface BackendInfo {
  /** The selected backend. */
  name: BackendName;
  /** The tfjs backend it runs on (`tf.getBackend()`): "webgpu", "tensorflow", "wasm" or "cpu". */
  tfjsBackend: string;
  /** The GPU adapter (webgpu only). */
  adapter?: GpuAdapter;
  /** Human-readable configuration: OpenBLAS build and threads, SIMD, the native package. */
  detail: string;
  /**
   * `detail` in a few words, for the one line a run or worker logs (`detail` runs to ≈ 600 characters with the BLAS
   * build string and every fused kernel; `tailsweep backends` prints it whole).
   */
  summary: string;
  /**
   * Where the wasm backends' Adam update runs: native C (native-kernels.ts) or JavaScript, with the reason. Apart from
   * `detail` because Adam's path changes no result (the same bits either way). The fused step does change them, so it
   * is named in `detail` itself: a worker whose compiler failed computes other bits, and does not resume a checkpoint
   * of a worker that fused (it trains that run from the start).
   */
  kernels?: string;
  /** Versions of the packages and libraries involved, by name. */
  versions: Record<string, string>;
}

/** Options for {@link initBackend}. */
export interface InitBackendOptions {
  /**
   * Backend to use; overrides the process's configured default ({@link configureBackend}, the CLI's
   * `TAILSWEEP_BACKEND`). "auto" (the default) tries them in order.
   */
  prefer?: BackendName | "auto";
  /**
   * Threads for OpenBLAS; only used by `wasm-blas`. Unset: the configured default (the CLI's
   * `OPENBLAS_NUM_THREADS` / `OMP_NUM_THREADS`), else 1. One thread because a training step measured 226 ms with 1
   * and 220 ms with 2 (bench/train-step.ts), while two OpenMP threads spin-wait and slow everything down as soon as
   * another process shares the cores.
   */
  blasThreads?: number;
  /** Receives one line naming the backend chosen (and, for "auto", why earlier ones were skipped). */
  log?: (msg: string) => void;
}

/** The stable code of {@link BackendInitError}. */
export const BACKEND_INIT_CODE = "BACKEND_UNAVAILABLE";

/**
 * Thrown when the requested backend is unknown or cannot be initialised (code BACKEND_UNAVAILABLE): a bad name or
 * thread count is the caller's input ("invalid"); a backend this machine cannot start is "unavailable".
 */
export class BackendInitError extends AppError {
  constructor(message: string, options?: ErrorOptions & { category?: "invalid" | "unavailable" }) {
    super(BACKEND_INIT_CODE, options?.category ?? "unavailable", message, options);
    this.name = "BackendInitError";
  }
}

/** A backend that initialised: its info, plus what a later thread change needs to redescribe it. */
interface Active {
  info: BackendInfo;
  blas?: OpenBlas;
  /** The native kernels of the wasm backends, or why there are none. */
  native?: NativeKernelsResult;
  /** Description of the wasm binary in use (wasm backends only). */
  wasm?: string;
}

/** Who asked for a backend, for error messages and the log line. */
interface Request {
  name: BackendName | "auto";
  source: "option" | "configured" | "default";
  /** e.g. `TAILSWEEP_BACKEND=wasm` (configured) or `initBackend({ prefer: "wasm" })`. */
  label: string;
}

const requireHere = createRequire(import.meta.url);

let active: Active | undefined;
/** Serialises initBackend calls: two concurrent callers must not both patch kernels and switch. */
let queue: Promise<unknown> = Promise.resolve();

/**
 * Pick and initialise the compute backend once per process.
 *
 * Later calls return the same {@link BackendInfo} unless they explicitly ask (through `prefer` or the configured
 * default) for a different backend: then it switches, or throws a {@link BackendInitError}
 * and keeps the current one. `blasThreads` is applied on later calls too. Calls are serialised.
 *
 * @throws BackendInitError for an unknown name, a forced backend that fails, or (auto) if none works.
 */
export function initBackend(opts: InitBackendOptions = {}): Promise<BackendInfo> {
  const run = queue.then(() => select(opts));
  queue = run.catch(() => undefined);
  return run;
}

/** The backend chosen by {@link initBackend}, or undefined before it has succeeded. */
export function currentBackend(): BackendInfo | undefined {
  return active?.info;
}

async function select(opts: InitBackendOptions): Promise<BackendInfo> {
  shareSavedTensors();
  const request = resolveRequest(opts.prefer);
  checkThreads(opts.blasThreads, "initBackend: blasThreads");
  const log = opts.log ?? (() => {});

  if (active != null && (request.name === "auto" || request.name === active.info.name)) {
    await keepActive(active, opts.blasThreads);
    return active.info;
  }

  if (request.name === "auto") {
    const skipped: string[] = [];
    for (const name of BACKEND_NAMES) {
      try {
        active = await activate(name, opts.blasThreads, true);
      } catch (err) {
        skipped.push(`${name}: ${reason(err)}`);
        continue;
      }
      const why = skipped.length > 0 ? `auto; skipped ${skipped.join("; ")}` : "auto";
      log(describe(active.info, why));
      return active.info;
    }
    throw new BackendInitError(`no compute backend could be initialised: ${skipped.join("; ")}`);
  }

  const previous = active;
  try {
    active = await activate(request.name, opts.blasThreads);
  } catch (err) {
    let hint = "";
    if (previous != null) {
      await restore(previous);
      hint = `; still using "${previous.info.name}"`;
    } else if (request.source === "configured" && defaults.variable) {
      hint = `; unset ${defaults.variable} or set it to "auto" to fall back automatically`;
    }
    throw new BackendInitError(
      `${request.label}: the "${request.name}" compute backend could not be initialised: ${reason(err)}${hint}`,
      { cause: err },
    );
  }
  const why =
    previous == null
      ? `forced by ${request.label}`
      : `switched from ${previous.info.name} by ${request.label}`;
  log(describe(active.info, why));
  return active.info;
}

/** Reads the request from `prefer`, else the configured default, else "auto". */
function resolveRequest(prefer: InitBackendOptions["prefer"]): Request {
  if (prefer !== undefined) {
    const label = `initBackend({ prefer: ${JSON.stringify(prefer)} })`;
    return { name: parseName(prefer, label), source: "option", label };
  }
  if (defaults.prefer === undefined) return { name: "auto", source: "default", label: "default" };
  const label = defaults.source ?? `configureBackend({ prefer: ${JSON.stringify(defaults.prefer)} })`;
  return { name: defaults.prefer, source: "configured", label };
}

function parseName(value: unknown, label: string): BackendName | "auto" {
  if (value === "auto" || BACKEND_NAMES.includes(value as BackendName)) return value as BackendName | "auto";
  throw new BackendInitError(
    `${label} is not a compute backend; expected one of ${[...BACKEND_NAMES, "auto"].join(", ")}`,
    { category: "invalid" },
  );
}

function checkThreads(threads: number | undefined, label: string): void {
  if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1))
    throw new BackendInitError(`${label} must be a positive integer, got ${threads}`, {
      category: "invalid",
    });
}

/** Initialises one backend and makes it tfjs's current one; throws with the reason it cannot. */
async function activate(name: BackendName, blasThreads: number | undefined, auto = false): Promise<Active> {
  const versions: Record<string, string> = {
    "@tensorflow/tfjs-core": tf.version_core,
    node: process.versions.node,
  };
  switch (name) {
    case "webgpu": {
      // Auto passes a software adapter (lavapipe) by: correct, but slower than wasm.
      const adapter = await useWebGpu({ hardwareOnly: auto });
      versions["@tensorflow/tfjs-backend-webgpu"] = packageVersionOf("@tensorflow/tfjs-backend-webgpu");
      versions.webgpu = packageVersionOf("webgpu");
      return {
        info: freeze({
          name,
          tfjsBackend: "webgpu",
          adapter,
          detail: describeAdapter(adapter),
          // the adapter, and whether it is a software one, are what a GPU run's line must say
          summary: `WebGPU on ${adapterName(adapter)}`,
          versions,
        }),
      };
    }
    case "tensorflow":
      return activateTensorflow(versions);
    case "wasm-blas": {
      // Raw heap pointers are only safe with the single-threaded binary (tfjs's only choice in Node).
      if (await tf.env().getAsync("WASM_HAS_MULTITHREAD_SUPPORT")) {
        throw new Error("needs the single-threaded wasm binary, but WASM_HAS_MULTITHREAD_SUPPORT is on");
      }
      // Started first: it asks the compiler in processes of its own while OpenBLAS loads. Where OpenBLAS then fails,
      // the plain wasm backend tried next uses the same result (loadNativeKernels keeps it).
      const nativePending = loadNativeKernels();
      const blas = await loadOpenBlas();
      const threads = blasThreads ?? defaults.blasThreads ?? 1;
      blas.setThreads(threads);
      // Kernels are swapped before setBackend so that tfjs runs their setup on initialisation.
      installWasmMatMulBlas(blas);
      const native = await useNative(threads, nativePending);
      const wasm = await useWasm(blas);
      versions["@tensorflow/tfjs-backend-wasm"] = version_wasm;
      versions.koffi = blas.koffiVersion;
      versions.openblas = blas.version;
      return {
        info: freeze({
          name,
          tfjsBackend: "wasm",
          detail: blasDetail(blas, wasm) + fusedDetail(native),
          summary: blasSummary(blas, native),
          kernels: nativeDetail(native),
          versions,
        }),
        blas,
        native,
        wasm,
      };
    }
    case "wasm": {
      installWasmMatMulTranspose();
      const native = await useNative(blasThreads ?? defaults.blasThreads ?? 1, loadNativeKernels());
      const wasm = await useWasm();
      versions["@tensorflow/tfjs-backend-wasm"] = version_wasm;
      const detail = `${wasm}; transposed matMuls run as Transpose + XNNPACK matMul${fusedDetail(native)}`;
      return {
        info: freeze({
          name,
          tfjsBackend: "wasm",
          detail,
          summary: `${wasm}${fusedSummary(native)}`,
          kernels: nativeDetail(native),
          versions,
        }),
        native,
        wasm,
      };
    }
    case "cpu": {
      await useTfjsBackend("cpu", "@tensorflow/tfjs-backend-cpu");
      versions["@tensorflow/tfjs-backend-cpu"] = version_cpu;
      const detail = "plain-JS kernels, 1 thread";
      return { info: freeze({ name, tfjsBackend: "cpu", detail, summary: detail, versions }) };
    }
  }
}

async function activateTensorflow(versions: Record<string, string>): Promise<Active> {
  const failures: string[] = [];
  for (const pkg of TENSORFLOW_PACKAGES) {
    let mod: unknown;
    try {
      mod = await importOptional(pkg);
    } catch (err) {
      failures.push(`${pkg} ${isNotFound(err) ? "is not installed" : `failed to load: ${reason(err)}`}`);
      continue;
    }
    try {
      await useTfjsBackend("tensorflow", pkg);
    } catch (err) {
      failures.push(`${pkg} loaded, but ${reason(err)}`);
      continue;
    }
    versions[pkg] = packageVersion(mod);
    const detail = `native TensorFlow from ${pkg}`;
    return {
      info: freeze({ name: "tensorflow", tfjsBackend: "tensorflow", detail, summary: detail, versions }),
    };
  }
  throw new Error(failures.join(", "));
}

/**
 * Imports a package that is not a dependency. The specifier is a variable so that neither TypeScript
 * nor vite tries to resolve it at build time; a missing package then fails here, at run time.
 */
function importOptional(specifier: string): Promise<unknown> {
  return import(/* @vite-ignore */ specifier);
}

/** Whether an import failed because the package is absent (Node's and vite's wordings). */
function isNotFound(err: unknown): boolean {
  const code = codeOf(err);
  if (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") return true;
  return /Cannot find (package|module)|Failed to load url|Failed to resolve/.test(reason(err));
}

/** The version in an installed package's package.json. */
function packageVersionOf(pkg: string): string {
  try {
    return (requireHere(`${pkg}/package.json`) as { version: string }).version;
  } catch {
    return "unknown";
  }
}

function packageVersion(mod: unknown): string {
  // A CommonJS package imported from ESM may expose its exports only on `default`.
  const m = mod as { version?: unknown; default?: { version?: unknown } } | null;
  const version = m?.version ?? m?.default?.version;
  if (typeof version === "string") return version;
  // tfjs-node exports an object of versions; its own entry is "tfjs-node".
  const own = (version as Record<string, unknown> | undefined)?.["tfjs-node"];
  return typeof own === "string" ? own : "unknown";
}

/** Selects the wasm backend (its bias-gradient sums on `blas` when given); returns a description of the binary. */
async function useWasm(blas?: OpenBlas): Promise<string> {
  installWasmSharedIdentity();
  installWasmHeapCopies();
  installWasmBinaryOps();
  installWasmLeadingSum(blas);
  await useTfjsBackend("wasm", "@tensorflow/tfjs-backend-wasm");
  const simd = (await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT")) === true;
  const threads = getThreadsCount();
  return `wasm ${simd ? "SIMD" : "without SIMD"}, ${threads} thread${threads === 1 ? "" : "s"}`;
}

async function useTfjsBackend(name: string, pkg: string): Promise<void> {
  if (tf.findBackendFactory(name) == null) {
    throw new Error(
      `no "${name}" backend is registered with this @tensorflow/tfjs-core (${tf.version_core}); ` +
        `${pkg} must resolve to the same tfjs-core`,
    );
  }
  if (!(await tf.setBackend(name))) {
    throw new Error(`tf.setBackend("${name}") failed (tfjs printed the cause as a warning)`);
  }
  await tf.ready();
}

/** Re-selects the active backend if something else switched tfjs away, and applies new BLAS threads. */
async function keepActive(current: Active, blasThreads: number | undefined): Promise<void> {
  if (blasThreads !== undefined && current.blas != null && current.blas.getThreads() !== blasThreads) {
    current.blas.setThreads(blasThreads);
    if (current.native?.ok) current.native.kernels.setThreads(blasThreads);
    current.info = freeze({
      ...current.info,
      detail: blasDetail(current.blas, current.wasm ?? "wasm") + fusedDetail(current.native),
      summary: blasSummary(current.blas, current.native),
      ...(current.native && { kernels: nativeDetail(current.native) }),
    });
  }
  if (tf.getBackend() !== current.info.tfjsBackend) {
    await useTfjsBackend(current.info.tfjsBackend, current.info.tfjsBackend);
  }
}

/** After a failed switch: a failed tf.setBackend leaves tfjs pointing at the broken backend. */
async function restore(previous: Active): Promise<void> {
  if (tf.getBackend() !== previous.info.tfjsBackend) await tf.setBackend(previous.info.tfjsBackend);
}

/**
 * Awaits the native kernels (`pending`: loadNativeKernels, native-kernels.ts) and lets the wasm Adam kernel run on
 * them; without them it keeps its JavaScript loop, with the reason in the backend's description.
 */
async function useNative(
  threads: number,
  pending: Promise<NativeKernelsResult>,
): Promise<NativeKernelsResult> {
  const native = await pending;
  if (native.ok) native.kernels.setThreads(threads);
  useNativeAdam(native.ok ? native.kernels : undefined);
  installFusedReconstruction();
  installFusedRegularizer();
  installFusedDense();
  installFusedClip();
  installFusedStudentTDraw();
  installFusedProductOfExperts();
  useFusedStep(native.ok ? native.kernels : undefined);
  return native;
}

/**
 * The fused step (fused-reconstruction.ts, fused-regularizer.ts, fused-poe.ts, fused-student-t.ts, and what comes with
 * it: the tiled encoders' first layer per batch, layers.ts applyMlpToTiledWithLabels, and each decoder once per batch
 * over all its subsets' rows, decoder-passes.ts) rounds differently from
 * tfjs's ops, so whether it runs belongs in `detail`, which a checkpoint's fingerprint holds: a run is resumed only
 * where it would compute the same bits. Training checks the two agree (FUSED_STEP). The hidden layers' fused bias +
 * ReLU (fused-dense.ts), the clip's gradient (fused-clip.ts) and the native same-shape adds (wasm-binary-ops.ts) are
 * not named: they give tfjs's own bits, so they change nothing a checkpoint's fingerprint must tell apart.
 */
function fusedDetail(native: NativeKernelsResult | undefined): string {
  return native?.ok
    ? "; decoder output layers + reconstruction error, latent regularisers, product of experts and Student-t draw fused (native C), tiled encoders' first layer per batch, each decoder once per batch over its subsets"
    : "";
}

function nativeDetail(native: NativeKernelsResult): string {
  // The kernels that compute tfjs's own bits (fused-dense.ts, fused-clip.ts, the same-shape adds of
  // wasm-binary-ops.ts) are named here, not in `detail`.
  if (!native.ok)
    return `Adam in JavaScript, hidden layers' bias + ReLU, the clip's gradient and same-shape adds in tfjs's ops (${native.reason})`;
  const threads = native.kernels.getThreads();
  return `Adam, the hidden layers' bias + ReLU, the clip's gradient and same-shape adds → native C (${native.kernels.compiler}, ${threads} OpenMP thread${threads === 1 ? "" : "s"})`;
}

function blasDetail(blas: OpenBlas, wasm: string): string {
  const threads = blas.getThreads();
  return (
    `${blas.config}; ${threads} BLAS thread${threads === 1 ? "" : "s"} (${blas.parallel}); ` +
    `BatchMatMul → cblas_sgemm, leading-axis Sum → cblas_sgemv via koffi; ${wasm}`
  );
}

/** The fused step in a few words, for {@link BackendInfo.summary}. */
function fusedSummary(native: NativeKernelsResult | undefined): string {
  if (!native) return "";
  return native.ok ? ", fused step in native C" : ", no native kernels (tailsweep backends says why)";
}

function blasSummary(blas: OpenBlas, native: NativeKernelsResult | undefined): string {
  const threads = blas.getThreads();
  return `OpenBLAS ${blas.version}, ${threads} BLAS thread${threads === 1 ? "" : "s"}${fusedSummary(native)}`;
}

function describe(info: BackendInfo, why: string): string {
  return `compute backend: ${info.name} (${info.summary}) [${why}]`;
}

function freeze(info: BackendInfo): BackendInfo {
  Object.freeze(info.versions);
  return Object.freeze(info);
}

/** First line of an error message, for one-line diagnostics. */
function reason(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split("\n", 1)[0] ?? text;
}
