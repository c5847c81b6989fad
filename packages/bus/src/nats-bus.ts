import {
  AckPolicy,
  type Consumer,
  type ConsumerMessages,
  DeliverPolicy,
  JetStreamApiCodes,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
} from "@nats-io/jetstream";
import { connect, type NatsConnection, nanos } from "@nats-io/transport-node";
import {
  type AppError,
  CancelNoticeSchema,
  type ClaimReply,
  ClaimReplySchema,
  type ClaimRequest,
  ClaimRequestSchema,
  type Env,
  type Heartbeat,
  HeartbeatSchema,
  messageLineOf,
  messageOf,
  SettingsError,
  type TrialKind,
  type TrialMessage,
  TrialMessageSchema,
  trialKindOf,
  UnavailableError,
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
import {
  artifactBucketName,
  NatsArtifactStore,
  type NatsArtifactStoreOptions,
  openBucket,
} from "./nats-artifact-store";

/**
 * Names of everything tailsweep creates on the NATS server, under one prefix so several deployments can share it.
 *
 * Trials are published to `<prefix>.trials.<sweep>` (any worker) or `<prefix>.trials.gpu.<sweep>` (GPU workers
 * only), and each kind has its own durable consumer filtered on its subjects. The filters cannot overlap — `*` is
 * one token — which a work-queue stream requires, and the CPU subject is the one every trial had before GPU
 * dispatch, so a stream from then keeps its queued trials (see `ensureConsumer`).
 */
export function natsNames(prefix = "tailsweep") {
  const upper = prefix.toUpperCase().replace(/[^A-Z0-9]/g, "_");
  return {
    trialStream: `${upper}_TRIALS`,
    trialSubject: `${prefix}.trials`,
    trialConsumers: {
      cpu: { durable: "workers", filter: `${prefix}.trials.*` },
      gpu: { durable: "workers-gpu", filter: `${prefix}.trials.gpu.*` },
    } satisfies Record<TrialKind, { durable: string; filter: string }>,
    eventStream: `${upper}_EVENTS`,
    eventSubject: `${prefix}.events`,
    controller: "controller",
    claimSubject: `${prefix}.claim`,
    cancelSubject: `${prefix}.cancel`,
    heartbeatSubject: `${prefix}.heartbeat`,
    /** The object store bucket of trial checkpoints and artifacts (its stream is `OBJ_<bucket>`). */
    artifactBucket: artifactBucketName(prefix),
  };
}

const encoder = new TextEncoder();
const encode = (value: unknown) => encoder.encode(JSON.stringify(value));
const decoder = new TextDecoder();
/** A message's JSON, or undefined for bytes that are not JSON (which its schema then refuses). */
function jsonOf(data: Uint8Array): unknown {
  try {
    return JSON.parse(decoder.decode(data));
  } catch {
    return undefined;
  }
}

/** Options of the NATS bus. */
export interface NatsBusOptions {
  servers: string;
  /** Subject and stream prefix (default "tailsweep"). */
  prefix?: string;
  /** How long a delivered trial may go without ack or `working()` before JetStream redelivers it. */
  ackWaitMs?: number;
  name?: string;
  /**
   * "worker" connects without creating or updating streams and consumers (a worker's NATS user may not: see
   * infra/nats/tailsweep.conf); the controller's side ("controller", the default) makes sure they exist.
   */
  role?: "controller" | "worker";
  /** Told once when a worker has to wait for the controller to set up the streams. */
  onWait?: (message: string) => void;
  /**
   * Told when the connection to NATS is lost and when it is back: an operator reading a worker's log after an outage
   * must see when it happened, and a drill that fails must say whether the client ever reconnected.
   */
  onConnection?: (message: string) => void;
  /** A worker's trial kinds (default `["cpu"]`): it waits only for the consumers of those. */
  kinds?: readonly TrialKind[];
  /**
   * Copies of each stream the controller creates (default 1): 3 on a three-node JetStream cluster, so losing a node
   * loses no queued trial or event. An existing stream keeps the count it was made with.
   */
  replicas?: number;
  /** NATS user and password (from NATS_USER / NATS_PASSWORD in the CLI); none for a server without auth. */
  user?: string;
  pass?: string;
}

/**
 * Connection options from `env` (the app's settings module passes the environment it read): NATS_USER and
 * NATS_PASSWORD, both or neither; one alone is a SettingsError naming the missing one.
 */
export function natsCredentialsFromEnv(env: Env): {
  user?: string;
  pass?: string;
} {
  const { NATS_USER: user, NATS_PASSWORD: pass } = env;
  if (!user && !pass) return {};
  if (!user || !pass)
    throw new SettingsError(
      [
        `${user ? "NATS_PASSWORD" : "NATS_USER"}: must be set too: NATS_USER and NATS_PASSWORD go together, or neither`,
      ],
      "environment",
    );
  return { user, pass };
}

/** Node's ways of saying that no server answered at an address, in words. */
const UNREACHABLE: Readonly<Record<string, string>> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  ETIMEDOUT: "timed out",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  ENOTFOUND: "no such host",
  EAI_AGAIN: "no such host, for now",
};

/**
 * A failed first connection as an UnavailableError naming NATS and where it was looked for (`connection refused`
 * alone named neither), or undefined for any other error: a refused login, or a TLS mismatch, keeps its own words.
 * The client's errors are told by their `name` and message and Node's by their `code`, not by class: the CLI's
 * bundle has its own copy of the client.
 */
function unreachableNats(e: unknown, servers: readonly string[]): UnavailableError | undefined {
  const why = whyUnreachable(e);
  if (why === undefined) return undefined;
  return new UnavailableError(
    "NATS_UNAVAILABLE",
    `NATS at ${servers.map(withoutCredentials).join(", ")} is not answering (${why}); is the server running there with JetStream (-js)? NATS_URL says where`,
    { cause: e },
  );
}

/**
 * What a NATS server that answers refuses, said as the setting or server set-up that fixes it, or undefined for any
 * other error: a refused login (NATS_USER / NATS_PASSWORD), a user without a permission this process needs (the
 * controller and `tailsweep ui` take infra/nats/roles.conf's controller user, workers its worker user), a server
 * without JetStream, replicas on a single server. Each was NATS's own words alone ("Authorization Violation"), exit 1.
 * Told by message, as the client's errors are: the CLI's bundle has its own copy of the client.
 */
function refusedByNats(
  e: unknown,
  servers: readonly string[],
  options: Pick<NatsBusOptions, "user" | "role" | "replicas">,
): AppError | undefined {
  const message = textField(e, "message") ?? "";
  const name = textField(e, "name");
  const where = `NATS at ${servers.map(withoutCredentials).join(", ")}`;
  if (name === "AuthorizationError" || /authorization violation/i.test(message))
    return new SettingsError(
      [
        `NATS_USER / NATS_PASSWORD: ${where} refused the login${options.user === undefined ? " (none was given)" : ` of user "${options.user}"`} (${message})`,
      ],
      "environment",
    );
  if (name === "PermissionViolationError" || /permissions violation/i.test(message))
    return new SettingsError(
      [
        `NATS_USER: ${options.user === undefined ? "the connection" : `user "${options.user}"`} may not do what ${options.role === "worker" ? "a worker" : "a controller (or tailsweep ui)"} needs on ${where} (${message}); give it the ${options.role === "worker" ? "worker" : "controller"} role of infra/nats/roles.conf`,
      ],
      "environment",
    );
  if (/jetstream not enabled|jetstream is not enabled/i.test(message))
    return new UnavailableError(
      "NATS_UNAVAILABLE",
      `${where} has no JetStream (${message}): ${/for account/i.test(message) ? "give this user's account JetStream in the server's config" : "start it with -js, or jetstream {} in its config"}`,
      { cause: e },
    );
  if (/replicas > 1 not supported/i.test(message))
    return new SettingsError(
      [
        `TAILSWEEP_NATS_REPLICAS: must be 1 on a single NATS server, copies need a cluster (${message}), got ${options.replicas}`,
      ],
      "environment",
    );
  return undefined;
}

/** Why no server answered, in words, where `e` says that; undefined for any other failure. */
function whyUnreachable(e: unknown): string | undefined {
  const code = textField(e, "code");
  if (code !== undefined && code in UNREACHABLE) return UNREACHABLE[code];
  const name = textField(e, "name");
  const message = textField(e, "message");
  if (name === "TimeoutError") return message === "timeout" ? "no answer in time" : message;
  if (name === "ConnectionError" && message === "connection refused") return message;
  return undefined;
}

/** A string field of a thrown value, if it has one. */
function textField(e: unknown, key: "name" | "code" | "message"): string | undefined {
  const value: unknown = typeof e === "object" && e !== null ? Reflect.get(e, key) : undefined;
  return typeof value === "string" ? value : undefined;
}

/** A server address without a user and password that may be written into it (nats://user:pass@host:4222). */
function withoutCredentials(server: string): string {
  return server.replace(/^([a-z]+:\/\/)?[^@/]*@/, "$1");
}

/**
 * The bus over NATS JetStream: a work-queue stream of trials with a durable pull consumer shared by all workers
 * (explicit ack, `Nats-Msg-Id` dedupe, redelivery after ack_wait), a work-queue stream of worker events with the
 * controller's durable consumer, and core request/reply and publish for claims and cancel notices.
 */
export class NatsBus implements Bus {
  private constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly names: ReturnType<typeof natsNames>,
    private readonly options: NatsBusOptions,
  ) {}

  /** Connects and makes sure the streams and durable consumers exist (idempotent). */
  static async connect(options: NatsBusOptions): Promise<NatsBus> {
    // "nats://a:4222,nats://b:4222": every node of a cluster, so the client can fail over from the first.
    const servers = options.servers
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    const nc = await connect({
      servers,
      name: options.name ?? "tailsweep",
      maxReconnectAttempts: -1,
      ...(options.user !== undefined && { user: options.user, pass: options.pass }),
    }).catch((e: unknown) => {
      throw unreachableNats(e, servers) ?? refusedByNats(e, servers, options) ?? e;
    });
    const names = natsNames(options.prefix);
    if (options.onConnection) void reportConnection(nc, options.onConnection);
    try {
      if (options.role === "worker") {
        // The controller makes the streams before the trial consumers, so these existing means everything does.
        for (const kind of options.kinds ?? ["cpu"])
          await waitForConsumer(nc, names.trialStream, names.trialConsumers[kind].durable, options.onWait);
      } else {
        await ensureTopology(nc, names, options);
      }
    } catch (e) {
      await nc.close();
      throw refusedByNats(e, servers, options) ?? e;
    }
    return new NatsBus(nc, jetstream(nc), names, options);
  }

  async ensureTopology(): Promise<void> {
    await ensureTopology(this.nc, this.names, this.options);
  }

  async queuedTrials(sweepIds: readonly string[]): Promise<Map<string, QueuedTrials>> {
    const jsm = await jetstreamManager(this.nc);
    // Per-subject counts of what the stream holds: delivered-but-unacked messages stay until acked or termed.
    const info = await jsm.streams.info(this.names.trialStream, {
      subjects_filter: `${this.names.trialSubject}.>`,
    });
    const bySubject = info.state.subjects ?? {};
    return new Map(
      sweepIds.map((id) => [
        id,
        {
          cpu: bySubject[`${this.names.trialSubject}.${id}`] ?? 0,
          gpu: bySubject[`${this.names.trialSubject}.gpu.${id}`] ?? 0,
        },
      ]),
    );
  }

  async eventBacklog(): Promise<number> {
    const jsm = await jetstreamManager(this.nc);
    // A work-queue stream keeps a message until its consumer acks it: what it holds is what is not yet handled.
    return (await jsm.streams.info(this.names.eventStream)).state.messages;
  }

  async publishHeartbeat(heartbeat: Heartbeat): Promise<void> {
    this.nc.publish(this.names.heartbeatSubject, encode(HeartbeatSchema.parse(heartbeat)));
  }

  async onHeartbeat(handler: (heartbeat: Heartbeat) => void): Promise<Subscription> {
    const sub = this.nc.subscribe(this.names.heartbeatSubject, {
      queue: "controllers",
      callback: (err, msg) => {
        if (err) return;
        // not JSON, or not ours: no heartbeat
        const parsed = HeartbeatSchema.safeParse(jsonOf(msg.data));
        if (parsed.success) handler(parsed.data);
      },
    });
    await this.nc.flush();
    return { stop: async () => sub.unsubscribe() };
  }

  async publishTrial(message: TrialMessage, dedupeId: string): Promise<{ duplicate: boolean }> {
    // A sweep id with a dot or wildcard would land outside every consumer's filter and wait forever.
    if (!/^[A-Za-z0-9_-]+$/.test(message.sweepId))
      throw new Error(
        `sweepId: letters, digits, '_' and '-' only on NATS, got ${JSON.stringify(message.sweepId)}`,
      );
    const kind = trialKindOf(message);
    const subject = `${this.names.trialSubject}.${kind === "gpu" ? "gpu." : ""}${message.sweepId}`;
    const ack = await this.js.publish(subject, encode(TrialMessageSchema.parse(message)), {
      msgID: dedupeId,
    });
    return { duplicate: ack.duplicate };
  }

  async consumeTrials(
    handler: (d: TrialDelivery) => Promise<void>,
    options: ConsumeTrialsOptions = {},
  ): Promise<Subscription> {
    const concurrency = options.concurrency ?? 1;
    if (options.kinds?.length === 0)
      throw new Error("consumeTrials: kinds must name at least one kind of trial");
    const consumers = await Promise.all(
      (options.kinds ?? ["cpu"]).map((kind) =>
        this.js.consumers.get(this.names.trialStream, this.names.trialConsumers[kind].durable),
      ),
    );
    const slots = new TaskPool(concurrency);
    const trouble = new PullTrouble(this.options.onConnection, "trials");
    let running = true;
    const loop = (async () => {
      while (running) {
        await slots.acquire();
        if (!running) {
          slots.release();
          break;
        }
        const m = await nextOfKinds(consumers, trouble);
        if (!m) {
          slots.release();
          continue;
        }
        const parsed = TrialMessageSchema.safeParse(m.json());
        if (!parsed.success) {
          m.term(); // not ours to run: never redeliver
          slots.release();
          continue;
        }
        const delivery: TrialDelivery = {
          message: parsed.data,
          deliveryCount: m.info.deliveryCount,
          working: () => m.working(),
          ack: async () => {
            await m.ackAck();
          },
          nak: (delayMs) => m.nak(delayMs),
          term: () => m.term(),
        };
        slots.run(
          () => handler(delivery),
          () => m.nak(),
        );
      }
    })();
    return {
      stop: async () => {
        running = false;
        await loop;
        await slots.drain();
      },
    };
  }

  async publishEvent(event: WorkerEvent): Promise<void> {
    await this.js.publish(`${this.names.eventSubject}.${event.type}`, encode(WorkerEventSchema.parse(event)));
  }

  async consumeEvents(
    handler: (events: WorkerEvent[]) => Promise<void>,
    options: { maxBatch?: number } = {},
  ): Promise<Subscription> {
    const maxBatch = options.maxBatch ?? 256;
    const consumer = await this.js.consumers.get(this.names.eventStream, this.names.controller);
    const trouble = new PullTrouble(this.options.onConnection, "events");
    let running = true;
    const loop = (async () => {
      while (running) {
        const first = await nextMessage(consumer, trouble);
        if (!first) continue;
        const batch = [first];
        // Then exactly what is already waiting, so the fetch returns at once instead of waiting to fill a batch.
        const waiting =
          maxBatch > 1
            ? await consumer.info().then(
                (i) => i.num_pending,
                () => 0,
              )
            : 0;
        if (waiting > 0) {
          try {
            batch.push(...(await pullAtMost(consumer, Math.min(waiting, maxBatch - 1))));
          } catch {
            // a reconnect mid-fetch: persist what arrived; the rest is redelivered
          }
        }
        const events: WorkerEvent[] = [];
        for (const m of batch) {
          const parsed = WorkerEventSchema.safeParse(m.json());
          if (parsed.success) events.push(parsed.data);
          else m.term(); // not an event of ours: never redeliver
        }
        // A failing handler (say, the database is down) is retried in place, keeping the events in progress, so
        // events are persisted in the order they were published.
        for (let delay = 100; running; delay = Math.min(delay * 2, 5_000)) {
          try {
            if (events.length > 0) await handler(events);
            for (const m of batch) m.ack();
            break;
          } catch {
            for (const m of batch) m.working();
            await new Promise((r) => setTimeout(r, delay));
          }
        }
      }
    })();
    return {
      stop: async () => {
        running = false;
        await loop;
      },
    };
  }

  async serveClaims(handler: (request: ClaimRequest) => Promise<ClaimReply>): Promise<Subscription> {
    const sub = this.nc.subscribe(this.names.claimSubject, {
      queue: "controllers",
      callback: (err, msg) => {
        if (err) return;
        const parsed = ClaimRequestSchema.safeParse(jsonOf(msg.data));
        if (!parsed.success) {
          msg.respond(encode({ granted: false, reason: "malformed claim request" }));
          return;
        }
        handler(parsed.data).then(
          (reply) => msg.respond(encode(reply)),
          // The controller's own trouble (its database, say): the worker hands the trial back to try again.
          (e: unknown) =>
            msg.respond(
              encode({ granted: false, retryable: true, reason: `controller error: ${messageLineOf(e)}` }),
            ),
        );
      },
    });
    // returns once the server has it, as onCancel and onHeartbeat do: a claim asked for at once had no responder
    await this.nc.flush();
    return { stop: async () => sub.unsubscribe() };
  }

  async requestClaim(request: ClaimRequest, timeoutMs = 5_000): Promise<ClaimReply> {
    const reply = await this.nc.request(this.names.claimSubject, encode(ClaimRequestSchema.parse(request)), {
      timeout: timeoutMs,
    });
    return ClaimReplySchema.parse(reply.json());
  }

  async publishCancel(sweepId: string): Promise<void> {
    this.nc.publish(this.names.cancelSubject, encode({ sweepId }));
    await this.nc.flush();
  }

  async onCancel(handler: (sweepId: string) => void): Promise<Subscription> {
    const sub = this.nc.subscribe(this.names.cancelSubject, {
      callback: (err, msg) => {
        if (err) return;
        // another process's message: parsed, and one that is not a notice dropped (a stray publish on the subject)
        const notice = CancelNoticeSchema.safeParse(jsonOf(msg.data));
        if (notice.success) handler(notice.data.sweepId);
      },
    });
    await this.nc.flush();
    return { stop: async () => sub.unsubscribe() };
  }

  /**
   * The artifact store on this bus's connection, so a worker opens no second one; closing it leaves the bus open.
   * Makes the bucket if missing, with the bus's `replicas` unless `options` say otherwise.
   */
  async artifactStore(options: Omit<NatsArtifactStoreOptions, "bucket"> = {}): Promise<NatsArtifactStore> {
    const replicas = options.replicas ?? this.options.replicas;
    return NatsArtifactStore.open(this.nc, {
      bucket: this.names.artifactBucket,
      ...(replicas !== undefined && { replicas }),
    });
  }

  /** Deletes this bus's streams and artifact bucket, and everything in them (tests, benchmarks, a teardown). */
  async deleteStreams(): Promise<void> {
    const jsm = await jetstreamManager(this.nc);
    for (const stream of [this.names.trialStream, this.names.eventStream, `OBJ_${this.names.artifactBucket}`])
      await jsm.streams.delete(stream).catch(() => false);
  }

  async close(): Promise<void> {
    await this.nc.drain();
  }
}

/** Tells `report` each time the connection is lost or comes back, until it closes. */
async function reportConnection(nc: NatsConnection, report: (message: string) => void): Promise<void> {
  for await (const s of nc.status()) {
    if (s.type === "disconnect") report(`NATS connection to ${s.server} lost; reconnecting`);
    else if (s.type === "reconnect") report(`NATS connection back (${s.server})`);
  }
}

/**
 * A pull's deadline on this side: the server ends a 1 s pull itself, and the client library ends one whose server
 * went away once it has checked the consumer after reconnecting; a check that keeps failing would leave the pull
 * open, and with it the only loop that takes trials (or events) in this process. It never waits longer than this.
 */
const PULL_DEADLINE_MS = 15_000;

/**
 * Says when pulls from a consumer start failing and when they work again (at most once a minute while they fail):
 * pull errors are retried silently, and a loop that only ever fails must still show in the log.
 */
class PullTrouble {
  private since?: number;
  private told = 0;
  constructor(
    private readonly report: ((message: string) => void) | undefined,
    private readonly what: string,
  ) {}
  failed(e: unknown): void {
    const now = Date.now();
    this.since ??= now;
    if (now - this.told < 60_000) return;
    this.told = now;
    this.report?.(`pulling ${this.what} fails (${messageOf(e)}); trying again`);
  }
  worked(): void {
    if (this.since === undefined) return;
    if (this.told >= this.since)
      this.report?.(`pulling works again after ${((Date.now() - this.since) / 1000).toFixed(0)} s`);
    this.since = undefined;
    this.told = 0;
  }
}

/**
 * Up to `max` messages from one pull of at most a second, never waiting past {@link PULL_DEADLINE_MS} on this side.
 * Throws what the pull throws; a pull the deadline ended throws too, so it is reported as trouble, not success.
 */
async function pullAtMost(consumer: Consumer, max: number): Promise<JsMsg[]> {
  let pull: ConsumerMessages | undefined;
  let overdue = false;
  const deadline = setTimeout(() => {
    overdue = true;
    pull?.stop();
  }, PULL_DEADLINE_MS);
  try {
    pull = await consumer.fetch({ max_messages: max, expires: 1_000 });
    const got: JsMsg[] = [];
    for await (const m of pull) {
      got.push(m);
      if (got.length >= max) break;
    }
    if (overdue && got.length === 0) throw new Error(`no answer to a pull in ${PULL_DEADLINE_MS / 1000} s`);
    return got;
  } finally {
    clearTimeout(deadline);
  }
}

async function nextMessage(consumer: Consumer, trouble?: PullTrouble): Promise<JsMsg | null> {
  try {
    const [m] = await pullAtMost(consumer, 1);
    trouble?.worked();
    return m ?? null;
  } catch (e) {
    trouble?.failed(e);
    // A server restart or reconnect: pause briefly and keep pulling.
    await new Promise((r) => setTimeout(r, 250));
    return null;
  }
}

/**
 * The next trial of the first kind that has one waiting. With one kind it is a plain pull. With several, each
 * consumer's pending count is asked in preference order (a round trip each, no wait). When none has a trial, it
 * waits on every kind at once: a trial of the preferred kind is taken as soon as it is queued; one of a later kind is
 * taken once every kind before it has answered empty (within the pull's second), so a GPU trial queued meanwhile
 * still goes first. A trial that is not taken, or that arrives after the choice, goes straight back (nak).
 */
async function nextOfKinds(consumers: Consumer[], trouble?: PullTrouble): Promise<JsMsg | null> {
  if (consumers.length === 1) return nextMessage(consumers[0]!, trouble);
  for (const consumer of consumers) {
    const pending = await consumer.info().then(
      (i) => i.num_pending,
      () => 0,
    );
    if (pending > 0) {
      const m = await nextMessage(consumer, trouble);
      if (m) return m;
    }
  }
  return new Promise((resolve) => {
    const answers: (JsMsg | null | undefined)[] = consumers.map(() => undefined);
    let chosen = false;
    const choose = () => {
      for (const [i, m] of answers.entries()) {
        if (m === undefined) return; // a more preferred kind may still deliver
        if (m === null) continue;
        chosen = true;
        for (const later of answers.slice(i + 1)) if (later) handBack(later);
        resolve(m);
        return;
      }
      chosen = true;
      resolve(null);
    };
    for (const [i, consumer] of consumers.entries()) {
      void nextMessage(consumer, trouble).then((m) => {
        if (chosen) {
          if (m) handBack(m);
          return;
        }
        answers[i] = m;
        choose();
      });
    }
  });
}

/** Returns a delivery to its queue at once; on a connection that is closing it comes back after ack_wait instead. */
function handBack(m: JsMsg): void {
  try {
    m.nak();
  } catch {
    // closing: the server redelivers it when its ack_wait runs out
  }
}

/**
 * Waits until the controller has made the streams and consumers (it makes the trial consumer last but one, after
 * both streams): a worker may start first, and its first reports need the event stream. Checks once a second; any
 * error other than "not found" (a refused permission, say) is thrown at once.
 */
async function waitForConsumer(
  nc: NatsConnection,
  stream: string,
  durable: string,
  onWait?: (message: string) => void,
): Promise<void> {
  const js = jetstream(nc);
  for (let told = false; ; told = true) {
    try {
      await js.consumers.get(stream, durable);
      return;
    } catch (e) {
      unlessNotFound(e);
    }
    if (!told) onWait?.(`waiting for a controller to create the ${stream} stream and its consumer`);
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

/**
 * Makes the streams, durable consumers and the artifact bucket if they are missing (the controller's side;
 * idempotent). Also run after a reconnect and on a timer: a server that came back without its storage has none of
 * them.
 */
async function ensureTopology(
  nc: NatsConnection,
  names: ReturnType<typeof natsNames>,
  options: Pick<NatsBusOptions, "ackWaitMs" | "replicas">,
): Promise<void> {
  const jsm = await jetstreamManager(nc);
  const ackWaitMs = options.ackWaitMs ?? 30_000;
  const replicas = options.replicas ?? 1;
  await ensureStream(jsm, names.trialStream, `${names.trialSubject}.>`, replicas);
  await ensureStream(jsm, names.eventStream, `${names.eventSubject}.>`, replicas);
  // The artifact bucket before the consumers the workers wait for: a worker that found none made it with its own
  // replicas (1 unless set), one copy that a node's death takes away. Made again, too, after a server lost it: the
  // workers trained without checkpoints until some process opened a store. Its own trouble (its one copy on a node
  // that is down) is the artifacts' alone: the queues' upkeep, which runs this, must go on.
  await ensureBucket(jsm, nc, names.artifactBucket, replicas).catch(() => undefined);
  await ensureConsumer(jsm, names.eventStream, { durable: names.controller }, 30_000);
  // CPU first: on a stream from before GPU dispatch it narrows the old unfiltered consumer, which a work-queue
  // stream requires before another consumer may join.
  await ensureConsumer(jsm, names.trialStream, names.trialConsumers.cpu, ackWaitMs);
  await ensureConsumer(jsm, names.trialStream, names.trialConsumers.gpu, ackWaitMs);
}

/** Makes the artifact bucket (its stream `OBJ_<bucket>`) where it is missing. */
async function ensureBucket(
  jsm: JetStreamManager,
  nc: NatsConnection,
  bucket: string,
  replicas: number,
): Promise<void> {
  try {
    await jsm.streams.info(`OBJ_${bucket}`);
    return;
  } catch (e) {
    unlessNotFound(e);
  }
  await openBucket(nc, { bucket, replicas });
}

async function ensureStream(
  jsm: JetStreamManager,
  name: string,
  subject: string,
  replicas: number,
): Promise<void> {
  try {
    await jsm.streams.info(name);
  } catch (e) {
    unlessNotFound(e); // a timeout or a refused permission is not a missing stream
    await jsm.streams.add({
      name,
      subjects: [subject],
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
      duplicate_window: nanos(120_000),
      num_replicas: replicas,
    });
  }
}

/**
 * Makes sure a durable pull consumer exists with the given filter. One made before GPU dispatch has no filter: it is
 * deleted and made again, which loses no queued trial: a work-queue stream keeps a message until a consumer acks
 * it, and a new consumer starts from the first message still held. A trial that a worker was running then is
 * delivered again, and the controller refuses to grant it twice.
 */
async function ensureConsumer(
  jsm: JetStreamManager,
  stream: string,
  consumer: { durable: string; filter?: string },
  ackWaitMs: number,
): Promise<void> {
  const config = {
    durable_name: consumer.durable,
    ack_policy: AckPolicy.Explicit,
    ack_wait: nanos(ackWaitMs),
    deliver_policy: DeliverPolicy.All,
    max_deliver: -1,
    ...(consumer.filter !== undefined && { filter_subject: consumer.filter }),
  };
  const existing = await consumerFilter(jsm, stream, consumer.durable);
  if (existing.exists && existing.filter === consumer.filter) return;
  // Not `update`: NATS 2.9 accepts a new filter there but the consumer then delivers nothing. Several controllers
  // (or CLI commands) may start together: one's delete or add may find another's work done, which is success.
  if (existing.exists) await jsm.consumers.delete(stream, consumer.durable).catch(unlessNotFound);
  await jsm.consumers.add(stream, config).catch(async (e: unknown) => {
    // The add's own error is the one to report, whatever asking again says.
    const now = await consumerFilter(jsm, stream, consumer.durable).catch(() => undefined);
    if (!now?.exists || now.filter !== consumer.filter) throw e;
  });
}

/**
 * Whether a durable consumer exists and its filter. While another controller deletes or adds the same consumer, the
 * server may answer an info request with no config; that answer is asked again rather than read as "no filter".
 */
async function consumerFilter(
  jsm: JetStreamManager,
  stream: string,
  durable: string,
): Promise<{ exists: false } | { exists: true; filter: string | undefined }> {
  for (let attempt = 0; ; attempt++) {
    const info = await jsm.consumers.info(stream, durable).catch((e: unknown) => {
      unlessNotFound(e);
      return null;
    });
    if (info === null) return { exists: false };
    const config: { filter_subject?: string } | undefined = info.config;
    if (config !== undefined) return { exists: true, filter: config.filter_subject || undefined };
    if (attempt >= 20) return { exists: false };
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Rethrows any error but JetStream's "not found" of a stream or consumer, told by its API error code. */
function unlessNotFound(e: unknown): void {
  const code = typeof e === "object" && e !== null && "code" in e ? e.code : undefined;
  if (code !== JetStreamApiCodes.StreamNotFound && code !== JetStreamApiCodes.ConsumerNotFound) throw e;
}
