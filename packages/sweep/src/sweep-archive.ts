/**
 * A finished sweep as a file: what `tailsweep sweep export --json` writes (`{ sweep, trials, revisions }`, each trial
 * with its `result` or null) and `tailsweep sweep import` reads back into another store, so a study's numbers and
 * report can be rebuilt without training again (issue #22). Parsed here once, where the file enters; everything
 * after it is typed. The epochs of the learning curves are not in it (the report and the comparisons do not use them).
 */

import {
  MappingSchema,
  StoredRunConfigSchema,
  StoredSweepSpecSchema,
  TrialKindSchema,
  TrialResultSchema,
} from "@tailsweep/schemas";
import { z } from "zod";
import {
  type EndedAttempt,
  type SweepRecord,
  type SweepRevision,
  type TrialRecord,
  trialId,
} from "./run-store";
import { configKey, trialKey } from "./trial-key";
import { isOpen, type TrialState } from "./trial-state";

const TrialStateSchema = z.enum([
  "waiting",
  "running",
  "succeeded",
  "failed",
  "cancelled",
]) satisfies z.ZodType<TrialState>;

/**
 * A sweep id as tailsweep makes them: {@link sweepIdFor}'s 32 hex characters or a UUID. Ids were never chosen by a
 * person before import, and stored files live under `sweeps/<id>/`: an id with a `/` in it could name another
 * sweep's files.
 */
const SweepIdSchema = z
  .string()
  .regex(
    /^(?:[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/,
    "must be a sweep id as tailsweep makes them (32 hex characters, or a UUID)",
  );
/** A date as JSON writes one: an ISO 8601 text (not null or a number, which `new Date` would also take). */
const DateSchema = z
  .string()
  .transform((text) => new Date(text))
  .refine((d) => !Number.isNaN(d.getTime()), "must be a date (ISO 8601)");

const SweepRecordSchema = z.object({
  id: SweepIdSchema,
  project: z.string().min(1),
  name: z.string().min(1),
  spec: StoredSweepSpecSchema,
  revision: z.number().int().min(1),
  status: z.enum(["running", "completed", "cancelled"]),
  createdAt: DateSchema,
  trialCount: z.number().int().min(0),
  provenance: MappingSchema,
  tags: z.array(z.string()).default([]),
  notes: z.string().default(""),
}) satisfies z.ZodType<SweepRecord, unknown>;

/**
 * A trial's `retries` as JSON holds them (an archive; a database's JSON column): dates as ISO 8601 text, each
 * attempt's times absent where it was stored before attempts kept them.
 */
export const EndedAttemptsSchema = z.array(
  z.object({
    attempt: z.number().int(),
    reason: z.string(),
    handedBack: z.boolean().optional(),
    startedAt: DateSchema.optional(),
    endedAt: DateSchema.optional(),
  }),
) satisfies z.ZodType<EndedAttempt[], unknown>;

const TrialRecordSchema = z.object({
  id: z.string().min(1),
  sweepId: z.string().min(1),
  key: z.string().min(1),
  index: z.number().int().min(0),
  params: MappingSchema,
  seed: z.number().int(),
  config: StoredRunConfigSchema,
  configKey: z.string().min(1),
  configLabel: z.string(),
  kind: TrialKindSchema,
  revision: z.number().int().min(1),
  state: TrialStateSchema,
  attempt: z.number().int().min(0),
  maxAttempts: z.number().int().min(1),
  workerId: z.string().optional(),
  backend: z.string().optional(),
  heartbeatAt: DateSchema.optional(),
  startedAt: DateSchema.optional(),
  finishedAt: DateSchema.optional(),
  error: z.string().optional(),
  errorCode: z.string().optional(),
  retries: EndedAttemptsSchema,
  tags: z.array(z.string()).default([]),
  notes: z.string().default(""),
}) satisfies z.ZodType<TrialRecord, unknown>;

const SweepRevisionSchema = z.object({
  sweepId: z.string().min(1),
  revision: z.number().int().min(1),
  kind: z.enum(["submit", "extend", "round", "confirm", "propose"]),
  spec: StoredSweepSpecSchema,
  seeds: z.array(z.number().int()),
  configKeys: z.array(z.string()),
  trialCount: z.number().int().min(0),
  posthoc: z.boolean(),
  by: z.string(),
  note: z.string(),
  createdAt: DateSchema,
}) satisfies z.ZodType<SweepRevision, unknown>;

/** The file `sweep export --json` writes, as read back: its shape, and that its parts belong together. */
export const SweepArchiveSchema = z
  .object({
    sweep: SweepRecordSchema,
    trials: z.array(TrialRecordSchema.extend({ result: TrialResultSchema.nullable() })),
    revisions: z.array(SweepRevisionSchema).min(1),
  })
  .superRefine((archive, ctx) => {
    const { sweep, trials, revisions } = archive;
    const problem = (path: (string | number)[], message: string) =>
      ctx.addIssue({ code: "custom", path, message });
    // the store takes text without NUL (PostgreSQL refuses it); one check over the whole file names it once
    if (JSON.stringify(archive).includes("\\u0000")) problem([], "must not contain NUL characters");
    if (sweep.project !== sweep.spec.project)
      problem(["sweep", "project"], `must be its spec's (${sweep.spec.project})`);
    if (sweep.name !== sweep.spec.name) problem(["sweep", "name"], `must be its spec's (${sweep.spec.name})`);
    const keys = new Set<string>();
    for (const [i, t] of trials.entries()) {
      if (t.sweepId !== sweep.id) problem(["trials", i, "sweepId"], `must be the sweep's id (${sweep.id})`);
      // a trial's id and key follow from its sweep, params and seed: a file cannot name another sweep's trial
      if (t.key !== trialKey(t.params, t.seed))
        problem(["trials", i, "key"], "must be the key of its params and seed");
      else if (keys.has(t.key)) problem(["trials", i, "key"], `${t.key} is listed twice`);
      keys.add(t.key);
      if (t.id !== trialId(sweep.id, t.key))
        problem(["trials", i, "id"], `must be ${trialId(sweep.id, t.key)}`);
      if (t.configKey !== configKey(t.params))
        problem(["trials", i, "configKey"], "must be the key of its params");
      if (isOpen(t))
        problem(
          ["trials", i, "state"],
          `is ${t.state}: only a finished sweep is imported (its trials would need workers); export it again once it has finished, or cancel it`,
        );
      if ((t.state === "succeeded") !== (t.result !== null))
        problem(
          ["trials", i, "result"],
          t.result ? "only a succeeded trial has a result" : "a succeeded trial has its result",
        );
    }
    if (trials.length !== sweep.trialCount)
      problem(["sweep", "trialCount"], `is ${sweep.trialCount}, but the file lists ${trials.length} trials`);
    for (const [i, r] of revisions.entries()) {
      if (r.sweepId !== sweep.id)
        problem(["revisions", i, "sweepId"], `must be the sweep's id (${sweep.id})`);
      if (r.revision !== i + 1)
        problem(["revisions", i, "revision"], `must be ${i + 1}: revisions are numbered from 1 in order`);
    }
    if (revisions.length !== sweep.revision)
      problem(
        ["sweep", "revision"],
        `is ${sweep.revision}, but the file lists ${revisions.length} revisions`,
      );
    if (sweep.status === "running")
      problem(["sweep", "status"], "is running: only a finished sweep is imported");
  });

/** A sweep as `sweep export --json` writes it, parsed. */
export type SweepArchive = z.infer<typeof SweepArchiveSchema>;
