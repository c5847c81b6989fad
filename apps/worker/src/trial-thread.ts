// The body of one training thread (node:worker_threads) of TrialThreads (trial-threads.ts): it initialises its own
// compute backend once, then trains the trials it is sent one at a time with trainingRunner, as the worker would on
// its own thread. Progress, results, errors and artifact-store calls go back as messages (@tailsweep/schemas'
// trial-thread contracts); the hooks the trainer calls synchronously (shouldStop, cancelled) block this thread until
// the worker answers, so they are decided by the worker's own hooks at the moment the trainer asks, as in process.
import { parentPort, workerData } from "node:worker_threads";
import { configureCacheDir, preloadDatasetSources } from "@tailsweep/data";
import { type BackendName, initBackend } from "@tailsweep/model";
import { AppError } from "@tailsweep/schemas";
import {
  ANSWER,
  ARTIFACT_REPLY_SCHEMAS,
  type ArtifactCall,
  errorFromWire,
  errorToWire,
  type FromTrialThread,
  SERVING_MAX_WAIT_MS,
  THREAD_BUSY_CODE,
  THREAD_MESSAGE_INVALID_CODE,
  ToTrialThreadSchema,
  TrialThreadSetupSchema,
} from "@tailsweep/schemas/trial-thread";
import type { ArtifactStore } from "@tailsweep/sweep";
import { trainingRunner } from "./worker";

const port = parentPort;
if (!port) throw new Error("trial-thread.ts runs as a worker thread (TrialThreads), not as a module");
const setup = TrialThreadSetupSchema.parse(workerData);
const answer = new Int32Array(setup.answer);
const serving = setup.serving && new Int32Array(setup.serving);
const post = (message: FromTrialThread) => port.postMessage(message);

/** Asks the worker a yes/no question and blocks until it answers (see the header). */
function ask(question: "should-stop" | "cancelled"): boolean {
  Atomics.store(answer, 0, ANSWER.pending);
  post({ type: "ask", question });
  // Woken by the answer; the timeout only lets a terminate() land while the worker's loop is busy.
  while (Atomics.load(answer, 0) === ANSWER.pending) Atomics.wait(answer, 0, ANSWER.pending, 1_000);
  return Atomics.load(answer, 0) === ANSWER.yes;
}

/**
 * Holds training while the process answers requests (at most servingMaxWaitMs at a time; woken when their count
 * falls to 0), then yields to this thread's loop. Blocking is fine here: at a step boundary the thread has nothing
 * else to do.
 */
function servedFirst(requests: Int32Array): Promise<void> {
  const until = performance.now() + (setup.servingMaxWaitMs ?? SERVING_MAX_WAIT_MS);
  for (let n = Atomics.load(requests, 0); n > 0; n = Atomics.load(requests, 0)) {
    const left = until - performance.now();
    if (left <= 0) break;
    Atomics.wait(requests, 0, n, left);
  }
  return new Promise((resolve) => setImmediate(resolve));
}
const pause = serving && (() => servedFirst(serving));

const calls = new Map<number, { resolve: (value: unknown) => void; reject: (e: unknown) => void }>();
let nextCall = 1;

/** Calls the worker's artifact store (a NATS connection or a folder is the worker's to hold); the raw reply. */
function callStore(call: ArtifactCall): Promise<unknown> {
  const id = nextCall++;
  return new Promise((resolve, reject) => {
    calls.set(id, { resolve, reject });
    post({ type: "artifact-call", id, call });
  });
}

/** A reply parsed where it arrives: it is data from another thread. */
function parsed<T>(
  method: ArtifactCall["method"],
  schema: {
    safeParse(v: unknown): { success: true; data: T } | { success: false; error: { message: string } };
  },
  value: unknown,
): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new AppError(
    THREAD_MESSAGE_INVALID_CODE,
    "internal",
    `artifact ${method} reply: ${result.error.message}`,
  );
}

const R = ARTIFACT_REPLY_SCHEMAS;
const artifacts: ArtifactStore = {
  get: async (key) => parsed("get", R.get, await callStore({ method: "get", key })),
  info: async (key) => parsed("info", R.info, await callStore({ method: "info", key })),
  put: async (key, data) => parsed("put", R.put, await callStore({ method: "put", key, data })),
  list: async (prefix) => parsed("list", R.list, await callStore({ method: "list", prefix })),
  delete: async (key) => parsed("delete", R.delete, await callStore({ method: "delete", key })),
  deletePrefix: async (prefix) =>
    parsed("deletePrefix", R.deletePrefix, await callStore({ method: "deletePrefix", prefix })),
  close: async () => {},
};

configureCacheDir(setup.cacheDir);
const prefer: BackendName = setup.backend;
const backend = await initBackend({ prefer, blasThreads: setup.blasThreads }).catch((e: unknown) => {
  post({ type: "init-failed", error: errorToWire(e) });
  return undefined;
});
if (backend) {
  const log = (line: string) => post({ type: "log", line });
  const withStore = trainingRunner(backend, { artifacts, log, ...(pause && { pause }) });
  const withoutStore = trainingRunner(backend, { log, ...(pause && { pause }) });
  let busy = false;
  port.on("message", (raw: unknown) => {
    const parsed = ToTrialThreadSchema.safeParse(raw);
    if (!parsed.success) {
      post({
        type: "failed",
        error: errorToWire(new AppError(THREAD_MESSAGE_INVALID_CODE, "internal", parsed.error.message)),
      });
      return;
    }
    const message = parsed.data;
    if (message.type === "artifact-reply") {
      const pending = calls.get(message.id);
      calls.delete(message.id);
      if (message.reply.ok) pending?.resolve(message.reply.value);
      else pending?.reject(errorFromWire(message.reply.error));
      return;
    }
    if (busy) {
      post({
        type: "failed",
        error: errorToWire(new AppError(THREAD_BUSY_CODE, "internal", "a trial was sent to a busy thread")),
      });
      return;
    }
    busy = true;
    const { trialId, attempt, execution, config } = message;
    (message.artifacts ? withStore : withoutStore)(
      config,
      {
        onEpoch: (metric) => post({ type: "epoch", metric }),
        shouldStop: () => ask("should-stop"),
        cancelled: () => ask("cancelled"),
      },
      { trialId, attempt, execution },
    ).then(
      (result) => {
        busy = false;
        post({ type: "result", result });
      },
      (e: unknown) => {
        busy = false;
        post({ type: "failed", error: errorToWire(e) });
      },
    );
  });
  post({ type: "ready", backend: backend.name, detail: backend.detail });
  // While the first trial is on its way (the worker's store is still opening, or the sweep is being queued): a trial
  // that needs the same sources awaits this reading instead of starting its own. A failure is left to that trial.
  for (const recipe of setup.preload ?? []) void preloadDatasetSources(recipe).catch(() => {});
}
