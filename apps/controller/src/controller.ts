import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { Bus, Subscription } from "@tailsweep/bus";
import {
  type ClaimReply,
  type ClaimRequest,
  type SweepSpec,
  trialNeedsGpu,
  type WorkerEvent,
} from "@tailsweep/schemas";
import {
  expandSweep,
  type RunStore,
  type SweepRecord,
  type TrialRecord,
  takesGpuTrials,
} from "@tailsweep/sweep";
import packageJson from "../package.json" with { type: "json" };

/** Controller settings. */
export interface ControllerOptions {
  /** How often to look for silent workers; a running trial is stale after 3 of its sweep's heartbeat intervals. */
  reapEveryMs?: number;
  /** Most events written per batch (1 writes them one at a time). */
  maxBatch?: number;
  log?: (line: string) => void;
}

/** The message id that makes a trial's queue message unique per attempt (JetStream drops repeats). */
export function trialMessageId(trial: Pick<TrialRecord, "id" | "attempt">): string {
  return `${trial.id}#${trial.attempt + 1}`;
}

/**
 * The single writer of trial state. It expands and stores sweeps, queues their trials, grants claims
 * (WAITING → RUNNING in the store, so no trial runs twice at once), persists worker events in order, hands back
 * trials whose worker went silent, and cancels sweeps. Workers never touch the store.
 */
export class Controller {
  private subscriptions: Subscription[] = [];
  private reaper?: NodeJS.Timeout;
  private readonly log: (line: string) => void;

  constructor(
    private readonly store: RunStore,
    private readonly bus: Bus,
    private readonly options: ControllerOptions = {},
  ) {
    this.log = options.log ?? (() => {});
  }

  /** Starts serving claims and events and the reaper; re-queues every waiting trial of every running sweep. */
  async start(): Promise<void> {
    this.subscriptions.push(await this.bus.serveClaims((r) => this.grant(r)));
    this.subscriptions.push(
      await this.bus.consumeEvents((events) => this.persistBatch(events), {
        maxBatch: this.options.maxBatch,
      }),
    );
    for (const sweep of await this.store.listSweeps()) {
      if (sweep.status === "running") await this.queueWaiting(sweep);
    }
    const every = this.options.reapEveryMs ?? 5_000;
    this.reaper = setInterval(() => {
      this.reap().catch((e: Error) => this.log(`reaper: ${e.message}`));
    }, every);
    this.reaper.unref();
  }

  /** Stores a validated sweep and queues its trials. Returns the stored sweep (idempotent on `id`). */
  async submit(spec: SweepSpec, id: string = randomUUID()): Promise<SweepRecord> {
    const trials = expandSweep(spec);
    const sweep = await this.store.createSweep({ id, spec, trials, provenance: provenance() });
    await this.queueWaiting(sweep);
    this.log(`sweep ${sweep.id} (${spec.project}/${spec.name}): ${trials.length} trials queued`);
    return sweep;
  }

  /** Cancels a sweep: its queued trials are dropped when a worker pulls them, running ones stop within an epoch. */
  async cancel(sweepId: string): Promise<number> {
    const stopped = await this.store.cancelSweep(sweepId, new Date());
    await this.bus.publishCancel(sweepId);
    return stopped;
  }

  /** Deletes a sweep and everything stored for it, cancelling it first if it runs (so its workers stop). */
  async delete(sweepId: string): Promise<boolean> {
    const sweep = await this.store.getSweep(sweepId);
    if (!sweep) return false;
    if (sweep.status === "running") await this.cancel(sweepId);
    const deleted = await this.store.deleteSweep(sweepId);
    if (deleted) this.log(`sweep ${sweepId} (${sweep.project}/${sweep.name}) deleted`);
    return deleted;
  }

  /**
   * Hands back trials whose worker stopped heartbeating, as new attempts (or fails them past maxAttempts). Each
   * sweep is judged by its own heartbeat interval: a trial is stale after three missed heartbeats.
   */
  async reap(now = new Date()): Promise<TrialRecord[]> {
    const handedBack: TrialRecord[] = [];
    for (const sweep of await this.store.listSweeps()) {
      if (sweep.status !== "running") continue;
      const staleAfterMs = 3 * sweep.spec.execution.heartbeatSeconds * 1000;
      for (const stale of await this.store.requeueStale(now, staleAfterMs, sweep.id)) {
        const t = await this.store.getTrial(stale.id);
        if (t?.state === "waiting") {
          await this.queue(t, sweep.spec);
          handedBack.push(t);
          this.log(`trial ${t.id}: ${t.error}; queued again as attempt ${t.attempt + 1}`);
        } else if (t?.state === "failed") {
          this.log(`trial ${t.id}: ${t.error}`);
        }
      }
    }
    return handedBack;
  }

  async stop(): Promise<void> {
    clearInterval(this.reaper);
    for (const s of this.subscriptions) await s.stop();
    this.subscriptions = [];
  }

  private async queueWaiting({ id: sweepId, spec }: SweepRecord): Promise<void> {
    let needGpu = 0;
    for (const t of await this.store.listTrials(sweepId)) {
      if (t.state === "waiting" && (await this.queue(t, spec)).gpu) needGpu++;
    }
    if (needGpu > 0 && !(await this.store.listWorkers()).some((w) => takesGpuTrials(w))) {
      this.log(
        `sweep ${sweepId}: ${needGpu} trial${needGpu === 1 ? " needs" : "s need"} a GPU (execution.gpu) and no GPU worker is online; they wait until one starts (tailsweep worker --backend webgpu)`,
      );
    }
  }

  /** Publishes a waiting trial to the queue of its kind: GPU workers' if its sweep says it needs a GPU. */
  private async queue(trial: TrialRecord, spec: SweepSpec): Promise<{ gpu: boolean }> {
    const gpu = trialNeedsGpu(spec.execution, trial.config);
    await this.bus.publishTrial(
      { trialId: trial.id, sweepId: trial.sweepId, ...(gpu && { gpu: true as const }) },
      trialMessageId(trial),
    );
    return { gpu };
  }

  private async grant(request: ClaimRequest): Promise<ClaimReply> {
    const claimed = await this.store.claimTrial(
      request.trialId,
      request.workerId,
      new Date(),
      request.backend,
    );
    if (claimed) {
      // The sweep's limits travel with the claim, so workers need no configuration of their own.
      const { heartbeatSeconds, trialTimeoutSeconds } = (await this.store.getSweep(claimed.sweepId))!.spec
        .execution;
      return {
        granted: true,
        attempt: claimed.attempt,
        config: claimed.config as unknown as Record<string, unknown>,
        execution: { heartbeatSeconds, trialTimeoutSeconds },
      };
    }
    const t = await this.store.getTrial(request.trialId);
    return { granted: false, reason: t ? `trial is ${t.state}` : "no such trial" };
  }

  /**
   * Writes a batch of events in order: runs of epoch events go to the store in one statement, the rest one by one.
   * Every write is idempotent, so a batch retried after a failure half-way changes nothing twice.
   */
  private async persistBatch(events: WorkerEvent[]): Promise<void> {
    let epochs: {
      trialId: string;
      attempt: number;
      metric: Extract<WorkerEvent, { type: "epoch" }>["metric"];
    }[] = [];
    const flush = async () => {
      if (epochs.length > 0) await this.store.recordEpochs(epochs);
      epochs = [];
    };
    for (const event of events) {
      if (event.type === "epoch") {
        epochs.push({ trialId: event.trialId, attempt: event.attempt, metric: event.metric });
        continue;
      }
      await flush();
      await this.persist(event);
    }
    await flush();
  }

  /** Writes one non-epoch worker event; every write is idempotent, so a redelivered event changes nothing. */
  private async persist(event: Exclude<WorkerEvent, { type: "epoch" }>): Promise<void> {
    switch (event.type) {
      case "heartbeat":
        await this.store.heartbeat(event.trialId, event.attempt, new Date(event.at));
        return;
      case "result":
        await this.store.completeTrial(event.trialId, event.attempt, event.result, new Date(event.at));
        return;
      case "worker":
        await this.store.recordWorker({
          id: event.workerId,
          host: event.host,
          backend: event.backend,
          ...(event.gpu !== undefined && { gpu: event.gpu }),
          trialKinds: event.trialKinds ?? ["cpu"],
          concurrency: event.concurrency,
          startedAt: new Date(event.startedAt),
          lastHeartbeat: new Date(event.at),
          ...(event.stopped && { stoppedAt: new Date(event.at) }),
        });
        return;
      case "failed": {
        const state = await this.store.failTrial(
          event.trialId,
          event.attempt,
          event.reason,
          event.retryable,
          new Date(event.at),
        );
        if (state === "waiting") {
          const t = (await this.store.getTrial(event.trialId))!;
          await this.queue(t, (await this.store.getSweep(t.sweepId))!.spec);
        }
        this.log(
          `trial ${event.trialId} attempt ${event.attempt}: ${event.reason} → ${state ?? "ignored (stale)"}`,
        );
        return;
      }
    }
  }
}

// Imported, not read at run time, so that a bundle (the GPU kit) carries the version with it.
const tailsweepVersion = packageJson.version;

/** What a sweep was submitted from: the git commit and whether the tree was dirty (if in a checkout), runtime, host. */
export function provenance(): Record<string, unknown> {
  let status: string | null = null;
  try {
    // One git process for both facts: porcelain v2 with --branch prints `# branch.oid <sha>`, then a line per change.
    status = execFileSync("git", ["status", "--porcelain=v2", "--branch"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    });
  } catch {
    // not a checkout, or no git: provenance says so with nulls
  }
  const oid = status?.match(/^# branch\.oid ([0-9a-f]{40})$/m)?.[1] ?? null;
  return {
    gitCommit: oid,
    gitDirty: oid === null ? null : status!.split("\n").some((l) => l !== "" && !l.startsWith("#")),
    tailsweep: tailsweepVersion,
    node: process.versions.node,
    platform: `${process.platform}-${process.arch}`,
    host: hostname(),
  };
}
