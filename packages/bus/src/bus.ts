import type {
  ClaimReply,
  ClaimRequest,
  Heartbeat,
  TrialKind,
  TrialMessage,
  WorkerEvent,
} from "@tailsweep/schemas";

/** One delivery of a trial message. Ack when the trial is settled; unacked deliveries come back after ackWait. */
export interface TrialDelivery {
  message: TrialMessage;
  /** 1 for the first delivery. */
  deliveryCount: number;
  /** Tells the queue the trial is still being worked on (resets the ack timer). */
  working(): void;
  ack(): Promise<void>;
  /** Hands the message back for another worker (after `delayMs`). */
  nak(delayMs?: number): void;
  /** Drops the message for good (a claimed-elsewhere or finished trial). */
  term(): void;
}

/** A sweep's trial messages held by the queue, per kind of trial. */
export type QueuedTrials = Record<TrialKind, number>;

/** How a worker consumes trials. */
export interface ConsumeTrialsOptions {
  /** Trials at once (default 1). */
  concurrency?: number;
  /** The kinds of trial to take, the preferred first (default `["cpu"]`); see TrialKindSchema. */
  kinds?: readonly TrialKind[];
}

/** A running consumer or subscription. */
export interface Subscription {
  stop(): Promise<void>;
}

/**
 * The message bus port: the trial work queue, the durable event stream, claim request/reply and cancel
 * notices. Implemented over NATS JetStream (`NatsBus`) and in process (`InProcessBus`, the embedded default); both
 * pass the conformance suite in `@tailsweep/bus/testing`.
 */
export interface Bus {
  /** Queues a trial. A repeat with the same `dedupeId` inside the dedupe window is dropped (`duplicate: true`). */
  publishTrial(message: TrialMessage, dedupeId: string): Promise<{ duplicate: boolean }>;
  /**
   * Runs `handler` for trial deliveries, at most `concurrency` at a time, taking trials of the given `kinds` (default
   * `["cpu"]`): a free slot takes the first kind in the list that has a trial waiting, so a GPU worker
   * (`["gpu", "cpu"]`) runs GPU trials first and CPU trials while none wait.
   */
  consumeTrials(
    handler: (d: TrialDelivery) => Promise<void>,
    options?: ConsumeTrialsOptions,
  ): Promise<Subscription>;
  /** Publishes a worker event durably: it waits for the controller even if the controller is down. */
  publishEvent(event: WorkerEvent): Promise<void>;
  /**
   * Hands events to `handler` in order, in batches of what is already waiting (up to `maxBatch`, default 256), so
   * the controller can write many in one statement. A batch is acked only after its handler resolves; a failure is
   * retried in place, so order is kept.
   */
  consumeEvents(
    handler: (events: WorkerEvent[]) => Promise<void>,
    options?: { maxBatch?: number },
  ): Promise<Subscription>;
  /** Answers claim requests (the controller). */
  serveClaims(handler: (request: ClaimRequest) => Promise<ClaimReply>): Promise<Subscription>;
  /** Asks the controller to grant a trial; rejects after `timeoutMs` without an answer. */
  requestClaim(request: ClaimRequest, timeoutMs?: number): Promise<ClaimReply>;
  /**
   * Sends a running trial's heartbeat straight to the controller, past the event backlog. Fire and forget: a lost
   * one is covered by the next, and by the controller's grace period after it starts.
   */
  publishHeartbeat(heartbeat: Heartbeat): Promise<void>;
  /** Receives heartbeats as they arrive (the controller). */
  onHeartbeat(handler: (heartbeat: Heartbeat) => void): Promise<Subscription>;
  /**
   * How many trial messages each of these sweeps has in the queue of each kind, delivered-but-unacked ones
   * included: the controller compares them with the trials it has waiting to find messages that were lost.
   */
  queuedTrials(sweepIds: readonly string[]): Promise<Map<string, QueuedTrials>>;
  /**
   * Events published and not yet handled by the controller (queued, or delivered and not acked). Zero means every
   * outcome a worker has had acknowledged is stored, or was lost with the server's storage.
   */
  eventBacklog(): Promise<number>;
  /**
   * Makes sure the queues exist, re-creating what a server that lost its storage no longer has (the controller,
   * after a reconnect and on a timer). Idempotent.
   */
  ensureTopology(): Promise<void>;
  /** Tells every worker that a sweep was cancelled. */
  publishCancel(sweepId: string): Promise<void>;
  onCancel(handler: (sweepId: string) => void): Promise<Subscription>;
  close(): Promise<void>;
}

/**
 * At most `limit` handler calls at once: `acquire` waits for a free slot, `run` starts a task in it (a rejected task
 * goes to `onError`) and frees the slot when it settles, `drain` waits for every started task.
 */
export class TaskPool {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly limit: number) {}

  async acquire(): Promise<void> {
    if (this.active < this.limit) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  /** Gives back a slot taken by `acquire` without running anything in it. */
  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }

  run(task: () => Promise<void>, onError: (e: unknown) => void): void {
    const tracked = task()
      .catch(onError)
      .finally(() => {
        this.release();
        this.inFlight.delete(tracked);
      });
    this.inFlight.add(tracked);
  }

  async drain(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }
}
