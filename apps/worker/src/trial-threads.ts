import { Worker as Thread } from "node:worker_threads";
import { AppError, messageOf } from "@tailsweep/schemas";
import {
  ANSWER,
  type ArtifactCall,
  errorFromWire,
  errorToWire,
  type FromTrialThread,
  FromTrialThreadSchema,
  THREAD_EXITED_CODE,
  THREAD_MESSAGE_INVALID_CODE,
  THREADS_CLOSED_CODE,
  type ToTrialThread,
  type TrialThreadSetup,
} from "@tailsweep/schemas/trial-thread";
import type { ArtifactStore } from "@tailsweep/sweep";
import type { TrialGrant, TrialHooks, TrialRunner } from "./worker";

type Result = Awaited<ReturnType<TrialRunner>>;

/**
 * Where a training thread's code is: the module (trial-thread.ts, or what a bundle made of it), and for the
 * TypeScript source a module whose `register()` makes Node load TypeScript (tsx's `tsx/esm/api`, its ES module),
 * called first: a thread does not inherit the hooks of its process, and `--import tsx` in its execArgv is not applied
 * to its entry.
 */
export interface TrialThreadEntry {
  module: URL;
  loader?: URL;
}

/** The TypeScript source of the thread, run through `loader` (tsx/esm/api, resolved by the caller that has tsx). */
export function sourceThreadEntry(loader: URL): TrialThreadEntry {
  return { module: new URL("./trial-thread.ts", import.meta.url), loader };
}

/** Options of {@link TrialThreads.start}. */
export interface TrialThreadsOptions {
  /** Threads, each training one trial at a time. */
  size: number;
  entry: TrialThreadEntry;
  /** The backend each thread initialises (the worker's own), and its OpenBLAS threads. */
  backend: TrialThreadSetup["backend"];
  blasThreads: number;
  /** The data cache folder the worker's settings name. */
  cacheDir?: string;
  /** Data sets whose sources each thread reads while it waits for its first trial. */
  preload?: TrialThreadSetup["preload"];
  /** The count of requests the process is answering (ServingGate's): training waits while it is above 0. */
  serving?: SharedArrayBuffer;
  /** The longest training waits at one yield point for those requests (default SERVING_MAX_WAIT_MS). */
  servingMaxWaitMs?: number;
  log?: (line: string) => void;
}

/** One trial on one thread: its hooks answer the thread's questions, and it settles once. */
interface Job {
  hooks: TrialHooks;
  /** The worker's artifact store: the trial's checkpoints and artifacts go through it. */
  artifacts?: ArtifactStore;
  resolve: (result: Result) => void;
  reject: (e: unknown) => void;
}

interface Slot {
  thread: Thread;
  answer: Int32Array;
  job?: Job;
  /** Given to a trial (set when it is chosen, before its job is): no other trial may take it. */
  taken: boolean;
  /** Ended (crashed, exited or terminated): never given a trial again. */
  dead: boolean;
}

/**
 * A pool of `node:worker_threads` threads that train trials: the TrialRunner (`run`) of a worker whose trials must
 * run in parallel in one process (the embedded `sweep run`), where tfjs's wasm backend keeps each training on one
 * core. Each thread initialises its own backend once; a trial goes to an idle thread, or waits for one. Epochs stream
 * back to the trial's hooks as they end; the trainer's shouldStop and cancelled are the worker's own hooks, asked when
 * the trainer asks (trial-thread.ts), so a cancel or a shutdown stops after the epoch as in process. A thread that dies
 * fails its trial (TRIAL_THREAD_EXITED) and is replaced for the next. `close()` terminates them all.
 */
export class TrialThreads {
  private readonly slots: Slot[] = [];
  private readonly waiting: Array<() => void> = [];
  private closed = false;
  private readonly log: (line: string) => void;

  private constructor(private readonly options: TrialThreadsOptions) {
    this.log = options.log ?? (() => {});
  }

  /**
   * Starts `size` threads and waits until each has its backend. Throws the first thread's coded error when one
   * cannot initialise it (BACKEND_UNAVAILABLE, …), with every thread terminated.
   */
  static async start(options: TrialThreadsOptions): Promise<TrialThreads> {
    const bad = [
      ...(Number.isInteger(options.size) && options.size >= 1
        ? []
        : [`threads: a whole number ≥ 1, got ${options.size}`]),
      ...(options.servingMaxWaitMs === undefined ||
      (Number.isInteger(options.servingMaxWaitMs) && options.servingMaxWaitMs >= 1)
        ? []
        : [`servingMaxWaitMs: a whole number of milliseconds ≥ 1, got ${options.servingMaxWaitMs}`]),
    ];
    if (bad.length > 0) throw new AppError("TRIAL_THREADS_INVALID", "invalid", bad.join("; "));
    const pool = new TrialThreads(options);
    try {
      await Promise.all(Array.from({ length: options.size }, () => pool.spawn().ready));
    } catch (e) {
      await pool.close();
      throw e;
    }
    return pool;
  }

  /** Threads alive now (for tests and logs). */
  get size(): number {
    return this.slots.filter((s) => !s.dead).length;
  }

  /** OpenBLAS threads each trial thread runs with. */
  get blasThreads(): number {
    return this.options.blasThreads;
  }

  /**
   * A runner that trains each trial on a thread of the pool, as `trainingRunner(backend, { artifacts })` would on
   * this one: checkpoints and artifacts go through `artifacts`.
   */
  runner(artifacts?: ArtifactStore): TrialRunner {
    return async (config, hooks, grant) => {
      const slot = await this.takeSlot();
      return new Promise<Result>((resolve, reject) => {
        // ended between being taken and now (closed, or crashed): its end() had no job to fail
        if (slot.dead) {
          reject(
            this.closed
              ? new AppError(THREADS_CLOSED_CODE, "internal", "the trial threads were closed")
              : new AppError(
                  THREAD_EXITED_CODE,
                  "internal",
                  "the trial's thread ended before the trial began",
                ),
          );
          return;
        }
        slot.job = { hooks, resolve, reject, ...(artifacts && { artifacts }) };
        this.send(slot, { type: "run", ...grantFields(grant), artifacts: artifacts !== undefined, config });
      }).finally(() => {
        slot.job = undefined;
        slot.taken = false;
        this.waiting.shift()?.();
      });
    };
  }

  /** Terminates every thread; a trial still on one fails with TRIAL_THREADS_CLOSED. */
  async close(): Promise<void> {
    this.closed = true;
    for (const wake of this.waiting.splice(0)) wake();
    // A copy: end() takes each slot out of the list.
    await Promise.all(
      [...this.slots].map(async (slot) => {
        this.end(slot, new AppError(THREADS_CLOSED_CODE, "internal", "the trial threads were closed"));
        await slot.thread.terminate();
      }),
    );
  }

  /**
   * Takes an idle live thread, a new one in place of a dead one, or the next to become idle. Taken at once, in the
   * same turn as it is found: trials that ask together must not be given the same thread.
   */
  private async takeSlot(): Promise<Slot> {
    for (;;) {
      if (this.closed) throw new AppError(THREADS_CLOSED_CODE, "internal", "the trial threads were closed");
      const idle = this.slots.find((s) => !s.dead && !s.taken);
      if (idle) {
        idle.taken = true;
        return idle;
      }
      if (this.size < this.options.size) {
        const starting = this.spawn();
        starting.slot.taken = true;
        return starting.ready;
      }
      await new Promise<void>((wake) => this.waiting.push(wake));
    }
  }

  /** Starts a thread: its slot at once, and when its backend is ready. */
  private spawn(): { slot: Slot; ready: Promise<Slot> } {
    const { entry } = this.options;
    const buffer = new SharedArrayBuffer(4);
    const answer = new Int32Array(buffer);
    const workerData: TrialThreadSetup = {
      backend: this.options.backend,
      blasThreads: this.options.blasThreads,
      ...(this.options.cacheDir !== undefined && { cacheDir: this.options.cacheDir }),
      ...(this.options.preload && { preload: this.options.preload }),
      ...(this.options.serving && { serving: this.options.serving }),
      ...(this.options.servingMaxWaitMs !== undefined && { servingMaxWaitMs: this.options.servingMaxWaitMs }),
      answer: buffer,
    };
    // The source runs through the loader (tsx): registered in the thread before the module is imported.
    const thread = entry.loader
      ? new Thread(
          `import(${JSON.stringify(entry.loader.href)}).then((m) => { m.register(); return import(${JSON.stringify(entry.module.href)}); });`,
          { eval: true, workerData },
        )
      : new Thread(entry.module, { workerData });
    const slot: Slot = { thread, answer, taken: false, dead: false };
    this.slots.push(slot);
    const ready = new Promise<Slot>((resolve, reject) => {
      let ready = false;
      thread.on("message", (raw: unknown) => {
        const parsed = FromTrialThreadSchema.safeParse(raw);
        if (!parsed.success) {
          const e = new AppError(THREAD_MESSAGE_INVALID_CODE, "internal", parsed.error.message);
          if (!ready) reject(e);
          this.end(slot, e);
          void thread.terminate();
          return;
        }
        const message = parsed.data;
        if (message.type === "ready") {
          ready = true;
          resolve(slot);
        } else if (message.type === "init-failed") {
          const e = errorFromWire(message.error);
          reject(e);
          this.end(slot, e);
          void thread.terminate();
        } else this.receive(slot, message);
      });
      thread.on("error", (e) => {
        const error = new AppError(THREAD_EXITED_CODE, "internal", `a trial thread failed: ${messageOf(e)}`, {
          cause: e,
        });
        if (!ready) reject(error);
        this.end(slot, error);
      });
      thread.on("exit", (code) => {
        const error = new AppError(THREAD_EXITED_CODE, "internal", `a trial thread exited (code ${code})`);
        if (!ready) reject(error);
        this.end(slot, error);
      });
    });
    return { slot, ready };
  }

  /** Marks a thread dead and fails the trial on it. */
  private end(slot: Slot, error: unknown): void {
    if (slot.dead) return;
    slot.dead = true;
    const index = this.slots.indexOf(slot);
    if (index >= 0) this.slots.splice(index, 1);
    slot.job?.reject(error);
    // Unblocks a thread waiting for an answer, should terminate() not have landed yet.
    Atomics.store(slot.answer, 0, ANSWER.no);
    Atomics.notify(slot.answer, 0);
    this.waiting.shift()?.();
  }

  private receive(slot: Slot, message: Exclude<FromTrialThread, { type: "ready" | "init-failed" }>): void {
    const job = slot.job;
    switch (message.type) {
      case "log":
        this.log(message.line);
        return;
      case "ask": {
        // Asked by the trainer now: the worker's hook decides, with its side effects (the first stop reason wins).
        let yes = false;
        try {
          yes = job
            ? message.question === "should-stop"
              ? job.hooks.shouldStop()
              : job.hooks.cancelled()
            : false;
        } finally {
          Atomics.store(slot.answer, 0, yes ? ANSWER.yes : ANSWER.no);
          Atomics.notify(slot.answer, 0);
        }
        return;
      }
      case "epoch":
        job?.hooks.onEpoch(message.metric);
        return;
      case "result":
        job?.resolve(message.result);
        return;
      case "failed":
        job?.reject(errorFromWire(message.error));
        return;
      case "artifact-call":
        void this.callStore(job?.artifacts, message.call).then(
          (value) => this.send(slot, { type: "artifact-reply", id: message.id, reply: { ok: true, value } }),
          (e: unknown) =>
            this.send(slot, {
              type: "artifact-reply",
              id: message.id,
              reply: { ok: false, error: errorToWire(e) },
            }),
        );
        return;
    }
  }

  private callStore(store: ArtifactStore | undefined, call: ArtifactCall): Promise<unknown> {
    if (!store)
      return Promise.reject(new AppError("ARTIFACTS_NONE", "internal", "this worker has no artifact store"));
    switch (call.method) {
      case "get":
        return store.get(call.key);
      case "info":
        return store.info(call.key);
      case "put":
        return store.put(call.key, call.data);
      case "list":
        return store.list(call.prefix);
      case "delete":
        return store.delete(call.key);
      case "deletePrefix":
        return store.deletePrefix(call.prefix);
    }
  }

  private send(slot: Slot, message: ToTrialThread): void {
    if (!slot.dead) slot.thread.postMessage(message);
  }
}

function grantFields(
  grant: TrialGrant,
): Pick<Extract<ToTrialThread, { type: "run" }>, "trialId" | "attempt" | "execution"> {
  return { trialId: grant.trialId, attempt: grant.attempt, execution: grant.execution };
}

/** Options of {@link OnDemandTrialThreads}: those of the pool it starts, and how long it is kept idle. */
export interface OnDemandTrialThreadsOptions extends TrialThreadsOptions {
  /** Kept this long after the last trial ends, then closed (a later trial starts the threads again). */
  idleMs: number;
}

/**
 * Trial threads for a process whose main thread has other work and trains now and then (`tailsweep ui`: the pages
 * are answered on the main thread, sweeps launched from them train here, so a page never waits behind a training
 * step). Started by the first trial, kept while trials come, closed `idleMs` after the last one ends: an idle
 * dashboard holds no thread's data sources and grown wasm heap. Threads that cannot start are said once, and that
 * trial and the later ones run on `fallback` (the main thread's runner) instead, until `idleMs` without a trial, after
 * which the next trial tries the threads again.
 */
export class OnDemandTrialThreads {
  private pool: Promise<TrialThreads> | undefined;
  private failed = false;
  private closed = false;
  private running = 0;
  private idle: NodeJS.Timeout | undefined;
  private readonly log: (line: string) => void;

  constructor(private readonly options: OnDemandTrialThreadsOptions) {
    this.log = options.log ?? (() => {});
  }

  /** Whether threads are started or starting now (for tests and logs). */
  get started(): boolean {
    return this.pool !== undefined;
  }

  /** A runner that trains each trial on a thread of the pool, starting it first when it is not running. */
  runner(fallback: TrialRunner, artifacts?: ArtifactStore): TrialRunner {
    return async (config, hooks, grant) => {
      this.running++;
      clearTimeout(this.idle);
      try {
        const pool = await this.take();
        return await (pool ? pool.runner(artifacts) : fallback)(config, hooks, grant);
      } finally {
        this.running--;
        if (this.running === 0 && !this.closed) {
          this.idle = setTimeout(() => void this.idleOut(), this.options.idleMs);
          // an idle pool's timer does not keep the process alive
          this.idle.unref();
        }
      }
    };
  }

  /**
   * Terminates the threads; a trial still on one fails with TRIAL_THREADS_CLOSED. A close the idle timer began is
   * left to end by itself.
   */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.idle);
    await this.release();
  }

  /** The started pool, or undefined where the threads could not start (the trial then runs on the fallback). */
  private async take(): Promise<TrialThreads | undefined> {
    const closed = () => new AppError(THREADS_CLOSED_CODE, "internal", "the trial threads were closed");
    if (this.closed) throw closed();
    if (this.failed) return undefined;
    if (!this.pool) {
      const { size } = this.options;
      this.log(`starting ${size} trial thread${size === 1 ? "" : "s"}`);
      this.pool = TrialThreads.start(this.options);
    }
    let pool: TrialThreads;
    try {
      pool = await this.pool;
    } catch (e) {
      // closed while they started: the trial does not go to the main thread after all
      if (this.closed) throw closed();
      // every trial that waited on the same start comes here: said once
      if (!this.failed)
        this.log(`training on the main thread: the trial threads did not start (${messageOf(e)})`);
      this.failed = true;
      this.pool = undefined;
      return undefined;
    }
    // closed while they started (close() terminates them): the trial does not begin
    if (this.closed) throw closed();
    return pool;
  }

  /** After `idleMs` without a trial: the threads are closed, and a failed start may be tried again. */
  private async idleOut(): Promise<void> {
    this.failed = false;
    if (!this.pool) return;
    try {
      await this.release();
      this.log(`trial threads closed after ${this.options.idleMs / 1000} s without a trial`);
    } catch (e) {
      this.log(`trial threads: closing the idle threads failed (${messageOf(e)})`);
    }
  }

  private async release(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    await pool?.then(
      (threads) => threads.close(),
      () => {},
    );
  }
}
