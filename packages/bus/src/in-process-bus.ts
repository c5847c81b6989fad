import { EventEmitter } from "node:events";
import {
  type ClaimReply,
  ClaimReplySchema,
  type ClaimRequest,
  type Heartbeat,
  HeartbeatSchema,
  messageLineOf,
  type TrialKind,
  type TrialMessage,
  trialKindOf,
  type WorkerEvent,
  WorkerEventSchema,
} from "@tailsweep/schemas";
import {
  type Bus,
  type ConsumeTrialsOptions,
  type QueuedTrials,
  type Subscription,
  TaskPool,
  type TrialDelivery,
} from "./bus";

interface Pending {
  message: TrialMessage;
  deliveries: number;
}

/** Delivered and not yet acked, per sweep and kind: still "in the queue" for queuedTrials, as on JetStream. */
type InFlight = Map<string, QueuedTrials>;

/**
 * The bus inside one process, for the embedded default (`tailsweep sweep run` without NATS_URL): the same
 * delivery rules as the JetStream setup — dedupe by id, unacked trials redelivered after `ackWaitMs`, `working()`
 * resets that timer, events acked after their handler — so the controller and workers run unchanged.
 */
export class InProcessBus implements Bus {
  /** A queue per trial kind, as the JetStream setup has a consumer per kind. */
  private readonly queues: Record<TrialKind, Pending[]> = { gpu: [], cpu: [] };
  private readonly seen = new Set<string>();
  private readonly events: WorkerEvent[] = [];
  private readonly signals = new EventEmitter();
  private readonly inFlight: InFlight = new Map();
  private claimHandler?: (r: ClaimRequest) => Promise<ClaimReply>;
  private closed = false;

  constructor(private readonly options: { ackWaitMs?: number } = {}) {
    this.signals.setMaxListeners(0);
  }

  async publishTrial(message: TrialMessage, dedupeId: string): Promise<{ duplicate: boolean }> {
    if (this.seen.has(dedupeId)) return { duplicate: true };
    this.seen.add(dedupeId);
    this.queues[trialKindOf(message)].push({ message: structuredClone(message), deliveries: 0 });
    this.signals.emit("trial");
    return { duplicate: false };
  }

  async consumeTrials(
    handler: (d: TrialDelivery) => Promise<void>,
    options: ConsumeTrialsOptions = {},
  ): Promise<Subscription> {
    const kinds = options.kinds ?? ["cpu"];
    const slots = new TaskPool(options.concurrency ?? 1);
    const ackWait = this.options.ackWaitMs ?? 30_000;
    let running = true;
    const loop = (async () => {
      while (running && !this.closed) {
        await slots.acquire();
        if (!running || this.closed) {
          slots.release(); // stopped while waiting for a slot: take no more trials
          break;
        }
        const kind = kinds.find((k) => this.queues[k].length > 0);
        const item = kind && this.queues[kind].shift();
        if (!item) {
          slots.release();
          await this.wake("trial");
          continue;
        }
        item.deliveries++;
        let settled = false;
        let timer: NodeJS.Timeout;
        const held = this.heldBy(item.message.sweepId);
        const itemKind = trialKindOf(item.message);
        held[itemKind]++;
        const done = () => held[itemKind]--;
        const settle = () => {
          settled = true;
          clearTimeout(timer);
          done();
        };
        const requeue = (delayMs = 0) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          // Counted as in flight until it is back in the queue, so a delayed hand-back never looks lost.
          setTimeout(() => {
            done();
            this.queues[trialKindOf(item.message)].push(item);
            this.signals.emit("trial");
          }, delayMs).unref();
        };
        const arm = () => {
          clearTimeout(timer);
          timer = setTimeout(() => requeue(), ackWait);
          timer.unref();
        };
        arm();
        const delivery: TrialDelivery = {
          message: structuredClone(item.message),
          deliveryCount: item.deliveries,
          working: () => !settled && arm(),
          ack: async () => {
            if (!settled) settle();
          },
          nak: (delayMs) => requeue(delayMs),
          term: () => {
            if (!settled) settle();
          },
        };
        slots.run(
          () => handler(delivery),
          () => requeue(),
        );
      }
    })();
    return {
      stop: async () => {
        running = false;
        this.signals.emit("stop");
        await slots.drain();
        await loop;
      },
    };
  }

  async eventBacklog(): Promise<number> {
    return this.events.length; // removed only once handled
  }

  async publishEvent(event: WorkerEvent): Promise<void> {
    this.events.push(WorkerEventSchema.parse(structuredClone(event)));
    this.signals.emit("event");
  }

  async consumeEvents(
    handler: (events: WorkerEvent[]) => Promise<void>,
    options: { maxBatch?: number } = {},
  ): Promise<Subscription> {
    const maxBatch = options.maxBatch ?? 256;
    let running = true;
    const loop = (async () => {
      // Once stopped it still hands over what is queued (nothing outside this process would ever see it), unless
      // the handler fails then.
      while (!this.closed && (running || this.events.length > 0)) {
        if (this.events.length === 0) {
          await this.wake("event");
          continue;
        }
        const batch = this.events.slice(0, maxBatch);
        try {
          await handler(structuredClone(batch));
          this.events.splice(0, batch.length); // acked
        } catch {
          if (!running) break;
          await new Promise((r) => setTimeout(r, 50)); // retried in place after a pause, as on NATS
        }
      }
    })();
    return {
      stop: async () => {
        running = false;
        this.signals.emit("stop");
        await loop;
      },
    };
  }

  async serveClaims(handler: (request: ClaimRequest) => Promise<ClaimReply>): Promise<Subscription> {
    this.claimHandler = handler;
    return {
      stop: async () => {
        if (this.claimHandler === handler) this.claimHandler = undefined;
      },
    };
  }

  async requestClaim(request: ClaimRequest, timeoutMs = 5_000): Promise<ClaimReply> {
    const handler = this.claimHandler;
    if (!handler) {
      await new Promise((r) => setTimeout(r, Math.min(timeoutMs, 100)));
      throw new Error("claim request timed out: no controller is answering");
    }
    // As over NATS: the controller's own failure (its database, say) is a refusal to try again later.
    const reply = await handler(structuredClone(request)).catch(
      (e: unknown): ClaimReply => ({
        granted: false,
        retryable: true,
        reason: `controller error: ${messageLineOf(e)}`,
      }),
    );
    return ClaimReplySchema.parse(reply);
  }

  async publishHeartbeat(heartbeat: Heartbeat): Promise<void> {
    this.signals.emit("heartbeat", HeartbeatSchema.parse(structuredClone(heartbeat)));
  }

  async onHeartbeat(handler: (heartbeat: Heartbeat) => void): Promise<Subscription> {
    this.signals.on("heartbeat", handler);
    return { stop: async () => void this.signals.off("heartbeat", handler) };
  }

  async queuedTrials(sweepIds: readonly string[]): Promise<Map<string, QueuedTrials>> {
    const counts = new Map(sweepIds.map((id) => [id, { ...this.heldBy(id) }]));
    for (const [kind, queue] of Object.entries(this.queues) as [TrialKind, Pending[]][])
      for (const { message } of queue) {
        const c = counts.get(message.sweepId);
        if (c) c[kind]++;
      }
    return counts;
  }

  private heldBy(sweepId: string): QueuedTrials {
    const held = this.inFlight.get(sweepId) ?? { cpu: 0, gpu: 0 };
    this.inFlight.set(sweepId, held);
    return held;
  }

  async ensureTopology(): Promise<void> {
    // nothing to make: the queues live as long as this object
  }

  async publishCancel(sweepId: string): Promise<void> {
    this.signals.emit("cancel", sweepId);
  }

  async onCancel(handler: (sweepId: string) => void): Promise<Subscription> {
    this.signals.on("cancel", handler);
    return { stop: async () => void this.signals.off("cancel", handler) };
  }

  /** Resolves on the next `signal` or stop, leaving no listener behind. */
  private wake(signal: "trial" | "event"): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.signals.off(signal, done);
        this.signals.off("stop", done);
        resolve();
      };
      this.signals.on(signal, done);
      this.signals.on("stop", done);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.signals.emit("stop");
  }
}
