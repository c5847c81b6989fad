import {
  ADDS_NO_TRIALS,
  afterQueuedAgain,
  checkpointSavings,
  compareSweep,
  EXPORT_FORMATS,
  exportSweep,
  learningCurves,
  loadSweepRuns,
  perClassResults,
  planConfirmation,
  planExtension,
  rankSelection,
  SweepNotFoundError,
  type SweepRuns,
  sequentialStatus,
  sweepHeatmap,
  sweepImportance,
  sweepListEntry,
  sweepOverview,
  type TrainingEstimate,
  trainingEstimate,
  trialTable,
  unevenRankingNote,
} from "@tailsweep/analysis";
import { ONLY_ALL_TO_POWER } from "@tailsweep/analysis/format";
import {
  AnnotationEditSchema,
  AppError,
  CONFIG_ERROR_CODE,
  ConfigError,
  DEFAULT_MAX_TRIALS,
  describeIssues,
  FreshSeedsSchema,
  InputError,
  isConfigError,
  MAX_SEEDS,
  MappingSchema,
  messageOf,
  noNul,
  parseSweepFile,
  SeedRequestSchema,
  type SweepSpec,
  sweepFileOf,
  TagsSchema,
} from "@tailsweep/schemas";
import {
  addsAsItRuns,
  attemptEnded,
  EPOCH_SERIES_METRICS,
  type ExtendRequest,
  gpuTrialCount,
  isOpen,
  launchPlan,
  SweepArchiveSchema,
  type SweepRecord,
  type SweepRevision,
  storedSweepIdFor,
  sweepCancelled,
  type TrialRecord,
  tpeProgress,
} from "@tailsweep/sweep";
import { TRPCError } from "@trpc/server";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { authorize, canRead } from "../caller";
import { checked, checkedOneOf, LIMITS, labelField, nameField } from "../input";
import { checkAddedSeeds, checkLaunchData } from "../launch-data";
import { type ApiContext, audited, STORE_HELD_CODE, type SweepLauncher, t } from "../trpc";
import { annotationAudit } from "./annotations";
import { readableRuns, sweepIdInput, sweepOrThrow } from "./sweep-access";

/** A bad sweep file, as tRPC's BAD_REQUEST with one `path: problem` line per field (the form shows each at its field). */
function badSweep(e: unknown): never {
  if (isConfigError(e))
    throw new TRPCError({ code: "BAD_REQUEST", message: e.problems.join("\n"), cause: e });
  throw e;
}

const yamlLaunch = z
  .object({
    yaml: noNul(z.string().max(LIMITS.sweepFile, "must be at most 256 kB")),
    /**
     * Find the sweep this file made before (its id is a hash of the resolved spec) instead of making another: what
     * `tailsweep sweep submit` asks for unless given --new.
     */
    reuse: z.boolean().optional(),
  })
  .strict();
const specLaunch = z
  .object({ spec: MappingSchema })
  .strict()
  .refine((v) => JSON.stringify(v.spec).length <= LIMITS.sweepFile, {
    message: "must be at most 256 kB",
    path: ["spec"],
  });
/** A sweep to launch: the YAML of its file (with `reuse`: find the sweep it made before), or the form's object. */
const launchUnion = z.union([yamlLaunch, specLaunch]);
const launchInput = checkedOneOf(launchUnion, {
  yaml: { shape: yamlLaunch, holds: "a sweep file's text, YAML or JSON" },
  spec: { shape: specLaunch, holds: "the sweep file as an object" },
});

/**
 * A launch checked before anything is stored: refused on a read-only dashboard, with every problem of the file at
 * once, for a project the caller may not launch in, for data files the workers would not find, and for GPU trials
 * where the only workers have none. With `reuse`, the sweep this file made before, if it is stored.
 */
async function checkLaunch(ctx: ApiContext, input: z.output<typeof launchUnion>) {
  const launcher = launcherOf(ctx);
  let spec: SweepSpec;
  try {
    spec = parseSweepFile("yaml" in input ? yamlOf(input.yaml) : input.spec, ctx.sweepLimits);
  } catch (e) {
    badSweep(e);
  }
  authorize(ctx.caller, spec.project, "launch", `project ${spec.project}`);
  const reused = "reuse" in input && input.reuse ? await storedSweepIdFor(ctx.store, spec) : undefined;
  const before = reused ? await ctx.store.getSweep(reused) : undefined;
  // The data of a sweep stored already is not checked again: found, it queues nothing, and one stored before a check
  // existed stays reachable by its file.
  if (!before)
    try {
      await checkLaunchData(spec, launcher);
    } catch (e) {
      badSweep(e);
    }
  const local = launcher.localWorkers;
  if (local && !local.gpu) {
    const needGpu = gpuTrialCount(spec);
    if (needGpu > 0)
      badSweep(
        new ConfigError([
          `execution.gpu: ${needGpu} trial${needGpu === 1 ? " needs" : "s need"} a GPU worker, and this dashboard's only workers (in its own process) train on ${local.backend}; start it with tailsweep ui --backend webgpu on a machine with a GPU, or with NATS_URL to reach a team's GPU workers`,
        ]),
      );
  }
  return { spec, launcher, reused, before };
}

/** YAML that does not parse is the caller's mistake, told like any other bad field. */
function yamlOf(text: string): unknown {
  try {
    return parseYaml(text);
  } catch (e) {
    throw new ConfigError([`yaml: ${messageOf(e)}`]);
  }
}

/**
 * The launcher, or a refusal where this app has none: FORBIDDEN on a read-only dashboard; unavailable (the same
 * command works later) in the context's words where another command holds the store (`ctx.readOnly`).
 */
function launcherOf(ctx: ApiContext): SweepLauncher {
  if (ctx.launcher) return ctx.launcher;
  if (ctx.readOnly !== undefined) throw new AppError(STORE_HELD_CODE, "unavailable", ctx.readOnly);
  throw new TRPCError({
    code: "FORBIDDEN",
    message: "this dashboard is read-only: it has no controller to launch, cancel or delete with",
  });
}

/**
 * Refuses adding seeds while a sequential design still adds its own (a person's seeds would be outside it), or
 * while a TPE sweep still proposes configurations (every later proposal would run the added seeds too, and fresh
 * confirmation seeds would no longer be fresh). A TPE search with proposals left is refused whatever its status: a
 * cancelled one goes on proposing when it is resumed (or a trial of it retried), on every seed it then has.
 */
function refuseWhileDesigned(
  sweep: { id: string; status: string; spec: SweepSpec },
  trials: readonly Pick<TrialRecord, "configKey" | "state" | "seed" | "revision">[],
  revisions: readonly Pick<SweepRevision, "revision" | "kind">[],
): void {
  if (sweep.spec.sequential && sweep.status === "running") {
    // A top-up or confirmation comes only once the design has finished: where the open trials are all one's, the
    // sweep runs again for it (a retry of the design's own trials may have it take a look, and add rounds).
    const open = new Set(trials.filter(isOpen).map((t) => t.revision));
    const added = revisions.filter(
      (r) => (r.kind === "extend" || r.kind === "confirm") && open.has(r.revision),
    );
    const named = added.map((r) => `${r.revision} (${r.kind === "confirm" ? "a confirmation" : "a top-up"})`);
    throw new AppError(
      "SEQUENTIAL_DESIGN_RUNNING",
      "conflict",
      added.length > 0 && added.length === open.size
        ? `sweep ${sweep.id} is running the trials its revision${named.length === 1 ? "" : "s"} ${named.join(" and ")} added after its sequential design finished; add more once they have finished`
        : `sweep ${sweep.id} runs a sequential design: it adds its own seeds where a comparison is open, up to seeds.max; add more once it has finished`,
    );
  }
  const left = tpeProgress(sweep.spec, trials)?.left ?? 0;
  if (sweep.spec.method === "tpe" && (sweep.status === "running" || left > 0))
    throw new AppError(
      "TPE_SEARCH_RUNNING",
      "conflict",
      `sweep ${sweep.id} runs a TPE search: it proposes configurations on its seeds until its budget (${sweep.spec.budget}) is spent${sweep.status !== "running" ? ` (it is ${sweep.status}, with ${left} configuration${left === 1 ? "" : "s"} still to propose when it is resumed or retried)` : ""}; add seeds once it has finished`,
    );
}

/** The trial cap of one sweep: the seeds and trials it would have after adding `trialCount` on `seeds`. */
function refuseTooMany(
  ctx: ApiContext,
  runs: { sweep: { spec: SweepSpec }; trials: { configKey: string }[] },
  seeds: readonly number[],
  trialCount: number,
): void {
  const seedsAfter = new Set([...runs.sweep.spec.seeds, ...seeds]).size;
  const configurationsAfter = new Set(runs.trials.map((t) => t.configKey)).size;
  const limit = ctx.sweepLimits?.maxTrials;
  const tooMany = [
    ...(seedsAfter > MAX_SEEDS ? [`${seedsAfter} seeds, more than the ${MAX_SEEDS} allowed`] : []),
    ...(limit !== undefined && runs.trials.length + trialCount > limit
      ? [
          `${runs.trials.length + trialCount} trials (${configurationsAfter} configurations), more than the limit of ${limit} per sweep`,
        ]
      : []),
  ];
  if (tooMany.length > 0) throw new InputError("seeds", `the sweep would have ${tooMany.join(", and ")}`);
}

/**
 * Seeds whose built-in split a new trial cannot draw: BAD_REQUEST naming each, before anything is added. Answers how
 * many new trials are left to fail at load as their configuration's stored ones did (checkAddedSeeds).
 */
function refuseShortSplits(
  runs: Parameters<typeof checkAddedSeeds>[0],
  plan: { seeds: number[]; configKeys: string[] },
): { failingTrials: number } {
  try {
    return checkAddedSeeds(runs, plan);
  } catch (e) {
    badSweep(e);
  }
}

/** A dry run's plan as the person confirmed it: refused when results that came in meanwhile changed it. */
function refuseChangedPlan(
  expectTrials: number | undefined,
  trialCount: number,
  meanwhile = "results that came in meanwhile changed the plan: it adds",
): void {
  if (expectTrials !== undefined && expectTrials !== trialCount)
    throw new AppError(
      "PLAN_CHANGED",
      "conflict",
      `${meanwhile} ${trialCount} trials now, not the ${expectTrials} confirmed; look again`,
    );
}

/** The runs of a sweep the caller may add seeds to, with the launcher: not while its sequential design or TPE search runs. */
async function revisableRuns(ctx: ApiContext, id: string) {
  const launcher = launcherOf(ctx);
  const runs = await loadSweepRuns(ctx.store, await sweepOrThrow(ctx, id, "launch"));
  refuseWhileDesigned(runs.sweep, runs.trials, runs.revisions);
  // Said before a dry run answers, so that a dry run never agrees to what the real request refuses.
  if (runs.sweep.status === "cancelled") throw sweepCancelled(runs.sweep.id);
  return { launcher, runs };
}

/** Adds a planned revision of seeds to a sweep and audits it; a repeat that adds nothing is not audited. */
async function addRevision(
  ctx: ApiContext,
  launcher: SweepLauncher,
  sweep: { id: string; name: string; project: string },
  request: Omit<ExtendRequest, "by">,
  action: "sweep.extend" | "sweep.confirm",
): Promise<{ revision: number | null; added: number }> {
  const { revision, added } = await launcher.extend(sweep.id, { ...request, by: ctx.caller.label });
  if (revision)
    await audited(ctx, sweep.project, action, sweep.id, {
      name: sweep.name,
      revision: revision.revision,
      trials: added.length,
      seeds: request.seeds.length,
    });
  return { revision: revision?.revision ?? null, added: added.length };
}

/** What the sweep list's search looks in, lower-cased: where it is, what it is called, and what people wrote on it. */
function searchable(s: SweepRecord): string {
  return [`${s.project}/${s.name}`, s.id, s.spec.description ?? "", s.notes, ...s.tags]
    .join("\n")
    .toLowerCase();
}

/**
 * How many of these failed trials failed because the model refused their configuration (CONFIG_INVALID, a code the
 * worker stored with the failure): a retry fails them the same way unless the code that refused them changed.
 */
const refusedConfigurations = (failed: readonly TrialRecord[]) =>
  failed.filter((t) => t.errorCode === CONFIG_ERROR_CODE).length;

/**
 * The last attempt of a trial a retry or resume would queue again, where it failed: how long it ran, in seconds
 * (undefined where it never started, its times were not kept, or it did not fail), and whether the model refused its
 * configuration (CONFIG_INVALID). A failed trial's is its own `startedAt` to `finishedAt`; one that waited for another
 * attempt when the sweep was cancelled (it had failed and been retried) has that attempt's times in `retries` (its
 * `finishedAt` is the cancel's), and its code still with it. An attempt handed back, or stopped by the cancel, did not
 * fail: the next resumes from its checkpoint, so its time bounds nothing.
 */
function lastAttempt(t: TrialRecord): { seconds: number | undefined; refused: boolean } {
  const ended = attemptEnded(t) ? t.retries.findLast((r) => r.attempt === t.attempt) : undefined;
  const failed = ended ? !ended.handedBack : t.state === "failed";
  const [start, end] = ended ? [ended.startedAt, ended.endedAt] : [t.startedAt, t.finishedAt];
  return {
    seconds: failed && start && end ? Math.max(0, end.getTime() - start.getTime()) / 1000 : undefined,
    // an attempt the cancel stopped running has no code of its own: one kept from an earlier attempt is not its
    refused: t.errorCode === CONFIG_ERROR_CODE && (t.state === "failed" || ended !== undefined),
  };
}

/**
 * A retry's or resume's dry-run estimate for the trials it would queue again: each at its configuration's mean trial
 * time so far, and at least as long as its last attempt ran (one that timed out takes that again, or fails again:
 * `timedByFailedAttempt`); one the model refused is refused again as it starts, and costs what its refused attempt
 * did, not a training (`refusedTrials` counts them). Null seconds and 0 trials where it queues none.
 */
function queuedAgainEstimate(
  runs: SweepRuns,
  trials: readonly TrialRecord[],
): { estimate: TrainingEstimate; refusedTrials: number } {
  if (trials.length === 0)
    return { estimate: { estimatedSeconds: null, unmeasuredTrials: 0 }, refusedTrials: 0 };
  const attempts = trials.map((t) => ({ trial: t, ...lastAttempt(t) }));
  const refused = attempts.filter((a) => a.refused);
  const trainable = attempts.filter((a) => !a.refused);
  const refusedSeconds = refused.reduce((total, a) => total + (a.seconds ?? 0), 0);
  if (trainable.length === 0)
    return {
      estimate: { estimatedSeconds: refusedSeconds, unmeasuredTrials: 0 },
      refusedTrials: refused.length,
    };
  const trained = trainingEstimate(
    runs,
    trainable.map((a) => a.trial.configKey),
    trainable.map((a) => a.seconds),
  );
  return {
    estimate: {
      ...trained,
      estimatedSeconds: trained.estimatedSeconds === null ? null : trained.estimatedSeconds + refusedSeconds,
    },
    refusedTrials: refused.length,
  };
}

/**
 * A sweep's runs where a retry or resume needs them: for a dry run's estimate, and for a design or search, whose next
 * trials depend on its results; undefined for the real call on a plain grid, which reads none.
 */
async function runsIf(ctx: ApiContext, sweep: SweepRecord, dryRun: boolean) {
  return dryRun || addsAsItRuns(sweep.spec) ? loadSweepRuns(ctx.store, sweep) : undefined;
}

/** A sweep and the format of its export. */
const exportInput = checked(sweepIdInput.extend({ format: z.enum(EXPORT_FORMATS) }));
/** A retry's or resume's dry run: what it would queue, and the compute that takes, before a person confirms. */
const dryRunInput = { dryRun: z.boolean().default(false) };

/** Sweeps: list, read, compare, chart and weigh the knobs of one, launch, retry, resume, extend, confirm, cancel and delete. */
export const sweepsRouter = t.router({
  /**
   * Sweeps newest first, with progress, tags and notes, and the best configuration so far; filter by project, status,
   * tags (those with every one given) or a text found in the project, name, id, description, notes or a tag.
   */
  list: t.procedure
    .input(
      checked(
        z
          .object({
            project: nameField.optional(),
            status: z.enum(["running", "completed", "cancelled"]).optional(),
            tags: TagsSchema.optional(),
            search: labelField.optional(),
          })
          .default({}),
      ),
    )
    .query(async ({ ctx, input }) => {
      const search = input.search?.trim().toLowerCase();
      const sweeps = (await ctx.store.listSweeps(input.project))
        .filter((s) => canRead(ctx.caller, s.project))
        .filter((s) => !input.status || s.status === input.status)
        .filter((s) => (input.tags ?? []).every((tag) => s.tags.includes(tag)))
        .filter((s) => !search || searchable(s).includes(search))
        .reverse();
      return Promise.all(sweeps.map(async (s) => sweepListEntry(await loadSweepRuns(ctx.store, s))));
    }),

  /**
   * One sweep with its progress, the workers that ran or run its trials, what its GPU trials wait for, and for a TPE
   * sweep how far through its budget it is; on PostgreSQL, while it runs, the controller serving it (`servedBy`, null
   * where none does: its trials wait until one starts).
   */
  get: t.procedure.input(checked(sweepIdInput)).query(async ({ ctx, input }) => {
    const sweep = await sweepOrThrow(ctx, input.id);
    const [trials, workers, servedBy] = await Promise.all([
      ctx.store.listTrials(sweep.id),
      ctx.store.listWorkers(),
      // a running sweep no controller serves waits, its trials queued, and nothing else would say why; a lookup that
      // fails leaves it unsaid rather than fail the sweep's page
      sweep.status === "running" && ctx.controllerServing
        ? ctx.controllerServing(sweep.id).then(
            (holder) => holder ?? null,
            () => undefined,
          )
        : undefined,
    ]);
    // Only a trial that was handed back or retried can have resumed: their results alone are read.
    const retried = trials.filter((trial) => trial.state === "succeeded" && trial.retries.length > 0);
    const results = await Promise.all(retried.map((trial) => ctx.store.getResult(trial.id)));
    return {
      ...sweepOverview({ sweep, trials }, workers, new Date()),
      ...(servedBy !== undefined && { servedBy }),
      checkpoints: checkpointSavings(results),
      // a TPE sweep: of its budget's configurations, how many are proposed, finished and in flight
      tpe: tpeProgress(sweep.spec, trials) ?? null,
    };
  }),

  /** The newest sweep the caller can read (in one project, or any), or null when there is none. */
  latest: t.procedure
    .input(checked(z.object({ project: nameField.optional() }).strict().default({})))
    .query(async ({ ctx, input }) => {
      const newest = (await ctx.store.listSweeps(input.project))
        .filter((s) => canRead(ctx.caller, s.project))
        .at(-1);
      return newest ? { id: newest.id } : null;
    }),

  /**
   * The sweep's configurations ranked by its objective's seed mean, best first, with the sd over seeds (what
   * `tailsweep sweep status` prints, from a store or a server alike).
   */
  ranking: t.procedure.input(checked(sweepIdInput)).query(async ({ ctx, input }) => {
    const runs = await readableRuns(ctx, input.id);
    return {
      objective: runs.sweep.spec.objective,
      configurations: rankSelection(runs),
      unevenSeeds: unevenRankingNote(runs) ?? null,
    };
  }),

  /**
   * A sweep's trials and results as a file (CSV: one row per trial; JSON: the sweep and every trial with its full
   * result), the same bytes as the dashboard's download: what `tailsweep sweep export` writes. Streamed (tRPC's
   * streamed query): the file's text in chunks, and as the stream's return value the number of trials in it. An
   * unknown or unreadable sweep is refused before the stream starts. Over HTTP it needs `httpBatchStreamLink` (any
   * other link gets tRPC's UNSUPPORTED_MEDIA_TYPE); the dashboard's `/api/sweeps/<id>/export` sends the same bytes
   * as a plain download.
   */
  exportStream: t.procedure.input(exportInput).query(async ({ ctx, input }) => {
    const file = await exportSweep(ctx.store, (await sweepOrThrow(ctx, input.id)).id, input.format);
    return (async function* (): AsyncGenerator<string, number> {
      yield* file.body;
      return file.trials;
    })();
  }),

  /**
   * The same file as {@link exportStream}, whole: `{ filename, contentType, text, trials }`, the answer this
   * procedure gave before exports streamed, kept for clients of that time (an older `tailsweep` CLI); it holds the
   * file as one string, so new code reads `exportStream`.
   */
  export: t.procedure.input(exportInput).query(async ({ ctx, input }) => {
    const file = await exportSweep(ctx.store, (await sweepOrThrow(ctx, input.id)).id, input.format);
    let text = "";
    for await (const chunk of file.body) text += chunk;
    return { filename: file.filename, contentType: file.contentType, text, trials: file.trials };
  }),

  /** Every trial with its configuration label, state, attempts and headline test metrics. */
  trials: t.procedure
    .input(checked(sweepIdInput))
    .query(async ({ ctx, input }) => trialTable(await readableRuns(ctx, input.id))),

  /** Configurations against a baseline across matched seeds (the same table as `tailsweep compare`). */
  compare: t.procedure
    .input(
      checked(
        sweepIdInput.extend({
          baseline: labelField.optional(),
          metric: nameField.optional(),
          correction: z.enum(["holm", "bh"]).default("holm"),
          alpha: z.number().gt(0).lt(1).default(0.05),
        }),
      ),
    )
    .query(async ({ ctx, input }) => {
      const sweep = await sweepOrThrow(ctx, input.id);
      // the whole id: the caller may have named it by a prefix
      return { id: sweep.id, ...(await compareSweep(ctx.store, sweep, input)) };
    }),

  /** The objective's (or a metric's) seed-mean over two swept parameters. */
  heatmap: t.procedure
    .input(
      checked(
        sweepIdInput.extend({ x: nameField.min(1), y: nameField.min(1), metric: nameField.optional() }),
      ),
    )
    .query(async ({ ctx, input }) => sweepHeatmap(await readableRuns(ctx, input.id), input)),

  /**
   * What matters in a sweep: the functional ANOVA of its configurations' seed means of a metric (default: the
   * objective) over the swept knobs — each knob's main effect and each pair's interaction as a share of their
   * variance, exact on a full grid, else null with the reason — the seed noise beside it, and the configurations with
   * their knobs' values, mean and t interval (the parallel-coordinates chart's lines and axes).
   */
  importance: t.procedure
    .input(checked(sweepIdInput.extend({ metric: nameField.optional() })))
    .query(async ({ ctx, input }) => sweepImportance(await readableRuns(ctx, input.id), input)),

  /** Learning curves per configuration: mean over seeds per epoch with its t interval. */
  curves: t.procedure
    .input(checked(sweepIdInput.extend({ metric: z.enum(EPOCH_SERIES_METRICS).default("loss.total") })))
    .query(async ({ ctx, input }) => {
      const sweep = await sweepOrThrow(ctx, input.id);
      return learningCurves(await ctx.store.epochCurves(sweep.id, input.metric), input.metric);
    }),

  /** Per-class recall, confusion and pseudo-label recall per configuration, over seeds. */
  perClass: t.procedure
    .input(checked(sweepIdInput))
    .query(async ({ ctx, input }) => perClassResults(await readableRuns(ctx, input.id))),

  /** Validates a sweep (YAML text or the form's object), stores it and queues its trials: see {@link checkLaunch}. */
  launch: t.procedure.input(launchInput).mutation(async ({ ctx, input }) => {
    const { spec, launcher, reused, before } = await checkLaunch(ctx, input);
    if (before) return { id: before.id, trialCount: before.trialCount, existing: true };
    const sweep = await launcher.submit(spec, reused);
    await audited(ctx, spec.project, "sweep.launch", sweep.id, {
      name: spec.name,
      trials: sweep.trialCount,
    });
    return { id: sweep.id, trialCount: sweep.trialCount, existing: false };
  }),

  /**
   * What `launch` with the same input would do, checked as it checks (every problem of the file, the project's
   * permission, the files, the workers' GPU), and nothing stored: the trials it would queue now and, where results
   * decide how many follow, at most; the sweep this file made before, with `reuse`. `tailsweep sweep submit --dry-run`.
   */
  checkLaunch: t.procedure.input(launchInput).mutation(async ({ ctx, input }) => {
    const { spec, before } = await checkLaunch(ctx, input);
    return {
      ...launchPlan(spec),
      existing: before ? { id: before.id, status: before.status, trialCount: before.trialCount } : null,
    };
  }),

  /**
   * Stores a finished sweep from another store's export (`sweep export --json`; issue #22: a study's numbers and
   * report rebuilt without training again), as it was: trials, results, revisions, annotations. For members who may
   * launch in its project; refused on a read-only dashboard, over the trial limit, or when its id is stored already.
   */
  // The archive is a file's JSON, passed on as read: it is parsed here, once, every problem named a line each.
  import: t.procedure
    .input(checked(z.object({ archive: z.unknown() }).strict()))
    .mutation(async ({ ctx, input }) => {
      // importing stores without launching, but a read-only dashboard writes nothing
      launcherOf(ctx);
      const parsed = SweepArchiveSchema.safeParse(input.archive);
      if (!parsed.success) badSweep(new ConfigError(describeIssues(parsed.error, "archive")));
      const archive = parsed.data;
      const { sweep, trials } = archive;
      authorize(ctx.caller, sweep.project, "launch", `project ${sweep.project}`);
      const limit = ctx.sweepLimits?.maxTrials ?? DEFAULT_MAX_TRIALS;
      if (trials.length > limit)
        throw new InputError(
          "archive.trials",
          `${trials.length} trials, more than the limit of ${limit} per sweep`,
        );
      const imported = await ctx.store.importSweep(archive);
      if (!imported)
        throw new AppError(
          "SWEEP_EXISTS",
          "conflict",
          `sweep ${sweep.id} is stored already; delete it first (tailsweep sweep delete ${sweep.id} --yes) to import it again`,
        );
      await audited(ctx, sweep.project, "sweep.import", sweep.id, {
        name: sweep.name,
        trials: trials.length,
      });
      return {
        id: imported.id,
        project: imported.project,
        name: imported.name,
        trialCount: imported.trialCount,
      };
    }),

  /** Deletes a sweep with its trials and results (owners only); the audit log keeps its name and size. */
  delete: t.procedure.input(checked(sweepIdInput)).mutation(async ({ ctx, input }) => {
    const launcher = launcherOf(ctx);
    const sweep = await sweepOrThrow(ctx, input.id, "delete");
    const deleted = await launcher.delete(sweep.id);
    await audited(ctx, sweep.project, "sweep.delete", sweep.id, {
      name: sweep.name,
      trials: sweep.trialCount,
    });
    // The whole id and the name: the caller may have named it by a prefix.
    return { deleted, id: sweep.id, name: sweep.name };
  }),

  /**
   * Queues a sweep's failed trials again, as new attempts; earlier attempts stay in each trial's history. With `dryRun`
   * it says how many it would queue and the compute they take (each at its configuration's mean trial time so far, and
   * at least as long as its failed attempt ran, `timedByFailedAttempt` counting those that makes longer: a trial that
   * resumes from a checkpoint takes less), and queues nothing; `expectTrials` is the count a person confirmed, refused
   * (CONFLICT, PLAN_CHANGED) when more failed meanwhile. `estimatedSeconds` comes with dry runs (null on the real call,
   * which reads no results), with `unmeasuredTrials`, those of configurations none of whose trials succeeded, which it
   * can only guess. `refusedTrials`: how many of them the model refused (CONFIG_INVALID), which fail the same way
   * unless the code changed: the estimate times them at their refused attempt, not a training. `addsTrials` and
   * `afterwards` as for `resume`; `id`: the whole id.
   */
  retry: t.procedure
    .input(checked(sweepIdInput.extend({ ...dryRunInput, expectTrials: z.number().int().min(0).optional() })))
    .mutation(async ({ ctx, input }) => {
      const launcher = launcherOf(ctx);
      const sweep = await sweepOrThrow(ctx, input.id, "launch");
      const runs = await runsIf(ctx, sweep, input.dryRun);
      // read before the trials are queued again: what the design does once they are back
      const afterwards = runs ? afterQueuedAgain(runs, (t) => t.state === "failed") : ADDS_NO_TRIALS;
      if (input.dryRun && runs) {
        const failed = runs.trials.filter((t) => t.state === "failed");
        // as the store refuses it: a cancelled sweep's failed trials wait for a resume
        if (failed.length > 0 && sweep.status === "cancelled") throw sweepCancelled(sweep.id);
        const { estimate, refusedTrials } = queuedAgainEstimate(runs, failed);
        return {
          // the whole id: the caller may have named it by a prefix
          id: sweep.id,
          retried: 0,
          trialCount: failed.length,
          refusedTrials,
          ...estimate,
          ...afterwards,
        };
      }
      const failed = (await ctx.store.listTrials(sweep.id)).filter((t) => t.state === "failed");
      if (input.expectTrials !== undefined)
        refuseChangedPlan(
          input.expectTrials,
          failed.length,
          "trials failed or were retried meanwhile: it queues",
        );
      const retried = await launcher.retry(sweep.id);
      const queued = new Set(retried.map((t) => t.id));
      if (retried.length > 0)
        await audited(ctx, sweep.project, "sweep.retry", sweep.id, {
          name: sweep.name,
          trials: retried.length,
        });
      return {
        id: sweep.id,
        retried: retried.length,
        trialCount: retried.length,
        refusedTrials: refusedConfigurations(failed.filter((t) => queued.has(t.id))),
        estimatedSeconds: null,
        unmeasuredTrials: 0,
        ...afterwards,
      };
    }),

  /**
   * A cancelled sweep goes on where it stopped: its cancelled trials are queued again, none that succeeded. With
   * `dryRun` it says how many it would queue and the compute they take, and resumes nothing (`estimatedSeconds` and
   * `unmeasuredTrials` come with dry runs; null and 0 where nothing is queued). It is timed as a retry's: each trial at
   * least as long as its last attempt ran (one that failed and was retried before the cancel, or one the cancel
   * stopped; `timedByFailedAttempt` counts those that makes longer than the mean), one whose last attempt the model
   * refused (CONFIG_INVALID) at that attempt, not a training. `addsTrials`: a sequential design or TPE search that will
   * add trials of its own once these are back, read from its results (one that has decided every comparison adds none),
   * with `afterwards` saying what it does in words. `id`: the whole id.
   */
  resume: t.procedure.input(checked(sweepIdInput.extend(dryRunInput))).mutation(async ({ ctx, input }) => {
    const launcher = launcherOf(ctx);
    const sweep = await sweepOrThrow(ctx, input.id, "launch");
    const runs = await runsIf(ctx, sweep, input.dryRun);
    // what the design does once the cancelled trials are back: a design that decided everything adds no round
    const afterwards = runs ? afterQueuedAgain(runs, (t) => t.state === "cancelled") : ADDS_NO_TRIALS;
    if (input.dryRun && runs) {
      const cancelled = sweep.status === "cancelled";
      const queued = cancelled ? runs.trials.filter((t) => t.state === "cancelled") : [];
      const trialCount = queued.length;
      const { estimate } = queuedAgainEstimate(runs, queued);
      return {
        // the whole id: the caller may have named it by a prefix
        id: sweep.id,
        resumed: 0,
        wasCancelled: cancelled,
        status: sweep.status,
        trialCount,
        // timed as a retry's: its trials may have failed and been retried, or been stopped by the cancel, on the way
        ...estimate,
        ...afterwards,
      };
    }
    // A sequential design or TPE search cancelled between rounds has no cancelled trial to queue again, and is
    // resumed all the same (it adds its next trials as it runs). The store says whether this call resumed it: of
    // two at once, one does, and only that one is audited.
    const resumed = await launcher.resume(sweep.id);
    const wasCancelled = resumed !== null;
    if (resumed)
      await audited(ctx, sweep.project, "sweep.resume", sweep.id, {
        name: sweep.name,
        trials: resumed.length,
      });
    // The status it had; read as cancelled but not resumed here, another resume was first and it runs.
    const status = !resumed && sweep.status === "cancelled" ? "running" : sweep.status;
    const count = resumed?.length ?? 0;
    return {
      id: sweep.id,
      resumed: count,
      wasCancelled,
      status,
      trialCount: count,
      estimatedSeconds: null,
      unmeasuredTrials: 0,
      ...afterwards,
    };
  }),

  /**
   * Adds seeds to a sweep: the ones named, the next `more`, or up to what the power analysis asks for (`toPower`,
   * only where the comparison with the baseline is still open); for every configuration or `only: "undecided"`. With
   * `dryRun` it says what it would add and the compute that takes, and adds nothing. Each extension is a revision of
   * the sweep (audited), and its seeds are post hoc: verdicts that use them are marked as such. `failingTrials`: how
   * many of the new trials will fail at load (`splitFailsAtLoad`): their configuration's data split short at every seed
   * its stored trials ran, or its class order no permutation (a sweep stored before launches checked this, or a TPE
   * proposal).
   */
  extend: t.procedure
    .input(
      checked(
        sweepIdInput.extend({
          seeds: SeedRequestSchema,
          only: z.enum(["all", "undecided"]).optional(),
          baseline: labelField.optional(),
          metric: nameField.optional(),
          correction: z.enum(["holm", "bh"]).optional(),
          alpha: z.number().gt(0).lt(1).optional(),
          note: labelField.optional(),
          dryRun: z.boolean().default(false),
          /**
           * The trials a dry run said this adds, as the person confirmed them: refused (CONFLICT, PLAN_CHANGED) when
           * results that came in meanwhile change the plan, rather than adding what nobody saw.
           */
          expectTrials: z.number().int().min(0).optional(),
        }),
      ),
    )
    .mutation(async ({ ctx, input }) => {
      // Said, not ignored: a comparison's settings with seeds for every configuration would change nothing, and the
      // revision would be stored as if they had been used.
      const idle = (["baseline", "metric", "correction", "alpha"] as const).filter(
        (k) => input[k] !== undefined,
      );
      if (idle.length > 0 && !("toPower" in input.seeds) && input.only !== "undecided")
        throw new InputError(
          idle.join(", "),
          "set the comparison that finds the undecided configurations, so they apply with only undecided or a power to reach, not to seeds for every configuration, which compares nothing",
        );
      if (input.only === "all" && "toPower" in input.seeds) throw new InputError("only", ONLY_ALL_TO_POWER);
      const { launcher, runs } = await revisableRuns(ctx, input.id);
      const plan = planExtension(runs, {
        ...input.seeds,
        ...(input.only && { only: input.only }),
        ...(input.baseline !== undefined && { baseline: input.baseline }),
        ...(input.metric !== undefined && { metric: input.metric }),
        ...(input.correction && { correction: input.correction }),
        ...(input.alpha !== undefined && { alpha: input.alpha }),
      });
      refuseTooMany(ctx, runs, plan.seeds, plan.trialCount);
      const { failingTrials } = plan.trialCount > 0 ? refuseShortSplits(runs, plan) : { failingTrials: 0 };
      // the whole id in every answer: the caller may have named it by a prefix
      const id = runs.sweep.id;
      if (input.dryRun || plan.trialCount === 0)
        return { id, ...plan, failingTrials, revision: null, added: 0 };
      refuseChangedPlan(input.expectTrials, plan.trialCount);
      const note =
        input.note ??
        ("toPower" in input.seeds
          ? `top up ${plan.target!.undecided} undecided comparison${plan.target!.undecided === 1 ? "" : "s"} to ${plan.target!.seeds} seeds for power ${input.seeds.toPower}`
          : `add seeds ${plan.seeds.join(", ")}${input.only === "undecided" ? " to undecided comparisons" : ""}`);
      const request = {
        seeds: plan.seeds,
        configKeys: plan.configKeys,
        kind: "extend",
        posthoc: true,
        note,
      } as const;
      return {
        id,
        ...plan,
        failingTrials,
        ...(await addRevision(ctx, launcher, runs.sweep, request, "sweep.extend")),
      };
    }),

  /**
   * A confirmation stage: the selected configurations (named in `configs`, or the `top` furthest ahead of the
   * baseline by their mean paired difference with it, never one behind it) and the baseline, run on fresh seeds the
   * sweep never used, so their test is free of the selection's winner's curse. Planned before it runs (not post hoc); `dryRun` says what and at what cost, and adds nothing; `failingTrials` as for `extend`.
   */
  confirm: t.procedure
    .input(
      checked(
        sweepIdInput.extend({
          seeds: FreshSeedsSchema,
          configs: z.array(labelField).min(1).max(LIMITS.configurations).optional(),
          top: z.number().int().min(1).max(LIMITS.configurations).optional(),
          baseline: labelField.optional(),
          metric: nameField.optional(),
          note: labelField.optional(),
          dryRun: z.boolean().default(false),
          expectTrials: z.number().int().min(0).optional(),
        }),
      ),
    )
    .mutation(async ({ ctx, input }) => {
      const { launcher, runs } = await revisableRuns(ctx, input.id);
      const plan = planConfirmation(runs, {
        ...input.seeds,
        ...(input.configs && { configs: input.configs }),
        ...(input.top !== undefined && { top: input.top }),
        ...(input.baseline !== undefined && { baseline: input.baseline }),
        ...(input.metric !== undefined && { metric: input.metric }),
      });
      refuseTooMany(ctx, runs, plan.seeds, plan.trialCount);
      const { failingTrials } = refuseShortSplits(runs, plan);
      // the whole id in every answer: the caller may have named it by a prefix
      const id = runs.sweep.id;
      if (input.dryRun) return { id, ...plan, failingTrials, revision: null, added: 0 };
      refuseChangedPlan(input.expectTrials, plan.trialCount);
      const note =
        input.note ?? `confirm ${plan.selected.join("; ")} against ${plan.baseline} on fresh seeds`;
      const request = {
        seeds: plan.seeds,
        configKeys: plan.configKeys,
        kind: "confirm",
        posthoc: false,
        note,
      } as const;
      return {
        id,
        ...plan,
        failingTrials,
        ...(await addRevision(ctx, launcher, runs.sweep, request, "sweep.confirm")),
      };
    }),

  /**
   * A sequential sweep's current look: each comparison's decision (better, worse, no difference, continue) with its
   * adjusted p, and what the next round adds; null for a sweep without a sequential design.
   */
  sequential: t.procedure.input(checked(sweepIdInput)).query(async ({ ctx, input }) => {
    const status = sequentialStatus(await readableRuns(ctx, input.id), { adjustedP: true });
    return status ?? null;
  }),

  /**
   * The sweep file a sweep was submitted with (its first revision's spec, {@link sweepFileOf}): what "launch a copy"
   * starts from. Not the current spec, whose seeds later revisions (retries aside: extend, confirm, a sequential
   * design's looks) have added to.
   */
  file: t.procedure.input(checked(sweepIdInput)).query(async ({ ctx, input }) => {
    const sweep = await sweepOrThrow(ctx, input.id);
    const [submitted] = await ctx.store.listRevisions(sweep.id);
    return { project: sweep.project, name: sweep.name, file: sweepFileOf(submitted?.spec ?? sweep.spec) };
  }),

  /** A sweep's revisions, its submission first: what each added, who asked, and whether after seeing results. */
  revisions: t.procedure.input(checked(sweepIdInput)).query(async ({ ctx, input }) => {
    const sweep = await sweepOrThrow(ctx, input.id);
    return (await ctx.store.listRevisions(sweep.id)).map(({ spec: _spec, ...r }) => r);
  }),

  /**
   * Changes a sweep's tags (replaced, or some added and removed) and notes, for members of its project; a read-only
   * viewer is refused. Its trials and their runs are not touched, so no controller is needed. Audited when anything
   * changed. Answers the tags and notes as stored after.
   */
  annotate: t.procedure
    .input(checked(sweepIdInput.extend(AnnotationEditSchema.shape)))
    .mutation(async ({ ctx, input: { id, ...edit } }) => {
      const sweep = await sweepOrThrow(ctx, id, "annotate");
      const after = await ctx.store.setSweepAnnotations(sweep.id, edit);
      if (!after) throw new SweepNotFoundError(id); // deleted meanwhile
      const change = annotationAudit(sweep, after);
      if (change)
        await audited(ctx, sweep.project, "sweep.annotate", sweep.id, { name: sweep.name, ...change });
      return { id: sweep.id, tags: after.tags, notes: after.notes };
    }),

  /** Stops a sweep: its waiting trials are cancelled, running ones finish or are handed back. */
  cancel: t.procedure.input(checked(sweepIdInput)).mutation(async ({ ctx, input }) => {
    // refused before the sweep is looked for, unless the store's holder takes its own sweep's cancel
    if (!ctx.cancelsOwn) launcherOf(ctx);
    const sweep = await sweepOrThrow(ctx, input.id, "cancel");
    // another sweep's cancel is refused whatever its status: what answers depends on who holds the store only
    const own = ctx.cancelsOwn?.sweepId === sweep.id ? ctx.cancelsOwn : undefined;
    const canceller: Pick<SweepLauncher, "cancel"> = own ?? launcherOf(ctx);
    // A finished or already cancelled sweep stays as it is (the store leaves it): nothing was cancelled, nothing
    // is audited, and the caller is told its status.
    // the whole id in every answer: the caller may have named it by a prefix
    const { id } = sweep;
    if (sweep.status !== "running") return { id, stopped: 0, status: sweep.status, cancelled: false };
    // The launcher cancels through its own store: a read of ctx.store here would be this request's cached one
    // (read-once), still running. A sweep whose last trial finished in between is left completed by the store (or a
    // concurrent cancel was first): nothing cancelled, nothing audited.
    const outcome = await canceller.cancel(sweep.id);
    if (!outcome.cancelled) return { id, stopped: 0, status: outcome.status, cancelled: false };
    await audited(ctx, sweep.project, "sweep.cancel", sweep.id, {
      name: sweep.name,
      stopped: outcome.stopped,
    });
    return { id, stopped: outcome.stopped, status: "cancelled" as const, cancelled: true };
  }),
});
