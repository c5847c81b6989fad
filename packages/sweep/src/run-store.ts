import {
  type AnnotationEdit,
  type Annotations,
  AppError,
  type RunConfig,
  type SweepSpec,
  type TrialKind,
  type TrialMetrics,
} from "@tailsweep/schemas";
import type { ConfigIdentity, TrialPlan } from "./expand";
import type { SweepArchive } from "./sweep-archive";
import { countByState, isOpen, type TrialState } from "./trial-state";

/** Where a sweep is: see {@link SweepRecord.status}. */
export type SweepStatus = "running" | "completed" | "cancelled";

/**
 * What cancelling a sweep did: the trials it stopped, or, where nothing was left to cancel (it completed, maybe a
 * moment before, or another cancel was first), the status the sweep has.
 */
export type CancelOutcome = { cancelled: true; stopped: number } | { cancelled: false; status: SweepStatus };

/**
 * A submitted sweep. Its spec changes only by a new {@link SweepRevision} (seeds added), never in place; its tags and
 * notes ({@link Annotations}) are people's, changed by {@link RunStore.setSweepAnnotations}.
 */
export interface SweepRecord extends Annotations {
  id: string;
  project: string;
  name: string;
  /** The spec as of its latest revision: the submitted one, with the seeds later revisions added. */
  spec: SweepSpec;
  /** Its latest revision: 1 until seeds are added. */
  revision: number;
  /**
   * `running` while any trial can still change (or a sequential sweep's next look is still to be taken: see
   * {@link RunStore.setLookPending}), `completed` when all are final, `cancelled` once cancelled.
   */
  status: SweepStatus;
  createdAt: Date;
  trialCount: number;
  /** Reproducibility record taken at submission: git commit, package and runtime versions, host. */
  provenance: Record<string, unknown>;
}

/**
 * One trial and where it stands. `attempt` counts claims: 0 until first claimed. Its configuration's key, label and
 * kind ({@link ConfigIdentity}) were fixed when it was planned and are stored with it; its tags and notes are people's
 * ({@link RunStore.setTrialAnnotations}).
 */
export interface TrialRecord extends ConfigIdentity, Annotations {
  id: string;
  sweepId: string;
  key: string;
  index: number;
  params: Record<string, unknown>;
  seed: number;
  config: RunConfig;
  /** The sweep revision that added it: 1 for the submitted trials. */
  revision: number;
  state: TrialState;
  attempt: number;
  maxAttempts: number;
  workerId?: string;
  backend?: string;
  heartbeatAt?: Date;
  startedAt?: Date;
  finishedAt?: Date;
  /** Why the trial failed, or why its last attempt was handed back. */
  error?: string;
  /**
   * The stable code of the error behind `error`, where it had one (CONFIG_INVALID: the trial's configuration is
   * refused, so a retry fails it the same way); set and cleared with it.
   */
  errorCode?: string;
  /**
   * One line per attempt that did not finish: why it was handed back. `handedBack` marks a worker that stopped
   * cleanly before training ended: such an attempt does not count against `maxAttempts`.
   */
  retries: EndedAttempt[];
}

/**
 * An attempt of a trial that did not finish it. `startedAt`/`endedAt` are when it ran, kept because the trial's own
 * `startedAt`/`finishedAt` then belong to its next attempt (a sweep's elapsed time counts every attempt's run); absent
 * where the attempt never started or was stored before attempts kept their times.
 */
export interface EndedAttempt {
  attempt: number;
  reason: string;
  handedBack?: boolean;
  startedAt?: Date;
  endedAt?: Date;
}

/** Per-epoch numbers a worker reports. */
export interface EpochMetric {
  epoch: number;
  loss: { total: number; labeled: number; unlabeled: number; classification: number };
  test?: { accuracy: number; balancedAccuracy: number; macroF1: number };
  /** With a validation set (the test set is then read once, in the result). */
  validation?: { accuracy: number; balancedAccuracy: number; macroF1: number };
  seconds: number;
}

/** One point of a learning curve: a configuration's epoch, over its seeds. */
export interface EpochCurvePoint {
  /** The configuration's `configKey`: what curves join on. */
  configKey: string;
  params: Record<string, unknown>;
  epoch: number;
  n: number;
  mean: number;
  /** Sample sd over the seeds; NaN for a single seed. */
  sd: number;
  /**
   * From trials that succeeded (true), or from trials still running (false): a running trial's curve is partial and
   * is kept apart, so a configuration's curve does not change its seeds from epoch to epoch as trials finish.
   */
  finished: boolean;
}

/** The per-epoch numbers {@link RunStore.epochCurves} can read. */
export const EPOCH_SERIES_METRICS = [
  "loss.total",
  "loss.labeled",
  "loss.unlabeled",
  "loss.classification",
  "test.accuracy",
  "test.balancedAccuracy",
  "test.macroF1",
  "validation.accuracy",
  "validation.balancedAccuracy",
  "validation.macroF1",
] as const;
export type EpochSeriesMetric = (typeof EPOCH_SERIES_METRICS)[number];

/** A finished trial's result: the trainer's evaluation and provenance, stored as JSON. */
export interface TrialResult {
  /** Checked where it enters (the result event, the database read): read it with `metricOf` or its typed fields. */
  metrics: TrialMetrics;
  backend: string;
  seconds: number;
}

/** A worker process as last reported: what it runs on and whether it is alive. */
export interface WorkerRecord {
  id: string;
  host: string;
  backend: string;
  /** Its GPU (adapter vendor and architecture), when it trains on one. */
  gpu?: string;
  /** The kinds of trial it takes, preferred first (`["cpu"]` for a worker from before GPU dispatch). */
  trialKinds: TrialKind[];
  /** Trials it runs at once. */
  concurrency: number;
  startedAt: Date;
  lastHeartbeat: Date;
  /** Set when it shut down cleanly; none with an old heartbeat means it was lost. */
  stoppedAt?: Date;
}

/** How many of a sweep's trials are in each state, by kind ({@link RunStore.countTrials}). */
export type TrialCounts = Record<TrialKind, Record<TrialState, number>>;

/** Counts with every kind and state present, all zero. */
export function emptyTrialCounts(): TrialCounts {
  return { cpu: countByState([]), gpu: countByState([]) };
}

/**
 * Why a sweep's spec was revised: its submission (1), seeds added by a person (`extend`), by the sweep's own
 * sequential design (`round`), fresh seeds for a confirmation of selected configurations (`confirm`), or a
 * configuration its TPE sampler proposed (`propose`, on every seed of the sweep).
 */
export type RevisionKind = "submit" | "extend" | "round" | "confirm" | "propose";

/**
 * Whether a sweep adds trials of its own as results come in (a sequential design's rounds, a TPE sweep's proposals):
 * such a sweep is created with its look pending ({@link RunStore.setLookPending}), and is pending again after a
 * retry or a resume, so it is not taken for completed while the controller has yet to add to it.
 */
export function addsAsItRuns(spec: Pick<SweepSpec, "sequential" | "method">): boolean {
  return spec.sequential !== undefined || spec.method === "tpe";
}

/** One immutable revision of a sweep: what it added, why, and whether it was chosen after seeing results. */
export interface SweepRevision {
  sweepId: string;
  /** 1, 2, …: the submission is 1. */
  revision: number;
  kind: RevisionKind;
  /** The sweep's spec after this revision. */
  spec: SweepSpec;
  /** The seeds it added, and to which configurations (their `configKey`s; all of them when the list is empty). */
  seeds: number[];
  configKeys: string[];
  /** How many trials it added (fewer than seeds × configurations where some were already stored). */
  trialCount: number;
  /**
   * Decided after looking at the results (an `extend` by a person): a fixed-n p-value over its seeds is optimistic
   * (optional stopping), and every surface says so. A planned round of a sequential design is not post hoc.
   */
  posthoc: boolean;
  /** Who asked for it (a user's email, or "controller" for a planned round), and a line on why. */
  by: string;
  note: string;
  createdAt: Date;
}

/** Seeds to add to a stored sweep (the controller's `extend`), and the record its revision keeps of why. */
export interface ExtendRequest {
  /** The seeds to add; those the sweep has already are run only where a configuration lacks them. */
  seeds: number[];
  /** The configurations (their `configKey`s) to add them to; empty: every configuration of the sweep. */
  configKeys: string[];
  kind: Exclude<RevisionKind, "submit">;
  /** Chosen after looking at the results (see {@link SweepRevision.posthoc}). */
  posthoc: boolean;
  by: string;
  note: string;
}

/** What a sweep revision is stored from ({@link RunStore.reviseSweep}). */
export interface ReviseSweepInput {
  sweepId: string;
  kind: Exclude<RevisionKind, "submit">;
  spec: SweepSpec;
  seeds: number[];
  configKeys: string[];
  /** The planned trials to add; those whose key is already stored are skipped. */
  trials: TrialPlan[];
  posthoc: boolean;
  by: string;
  note: string;
  now: Date;
}

/** What a new sweep is stored from. */
export interface CreateSweepInput {
  id: string;
  spec: SweepSpec;
  trials: TrialPlan[];
  now?: Date;
  /** Reproducibility record (git commit, versions, host). */
  provenance?: Record<string, unknown>;
  /** Who submitted it, for its first revision. */
  by?: string;
}

/**
 * The run store port. Implementations (in memory here; Prisma on PostgreSQL and PGlite in `@tailsweep/db`) pass
 * the same conformance suite (`@tailsweep/sweep/testing`). Every write that can be repeated is idempotent, and
 * a trial's state only moves along `trial-state.ts`'s machine: finished trials never change, but for a failed one
 * whose given-up attempt delivers its result after all (`lateResultCounts`).
 */
export interface RunStore {
  /** Stores a sweep and all its trials as `waiting`. Idempotent on `id`: a repeat returns the stored sweep. */
  createSweep(input: CreateSweepInput): Promise<SweepRecord>;
  /**
   * Stores a finished sweep read from another store's export ({@link SweepArchive}) as it was: its record, revisions,
   * trials (states, attempts, timestamps, annotations) and results, in one transaction. Undefined, with nothing
   * written, when a sweep with its id is stored already.
   */
  importSweep(archive: SweepArchive): Promise<SweepRecord | undefined>;
  getSweep(id: string): Promise<SweepRecord | undefined>;
  listSweeps(project?: string): Promise<SweepRecord[]>;
  listTrials(sweepId: string): Promise<TrialRecord[]>;
  getTrial(trialId: string): Promise<TrialRecord | undefined>;
  /**
   * How many trials of each sweep are in each state, by kind, in one aggregate read where the store can: for upkeep
   * that looks at every running sweep every few seconds without reading their trials. Every id asked for has an
   * entry (all zeros for a sweep with no trials, or none stored).
   */
  countTrials(sweepIds: readonly string[]): Promise<Map<string, TrialCounts>>;
  /**
   * waiting → running for `workerId` (attempt + 1). Returns the trial as it is now running, or undefined when it is
   * not waiting: someone else has it.
   */
  claimTrial(
    trialId: string,
    workerId: string,
    now: Date,
    backend?: string,
  ): Promise<TrialRecord | undefined>;
  /** Refreshes a running attempt's heartbeat; false when that attempt is no longer the running one. */
  heartbeat(trialId: string, attempt: number, now: Date): Promise<boolean>;
  /**
   * Stores one epoch of an attempt; a repeat of the same (trial, attempt, epoch) changes nothing, and an epoch of a
   * trial that no longer exists (its sweep was deleted while it ran) is dropped.
   */
  recordEpoch(trialId: string, attempt: number, metric: EpochMetric): Promise<void>;
  /** Stores many epochs at once (one statement where the store can), with the same idempotence. */
  recordEpochs(items: { trialId: string; attempt: number; metric: EpochMetric }[]): Promise<void>;
  listEpochs(trialId: string, attempt?: number): Promise<(EpochMetric & { attempt: number })[]>;
  /**
   * Learning curves of a sweep: one per-epoch number (a loss term such as `loss.total`, or a test metric such as
   * `test.balancedAccuracy`) of each trial's current attempt, aggregated over the trials that share a configuration
   * (the same params) and whether they finished: count, mean and sample sd per configuration, epoch and finished.
   * Failed and cancelled trials are left out (issue #20: they made a curve's seeds change from epoch to epoch).
   * Stores aggregate where the data is.
   */
  epochCurves(sweepId: string, metric: EpochSeriesMetric): Promise<EpochCurvePoint[]>;
  /**
   * Stores an attempt's result: running → succeeded. A result from an attempt that was handed back because its
   * worker went quiet (the trial waiting, running again elsewhere, or failed after too many silent attempts)
   * still counts when no attempt has succeeded: finished training is never thrown away. Then the trial takes that attempt's number (and its
   * worker, when given). Returns the succeeded trial if this attempt is the one that succeeded (now or before, so a
   * repeated result gets it too); undefined otherwise.
   */
  completeTrial(
    trialId: string,
    attempt: number,
    result: TrialResult,
    now: Date,
    workerId?: string,
  ): Promise<TrialRecord | undefined>;
  getResult(trialId: string): Promise<TrialResult | undefined>;
  /** Every stored result of a sweep's trials, by trial id, in one read. */
  listResults(sweepId: string): Promise<Map<string, TrialResult>>;
  /**
   * Ends a running attempt that did not finish. Retryable with attempts left → waiting (the reason kept in
   * `retries`); otherwise → failed. `handedBack` (a worker that shut down cleanly) always → waiting, and that
   * attempt does not count against `maxAttempts`. Returns the trial as it is after (waiting or failed), or undefined
   * when that attempt is not running. `code`: the stable code of the error behind `reason`, kept as `errorCode`.
   */
  failTrial(
    trialId: string,
    attempt: number,
    reason: string,
    retryable: boolean,
    now: Date,
    options?: { handedBack?: boolean; code?: string },
  ): Promise<TrialRecord | undefined>;
  /**
   * Hands back every running trial (of `sweepId`, or of any sweep) whose heartbeat is older than `staleAfterMs`, as
   * a retryable failure (`failTrial`, with {@link staleReason}). Returns the trials it handed back as they are after:
   * waiting for a new attempt (the reason in `error` and `retries`), or failed past `maxAttempts`.
   */
  requeueStale(now: Date, staleAfterMs: number, sweepId?: string): Promise<TrialRecord[]>;
  /**
   * Records a worker's presence report. Idempotent and order-tolerant: the heartbeat only moves forward, and a
   * stop is undone only by a report newer than it.
   */
  recordWorker(worker: WorkerRecord): Promise<void>;
  /** Every worker ever seen, the most recently heard from first. */
  listWorkers(): Promise<WorkerRecord[]>;
  /**
   * Cancels a sweep: waiting and running trials → cancelled, each finishing no earlier than it started. Returns how
   * many trials it stopped (0 for a sequential design cancelled between looks); null, and nothing changed, for a
   * sweep with no open trial and no look pending (completed, maybe a moment ago, or cancelled already).
   */
  cancelSweep(sweepId: string, now: Date): Promise<number | null>;
  /**
   * Adds trials to a sweep as a new revision, with the spec they come from. Idempotent through the trial keys: trials
   * already stored are skipped, and when none is new nothing is stored and `revision` is undefined. The trials
   * added wait, so a completed sweep runs again; a cancelled sweep is refused (resume it first).
   */
  reviseSweep(
    input: ReviseSweepInput,
  ): Promise<{ revision: SweepRevision | undefined; added: TrialRecord[] }>;
  /** A sweep's revisions, oldest (the submission) first; empty when there is no such sweep. */
  listRevisions(sweepId: string): Promise<SweepRevision[]>;
  /**
   * Changes a sweep's tags and notes (schemas' `applyAnnotationEdit` on what is stored, in one step, so two edits at
   * once both count), whatever its status. Returns the sweep as it is after, or undefined when there is none; an
   * edit that would exceed the tag limit is refused (InputError) and changes nothing.
   */
  setSweepAnnotations(sweepId: string, edit: AnnotationEdit): Promise<SweepRecord | undefined>;
  /** The same for one trial, whatever its state: its run is not touched. */
  setTrialAnnotations(trialId: string, edit: AnnotationEdit): Promise<TrialRecord | undefined>;
  /**
   * Whether a sequential sweep's next look is still to be taken (or a TPE sweep's next proposal): while it is, the
   * sweep is `running` though no trial is open, so nothing takes it for completed between a round's last result and
   * the next round. Set at creation for a sweep that {@link addsAsItRuns}, and again when its failed trials are
   * retried or it is resumed; the controller clears it when a look adds no round (decided, at `max`, or unable to
   * look for failed trials), or when a TPE sweep has nothing left to propose. Clearing
   * happens only while no trial is open (one queued meanwhile by a retry keeps the look pending): false when it did
   * not (or there is no such sweep).
   */
  setLookPending(sweepId: string, pending: boolean): Promise<boolean>;
  /**
   * Failed trials → waiting, each for a new attempt with a fresh allowance of `maxAttempts`; the failure stays in
   * `retries`. Returns the trials re-queued (none when nothing failed: a repeat changes nothing).
   */
  retryTrials(sweepId: string, now: Date): Promise<TrialRecord[]>;
  /**
   * A cancelled sweep goes on: its cancelled trials → waiting (what had succeeded stays). Returns the trials
   * re-queued (none for a sequential design or TPE search cancelled between rounds); null, and nothing changed, for a
   * sweep that is not cancelled or not there. Atomic: of two concurrent resumes, one gets null.
   */
  resumeSweep(sweepId: string, now: Date): Promise<TrialRecord[] | null>;
  /**
   * Deletes a sweep with its trials, their epochs and results; false if there was none. Events that arrive later for
   * its trials change nothing. Cancel first, so that workers stop (the controller's `delete` does both).
   */
  deleteSweep(sweepId: string): Promise<boolean>;
}

/** A trial's id: unique across sweeps, derived from the sweep and the stable trial key. */
export function trialId(sweepId: string, key: string): string {
  return `${sweepId}:${key}`;
}

/** Why a running trial is handed back by `requeueStale`: which worker went silent, and for how long. */
export function staleReason(trial: Pick<TrialRecord, "workerId" | "heartbeatAt">, now: Date): string {
  const silentFor = ((now.getTime() - (trial.heartbeatAt?.getTime() ?? 0)) / 1000).toFixed(0);
  return `no heartbeat from worker ${trial.workerId} for ${silentFor} s`;
}

/**
 * A worker report applied to what is stored (`recordWorker`'s rule, shared by the stores): the first start time
 * stays, the heartbeat only moves forward, a stop holds until a report newer than it arrives.
 */
export function mergeWorker(old: WorkerRecord | undefined, report: WorkerRecord): WorkerRecord {
  if (!old) return structuredClone(report);
  const lastHeartbeat = new Date(Math.max(report.lastHeartbeat.getTime(), old.lastHeartbeat.getTime()));
  const stoppedAt =
    report.stoppedAt ?? (old.stoppedAt && report.lastHeartbeat <= old.stoppedAt ? old.stoppedAt : undefined);
  return {
    id: old.id,
    host: report.host,
    backend: report.backend,
    ...(report.gpu !== undefined && { gpu: report.gpu }),
    trialKinds: [...report.trialKinds],
    concurrency: report.concurrency,
    startedAt: old.startedAt,
    lastHeartbeat,
    ...(stoppedAt && { stoppedAt }),
  };
}

/** Attempts that count against `maxAttempts`: claims, less those a worker handed back cleanly. */
export function attemptsUsed(trial: Pick<TrialRecord, "attempt" | "retries">): number {
  return trial.attempt - trial.retries.filter((r) => r.handedBack).length;
}

/**
 * Whether a result of `attempt` may settle the trial (`completeTrial`'s rule, shared by the stores): the running
 * attempt's, or an earlier attempt's that was handed back when its worker went quiet and has not been beaten by
 * another, also when the trial was failed meanwhile; never one for a trial that succeeded or was cancelled.
 */
export function lateResultCounts(trial: Pick<TrialRecord, "state" | "attempt">, attempt: number): boolean {
  const open = isOpen(trial);
  // A failure does not outweigh a finished attempt: the controller gave up on a worker it did not hear from (or a
  // later attempt failed), and this attempt's training ran to its end after all.
  return (open || trial.state === "failed") && attempt >= 1 && attempt <= trial.attempt;
}

/** A cancelled sweep takes no new trials and no retries until it is resumed. */
export function sweepCancelled(sweepId: string): AppError {
  return new AppError(
    "SWEEP_CANCELLED",
    "conflict",
    `sweep ${sweepId} is cancelled: resume it first (tailsweep sweep resume ${sweepId})`,
  );
}

/** `base`'s seeds, then those of `more` it lacks, in order: a revision's seeds joined to what is stored. */
export function unionSeeds(base: readonly number[], more: readonly number[]): number[] {
  const have = new Set(base);
  return [...base, ...more.filter((s) => !have.has(s))];
}

/**
 * Whether the attempt `trial` is on has already ended into its `retries` (handed back, failed for a retry, stopped
 * by a cancel): then the trial has no current run, and its `startedAt`/`finishedAt` are that attempt's, not a new
 * one's, until another attempt begins.
 */
export function attemptEnded(trial: Pick<TrialRecord, "attempt" | "retries">): boolean {
  return trial.retries.some((r) => r.attempt === trial.attempt);
}

/**
 * The `retries` entry of the attempt `trial` is on, ended at `end` for `reason`: when it ran goes with it, since the
 * trial's next attempt takes over `startedAt` and `finishedAt`.
 */
export function endedAttempt(
  trial: Pick<TrialRecord, "attempt" | "startedAt">,
  reason: string,
  end: Date | undefined,
  handedBack = false,
): EndedAttempt {
  return {
    attempt: trial.attempt,
    reason,
    ...(handedBack && { handedBack: true }),
    ...(trial.startedAt && end && { startedAt: trial.startedAt, endedAt: end }),
  };
}

/**
 * The `retries` entry of an attempt a cancel stopped (at the trial's `finishedAt`), when its sweep is resumed: like a
 * clean hand-back.
 */
export function resumedAttempt(
  trial: Pick<TrialRecord, "attempt" | "startedAt" | "finishedAt">,
): EndedAttempt {
  return endedAttempt(trial, "stopped by the sweep's cancel, then resumed", trial.finishedAt, true);
}
