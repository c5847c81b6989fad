import { z } from "zod";
import { StoredRunConfigSchema } from "./run-config";
import { EpochTestSchema, LossSchema, TrialMetricsSchema } from "./trial-metrics";

/**
 * The kinds of trial a worker can take: `gpu` trials (their sweep's `execution.gpu` asks for a GPU) go only to
 * workers with one, `cpu` trials to any worker.
 */
export const TrialKindSchema = z.enum(["gpu", "cpu"]);

/** A sweep's cancel notice, from the process that cancelled it to every worker (they stop its running trials). */
export const CancelNoticeSchema = z.object({ sweepId: z.string().min(1) });
export type TrialKind = z.infer<typeof TrialKindSchema>;

/** One trial to run: what a worker pulls from the work queue (the config comes with the claim reply). */
export const TrialMessageSchema = z
  .object({
    trialId: z.string().min(1),
    sweepId: z.string().min(1),
    /** Set when only a GPU worker may run it; the bus routes it to GPU workers' queue. */
    gpu: z.literal(true).optional(),
  })
  .strict();
export type TrialMessage = z.infer<typeof TrialMessageSchema>;

/** The queue a trial message goes to. */
export function trialKindOf(message: TrialMessage): TrialKind {
  return message.gpu ? "gpu" : "cpu";
}

/** One epoch's numbers as a worker reports them (the `epoch` event's metric). */
export const EpochMetricSchema = z
  .object({
    epoch: z.number().int().min(1),
    loss: LossSchema,
    test: EpochTestSchema.optional(),
    validation: EpochTestSchema.optional(),
    seconds: z.number(),
  })
  .strict();

/** A trained trial's outcome as a worker reports it (the `result` event's result). */
export const TrialResultSchema = z
  .object({ metrics: TrialMetricsSchema, backend: z.string(), seconds: z.number() })
  .strict();

/** A sweep's execution limits as a granted claim carries them, so workers need no configuration of their own. */
export const TrialExecutionSchema = z
  .object({
    heartbeatSeconds: z.number().positive(),
    trialTimeoutSeconds: z.number().positive(),
    // Optional: a controller from before checkpoints sends none, and its workers train without them.
    checkpointEvery: z.number().int().min(0).optional(),
    keepCheckpoint: z.boolean().optional(),
    artifacts: z.enum(["all", "none"]).optional(),
  })
  // Not strict: a newer controller's limits are ignored rather than refused, so workers from before them keep
  // claiming. (Workers before this release parse it strictly: upgrade them before the controller, this once.)
  .strip();

/** A stable error code as errors carry it across processes (CONFIG_INVALID, STORE_LOCKED): upper snake case. */
export const ErrorCodeSchema = z
  .string()
  .max(100)
  .regex(/^[A-Z][A-Z0-9_]*$/, "must be upper snake case (CONFIG_INVALID)");

/** What workers report; the controller persists each event once (it is the run store's single writer). */
export const WorkerEventSchema = z.discriminatedUnion("type", [
  z
    .object({
      type: z.literal("heartbeat"),
      trialId: z.string(),
      attempt: z.number().int(),
      workerId: z.string(),
      at: z.string(),
    })
    .strict(),
  z
    .object({
      type: z.literal("epoch"),
      trialId: z.string(),
      attempt: z.number().int(),
      metric: EpochMetricSchema,
    })
    .strict(),
  z
    .object({
      type: z.literal("result"),
      trialId: z.string(),
      attempt: z.number().int(),
      /** Who trained it: a result that arrives after its attempt was handed back still counts, and says whose it is. */
      workerId: z.string().optional(),
      at: z.string(),
      result: TrialResultSchema,
    })
    .strict(),
  z
    .object({
      // A worker's presence, sent when it starts, every few seconds while it runs (busy or idle), and when it stops.
      type: z.literal("worker"),
      workerId: z.string(),
      host: z.string(),
      backend: z.string(),
      /** The GPU it trains on (adapter vendor and architecture), when it has one. */
      gpu: z.string().optional(),
      /** The kinds of trial it takes, in the order it prefers them (absent from workers older than GPU dispatch). */
      trialKinds: z.array(TrialKindSchema).min(1).optional(),
      concurrency: z.number().int().min(1),
      startedAt: z.string(),
      at: z.string(),
      stopped: z.boolean(),
    })
    .strict(),
  z
    .object({
      type: z.literal("failed"),
      trialId: z.string(),
      attempt: z.number().int(),
      at: z.string(),
      reason: z.string(),
      retryable: z.boolean(),
      /**
       * The stable code of the error behind `reason`, where it had one (CONFIG_INVALID: a configuration the model
       * refuses, which a retry fails the same way); absent from workers older than it.
       */
      // one that is not a code (an older worker's) is dropped, not the failure with it
      code: ErrorCodeSchema.optional().catch(undefined),
      /**
       * The worker stopped before training finished (a graceful shutdown): the trial goes back to the queue and the
       * attempt does not count against `maxAttempts`.
       */
      handBack: z.literal(true).optional(),
    })
    .strict(),
]);
export type WorkerEvent = z.infer<typeof WorkerEventSchema>;

/** A worker asking to run a trial (WAITING → RUNNING is decided by the controller against the store). */
export const ClaimRequestSchema = z
  .object({ trialId: z.string(), workerId: z.string(), backend: z.string() })
  .strict();
export type ClaimRequest = z.infer<typeof ClaimRequestSchema>;

/** The controller's answer: granted with the attempt number and the resolved config, or refused with why. */
export const ClaimReplySchema = z.discriminatedUnion("granted", [
  z
    .object({
      granted: z.literal(true),
      attempt: z.number().int().min(1),
      // A config without a dataset version comes from a controller older than versions, which stores what it read:
      // its data was built by version 1, as a stored config without one reads back.
      config: StoredRunConfigSchema,
      /** The sweep's execution limits, so workers need no configuration of their own. */
      execution: TrialExecutionSchema,
    })
    .strict(),
  z
    .object({
      granted: z.literal(false),
      reason: z.string(),
      /**
       * The refusal is the controller's trouble, not the trial's (its database is down, say): the worker hands the
       * message back to be tried again. Without it the trial is running elsewhere, finished or gone: drop it.
       */
      retryable: z.literal(true).optional(),
    })
    .strict(),
]);
export type ClaimReply = z.infer<typeof ClaimReplySchema>;

/**
 * A running trial's sign of life, sent straight to the controller (core NATS, not the event stream) so that it is
 * seen at once however long the event backlog is; the controller judges liveness by when it receives them.
 */
export const HeartbeatSchema = z
  .object({
    trialId: z.string(),
    attempt: z.number().int(),
    workerId: z.string(),
    /**
     * The attempt's result (or failure) is in the event stream: the worker stops beating, and the controller
     * holds the trial as alive until it reads the event, however long the backlog ahead of it.
     */
    settled: z.literal(true).optional(),
  })
  .strict();
export type Heartbeat = z.infer<typeof HeartbeatSchema>;
