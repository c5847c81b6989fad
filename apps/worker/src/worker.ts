import { hostname } from "node:os";
import type { ArtifactStore, Bus, Subscription, TrialDelivery } from "@tailsweep/bus";
import { loadDataset } from "@tailsweep/data";
import { adapterModel, type BackendInfo, trainModel } from "@tailsweep/model";
import {
  type ClaimReply,
  ErrorCodeSchema,
  hasErrorCode,
  isAppError,
  messageOf,
  type RunConfig,
  type TrialKind,
  trialCheckpointKey,
  type WorkerEvent,
} from "@tailsweep/schemas";
import { THREAD_EXITED_CODE, UNCODED_ERROR_CODE } from "@tailsweep/schemas/trial-thread";
import { PRESENCE_SECONDS } from "@tailsweep/sweep";
import {
  artifactContents,
  loadCheckpoint,
  runIdentity,
  storeArtifactsPersistently,
  storeCheckpoint,
} from "./trial-files";

type EpochEvent = Extract<WorkerEvent, { type: "epoch" }>;
type ResultEvent = Extract<WorkerEvent, { type: "result" }>;

/** How a runner reports progress and learns that it must stop (after the current epoch). */
export interface TrialHooks {
  onEpoch(metric: EpochEvent["metric"]): void;
  shouldStop(): boolean;
  /** Whether the trial's sweep was cancelled since it was granted (it may be deleted next). */
  cancelled(): boolean;
}

/** The granted attempt a runner trains: which trial, and its sweep's limits and what it keeps. */
export interface TrialGrant {
  trialId: string;
  attempt: number;
  execution: Extract<ClaimReply, { granted: true }>["execution"];
}

/** Runs one granted trial to its result; throwing fails the trial without retry (divergence, a bad config). */
export type TrialRunner = (
  config: RunConfig,
  hooks: TrialHooks,
  grant: TrialGrant,
) => Promise<ResultEvent["result"]>;

/** Options of {@link trainingRunner}. */
export interface TrainingRunnerOptions {
  /** Awaited at training's yield points (see TrainHooks.pause). */
  pause?: () => Promise<void>;
  /**
   * Where checkpoints and artifacts go (the NATS object store, or a directory in embedded mode). Without one a
   * trial keeps neither, and a retry starts over.
   */
  artifacts?: ArtifactStore;
  log?: (line: string) => void;
}

/**
 * The default runner: load the trial's dataset and train the model on this worker's backend. With an artifact
 * store it resumes from the trial's latest checkpoint (whichever attempt wrote it: every attempt of a trial follows
 * the same trajectory bit for bit, so any of their checkpoints is a point on it), saves one every
 * `execution.checkpointEvery` epochs, and stores the artifacts of a trial that succeeds.
 */
export function trainingRunner(backend: BackendInfo, options: TrainingRunnerOptions = {}): TrialRunner {
  const log = options.log ?? (() => {});
  return async (config, hooks, grant) => {
    const store = options.artifacts;
    const { checkpointEvery = 0, artifacts: keep = "none" } = grant.execution;
    const dataset = await loadDataset(config.dataset);
    const stored =
      store && checkpointEvery > 0
        ? await loadCheckpoint(store, grant.trialId, log)
        : { state: "none" as const };
    // A store that did not answer may hold a later checkpoint than this attempt will reach: it is not overwritten.
    if (stored.state === "unknown") {
      log(
        `trial ${grant.trialId}: the artifact store did not answer (${stored.reason}); training without checkpoints`,
      );
    }
    const saveTo = stored.state === "unknown" ? undefined : store;
    const result = await trainModel(dataset, config.model, config.train, {
      backend: { name: backend.name, detail: backend.detail },
      ...(saveTo && checkpointEvery > 0 && { runIdentity: runIdentity(dataset, backend.versions) }),
      // The epochs a checkpoint restored are this attempt's too: the curves read the current attempt's epochs.
      onResume: (restored) => {
        log(`trial ${grant.trialId}: attempt ${grant.attempt} resumes after epoch ${restored.epoch}`);
        for (const r of restored.history) hooks.onEpoch(r);
      },
      onEpoch: (r) => hooks.onEpoch(r),
      shouldStop: () => hooks.shouldStop(),
      pause: options.pause,
      ...(stored.state === "found" && { resumeFrom: stored.checkpoint }),
      ...(saveTo &&
        checkpointEvery > 0 && {
          checkpoints: {
            everyEpochs: checkpointEvery,
            // Not once the sweep is cancelled: it may be deleted next, and a file written after its files went
            // would stay for good. A resumed cancel goes on from the last checkpoint before it.
            save: async (c) => {
              if (!hooks.cancelled()) await storeCheckpoint(saveTo, grant.trialId, c);
            },
            onError: (e) => log(`trial ${grant.trialId}: checkpoint not stored (${messageOf(e)})`),
          },
        }),
      artifacts: store !== undefined && keep === "all",
    });
    if (result.resumeRefused) log(`trial ${grant.trialId}: checkpoint not used: ${result.resumeRefused}`);
    // A stopped run (cancelled, handed back, timed out) is no result: its checkpoint is what a resume needs, and
    // the worker drops its checkpoint only once a result is sent.
    const files =
      store && result.artifacts && !result.stopped
        ? await storeArtifactsPersistently(
            store,
            grant.trialId,
            grant.attempt,
            artifactContents(result, dataset, config),
            // Not shouldStop: training is over, and its deadline or a shutdown must not turn a finished trial into a
            // timed-out or handed-back one; a cancelled sweep's files may be deleted next, so none are written for it.
            { log, stopped: () => hooks.cancelled() },
          )
        : undefined;
    return {
      metrics: {
        ...result.metrics,
        ...(result.resumed && { resumed: result.resumed }),
        ...(files && ("kept" in files ? { artifacts: files.kept } : { artifactsNotStored: files.notStored })),
        history: result.history,
        ...(result.selection && { selection: result.selection }),
        parameterCount: result.parameterCount,
        alpha: result.alpha,
        steps: result.steps,
        // what computed it, for reproducibility: tfjs and BLAS versions, threads, SIMD
        backendDetail: result.backend.detail,
        backendVersions: backend.versions,
        // the GPU, as fields to group and filter by (vendor, architecture, device; fallback = a software adapter)
        ...(backend.adapter && { gpuAdapter: { ...backend.adapter } }),
      },
      backend: result.backend.name,
      seconds: result.seconds,
    };
  };
}

export { PRESENCE_SECONDS };

/** The trial kinds a worker on `backend` takes by default: see WorkerOptions.trialKinds. */
export function defaultTrialKinds(backend: Pick<BackendInfo, "name">): TrialKind[] {
  return backend.name === "webgpu" ? ["gpu", "cpu"] : ["cpu"];
}

/** A GPU's name for the workers list: vendor, architecture and device as the adapter reports them. */
export function gpuName(adapter: NonNullable<BackendInfo["adapter"]>): string {
  const name = adapterModel(adapter) || adapter.description;
  return adapter.fallback ? `${name} (software)` : name;
}

/** Worker settings. */
export interface WorkerOptions {
  /** Identity reported with claims and heartbeats (default host:pid). */
  id?: string;
  /** Trials at once in this process. */
  concurrency?: number;
  backend: BackendInfo;
  /**
   * The kinds of trial it takes, preferred first. Default: GPU trials first and then CPU trials on the webgpu
   * backend (its adapter is the worker's GPU), CPU trials only on any other.
   */
  trialKinds?: readonly TrialKind[];
  /** Seconds between presence reports, busy or idle (default PRESENCE_SECONDS); `tailsweep workers` shows them. */
  presenceSeconds?: number;
  /** What runs a trial (default: `trainingRunner(backend, { artifacts })`); benchmarks swap in a no-op. */
  runTrial?: TrialRunner;
  /** Where the default runner keeps checkpoints and artifacts (see {@link TrainingRunnerOptions.artifacts}). */
  artifacts?: ArtifactStore;
  log?: (line: string) => void;
  /**
   * Called when a trial ends here, for progress displays. "result sent": trained to the end and reported; whether
   * it is stored is the controller's call (it keeps one result per trial).
   */
  onTrialEnd?: (
    trialId: string,
    outcome: "result sent" | "failed" | "cancelled" | "handed back" | "skipped",
    /** Why, where the outcome alone does not say it (a failure's reason, the controller's for a skip). */
    why?: string,
  ) => void;
}

/** How often a running trial's delivery is marked in progress: a third of the trial consumers' 30 s ack wait. */
const ACK_PROGRESS_SECONDS = 10;

/** Why a running trial is being stopped early. */
type StopReason = "cancelled" | "shutdown" | "timeout";

/**
 * Pulls trials from the bus, asks the controller for each (it refuses trials that are running elsewhere or
 * finished), trains with `@tailsweep/model`, and reports heartbeats, per-epoch metrics and the result as events.
 * It needs no database. Divergence and configuration errors fail the trial at once; a shutdown hands it back.
 */
export class Worker {
  readonly id: string;
  private subscriptions: Subscription[] = [];
  /**
   * When each sweep's latest cancel notice arrived. It stops the trials asked for before it (a cancel can arrive
   * between a claim and the trial's start), not those claimed after: a cancelled sweep can be resumed, and the
   * store refuses claims of cancelled trials, so a granted claim asked for after the notice is live.
   */
  private readonly cancelledAt = new Map<string, number>();
  private readonly log: (line: string) => void;
  /** Whether a claim went unanswered since the last one answered: said once per such stretch. */
  private unansweredClaims = false;
  private readonly runTrial: TrialRunner;
  private readonly startedAt = new Date();
  private presence?: NodeJS.Timeout;
  private stopping = false;
  private stoppingSince?: number;
  /** Trials running here now: a redelivery of one of them is dropped, never claimed a second time. */
  private readonly running = new Set<string>();
  /** The kinds of trial it takes, preferred first. */
  readonly trialKinds: readonly TrialKind[];

  constructor(
    private readonly bus: Bus,
    private readonly options: WorkerOptions,
  ) {
    this.id = options.id ?? `${hostname()}:${process.pid}`;
    this.log = options.log ?? (() => {});
    this.runTrial =
      options.runTrial ?? trainingRunner(options.backend, { artifacts: options.artifacts, log: this.log });
    this.trialKinds = options.trialKinds ?? defaultTrialKinds(options.backend);
  }

  async start(): Promise<void> {
    await this.reportPresence(false).catch(() => {}); // the bus may be down: the next report will do
    this.presence = setInterval(
      () => void this.reportPresence(false).catch(() => {}),
      (this.options.presenceSeconds ?? PRESENCE_SECONDS) * 1000,
    );
    this.presence.unref();
    this.subscriptions.push(
      await this.bus.onCancel((sweepId) => {
        this.cancelledAt.set(sweepId, performance.now());
      }),
    );
    this.subscriptions.push(
      await this.bus.consumeTrials((d) => this.handle(d), {
        concurrency: this.options.concurrency ?? 1,
        kinds: this.trialKinds,
      }),
    );
  }

  /** Stops taking trials; running ones stop after their current epoch and are handed back. */
  async stop(): Promise<void> {
    // Running trials see the flag at their next epoch; one granted while stopping sees it before it starts.
    this.stopping = true;
    this.stoppingSince = Date.now();
    clearInterval(this.presence);
    for (const s of this.subscriptions.reverse()) await s.stop();
    this.subscriptions = [];
    await this.reportPresence(true).catch(() => {});
  }

  private reportPresence(stopped: boolean): Promise<void> {
    return this.bus.publishEvent({
      type: "worker",
      workerId: this.id,
      host: hostname(),
      backend: this.options.backend.name,
      ...(this.options.backend.adapter && { gpu: gpuName(this.options.backend.adapter) }),
      trialKinds: [...this.trialKinds],
      concurrency: this.options.concurrency ?? 1,
      startedAt: this.startedAt.toISOString(),
      at: new Date().toISOString(),
      stopped,
    });
  }

  /**
   * Publishes an event that settles a trial, retrying through a bus outage (the NATS client reconnects by
   * itself) for up to an hour: losing a result would throw finished training away, and the controller still
   * counts one that arrives after the trial was handed back.
   */
  private async publishSurely(event: WorkerEvent): Promise<void> {
    const giveUpAt = Date.now() + 3_600_000;
    for (let delay = 200; ; delay = Math.min(delay * 2, 5_000)) {
      try {
        await this.bus.publishEvent(event);
        return;
      } catch (e) {
        // A worker that is stopping waits a minute at most: an operator's stop must end, and what is lost is
        // only this attempt (handed back for silence, its result or hand-back not heard).
        if (Date.now() > (this.stoppingSince ? this.stoppingSince + 60_000 : giveUpAt)) throw e;
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  /** Tells the controller that this attempt's outcome is in the event stream, so it is not taken for dead. */
  private async announceSettled(trialId: string, attempt: number): Promise<void> {
    await this.bus.publishHeartbeat({ trialId, attempt, workerId: this.id, settled: true }).catch(() => {}); // lost: the controller may hand the trial back, and the result still counts when read
  }

  private async handle(delivery: TrialDelivery): Promise<void> {
    const { trialId } = delivery.message;
    if (this.running.has(trialId)) {
      delivery.term(); // its message came back while it trains here (a stalled ack): the running copy settles it
      return;
    }
    this.running.add(trialId);
    try {
      await this.claimAndRun(delivery);
    } finally {
      this.running.delete(trialId);
    }
  }

  private async claimAndRun(delivery: TrialDelivery): Promise<void> {
    const { trialId, sweepId } = delivery.message;
    let reply: Awaited<ReturnType<Bus["requestClaim"]>>;
    const askedAt = performance.now();
    try {
      reply = await this.bus.requestClaim({ trialId, workerId: this.id, backend: this.options.backend.name });
    } catch (e) {
      delivery.nak(1_000); // no controller right now: try again later
      // said once, and again only after a claim was answered: a worker that waits in silence looks broken
      if (!this.unansweredClaims) {
        this.unansweredClaims = true;
        this.log(
          `trial ${trialId}: no controller answers claims (${messageOf(e)}); trials wait until one does (tailsweep controller)`,
        );
      }
      return;
    }
    if (this.unansweredClaims) {
      this.unansweredClaims = false;
      this.log("a controller answers claims again");
    }
    if (!reply.granted) {
      if (reply.retryable) {
        // The controller's trouble, not the trial's (its database is down): the message goes back to wait.
        this.log(`trial ${trialId}: claim refused for now (${reply.reason}); handed back`);
        delivery.nak(2_000);
        // Hold the slot a moment: pulling the next trial at once would cycle the queue through a refusing
        // controller at claim speed.
        await new Promise((r) => setTimeout(r, 1_000));
        return;
      }
      delivery.term(); // running elsewhere, finished or cancelled: nothing to do
      this.options.onTrialEnd?.(trialId, "skipped", reply.reason);
      return;
    }
    const attempt = reply.attempt;
    const state: { stop?: StopReason } = {};
    let epochs: Promise<void> = Promise.resolve();
    const heartbeat = async () => {
      delivery.working();
      await this.bus.publishHeartbeat({ trialId, attempt, workerId: this.id });
    };
    // The sweep's own limits come with the claim.
    const { heartbeatSeconds, trialTimeoutSeconds } = reply.execution;
    const beat = setInterval(() => void heartbeat().catch(() => {}), heartbeatSeconds * 1000);
    // The queue hears of progress at least every ACK_PROGRESS_SECONDS whatever the sweep's heartbeat (up to an
    // hour): its ack wait (30 s) must not run out under a trial that is still training.
    const progress = setInterval(() => delivery.working(), ACK_PROGRESS_SECONDS * 1000);
    const deadline = Date.now() + trialTimeoutSeconds * 1000;
    const fail = async (reason: string, retryable: boolean, handBack = false, code?: string) =>
      this.publishSurely({
        type: "failed",
        trialId,
        attempt,
        at: new Date().toISOString(),
        reason,
        retryable,
        ...(handBack && { handBack: true as const }),
        ...(code !== undefined && { code }),
      });
    try {
      await heartbeat().catch(() => {}); // a bus hiccup must not fail the trial
      // Granted just as this worker began to stop: hand it straight back rather than train an epoch of it.
      if (this.stopping) state.stop = "shutdown";
      const result =
        state.stop === "shutdown"
          ? undefined
          : await this.runTrial(
              reply.config,
              {
                onEpoch: (metric) => {
                  delivery.working();
                  // In order and surely, through a bus outage or a failover, without holding training up; the
                  // outcome is sent only after them.
                  epochs = epochs
                    .then(() => this.publishSurely({ type: "epoch", trialId, attempt, metric }))
                    .catch(() => {});
                },
                // The first reason seen wins: a cancelled sweep, this worker stopping, the trial's time limit.
                cancelled: () => (this.cancelledAt.get(sweepId) ?? Number.NEGATIVE_INFINITY) >= askedAt,
                shouldStop: () => {
                  if ((this.cancelledAt.get(sweepId) ?? Number.NEGATIVE_INFINITY) >= askedAt)
                    state.stop ??= "cancelled";
                  if (this.stopping) state.stop ??= "shutdown";
                  if (Date.now() > deadline) state.stop ??= "timeout";
                  return state.stop !== undefined;
                },
              },
              { trialId, attempt, execution: reply.execution },
            );
      await epochs;
      if (state.stop === "shutdown") {
        // Not the trial's fault: it goes back without using up one of its attempts.
        const why = `worker ${this.id} shut down`;
        await fail(why, true, true);
        this.options.onTrialEnd?.(trialId, "handed back", why);
      } else if (state.stop === "cancelled") {
        this.options.onTrialEnd?.(trialId, "cancelled");
      } else if (state.stop === "timeout") {
        const why = `timed out after ${trialTimeoutSeconds} s`;
        await fail(why, false);
        this.options.onTrialEnd?.(trialId, "failed", why);
      } else {
        await this.publishSurely({
          type: "result",
          trialId,
          attempt,
          workerId: this.id,
          at: new Date().toISOString(),
          result: result!,
        });
        // Only now: a worker lost before the result was out leaves the checkpoint for the retry to go on from.
        const { checkpointEvery = 0, keepCheckpoint = false } = reply.execution;
        if (this.options.artifacts && checkpointEvery > 0 && !keepCheckpoint) {
          await this.options.artifacts.delete(trialCheckpointKey(trialId)).catch(() => false);
        }
        this.options.onTrialEnd?.(trialId, "result sent");
      }
      if (state.stop !== "cancelled") await this.announceSettled(trialId, attempt);
    } catch (e) {
      // Divergence or a config the trainer rejects will fail the same way again: no retry. A trial thread that died
      // under it (out of memory, a native crash) is a lost worker, not a bad trial: a new attempt, as when a worker
      // process dies and its heartbeats stop.
      const reason = messageOf(e);
      // kept with the failure, so that a retry can be told apart from one that fails the same way (CONFIG_INVALID);
      // a coded error's own, as it crosses from a trial thread (a plain error's Node code does not)
      // (one the event cannot carry is left out, not the failure with it)
      const code =
        isAppError(e) && e.code !== UNCODED_ERROR_CODE && ErrorCodeSchema.safeParse(e.code).success
          ? e.code
          : undefined;
      await epochs;
      await fail(reason, hasErrorCode(e, THREAD_EXITED_CODE), false, code).then(
        () => this.announceSettled(trialId, attempt),
        () => {},
      );
      // said once: by the caller that reports trial ends, else here
      if (this.options.onTrialEnd) this.options.onTrialEnd(trialId, "failed", reason);
      else this.log(`trial ${trialId}: ${reason}`);
    } finally {
      clearInterval(beat);
      clearInterval(progress);
    }
    // Settled: an ack that fails (a consumer leader being chosen) only means the message comes back after ack
    // wait, and its claim is then refused.
    await delivery.ack().catch(() => {});
  }
}
