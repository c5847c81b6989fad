import { type AnnotationEdit, applyAnnotationEdit, plural } from "@tailsweep/schemas";
import type { TrialPlan } from "./expand";
import {
  addsAsItRuns,
  attemptEnded,
  attemptsUsed,
  type CreateSweepInput,
  type EpochCurvePoint,
  type EpochMetric,
  type EpochSeriesMetric,
  emptyTrialCounts,
  endedAttempt,
  lateResultCounts,
  mergeWorker,
  type ReviseSweepInput,
  type RunStore,
  resumedAttempt,
  type SweepRecord,
  type SweepRevision,
  staleReason,
  sweepCancelled,
  type TrialCounts,
  type TrialRecord,
  type TrialResult,
  trialId,
  unionSeeds,
  type WorkerRecord,
} from "./run-store";
import type { SweepArchive } from "./sweep-archive";
import { assertTransition, isOpen, TERMINAL_STATES, type TrialState } from "./trial-state";

/**
 * A RunStore in process memory: for unit tests of the layers above, and as the reference the conformance suite
 * is written against. Records are copied in and out so callers cannot change stored state by mutation.
 */
export class InMemoryRunStore implements RunStore {
  private readonly sweeps = new Map<
    string,
    {
      record: Omit<SweepRecord, "status">;
      cancelled: boolean;
      lookPending: boolean;
      revisions: SweepRevision[];
    }
  >();
  private readonly trials = new Map<string, TrialRecord>();
  private readonly epochs = new Map<string, EpochMetric & { attempt: number }>();
  private readonly results = new Map<string, TrialResult>();
  private readonly workers = new Map<string, WorkerRecord>();

  async createSweep(input: CreateSweepInput): Promise<SweepRecord> {
    const existing = this.sweeps.get(input.id);
    if (!existing) {
      const keys = new Set(input.trials.map((t) => t.key));
      if (keys.size !== input.trials.length)
        throw new Error(`createSweep ${input.id}: two trials share a key`);
      const createdAt = input.now ?? new Date();
      this.sweeps.set(input.id, {
        record: {
          id: input.id,
          project: input.spec.project,
          name: input.spec.name,
          spec: structuredClone(input.spec),
          revision: 1,
          createdAt,
          trialCount: input.trials.length,
          provenance: structuredClone(input.provenance ?? {}),
          tags: [],
          notes: "",
        },
        cancelled: false,
        lookPending: addsAsItRuns(input.spec),
        revisions: [
          {
            sweepId: input.id,
            revision: 1,
            kind: "submit",
            spec: structuredClone(input.spec),
            seeds: [...input.spec.seeds],
            configKeys: [],
            trialCount: input.trials.length,
            posthoc: false,
            by: input.by ?? "",
            note: "",
            createdAt,
          },
        ],
      });
      for (const t of input.trials) this.addTrial(input.id, t, 1, input.spec.execution.maxAttempts);
    }
    return (await this.getSweep(input.id))!;
  }

  async importSweep(archive: SweepArchive): Promise<SweepRecord | undefined> {
    const { status, ...record } = archive.sweep;
    if (this.sweeps.has(record.id)) return undefined;
    this.sweeps.set(record.id, {
      record: structuredClone(record),
      cancelled: status === "cancelled",
      lookPending: false,
      revisions: structuredClone(archive.revisions),
    });
    for (const { result, ...trial } of archive.trials) {
      this.trials.set(trial.id, structuredClone(trial));
      if (result) this.results.set(trial.id, structuredClone(result));
    }
    return this.getSweep(record.id);
  }

  async getSweep(id: string): Promise<SweepRecord | undefined> {
    const s = this.sweeps.get(id);
    if (!s) return undefined;
    const trials = [...this.trials.values()].filter((t) => t.sweepId === id);
    const done = !s.lookPending && trials.every((t) => TERMINAL_STATES.includes(t.state));
    const status = s.cancelled ? "cancelled" : done ? "completed" : "running";
    return structuredClone({ ...s.record, status });
  }

  async listSweeps(project?: string): Promise<SweepRecord[]> {
    const ids = [...this.sweeps.values()]
      .filter((s) => project === undefined || s.record.project === project)
      .map((s) => s.record.id);
    return Promise.all(ids.map(async (id) => (await this.getSweep(id))!));
  }

  async listTrials(sweepId: string): Promise<TrialRecord[]> {
    return [...this.trials.values()]
      .filter((t) => t.sweepId === sweepId)
      .sort((a, b) => a.index - b.index)
      .map((t) => structuredClone(t));
  }

  async getTrial(id: string): Promise<TrialRecord | undefined> {
    const t = this.trials.get(id);
    return t && structuredClone(t);
  }

  async countTrials(sweepIds: readonly string[]): Promise<Map<string, TrialCounts>> {
    const counts = new Map(sweepIds.map((id) => [id, emptyTrialCounts()]));
    for (const t of this.trials.values()) {
      const c = counts.get(t.sweepId);
      if (c) c[t.kind][t.state]++;
    }
    return counts;
  }

  async claimTrial(
    id: string,
    workerId: string,
    now: Date,
    backend?: string,
  ): Promise<TrialRecord | undefined> {
    const t = this.trials.get(id);
    if (t?.state !== "waiting") return undefined;
    this.move(t, "running");
    Object.assign(t, { attempt: t.attempt + 1, workerId, backend, heartbeatAt: now, startedAt: now });
    return structuredClone(t);
  }

  async heartbeat(id: string, attempt: number, now: Date): Promise<boolean> {
    const t = this.running(id, attempt);
    if (!t) return false;
    t.heartbeatAt = now;
    return true;
  }

  async recordEpoch(id: string, attempt: number, metric: EpochMetric): Promise<void> {
    await this.recordEpochs([{ trialId: id, attempt, metric }]);
  }

  async recordEpochs(items: { trialId: string; attempt: number; metric: EpochMetric }[]): Promise<void> {
    for (const { trialId: id, attempt, metric } of items) {
      if (!this.trials.has(id)) continue; // its sweep was deleted
      const key = `${id}#${attempt}#${metric.epoch}`;
      if (!this.epochs.has(key)) this.epochs.set(key, structuredClone({ ...metric, attempt }));
    }
  }

  async listEpochs(id: string, attempt?: number): Promise<(EpochMetric & { attempt: number })[]> {
    return [...this.epochs.entries()]
      .filter(([k, e]) => k.startsWith(`${id}#`) && (attempt === undefined || e.attempt === attempt))
      .map(([, e]) => structuredClone(e))
      .sort((a, b) => a.attempt - b.attempt || a.epoch - b.epoch);
  }

  async completeTrial(
    id: string,
    attempt: number,
    result: TrialResult,
    now: Date,
    workerId?: string,
  ): Promise<TrialRecord | undefined> {
    const t = this.trials.get(id);
    if (!t) return undefined;
    if (t.state === "succeeded") return t.attempt === attempt ? structuredClone(t) : undefined;
    if (!lateResultCounts(t, attempt)) return undefined;
    this.move(t, "succeeded");
    Object.assign(t, { attempt, ...(workerId && { workerId }) });
    // a failure given up on before this result came: `retries` keeps it
    t.error = undefined;
    t.errorCode = undefined;
    t.finishedAt = now;
    this.results.set(id, structuredClone(result));
    return structuredClone(t);
  }

  async epochCurves(sweepId: string, metric: EpochSeriesMetric): Promise<EpochCurvePoint[]> {
    const [group, key] = metric.split(".") as ["loss" | "test" | "validation", string];
    const groups = new Map<
      string,
      {
        configKey: string;
        params: Record<string, unknown>;
        epoch: number;
        finished: boolean;
        values: number[];
      }
    >();
    for (const [k, e] of this.epochs) {
      const t = this.trials.get(k.slice(0, k.indexOf("#")));
      if (t?.sweepId !== sweepId || e.attempt !== t.attempt) continue;
      if (t.state !== "succeeded" && t.state !== "running") continue;
      const value = (e[group] as Record<string, number> | undefined)?.[key];
      if (typeof value !== "number") continue;
      const finished = t.state === "succeeded";
      const id = `${t.configKey}#${e.epoch}#${finished}`;
      const g = groups.get(id) ?? {
        configKey: t.configKey,
        params: structuredClone(t.params),
        epoch: e.epoch,
        finished,
        values: [],
      };
      g.values.push(value);
      groups.set(id, g);
    }
    return [...groups.values()]
      .map(({ configKey, params, epoch, finished, values }) => {
        const mean = values.reduce((a, b) => a + b, 0) / values.length;
        const sd =
          values.length > 1
            ? Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1))
            : Number.NaN;
        return { configKey, params, epoch, n: values.length, mean, sd, finished };
      })
      .sort((a, b) => a.epoch - b.epoch);
  }

  async getResult(id: string): Promise<TrialResult | undefined> {
    const r = this.results.get(id);
    return r && structuredClone(r);
  }

  async listResults(sweepId: string): Promise<Map<string, TrialResult>> {
    const out = new Map<string, TrialResult>();
    for (const [id, r] of this.results)
      if (this.trials.get(id)?.sweepId === sweepId) out.set(id, structuredClone(r));
    return out;
  }

  async failTrial(
    id: string,
    attempt: number,
    reason: string,
    retryable: boolean,
    now: Date,
    options: { handedBack?: boolean; code?: string } = {},
  ): Promise<TrialRecord | undefined> {
    const t = this.running(id, attempt);
    if (!t) return undefined;
    t.errorCode = options.code;
    if (options.handedBack || (retryable && attemptsUsed(t) < t.maxAttempts)) {
      this.move(t, "waiting");
      t.retries.push(endedAttempt(t, reason, now, options.handedBack));
      t.error = reason;
      t.workerId = undefined;
      t.heartbeatAt = undefined;
    } else {
      this.move(t, "failed");
      t.error = retryable ? `${reason} (gave up after ${plural(attemptsUsed(t), "attempt")})` : reason;
      t.finishedAt = now;
    }
    return structuredClone(t);
  }

  async requeueStale(now: Date, staleAfterMs: number, sweepId?: string): Promise<TrialRecord[]> {
    const stale = [...this.trials.values()].filter(
      (t) =>
        t.state === "running" &&
        (sweepId === undefined || t.sweepId === sweepId) &&
        (t.heartbeatAt?.getTime() ?? 0) < now.getTime() - staleAfterMs,
    );
    const handedBack: TrialRecord[] = [];
    for (const t of stale) {
      const after = await this.failTrial(t.id, t.attempt, staleReason(t, now), true, now);
      if (after) handedBack.push(after);
    }
    return handedBack;
  }

  async recordWorker(worker: WorkerRecord): Promise<void> {
    const old = this.workers.get(worker.id);
    this.workers.set(worker.id, mergeWorker(old, worker));
  }

  async listWorkers(): Promise<WorkerRecord[]> {
    return [...this.workers.values()]
      .sort((a, b) => b.lastHeartbeat.getTime() - a.lastHeartbeat.getTime())
      .map((w) => structuredClone(w));
  }

  async cancelSweep(sweepId: string, now: Date): Promise<number | null> {
    const s = this.sweeps.get(sweepId);
    if (!s) throw new Error(`cancelSweep: no sweep ${sweepId}`);
    const open = [...this.trials.values()].filter((t) => t.sweepId === sweepId && isOpen(t));
    // Completed, it stays completed; a sequential sweep between looks has no open trial but is not done: cancelled.
    if (open.length === 0 && !s.lookPending) return null;
    s.cancelled = true;
    s.lookPending = false;
    for (const t of open) {
      this.move(t, "cancelled");
      t.finishedAt = t.startedAt && t.startedAt > now ? t.startedAt : now;
    }
    return open.length;
  }

  async reviseSweep(
    input: ReviseSweepInput,
  ): Promise<{ revision: SweepRevision | undefined; added: TrialRecord[] }> {
    const s = this.sweeps.get(input.sweepId);
    if (!s) throw new Error(`reviseSweep: no sweep ${input.sweepId}`);
    const fresh = input.trials.filter((t) => !this.trials.has(trialId(input.sweepId, t.key)));
    if (fresh.length === 0) return { revision: undefined, added: [] };
    if (s.cancelled) throw sweepCancelled(input.sweepId);
    const revision: SweepRevision = {
      sweepId: input.sweepId,
      revision: s.record.revision + 1,
      kind: input.kind,
      spec: structuredClone(input.spec),
      seeds: [...input.seeds],
      configKeys: [...input.configKeys],
      trialCount: fresh.length,
      posthoc: input.posthoc,
      by: input.by,
      note: input.note,
      createdAt: input.now,
    };
    const start = s.record.trialCount;
    const added = fresh.map((t, i) =>
      this.addTrial(
        input.sweepId,
        { ...t, index: start + i },
        revision.revision,
        input.spec.execution.maxAttempts,
      ),
    );
    s.revisions.push(revision);
    // The seeds of revisions stored meanwhile stay: this one's spec is the stored one with its seeds added.
    const spec = { ...input.spec, seeds: unionSeeds(s.record.spec.seeds, input.spec.seeds) };
    revision.spec = structuredClone(spec);
    Object.assign(s.record, {
      spec: structuredClone(spec),
      revision: revision.revision,
      trialCount: start + fresh.length,
    });
    return { revision: structuredClone(revision), added: added.map((t) => structuredClone(t)) };
  }

  async listRevisions(sweepId: string): Promise<SweepRevision[]> {
    return structuredClone(this.sweeps.get(sweepId)?.revisions ?? []);
  }

  async setSweepAnnotations(sweepId: string, edit: AnnotationEdit): Promise<SweepRecord | undefined> {
    const s = this.sweeps.get(sweepId);
    if (!s) return undefined;
    Object.assign(s.record, applyAnnotationEdit(s.record, edit));
    return this.getSweep(sweepId);
  }

  async setTrialAnnotations(id: string, edit: AnnotationEdit): Promise<TrialRecord | undefined> {
    const t = this.trials.get(id);
    if (!t) return undefined;
    Object.assign(t, applyAnnotationEdit(t, edit));
    return structuredClone(t);
  }

  async setLookPending(sweepId: string, pending: boolean): Promise<boolean> {
    const s = this.sweeps.get(sweepId);
    if (!s) return false;
    const open = [...this.trials.values()].some((t) => t.sweepId === sweepId && isOpen(t));
    if (!pending && open) return false;
    s.lookPending = pending;
    return true;
  }

  async retryTrials(sweepId: string, _now: Date): Promise<TrialRecord[]> {
    const failed = [...this.trials.values()].filter((t) => t.sweepId === sweepId && t.state === "failed");
    if (failed.length > 0 && this.sweeps.get(sweepId)?.cancelled) throw sweepCancelled(sweepId);
    for (const t of failed) {
      this.move(t, "waiting");
      t.retries.push(endedAttempt(t, t.error ?? "failed", t.finishedAt));
      t.maxAttempts = attemptsUsed(t) + this.sweeps.get(sweepId)!.record.spec.execution.maxAttempts;
      Object.assign(t, {
        error: undefined,
        errorCode: undefined,
        workerId: undefined,
        heartbeatAt: undefined,
        finishedAt: undefined,
      });
    }
    const sweep = this.sweeps.get(sweepId);
    if (failed.length > 0 && sweep && addsAsItRuns(sweep.record.spec)) sweep.lookPending = true;
    return failed.sort((a, b) => a.index - b.index).map((t) => structuredClone(t));
  }

  async resumeSweep(sweepId: string, _now: Date): Promise<TrialRecord[] | null> {
    const s = this.sweeps.get(sweepId);
    if (!s?.cancelled) return null;
    s.cancelled = false;
    const cancelled = [...this.trials.values()].filter(
      (t) => t.sweepId === sweepId && t.state === "cancelled",
    );
    for (const t of cancelled) {
      this.move(t, "waiting");
      // An attempt stopped by the cancel is not the trial's failure: it does not use up one of its attempts.
      if (t.attempt > 0 && !attemptEnded(t)) t.retries.push(resumedAttempt(t));
      Object.assign(t, { workerId: undefined, heartbeatAt: undefined, finishedAt: undefined });
    }
    if (addsAsItRuns(s.record.spec)) s.lookPending = true;
    return cancelled.sort((a, b) => a.index - b.index).map((t) => structuredClone(t));
  }

  async deleteSweep(sweepId: string): Promise<boolean> {
    if (!this.sweeps.delete(sweepId)) return false;
    for (const [id, t] of this.trials) {
      if (t.sweepId !== sweepId) continue;
      this.trials.delete(id);
      this.results.delete(id);
      for (const key of this.epochs.keys()) if (key.startsWith(`${id}#`)) this.epochs.delete(key);
    }
    return true;
  }

  private addTrial(sweepId: string, t: TrialPlan, revision: number, maxAttempts: number): TrialRecord {
    const id = trialId(sweepId, t.key);
    const record: TrialRecord = {
      id,
      sweepId,
      key: t.key,
      index: t.index,
      params: structuredClone(t.params),
      seed: t.seed,
      config: structuredClone(t.config),
      configKey: t.configKey,
      configLabel: t.configLabel,
      kind: t.kind,
      revision,
      state: "waiting",
      attempt: 0,
      maxAttempts,
      retries: [],
      tags: [],
      notes: "",
    };
    this.trials.set(id, record);
    return record;
  }

  private running(id: string, attempt: number): TrialRecord | undefined {
    const t = this.trials.get(id);
    return t && t.state === "running" && t.attempt === attempt ? t : undefined;
  }

  private move(t: TrialRecord, to: TrialState): void {
    assertTransition(t.state, to);
    t.state = to;
  }
}
