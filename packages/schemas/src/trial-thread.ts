// A Node-only entry (@tailsweep/schemas/trial-thread): SharedArrayBuffer is not defined in every browser page.
import { z } from "zod";
import "./issue-messages";
import { DatasetRecipeSchema } from "./dataset";
import { AppError, ERROR_CATEGORIES, isAppError } from "./errors";
import { EpochMetricSchema, TrialExecutionSchema, TrialResultSchema } from "./messages";
import { RunConfigSchema } from "./run-config";

/**
 * What crosses between a worker and the `node:worker_threads` threads it trains trials in (apps/worker's
 * trial-threads.ts and trial-thread.ts). Structured clone keeps the shapes but not classes, and a thread is another
 * bundle's copy of every module: each side parses what it receives with these schemas, and errors travel as their
 * stable code and category, never as a class to test with `instanceof`.
 */

/** A thrown value as it crosses the boundary: a coded error keeps its code and category, anything else is uncoded. */
export const WireErrorSchema = z
  .object({
    code: z.string().min(1),
    category: z.enum(ERROR_CATEGORIES),
    message: z.string(),
    name: z.string(),
    stack: z.string().optional(),
  })
  .strict();
export type WireError = z.infer<typeof WireErrorSchema>;

/** The code a thrown value without one (a plain Error, a string) crosses with. */
export const UNCODED_ERROR_CODE = "UNCODED_ERROR";

/** A thrown value as {@link WireErrorSchema} carries it. */
export function errorToWire(e: unknown): WireError {
  const name = e instanceof Error ? e.name : "Error";
  const stack = e instanceof Error ? e.stack : undefined;
  if (isAppError(e))
    return { code: e.code, category: e.category, message: e.message, name, ...(stack && { stack }) };
  return {
    code: UNCODED_ERROR_CODE,
    category: "internal",
    message: e instanceof Error ? e.message : String(e),
    name,
    ...(stack && { stack }),
  };
}

/**
 * The thrown value a wire error stands for: an AppError with its code, category, name and message (and the thread's
 * stack), matched by `code` like any coded error.
 */
export function errorFromWire(w: WireError): AppError {
  const e = new AppError(w.code, w.category, w.message);
  e.name = w.name;
  if (w.stack) e.stack = w.stack;
  return e;
}

/** A message between a worker and its thread that does not parse (a bug: both sides are this code). */
export const THREAD_MESSAGE_INVALID_CODE = "TRIAL_THREAD_MESSAGE_INVALID";
/** A trial sent to a thread that is training one (a bug in the worker's dispatch). */
export const THREAD_BUSY_CODE = "TRIAL_THREAD_BUSY";
/** A thread that ended (crashed, or was terminated) while it trained a trial. */
export const THREAD_EXITED_CODE = "TRIAL_THREAD_EXITED";
/** The worker's threads were closed while a trial waited for one or trained on one. */
export const THREADS_CLOSED_CODE = "TRIAL_THREADS_CLOSED";

/** What a thread is started with (its `workerData`). */
export const TrialThreadSetupSchema = z
  .object({
    /** The backend to initialise, by name (@tailsweep/model's BackendName): the one the worker chose for itself. */
    backend: z.enum(["webgpu", "tensorflow", "wasm-blas", "wasm", "cpu"]),
    /** OpenBLAS threads of this thread's backend (wasm-blas). */
    blasThreads: z.number().int().min(1),
    /** The data cache the worker's settings name (configureCacheDir); unset: the data package's default. */
    cacheDir: z.string().optional(),
    /**
     * Data sets whose sources the thread reads once it is ready, while it waits for its first trial (a sweep names
     * them before anything is stored): @tailsweep/data's preloadDatasetSources.
     */
    preload: z.array(DatasetRecipeSchema).optional(),
    /**
     * One Int32 through which the worker answers a question the thread asks synchronously (shouldStop between epochs,
     * cancelled before a checkpoint): {@link ANSWER}.
     */
    answer: z.instanceof(SharedArrayBuffer).refine((b) => b.byteLength >= 4, "holds one Int32"),
    /**
     * One Int32: how many requests the process is answering now (`tailsweep ui`'s pages). While it is above 0 the
     * thread holds training at its yield points, at most `servingMaxWaitMs` at a time, so that a page does not
     * share the cores with training; unset, training never waits.
     */
    serving: z
      .instanceof(SharedArrayBuffer)
      .refine((b) => b.byteLength >= 4, "holds one Int32")
      .optional(),
    /** The longest one hold lasts (default {@link SERVING_MAX_WAIT_MS}): the process's own bound on its requests. */
    servingMaxWaitMs: z.number().int().positive().optional(),
  })
  .strict();
export type TrialThreadSetup = z.infer<typeof TrialThreadSetupSchema>;

/** The longest training waits at one yield point for requests to end: a stream left open must not stop it for good. */
export const SERVING_MAX_WAIT_MS = 2_000;

/** The values of the answer cell: waiting for the worker, no, yes. */
export const ANSWER = { pending: 0, no: 1, yes: 2 } as const;

/** Bytes as structured clone delivers them (a Uint8Array of the receiving thread). */
const BytesSchema = z.custom<Uint8Array>((v) => v instanceof Uint8Array, "bytes (a Uint8Array)");

/** The artifact store's methods a thread calls through the worker's store. */
export const ArtifactCallSchema = z.discriminatedUnion("method", [
  z.object({ method: z.literal("get"), key: z.string() }).strict(),
  z.object({ method: z.literal("info"), key: z.string() }).strict(),
  z.object({ method: z.literal("put"), key: z.string(), data: BytesSchema }).strict(),
  z.object({ method: z.literal("list"), prefix: z.string() }).strict(),
  z.object({ method: z.literal("delete"), key: z.string() }).strict(),
  z.object({ method: z.literal("deletePrefix"), prefix: z.string() }).strict(),
]);
export type ArtifactCall = z.infer<typeof ArtifactCallSchema>;

/** What an artifact store says about one key (ArtifactInfo), as a reply carries it. */
export const ArtifactInfoSchema = z
  .object({ key: z.string(), bytes: z.number(), modified: z.date() })
  .strict();

/** What each artifact call answers, parsed where the reply arrives (in the thread). */
export const ARTIFACT_REPLY_SCHEMAS = {
  get: BytesSchema.optional(),
  info: ArtifactInfoSchema.optional(),
  put: ArtifactInfoSchema,
  list: z.array(ArtifactInfoSchema),
  delete: z.boolean(),
  deletePrefix: z.number().int(),
} satisfies Record<ArtifactCall["method"], z.ZodType>;
export type ArtifactReply<M extends ArtifactCall["method"]> = z.infer<(typeof ARTIFACT_REPLY_SCHEMAS)[M]>;

/** Worker → thread. */
export const ToTrialThreadSchema = z.discriminatedUnion("type", [
  z
    .object({
      type: z.literal("run"),
      trialId: z.string().min(1),
      attempt: z.number().int().min(1),
      execution: TrialExecutionSchema,
      /** Whether the worker has an artifact store for this trial's checkpoints and artifacts, called through it. */
      artifacts: z.boolean(),
      config: RunConfigSchema,
    })
    .strict(),
  z
    .object({
      type: z.literal("artifact-reply"),
      id: z.number().int(),
      // The value is parsed by the call's own schema (ARTIFACT_REPLY_SCHEMAS) where it is awaited.
      reply: z.discriminatedUnion("ok", [
        z.object({ ok: z.literal(true), value: z.unknown() }).strict(),
        z.object({ ok: z.literal(false), error: WireErrorSchema }).strict(),
      ]),
    })
    .strict(),
]);
export type ToTrialThread = z.infer<typeof ToTrialThreadSchema>;

/** Thread → worker. */
export const FromTrialThreadSchema = z.discriminatedUnion("type", [
  /** The backend is initialised: trials may come. */
  z.object({ type: z.literal("ready"), backend: z.string(), detail: z.string() }).strict(),
  /** The backend did not initialise: the thread is of no use. */
  z.object({ type: z.literal("init-failed"), error: WireErrorSchema }).strict(),
  z.object({ type: z.literal("epoch"), metric: EpochMetricSchema }).strict(),
  /** A question the thread now waits on, blocked, until the answer cell is set. */
  z.object({ type: z.literal("ask"), question: z.enum(["should-stop", "cancelled"]) }).strict(),
  z.object({ type: z.literal("result"), result: TrialResultSchema }).strict(),
  z.object({ type: z.literal("failed"), error: WireErrorSchema }).strict(),
  z.object({ type: z.literal("artifact-call"), id: z.number().int(), call: ArtifactCallSchema }).strict(),
  z.object({ type: z.literal("log"), line: z.string() }).strict(),
]);
export type FromTrialThread = z.infer<typeof FromTrialThreadSchema>;
