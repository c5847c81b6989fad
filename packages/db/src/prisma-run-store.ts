import {
  type AnnotationEdit,
  applyAnnotationEdit,
  EpochTestSchema,
  LossSchema,
  MappingSchema,
  plural,
  StoredRunConfigSchema,
  StoredSweepSpecSchema,
  type TrialKind,
  TrialKindSchema,
  TrialMetricsSchema,
} from "@tailsweep/schemas";
import {
  addsAsItRuns,
  attemptEnded,
  attemptsUsed,
  type CreateSweepInput,
  type EndedAttempt,
  EndedAttemptsSchema,
  EPOCH_SERIES_METRICS,
  type EpochCurvePoint,
  type EpochMetric,
  type EpochSeriesMetric,
  emptyTrialCounts,
  endedAttempt,
  lateResultCounts,
  mergeWorker,
  type ReviseSweepInput,
  type RevisionKind,
  type RunStore,
  resumedAttempt,
  type SweepArchive,
  type SweepRecord,
  type SweepRevision,
  staleReason,
  sweepCancelled,
  type TrialCounts,
  type TrialPlan,
  type TrialRecord,
  type TrialResult,
  type TrialState,
  trialId,
  unionSeeds,
  type WorkerRecord,
} from "@tailsweep/sweep";
import { z } from "zod";
import {
  Prisma,
  type PrismaClient,
  type SweepRevision as SweepRevisionRow,
  type Trial,
  type TrialResult as TrialResultRow,
  type Worker,
} from "./generated/prisma/client";

import { stored } from "./stored-data";
import { withSweepReadCache } from "./sweep-read-cache";

export { STORED_DATA_INVALID, StoredDataError } from "./stored-data";

type Json = Prisma.InputJsonValue;

const ParamsSchema = MappingSchema;
/** A trial's `retries` for its JSON column: the dates as ISO 8601 text, as {@link EndedAttemptsSchema} reads them. */
function retriesJson(retries: readonly EndedAttempt[]): Json {
  return retries.map(({ startedAt, endedAt, ...r }) => ({
    ...r,
    ...(startedAt && { startedAt: startedAt.toISOString() }),
    ...(endedAt && { endedAt: endedAt.toISOString() }),
  }));
}

function toWorkerRecord(w: Worker): WorkerRecord {
  return {
    id: w.id,
    host: w.host,
    backend: w.backend,
    ...(w.gpu !== null && { gpu: w.gpu }),
    trialKinds: w.trialKinds.filter((k): k is TrialKind => k === "gpu" || k === "cpu"),
    concurrency: w.concurrency,
    startedAt: w.startedAt,
    lastHeartbeat: w.lastHeartbeat,
    ...(w.stoppedAt !== null && { stoppedAt: w.stoppedAt }),
  };
}

const TRIAL_STATES = [
  "waiting",
  "running",
  "succeeded",
  "failed",
  "cancelled",
] as const satisfies TrialState[];

/** The state column, checked: the database holds text. */
function toTrialState(state: string): TrialState {
  const known = TRIAL_STATES.find((s) => s === state);
  if (known === undefined) throw new Error(`trial state column holds '${state}'`);
  return known;
}

const RevisionKindSchema = z.enum([
  "submit",
  "extend",
  "round",
  "confirm",
  "propose",
]) satisfies z.ZodType<RevisionKind>;

function toSweepRevision(r: SweepRevisionRow): SweepRevision {
  const row = `revision ${r.revision} of sweep ${r.sweepId}`;
  return {
    sweepId: r.sweepId,
    revision: r.revision,
    kind: stored(RevisionKindSchema, r.kind, row, "kind"),
    spec: stored(StoredSweepSpecSchema, r.spec, row, "spec"),
    seeds: r.seeds,
    configKeys: r.configKeys,
    trialCount: r.trialCount,
    posthoc: r.posthoc,
    by: r.by,
    note: r.note,
    createdAt: r.createdAt,
  };
}

/** A planned trial as a row to insert. */
function trialRow(sweepId: string, t: TrialPlan, revision: number, maxAttempts: number) {
  return {
    id: trialId(sweepId, t.key),
    sweepId,
    key: t.key,
    index: t.index,
    params: t.params as Json,
    seed: t.seed,
    config: t.config as unknown as Json,
    configKey: t.configKey,
    configLabel: t.configLabel,
    kind: t.kind,
    revision,
    maxAttempts,
  };
}

function toTrialResult(r: TrialResultRow): TrialResult {
  const metrics = stored(TrialMetricsSchema, r.metrics, `result of trial ${r.trialId}`, "metrics");
  return { metrics, backend: r.backend, seconds: r.seconds };
}

function toTrialRecord(t: Trial): TrialRecord {
  const row = `trial ${t.id}`;
  return {
    id: t.id,
    sweepId: t.sweepId,
    key: t.key,
    index: t.index,
    params: stored(ParamsSchema, t.params, row, "params"),
    seed: t.seed,
    config: stored(StoredRunConfigSchema, t.config, row, "config"),
    configKey: t.configKey,
    configLabel: t.configLabel,
    kind: stored(TrialKindSchema, t.kind, row, "kind"),
    revision: t.revision,
    state: toTrialState(t.state),
    attempt: t.attempt,
    maxAttempts: t.maxAttempts,
    ...(t.workerId !== null && { workerId: t.workerId }),
    ...(t.backend !== null && { backend: t.backend }),
    ...(t.heartbeatAt !== null && { heartbeatAt: t.heartbeatAt }),
    ...(t.startedAt !== null && { startedAt: t.startedAt }),
    ...(t.finishedAt !== null && { finishedAt: t.finishedAt }),
    ...(t.error !== null && { error: t.error }),
    ...(t.errorCode !== null && { errorCode: t.errorCode }),
    retries: stored(EndedAttemptsSchema, t.retries, row, "retries"),
    tags: t.tags,
    notes: t.notes,
  };
}

/** Locks a sweep's row until the transaction ends: its cancel, revisions and retries take their turns. */
async function lockSweep(tx: Prisma.TransactionClient, sweepId: string): Promise<void> {
  await tx.$queryRaw`SELECT id FROM sweep WHERE id = ${sweepId} FOR UPDATE`;
}

/**
 * An update guarded by its `where` (a compare-and-set on a unique id plus the expected state): the row as written,
 * or undefined when the guard did not match (Prisma's P2025), so a transition needs no read after it.
 */
async function updated<T>(update: PromiseLike<T>): Promise<T | undefined> {
  try {
    return await update;
  } catch (e) {
    if (e instanceof Prisma.PrismaClientKnownRequestError && e.code === "P2025") return undefined;
    throw e;
  }
}

/** {@link PrismaRunStore.listTrials} on `db`: the store's client, or a transaction (sweep-read-cache.ts). */
export async function readTrials(db: Prisma.TransactionClient, sweepId: string): Promise<TrialRecord[]> {
  return (await db.trial.findMany({ where: { sweepId }, orderBy: { index: "asc" } })).map(toTrialRecord);
}

/** {@link PrismaRunStore.listResults} on `db`: the store's client, or a transaction (sweep-read-cache.ts). */
export async function readResults(
  db: Prisma.TransactionClient,
  sweepId: string,
): Promise<Map<string, TrialResult>> {
  const rows = await db.trialResult.findMany({ where: { trial: { sweepId } } });
  return new Map(rows.map((r) => [r.trialId, toTrialResult(r)]));
}

/** {@link PrismaRunStore.epochCurves} on `db`: the store's client, or a transaction (sweep-read-cache.ts). */
export async function readEpochCurves(
  db: Prisma.TransactionClient,
  sweepId: string,
  metric: EpochSeriesMetric,
): Promise<EpochCurvePoint[]> {
  if (!EPOCH_SERIES_METRICS.includes(metric)) throw new RangeError(`epochCurves: unknown metric '${metric}'`);
  const [group, key] = metric.split(".") as ["loss" | "test" | "validation", string];
  // Aggregated where the rows are: one indexed join, one number pulled out of the JSON, grouped by configuration
  // (its key; the params ride along, one value per key) and epoch, so the dashboard gets configurations × epochs
  // rows instead of every epoch of every trial.
  const column = Prisma.raw(group === "loss" ? "e.loss" : group === "test" ? "e.test" : "e.validation");
  const rows = await db.$queryRaw<
    {
      config_key: string;
      params: unknown;
      epoch: number;
      finished: boolean;
      n: number;
      mean: number;
      sd: number | null;
    }[]
  >`
    SELECT t.config_key, t.params, e.epoch, (t.state = 'succeeded') AS finished, count(*)::int AS n,
           avg((${column} ->> ${key})::float8) AS mean, stddev_samp((${column} ->> ${key})::float8) AS sd
    FROM epoch_metric e JOIN trial t ON t.id = e.trial_id AND e.attempt = t.attempt
    WHERE t.sweep_id = ${sweepId} AND t.state IN ('succeeded', 'running') AND ${column} ? ${key}
    GROUP BY t.config_key, t.params, e.epoch, (t.state = 'succeeded')
    ORDER BY e.epoch`;
  return rows.map((r) => ({
    configKey: r.config_key,
    params: stored(ParamsSchema, r.params, `configuration ${r.config_key} of sweep ${sweepId}`, "params"),
    epoch: r.epoch,
    n: r.n,
    mean: Number(r.mean),
    sd: r.sd === null ? Number.NaN : Number(r.sd),
    finished: r.finished,
  }));
}

/**
 * The run store on PostgreSQL or PGlite through Prisma. Every state change is a compare-and-set (`updateMany`
 * guarded by the expected state and attempt), so concurrent workers and repeated messages cannot move a trial
 * twice; repeatable writes (create, epochs, results) are idempotent by their natural keys.
 */
export class PrismaRunStore implements RunStore {
  constructor(private readonly db: PrismaClient) {}

  private pages?: RunStore;

  /**
   * This store as the dashboard's pages and API read it: a sweep's trials, results and learning curves are kept
   * while their rows are unchanged, by any process (`withSweepReadCache`). One per store, so every request shares it.
   */
  pageReads(): RunStore {
    this.pages ??= withSweepReadCache(this, this.db, {
      trials: readTrials,
      results: readResults,
      curves: readEpochCurves,
    });
    return this.pages;
  }

  async createSweep(input: CreateSweepInput): Promise<SweepRecord> {
    const existing = await this.getSweep(input.id);
    if (existing) return existing;
    const { spec } = input;
    const createdAt = input.now ?? new Date();
    try {
      await this.db.$transaction([
        // INSERT … ON CONFLICT DO NOTHING: an upsert is a read then a write, and two sweeps of a new project
        // submitted at once had one fail on the project's key, read as "the same sweep was made meanwhile"
        this.db.project.createMany({ data: [{ id: spec.project }], skipDuplicates: true }),
        this.db.sweep.create({
          data: {
            id: input.id,
            projectId: spec.project,
            name: spec.name,
            spec: spec as unknown as Json,
            trialCount: input.trials.length,
            provenance: (input.provenance ?? {}) as Json,
            createdAt,
            lookPending: addsAsItRuns(spec),
            revisions: {
              create: {
                revision: 1,
                kind: "submit",
                spec: spec as unknown as Json,
                seeds: spec.seeds,
                configKeys: [],
                trialCount: input.trials.length,
                posthoc: false,
                by: input.by ?? "",
                createdAt,
              },
            },
          },
        }),
        this.db.trial.createMany({
          data: input.trials.map((t) => trialRow(input.id, t, 1, spec.execution.maxAttempts)),
        }),
      ]);
    } catch (e) {
      // Another submitter created the same sweep in between: theirs stands.
      if (!(e instanceof Prisma.PrismaClientKnownRequestError && e.code === "P2002")) throw e;
    }
    return (await this.getSweep(input.id))!;
  }

  async importSweep(archive: SweepArchive): Promise<SweepRecord | undefined> {
    const { sweep, trials, revisions } = archive;
    if (await this.getSweep(sweep.id)) return undefined;
    try {
      await this.db.$transaction([
        this.db.project.createMany({ data: [{ id: sweep.project }], skipDuplicates: true }),
        this.db.sweep.create({
          data: {
            id: sweep.id,
            projectId: sweep.project,
            name: sweep.name,
            spec: sweep.spec as unknown as Json,
            revision: sweep.revision,
            lookPending: false,
            status: sweep.status === "cancelled" ? "cancelled" : "running",
            trialCount: sweep.trialCount,
            provenance: sweep.provenance as Json,
            tags: sweep.tags,
            notes: sweep.notes,
            createdAt: sweep.createdAt,
            revisions: {
              create: revisions.map((r) => ({
                revision: r.revision,
                kind: r.kind,
                spec: r.spec as unknown as Json,
                seeds: r.seeds,
                configKeys: r.configKeys,
                trialCount: r.trialCount,
                posthoc: r.posthoc,
                by: r.by,
                note: r.note,
                createdAt: r.createdAt,
              })),
            },
          },
        }),
        this.db.trial.createMany({
          data: trials.map(({ result: _result, ...t }) => ({
            ...t,
            params: t.params as Json,
            config: t.config as unknown as Json,
            retries: retriesJson(t.retries),
          })),
        }),
        this.db.trialResult.createMany({
          data: trials.flatMap(({ id, attempt, result }) =>
            result
              ? [
                  {
                    trialId: id,
                    attempt,
                    metrics: result.metrics as Json,
                    backend: result.backend,
                    seconds: result.seconds,
                  },
                ]
              : [],
          ),
        }),
      ]);
    } catch (e) {
      // Another import or submission stored the same sweep in between: theirs stands, and this one is refused.
      if (e instanceof Prisma.PrismaClientKnownRequestError && e.code === "P2002") return undefined;
      throw e;
    }
    return this.getSweep(sweep.id);
  }

  async getSweep(id: string): Promise<SweepRecord | undefined> {
    const s = await this.db.sweep.findUnique({ where: { id } });
    if (!s) return undefined;
    const open = await this.db.trial.count({ where: { sweepId: id, state: { in: ["waiting", "running"] } } });
    return {
      id: s.id,
      project: s.projectId,
      name: s.name,
      spec: stored(StoredSweepSpecSchema, s.spec, `sweep ${s.id}`, "spec"),
      revision: s.revision,
      status: s.status === "cancelled" ? "cancelled" : open === 0 && !s.lookPending ? "completed" : "running",
      createdAt: s.createdAt,
      trialCount: s.trialCount,
      provenance: stored(ParamsSchema, s.provenance, `sweep ${s.id}`, "provenance"),
      tags: s.tags,
      notes: s.notes,
    };
  }

  async listSweeps(project?: string): Promise<SweepRecord[]> {
    const rows = await this.db.sweep.findMany({
      where: project === undefined ? {} : { projectId: project },
      orderBy: { createdAt: "asc" },
      select: { id: true },
    });
    return Promise.all(rows.map(async (r) => (await this.getSweep(r.id))!));
  }

  async listTrials(sweepId: string): Promise<TrialRecord[]> {
    return readTrials(this.db, sweepId);
  }

  async getTrial(id: string): Promise<TrialRecord | undefined> {
    const t = await this.db.trial.findUnique({ where: { id } });
    return t ? toTrialRecord(t) : undefined;
  }

  async countTrials(sweepIds: readonly string[]): Promise<Map<string, TrialCounts>> {
    const counts = new Map(sweepIds.map((id) => [id, emptyTrialCounts()]));
    if (sweepIds.length === 0) return counts;
    // One GROUP BY over the (sweep_id, state) index: a few rows per sweep whatever its size.
    const groups = await this.db.trial.groupBy({
      by: ["sweepId", "kind", "state"],
      where: { sweepId: { in: [...sweepIds] } },
      _count: { _all: true },
    });
    for (const g of groups) {
      const kind = stored(TrialKindSchema, g.kind, `trials of sweep ${g.sweepId}`, "kind");
      const c = counts.get(g.sweepId);
      if (c) c[kind][toTrialState(g.state)] = g._count._all;
    }
    return counts;
  }

  async claimTrial(
    id: string,
    workerId: string,
    now: Date,
    backend?: string,
  ): Promise<TrialRecord | undefined> {
    // A compare-and-set on the state that returns the row it wrote: no second read.
    const t = await updated(
      this.db.trial.update({
        where: { id, state: "waiting" },
        data: {
          state: "running",
          attempt: { increment: 1 },
          workerId,
          backend: backend ?? null,
          heartbeatAt: now,
          startedAt: now,
        },
      }),
    );
    return t && toTrialRecord(t);
  }

  async heartbeat(id: string, attempt: number, now: Date): Promise<boolean> {
    const { count } = await this.db.trial.updateMany({
      where: { id, state: "running", attempt },
      data: { heartbeatAt: now },
    });
    return count === 1;
  }

  async recordEpoch(id: string, attempt: number, metric: EpochMetric): Promise<void> {
    await this.recordEpochs([{ trialId: id, attempt, metric }]);
  }

  async recordEpochs(items: { trialId: string; attempt: number; metric: EpochMetric }[]): Promise<void> {
    if (items.length === 0) return;
    // One INSERT … SELECT FROM unnest(arrays): six parameters whatever the batch size, and several times faster than
    // createMany's row-by-row VALUES list through the query compiler (bench/event-ingest.ts). JSON travels as text.
    // Rows go in in batch order (the first of two copies wins), and epochs of trials deleted meanwhile are dropped.
    await this.db.$executeRaw`
      INSERT INTO epoch_metric (trial_id, attempt, epoch, loss, test, validation, seconds)
      SELECT trial_id, attempt, epoch, loss::jsonb, test::jsonb, validation::jsonb, seconds
      FROM unnest(
        ${items.map((i) => i.trialId)}::text[], ${items.map((i) => i.attempt)}::int[],
        ${items.map((i) => i.metric.epoch)}::int[], ${items.map((i) => JSON.stringify(i.metric.loss))}::text[],
        ${items.map((i) => (i.metric.test ? JSON.stringify(i.metric.test) : null))}::text[],
        ${items.map((i) => (i.metric.validation ? JSON.stringify(i.metric.validation) : null))}::text[],
        ${items.map((i) => i.metric.seconds)}::float8[]
      ) WITH ORDINALITY AS e(trial_id, attempt, epoch, loss, test, validation, seconds, n)
      WHERE EXISTS (SELECT 1 FROM trial t WHERE t.id = e.trial_id)
      ORDER BY e.n
      ON CONFLICT DO NOTHING`;
  }

  async reviseSweep(
    input: ReviseSweepInput,
  ): Promise<{ revision: SweepRevision | undefined; added: TrialRecord[] }> {
    const { sweepId } = input;
    // With the sweep row locked (FOR UPDATE): two extensions at once number their revisions and trials in turn.
    return this.db.$transaction(async (tx) => {
      const rows = await tx.$queryRaw<
        { revision: number; trial_count: number; status: string; spec: unknown }[]
      >`
        SELECT revision, trial_count, status, spec FROM sweep WHERE id = ${sweepId} FOR UPDATE`;
      const sweep = rows[0];
      if (!sweep) throw new Error(`reviseSweep: no sweep ${sweepId}`);
      // The seeds of revisions stored meanwhile stay: this one's spec is the stored one with its seeds added.
      const storedSeeds = stored(StoredSweepSpecSchema, sweep.spec, `sweep ${sweepId}`, "spec").seeds;
      const spec = { ...input.spec, seeds: unionSeeds(storedSeeds, input.spec.seeds) };
      const ids = input.trials.map((t) => trialId(sweepId, t.key));
      const have = new Set(
        (await tx.trial.findMany({ where: { id: { in: ids } }, select: { id: true } })).map((t) => t.id),
      );
      const fresh = input.trials.filter((t) => !have.has(trialId(sweepId, t.key)));
      if (fresh.length === 0) return { revision: undefined, added: [] };
      if (sweep.status === "cancelled") throw sweepCancelled(sweepId);
      const revision = sweep.revision + 1;
      const row = await tx.sweepRevision.create({
        data: {
          sweepId,
          revision,
          kind: input.kind,
          spec: spec as unknown as Json,
          seeds: input.seeds,
          configKeys: input.configKeys,
          trialCount: fresh.length,
          posthoc: input.posthoc,
          by: input.by,
          note: input.note,
          createdAt: input.now,
        },
      });
      await tx.trial.createMany({
        data: fresh.map((t, i) =>
          trialRow(sweepId, { ...t, index: sweep.trial_count + i }, revision, spec.execution.maxAttempts),
        ),
      });
      await tx.sweep.update({
        where: { id: sweepId },
        data: { spec: spec as unknown as Json, revision, trialCount: sweep.trial_count + fresh.length },
      });
      const added = await tx.trial.findMany({
        where: { sweepId, revision },
        orderBy: { index: "asc" },
      });
      return { revision: toSweepRevision(row), added: added.map(toTrialRecord) };
    });
  }

  async listRevisions(sweepId: string): Promise<SweepRevision[]> {
    const rows = await this.db.sweepRevision.findMany({ where: { sweepId }, orderBy: { revision: "asc" } });
    return rows.map(toSweepRevision);
  }

  async setSweepAnnotations(sweepId: string, edit: AnnotationEdit): Promise<SweepRecord | undefined> {
    // Read and written with the row locked: an edit from another process applies its additions to this one's result.
    const found = await this.db.$transaction(async (tx) => {
      await lockSweep(tx, sweepId);
      const row = await tx.sweep.findUnique({ where: { id: sweepId }, select: { tags: true, notes: true } });
      if (!row) return false;
      await tx.sweep.update({ where: { id: sweepId }, data: applyAnnotationEdit(row, edit) });
      return true;
    });
    return found ? this.getSweep(sweepId) : undefined;
  }

  async setTrialAnnotations(id: string, edit: AnnotationEdit): Promise<TrialRecord | undefined> {
    return this.db.$transaction(async (tx) => {
      await tx.$queryRaw`SELECT id FROM trial WHERE id = ${id} FOR UPDATE`;
      const row = await tx.trial.findUnique({ where: { id }, select: { tags: true, notes: true } });
      if (!row) return undefined;
      // These two columns only: the run's own are the controller's to move.
      return toTrialRecord(await tx.trial.update({ where: { id }, data: applyAnnotationEdit(row, edit) }));
    });
  }

  async setLookPending(sweepId: string, pending: boolean): Promise<boolean> {
    // Cleared in one guarded statement: a trial queued meanwhile (a retry from another process) keeps it pending.
    const { count } = await this.db.sweep.updateMany({
      where: {
        id: sweepId,
        ...(!pending && { trials: { none: { state: { in: ["waiting", "running"] } } } }),
      },
      data: { lookPending: pending },
    });
    return count === 1;
  }

  async retryTrials(sweepId: string, _now: Date): Promise<TrialRecord[]> {
    return this.db.$transaction(async (tx) => {
      await lockSweep(tx, sweepId); // serialized with a cancel (see cancelSweep)
      const failed = await tx.trial.findMany({
        where: { sweepId, state: "failed" },
        orderBy: { index: "asc" },
      });
      if (failed.length === 0) return [];
      const sweep = await tx.sweep.findUnique({ where: { id: sweepId } });
      if (sweep?.status === "cancelled") throw sweepCancelled(sweepId);
      const spec = stored(StoredSweepSpecSchema, sweep!.spec, `sweep ${sweepId}`, "spec");
      const allowance = spec.execution.maxAttempts;
      const retried: TrialRecord[] = [];
      for (const t of failed) {
        const record = toTrialRecord(t);
        // Guarded on the state and attempt read: a late result that settled it meanwhile wins.
        const after = await updated(
          tx.trial.update({
            where: { id: t.id, state: "failed", attempt: t.attempt },
            data: {
              state: "waiting",
              maxAttempts: attemptsUsed(record) + allowance,
              error: null,
              errorCode: null,
              workerId: null,
              heartbeatAt: null,
              finishedAt: null,
              retries: retriesJson([
                ...record.retries,
                endedAttempt(record, t.error ?? "failed", record.finishedAt),
              ]),
            },
          }),
        );
        if (after) retried.push(toTrialRecord(after));
      }
      if (retried.length > 0 && addsAsItRuns(spec))
        await tx.sweep.update({ where: { id: sweepId }, data: { lookPending: true } });
      return retried;
    });
  }

  async resumeSweep(sweepId: string, _now: Date): Promise<TrialRecord[] | null> {
    return this.db.$transaction(async (tx) => {
      const { count } = await tx.sweep.updateMany({
        where: { id: sweepId, status: "cancelled" },
        data: { status: "running" },
      });
      if (count === 0) return null;
      // when the cancel stopped each attempt, which the update below clears
      const stoppedAt = new Map(
        (
          await tx.trial.findMany({
            where: { sweepId, state: "cancelled" },
            select: { id: true, finishedAt: true },
          })
        ).map((t) => [t.id, t.finishedAt ?? undefined]),
      );
      const rows = await tx.trial.updateManyAndReturn({
        where: { sweepId, state: "cancelled" },
        data: { state: "waiting", workerId: null, heartbeatAt: null, finishedAt: null },
      });
      rows.sort((a, b) => a.index - b.index);
      // An attempt the cancel stopped is not the trial's failure: recorded as handed back, it uses up no attempt.
      for (const [i, t] of rows.entries()) {
        const record = toTrialRecord(t);
        if (t.attempt === 0 || attemptEnded(record)) continue;
        rows[i] = await tx.trial.update({
          where: { id: t.id },
          data: {
            retries: retriesJson([
              ...record.retries,
              resumedAttempt({ ...record, finishedAt: stoppedAt.get(t.id) }),
            ]),
          },
        });
      }
      const sweep = await tx.sweep.findUnique({ where: { id: sweepId }, select: { spec: true } });
      if (addsAsItRuns(stored(StoredSweepSpecSchema, sweep!.spec, `sweep ${sweepId}`, "spec")))
        await tx.sweep.update({ where: { id: sweepId }, data: { lookPending: true } });
      return rows.map(toTrialRecord);
    });
  }

  async deleteSweep(sweepId: string): Promise<boolean> {
    // Trials, their epochs and results go with it (ON DELETE CASCADE).
    return (await this.db.sweep.deleteMany({ where: { id: sweepId } })).count > 0;
  }

  async epochCurves(sweepId: string, metric: EpochSeriesMetric): Promise<EpochCurvePoint[]> {
    return readEpochCurves(this.db, sweepId, metric);
  }

  async listEpochs(id: string, attempt?: number): Promise<(EpochMetric & { attempt: number })[]> {
    const rows = await this.db.epochMetric.findMany({
      where: { trialId: id, ...(attempt !== undefined && { attempt }) },
      orderBy: [{ attempt: "asc" }, { epoch: "asc" }],
    });
    return rows.map((r) => {
      const row = `trial ${r.trialId} attempt ${r.attempt} epoch ${r.epoch}`;
      return {
        attempt: r.attempt,
        epoch: r.epoch,
        loss: stored(LossSchema, r.loss, row, "loss"),
        ...(r.test !== null && { test: stored(EpochTestSchema, r.test, row, "test") }),
        ...(r.validation !== null && {
          validation: stored(EpochTestSchema, r.validation, row, "validation"),
        }),
        seconds: r.seconds,
      };
    });
  }

  async completeTrial(
    id: string,
    attempt: number,
    result: TrialResult,
    now: Date,
    workerId?: string,
  ): Promise<TrialRecord | undefined> {
    // Each try is a compare-and-set on the state and attempt just read. A miss means a claim, a hand-back or
    // another result came in between: read again and apply the rule to what is there now (a claim can move a
    // trial on, but only a finished one stops moving), so a late result is not lost to a race.
    for (let tries = 0; tries < 5; tries++) {
      const settled = await this.db.$transaction(async (tx) => {
        const t = await tx.trial.findUnique({ where: { id } });
        if (!t) return { trial: undefined };
        if (t.state === "succeeded") return { trial: t.attempt === attempt ? toTrialRecord(t) : undefined };
        if (!lateResultCounts({ state: toTrialState(t.state), attempt: t.attempt }, attempt))
          return { trial: undefined };
        const done = await updated(
          tx.trial.update({
            where: { id, state: t.state, attempt: t.attempt },
            // A failure given up on before this result came is no longer the trial's story: `retries` keeps it.
            data: {
              state: "succeeded",
              finishedAt: now,
              attempt,
              error: null,
              errorCode: null,
              ...(workerId && { workerId }),
            },
          }),
        );
        if (!done) return undefined;
        await tx.trialResult.create({
          data: {
            trialId: id,
            attempt,
            metrics: result.metrics as Json,
            backend: result.backend,
            seconds: result.seconds,
          },
        });
        return { trial: toTrialRecord(done) };
      });
      if (settled !== undefined) return settled.trial;
    }
    return undefined;
  }

  async getResult(id: string): Promise<TrialResult | undefined> {
    const r = await this.db.trialResult.findUnique({ where: { trialId: id } });
    return r ? toTrialResult(r) : undefined;
  }

  async listResults(sweepId: string): Promise<Map<string, TrialResult>> {
    return readResults(this.db, sweepId);
  }

  async failTrial(
    id: string,
    attempt: number,
    reason: string,
    retryable: boolean,
    now: Date,
    options: { handedBack?: boolean; code?: string } = {},
  ): Promise<TrialRecord | undefined> {
    return this.db.$transaction(async (tx) => {
      const t = await tx.trial.findUnique({ where: { id } });
      if (t?.state !== "running" || t.attempt !== attempt) return undefined;
      const record = toTrialRecord(t);
      const retry = options.handedBack || (retryable && attemptsUsed(record) < t.maxAttempts);
      const data = retry
        ? {
            state: "waiting",
            error: reason,
            errorCode: options.code ?? null,
            workerId: null,
            heartbeatAt: null,
            retries: retriesJson([...record.retries, endedAttempt(record, reason, now, options.handedBack)]),
          }
        : {
            state: "failed",
            error: retryable
              ? `${reason} (gave up after ${plural(attemptsUsed(record), "attempt")})`
              : reason,
            errorCode: options.code ?? null,
            finishedAt: now,
          };
      const after = await updated(tx.trial.update({ where: { id, state: "running", attempt }, data }));
      return after && toTrialRecord(after);
    });
  }

  async requeueStale(now: Date, staleAfterMs: number, sweepId?: string): Promise<TrialRecord[]> {
    const cutoff = new Date(now.getTime() - staleAfterMs);
    const stale = await this.db.trial.findMany({
      where: { state: "running", heartbeatAt: { lt: cutoff }, ...(sweepId !== undefined && { sweepId }) },
    });
    const handedBack: TrialRecord[] = [];
    for (const t of stale) {
      // One that settled or was handed back in between is left as it is (failTrial's guard), and not returned.
      const after = await this.failTrial(t.id, t.attempt, staleReason(toTrialRecord(t), now), true, now);
      if (after) handedBack.push(after);
    }
    return handedBack;
  }

  async recordWorker(worker: WorkerRecord): Promise<void> {
    await this.db.$transaction(async (tx) => {
      const row = await tx.worker.findUnique({ where: { id: worker.id } });
      const merged = mergeWorker(row ? toWorkerRecord(row) : undefined, worker);
      const data = { ...merged, gpu: merged.gpu ?? null, stoppedAt: merged.stoppedAt ?? null };
      await tx.worker.upsert({ where: { id: worker.id }, create: data, update: data });
    });
  }

  async listWorkers(): Promise<WorkerRecord[]> {
    const rows = await this.db.worker.findMany({ orderBy: { lastHeartbeat: "desc" } });
    return rows.map(toWorkerRecord);
  }

  async cancelSweep(sweepId: string, now: Date): Promise<number | null> {
    if (!(await this.db.sweep.findUnique({ where: { id: sweepId }, select: { id: true } }))) {
      throw new Error(`cancelSweep: no sweep ${sweepId}`);
    }
    return this.db.$transaction(async (tx) => {
      // The sweep row first, as reviseSweep and retryTrials take it: a revision or a retry in another process then
      // runs wholly before this cancel (and its trials are cancelled here) or after it (and is refused).
      await lockSweep(tx, sweepId);
      const open = { sweepId, state: { in: ["waiting", "running"] } };
      // A trial claimed a moment ago (by another process's clock) finishes no earlier than it started: rare, so
      // those few are written one by one and the rest in one statement.
      const startedLater = await tx.trial.findMany({
        where: { ...open, startedAt: { gt: now } },
        select: { id: true, startedAt: true },
      });
      let stopped = 0;
      for (const t of startedLater)
        stopped += (
          await tx.trial.updateMany({
            where: { id: t.id, ...open },
            data: { state: "cancelled", finishedAt: t.startedAt },
          })
        ).count;
      stopped += (await tx.trial.updateMany({ where: open, data: { state: "cancelled", finishedAt: now } }))
        .count;
      // A completed sweep stays completed: there was nothing left to cancel. A sequential sweep between two looks
      // has no open trial and is not done: it is cancelled (its next round never queued).
      const { count } = await tx.sweep.updateMany({
        where: { id: sweepId, ...(stopped === 0 && { lookPending: true }) },
        data: { status: "cancelled", lookPending: false },
      });
      return stopped > 0 || count > 0 ? stopped : null;
    });
  }
}
