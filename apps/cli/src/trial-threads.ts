import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { pathToFileURL } from "node:url";
import { sourceThreadEntry, type TrialThreadEntry, type TrialThreadsOptions } from "@tailsweep/worker";
import { z } from "zod";
import { settings } from "./settings";

/** The file bin/bundle.mjs builds the training thread into, beside main.mjs and the chunks. */
export const BUNDLED_THREAD_FILE = "trial-thread.mjs";

/** Backends whose training runs on threads of this process; the others keep it on the main thread (see below). */
const THREADED_BACKENDS = new Set(["wasm-blas", "wasm", "cpu"]);

/**
 * Whether `sweep run` trains on threads with this backend: the wasm and JS backends run most kernels on one thread, so
 * trials on threads of their own use the other cores. Not webgpu (one GPU device, which Dawn's addon gives one thread)
 * nor native TensorFlow (it spreads every kernel over the cores itself).
 */
export function trainsOnThreads(backend: string): boolean {
  return THREADED_BACKENDS.has(backend);
}

/**
 * How many trial threads and how many OpenBLAS threads each: `--workers` when given, else one per core but no more
 * than the sweep's trials; and the BLAS threads the settings ask for, cut so that threads × BLAS threads stay within
 * the cores (2 trials × 2 BLAS threads on 2 cores was slower than 2 × 1: docs/compute.md).
 */
export function threadPlan(
  workers: number | undefined,
  trials: number,
  blasThreads: number,
  cores = availableParallelism(),
): { threads: number; blasThreads: number } {
  const threads = workers ?? Math.max(1, Math.min(cores, trials));
  return { threads, blasThreads: Math.max(1, Math.min(blasThreads, Math.floor(cores / threads))) };
}

/**
 * The trial threads the CLI's settings give a run on `backend`: as many as threadPlan says for `workers` and `trials`,
 * each with its share of the BLAS threads, reading data from the settings' cache folder.
 */
export function trialThreadsOptions(
  backend: TrialThreadsOptions["backend"],
  workers: number | undefined,
  trials: number,
): Pick<TrialThreadsOptions, "size" | "entry" | "backend" | "blasThreads" | "cacheDir"> {
  const { cacheDir, backend: defaults } = settings();
  const plan = threadPlan(workers, trials, defaults.blasThreads ?? 1);
  return {
    size: plan.threads,
    entry: trialThreadEntry(),
    backend,
    blasThreads: plan.blasThreads,
    ...(cacheDir !== undefined && { cacheDir }),
  };
}

const TsxPackageSchema = z.object({
  exports: z.object({ "./esm/api": z.object({ import: z.object({ default: z.string() }) }) }),
});

/**
 * Where the training thread's code is: the bundle's own file when the CLI runs from its bundle, else the TypeScript
 * source through tsx's ES-module API.
 */
export function trialThreadEntry(): TrialThreadEntry {
  // import.meta.resolve, not import.meta.url: the bundle writes each source file's URL in place of import.meta.url,
  // and only this finds the chunk's own folder (absent under vitest, which runs the source anyway).
  try {
    const bundled = new URL(import.meta.resolve(`./${BUNDLED_THREAD_FILE}`));
    if (existsSync(bundled)) return { module: bundled };
  } catch {}
  const packageFile = createRequire(import.meta.url).resolve("tsx/package.json");
  const tsx = TsxPackageSchema.parse(JSON.parse(readFileSync(packageFile, "utf8")));
  return sourceThreadEntry(new URL(tsx.exports["./esm/api"].import.default, pathToFileURL(packageFile)));
}
