import type { Action } from "@tailsweep/access";
import {
  ConfigError,
  isConfigError,
  noNul,
  parseSweepFile,
  type SweepSpec,
  type TrialMetrics,
  trialNeedsGpu,
} from "@tailsweep/schemas";
import { averageConfusion, summarize, summarizePerClass, tInterval } from "@tailsweep/stats";
import {
  EPOCH_SERIES_METRICS,
  gpuTrialCount,
  type SweepRecord,
  sweepIdFor,
  sweepProgress,
  takesGpuTrials,
  workerStatus,
} from "@tailsweep/sweep";
import { TRPCError } from "@trpc/server";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { authorize, canRead } from "./caller";
import {
  compareAcrossSweeps,
  compareSweep,
  configLabel,
  finishedValues,
  paramValue,
  rankConfigurations,
} from "./comparison";
import { checked, idField, LIMITS, labelField, nameField } from "./input";
import { membersRouter, tokensRouter } from "./team-router";
import { type ApiContext, audited, t } from "./trpc";

export type { ApiContext, SweepLauncher } from "./trpc";

/** The sweep, if it exists and the caller may do `action` to it (reading, by default); NOT_FOUND otherwise. */
async function sweepOrThrow(ctx: ApiContext, id: string, action: Action = "read"): Promise<SweepRecord> {
  const sweep = await ctx.store.getSweep(id);
  if (!sweep) throw new TRPCError({ code: "NOT_FOUND", message: `no sweep with id ${id}` });
  authorize(ctx.caller, sweep.project, action, `sweep with id ${id}`);
  return sweep;
}

/** A bad sweep file, as tRPC's BAD_REQUEST with one `path: problem` line per field (the form shows each at its field). */
function badSweep(e: unknown): never {
  if (isConfigError(e))
    throw new TRPCError({ code: "BAD_REQUEST", message: e.problems.join("\n"), cause: e });
  throw new TRPCError({ code: "BAD_REQUEST", message: (e as Error).message, cause: e as Error });
}

const sweepId = z.object({ id: idField }).strict();

/** The dashboard's API: thin procedures over the run store, the statistics and the launcher. */
export const appRouter = t.router({
  /** Who the server takes the caller for, and their projects: what `tailsweep login` checks and shows. */
  me: t.procedure.query(({ ctx }) => ({
    label: ctx.caller.label,
    userId: ctx.caller.userId ?? null,
    projects: ctx.caller.scope,
  })),

  projects: t.procedure.query(async ({ ctx }) => {
    const counts = new Map<string, number>();
    for (const s of await ctx.store.listSweeps())
      if (canRead(ctx.caller, s.project)) counts.set(s.project, (counts.get(s.project) ?? 0) + 1);
    return [...counts]
      .map(([name, sweeps]) => ({ name, sweeps }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }),

  sweeps: t.router({
    /** Sweeps newest first, with progress and the best configuration so far; filter by project, status or text. */
    list: t.procedure
      .input(
        checked(
          z
            .object({
              project: nameField.optional(),
              status: z.enum(["running", "completed", "cancelled"]).optional(),
              search: labelField.optional(),
            })
            .default({}),
        ),
      )
      .query(async ({ ctx, input }) => {
        const sweeps = (await ctx.store.listSweeps(input.project))
          .filter((s) => canRead(ctx.caller, s.project))
          .filter((s) => !input.status || s.status === input.status)
          .filter(
            (s) =>
              !input.search ||
              `${s.project}/${s.name} ${s.id}`.toLowerCase().includes(input.search.toLowerCase()),
          )
          .reverse();
        return Promise.all(
          sweeps.map(async (s) => {
            const [trials, results] = await Promise.all([
              ctx.store.listTrials(s.id),
              ctx.store.listResults(s.id),
            ]);
            const best = rankConfigurations(trials, results, s.spec.objective)[0];
            const progress = sweepProgress(trials);
            return {
              id: s.id,
              project: s.project,
              name: s.name,
              status: s.status,
              createdAt: s.createdAt,
              trialCount: s.trialCount,
              counts: progress.counts,
              progress,
              objective: s.spec.objective,
              best: best ?? null,
            };
          }),
        );
      }),

    /**
     * One sweep with its progress (counts, ETA) and the workers that ran or run its trials: host, backend, whether
     * they are online, and how many of this sweep's trials each has running and finished. `gpu` says how many of
     * its trials only a GPU worker may run, how many of those wait, and how many GPU workers are online.
     */
    get: t.procedure.input(checked(sweepId)).query(async ({ ctx, input }) => {
      const sweep = await sweepOrThrow(ctx, input.id);
      const [trials, known] = await Promise.all([ctx.store.listTrials(sweep.id), ctx.store.listWorkers()]);
      const now = new Date();
      const progress = sweepProgress(trials, now);
      const mine = new Map<string, { running: number; finished: number; backend?: string }>();
      for (const trial of trials) {
        if (!trial.workerId) continue;
        const w = mine.get(trial.workerId) ?? { running: 0, finished: 0 };
        if (trial.state === "running") w.running++;
        else if (trial.state === "succeeded" || trial.state === "failed") w.finished++;
        w.backend ??= trial.backend;
        mine.set(trial.workerId, w);
      }
      const needGpu = trials.filter((trial) => trialNeedsGpu(sweep.spec.execution, trial.config));
      const gpu = {
        trials: needGpu.length,
        waiting: needGpu.filter((trial) => trial.state === "waiting").length,
        workersOnline: known.filter((w) => takesGpuTrials(w, now)).length,
      };
      const workers = [...mine].map(([id, w]) => {
        const record = known.find((k) => k.id === id);
        return {
          id,
          host: record?.host ?? null,
          backend: record?.backend ?? w.backend ?? null,
          gpu: record?.gpu ?? null,
          status: record ? workerStatus(record, now) : null,
          running: w.running,
          finished: w.finished,
        };
      });
      return { ...sweep, counts: progress.counts, progress, workers, gpu };
    }),

    /** Every trial with its configuration label, state, attempts and headline test metrics. */
    trials: t.procedure.input(checked(sweepId)).query(async ({ ctx, input }) => {
      const sweep = await sweepOrThrow(ctx, input.id);
      const [trials, results] = await Promise.all([
        ctx.store.listTrials(sweep.id),
        ctx.store.listResults(sweep.id),
      ]);
      return trials.map((trial) => {
        const r = results.get(trial.id);
        return {
          ...trial,
          config: configLabel(trial.params),
          /** Only a GPU worker may run it (its sweep's execution.gpu). */
          gpu: trialNeedsGpu(sweep.spec.execution, trial.config),
          seconds: r?.seconds ?? null,
          test: r?.metrics.test ?? null,
        };
      });
    }),

    /** Configurations against a baseline across matched seeds (the same table as `tailsweep compare`). */
    compare: t.procedure
      .input(
        checked(
          sweepId.extend({
            baseline: labelField.optional(),
            metric: nameField.optional(),
            correction: z.enum(["holm", "bh"]).default("holm"),
            alpha: z.number().gt(0).lt(1).default(0.05),
          }),
        ),
      )
      .query(async ({ ctx, input }) => {
        const sweep = await sweepOrThrow(ctx, input.id);
        try {
          return await compareSweep(ctx.store, sweep, input);
        } catch (e) {
          throw new TRPCError({ code: "BAD_REQUEST", message: (e as Error).message });
        }
      }),

    /**
     * The objective's seed-mean over two swept parameters (e.g. ν × γ, ρ × β): one cell per pair of values, averaged
     * over seeds and over every other swept parameter (`n` says how many runs a cell holds).
     */
    heatmap: t.procedure
      .input(
        checked(sweepId.extend({ x: nameField.min(1), y: nameField.min(1), metric: nameField.optional() })),
      )
      .query(async ({ ctx, input }) => {
        const sweep = await sweepOrThrow(ctx, input.id);
        const swept = Object.keys(sweep.spec.search);
        for (const axis of ["x", "y"] as const)
          if (!swept.includes(input[axis]))
            throw new TRPCError({
              code: "BAD_REQUEST",
              message: `${axis}: '${input[axis]}' is not a swept parameter of this sweep; swept: ${swept.join(", ")}`,
            });
        const metric = input.metric ?? sweep.spec.objective.metric;
        const [trials, results] = await Promise.all([
          ctx.store.listTrials(sweep.id),
          ctx.store.listResults(sweep.id),
        ]);
        const cells = new Map<string, { x: string; y: string; values: number[] }>();
        for (const { trial, value } of finishedValues(trials, results, metric)) {
          const x = paramValue(trial.params[input.x]);
          const y = paramValue(trial.params[input.y]);
          const cell = cells.get(`${x}\u0000${y}`) ?? { x, y, values: [] };
          cell.values.push(value);
          cells.set(`${x}\u0000${y}`, cell);
        }
        const order = (axis: string) =>
          [...new Set(trials.map((trial) => paramValue(trial.params[axis])))].sort(
            (a, b) => Number(a) - Number(b) || a.localeCompare(b),
          );
        return {
          metric,
          direction: sweep.spec.objective.direction,
          xValues: order(input.x),
          yValues: order(input.y),
          cells: [...cells.values()].map((c) => {
            const s = summarize(c.values);
            return { x: c.x, y: c.y, n: s.n, mean: s.mean, ci: s.ci };
          }),
        };
      }),

    /**
     * Learning curves: per configuration and epoch, the mean over seeds with its t interval (the band a chart
     * draws), from one read of the sweep's per-epoch numbers.
     */
    curves: t.procedure
      .input(checked(sweepId.extend({ metric: z.enum(EPOCH_SERIES_METRICS).default("loss.total") })))
      .query(async ({ ctx, input }) => {
        const sweep = await sweepOrThrow(ctx, input.id);
        const points = await ctx.store.epochCurves(sweep.id, input.metric);
        const byConfig = new Map<
          string,
          { epoch: number; n: number; mean: number; ci: [number, number] }[]
        >();
        for (const p of points) {
          const label = configLabel(p.params);
          byConfig.set(label, [
            ...(byConfig.get(label) ?? []),
            { epoch: p.epoch, n: p.n, mean: p.mean, ci: tInterval(p.n, p.mean, p.sd) },
          ]);
        }
        return {
          metric: input.metric,
          configs: [...byConfig]
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([config, pts]) => ({ config, points: pts.sort((a, b) => a.epoch - b.epoch) })),
        };
      }),

    /**
     * Per-class results per configuration, over seeds: test recall per class (mean and t interval), the averaged
     * confusion matrix (and row-normalised), and pseudo-label recall per class on the unlabeled rows.
     */
    perClass: t.procedure.input(checked(sweepId)).query(async ({ ctx, input }) => {
      const sweep = await sweepOrThrow(ctx, input.id);
      const [trials, results] = await Promise.all([
        ctx.store.listTrials(sweep.id),
        ctx.store.listResults(sweep.id),
      ]);
      const byConfig = new Map<string, TrialMetrics[]>();
      for (const trial of trials) {
        const metrics = results.get(trial.id)?.metrics;
        if (trial.state !== "succeeded" || !metrics) continue;
        const label = configLabel(trial.params);
        byConfig.set(label, [...(byConfig.get(label) ?? []), metrics]);
      }
      return [...byConfig]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([config, runs]) => {
          const pseudo = runs.flatMap((r) => (r.pseudoLabels ? [r.pseudoLabels.perClassRecall] : []));
          return {
            config,
            seeds: runs.length,
            recall: summarizePerClass(runs.map((r) => r.test.perClassRecall)),
            confusion: averageConfusion(runs.map((r) => r.test.confusion)),
            pseudoLabelRecall: pseudo.length === runs.length ? summarizePerClass(pseudo) : null,
            minorityClasses: runs[0]!.minorityClasses,
          };
        });
    }),

    /** Validates a sweep (YAML text or the form's object) and queues it; errors name each bad field. */
    launch: t.procedure
      .input(
        checked(
          z.union([
            z
              .object({
                yaml: noNul(z.string().max(LIMITS.sweepFile, "must be at most 256 kB")),
                /**
                 * Find the sweep this file made before (its id is a hash of the resolved spec) instead of making
                 * another: what `tailsweep sweep submit` asks for unless given --new.
                 */
                reuse: z.boolean().optional(),
              })
              .strict(),
            z
              .object({ spec: z.record(z.string(), z.unknown()) })
              .strict()
              .refine((v) => JSON.stringify(v.spec).length <= LIMITS.sweepFile, {
                message: "must be at most 256 kB",
                path: ["spec"],
              }),
          ]),
        ),
      )
      .mutation(async ({ ctx, input }) => {
        if (!ctx.launcher)
          throw new TRPCError({
            code: "FORBIDDEN",
            message: "this dashboard is read-only: it has no controller to launch with",
          });
        let spec: SweepSpec;
        try {
          spec = parseSweepFile("yaml" in input ? parseYaml(input.yaml) : input.spec, ctx.sweepLimits);
        } catch (e) {
          badSweep(e);
        }
        authorize(ctx.caller, spec.project, "launch", `project ${spec.project}`);
        try {
          await ctx.launcher.checkFiles?.(spec);
        } catch (e) {
          if (isConfigError(e)) badSweep(e);
          throw e;
        }
        const local = ctx.launcher.localWorkers;
        if (local && !local.gpu) {
          const needGpu = gpuTrialCount(spec);
          if (needGpu > 0)
            badSweep(
              new ConfigError([
                `execution.gpu: ${needGpu} trial${needGpu === 1 ? " needs" : "s need"} a GPU worker, and this dashboard's only workers (in its own process) train on ${local.backend}; start it with tailsweep ui --backend webgpu on a machine with a GPU, or with NATS_URL to reach a team's GPU workers`,
              ]),
            );
        }
        if ("reuse" in input && input.reuse) {
          const before = await ctx.store.getSweep(sweepIdFor(spec));
          if (before) return { id: before.id, trialCount: before.trialCount, existing: true };
        }
        const reused = "reuse" in input && input.reuse ? sweepIdFor(spec) : undefined;
        const sweep = await ctx.launcher.submit(spec, reused);
        await audited(ctx, spec.project, "sweep.launch", sweep.id, {
          name: spec.name,
          trials: sweep.trialCount,
        });
        return { id: sweep.id, trialCount: sweep.trialCount, existing: false };
      }),

    /** Deletes a sweep with its trials and results (owners only); the audit log keeps its name and size. */
    delete: t.procedure.input(checked(sweepId)).mutation(async ({ ctx, input }) => {
      if (!ctx.launcher) throw new TRPCError({ code: "FORBIDDEN", message: "this dashboard is read-only" });
      const sweep = await sweepOrThrow(ctx, input.id, "delete");
      const deleted = await ctx.launcher.delete(input.id);
      await audited(ctx, sweep.project, "sweep.delete", sweep.id, {
        name: sweep.name,
        trials: sweep.trialCount,
      });
      return { deleted };
    }),

    cancel: t.procedure.input(checked(sweepId)).mutation(async ({ ctx, input }) => {
      if (!ctx.launcher) throw new TRPCError({ code: "FORBIDDEN", message: "this dashboard is read-only" });
      const sweep = await sweepOrThrow(ctx, input.id, "cancel");
      const stopped = await ctx.launcher.cancel(input.id);
      await audited(ctx, sweep.project, "sweep.cancel", sweep.id, { name: sweep.name, stopped });
      return { stopped };
    }),
  }),

  trials: t.router({
    /** One trial: config, seed, attempts and their reasons, per-epoch metrics, result, and the sweep's provenance. */
    get: t.procedure.input(checked(z.object({ id: idField }).strict())).query(async ({ ctx, input }) => {
      const trial = await ctx.store.getTrial(input.id);
      if (!trial) throw new TRPCError({ code: "NOT_FOUND", message: `no trial with id ${input.id}` });
      const sweep = await ctx.store.getSweep(trial.sweepId);
      authorize(ctx.caller, sweep?.project ?? "", "read", `trial with id ${input.id}`);
      const [epochs, result] = await Promise.all([
        ctx.store.listEpochs(trial.id),
        ctx.store.getResult(trial.id),
      ]);
      return { trial, epochs, result: result ?? null, provenance: sweep?.provenance ?? {} };
    }),
  }),

  runs: t.router({
    /**
     * What can be compared across sweeps (team history): every sweep, newest first, with its configurations, their
     * finished seeds and the seed mean of the sweep's objective.
     */
    catalog: t.procedure
      .input(checked(z.object({ project: nameField.optional() }).strict().default({})))
      .query(async ({ ctx, input }) => {
        const sweeps = (await ctx.store.listSweeps(input.project))
          .filter((s) => canRead(ctx.caller, s.project))
          .reverse();
        return Promise.all(
          sweeps.map(async (s) => {
            const [trials, results] = await Promise.all([
              ctx.store.listTrials(s.id),
              ctx.store.listResults(s.id),
            ]);
            return {
              id: s.id,
              project: s.project,
              name: s.name,
              createdAt: s.createdAt,
              objective: s.spec.objective,
              configs: rankConfigurations(trials, results, s.spec.objective),
            };
          }),
        );
      }),

    /** Runs from any sweeps compared across matched seeds: one group per (sweep, configuration), the first the baseline. */
    compare: t.procedure
      .input(
        checked(
          z.object({
            groups: z
              .array(z.object({ sweepId: idField, config: labelField.optional() }).strict())
              .min(2)
              .max(50),
            baseline: z.number().int().min(0).default(0),
            metric: nameField.optional(),
            correction: z.enum(["holm", "bh"]).default("holm"),
            alpha: z.number().gt(0).lt(1).default(0.05),
          }),
        ),
      )
      .query(async ({ ctx, input }) => {
        for (const g of new Set(input.groups.map((g) => g.sweepId))) await sweepOrThrow(ctx, g);
        try {
          return await compareAcrossSweeps(ctx.store, input.groups, input);
        } catch (e) {
          throw new TRPCError({ code: "BAD_REQUEST", message: (e as Error).message });
        }
      }),
  }),

  audit: t.router({
    /**
     * Who launched, cancelled or deleted what in the projects the caller can read, newest first; one project, or
     * all of them. Empty where the app keeps no audit log.
     */
    list: t.procedure
      .input(
        checked(
          z
            .object({
              project: noNul(z.string().max(64, "must be at most 64 characters")).optional(),
              limit: z.number().int().min(1).max(1_000).default(200),
            })
            .default({ limit: 200 }),
        ),
      )
      .query(async ({ ctx, input }) => {
        const log = ctx.access;
        if (!log) return [];
        if (input.project) authorize(ctx.caller, input.project, "read", `project ${input.project}`);
        const projects = input.project
          ? [input.project]
          : [...new Set((await ctx.store.listSweeps()).map((s) => s.project))].filter((p) =>
              canRead(ctx.caller, p),
            );
        const entries = (await Promise.all(projects.map((p) => log.auditOf(p, { limit: input.limit }))))
          .flat()
          .sort((a, b) => b.at.getTime() - a.at.getTime())
          .slice(0, input.limit);
        const names = new Map<string, string>();
        for (const id of new Set(entries.flatMap((e) => (e.actorId ? [e.actorId] : []))))
          names.set(id, (await log.getUser(id))?.email ?? `deleted user ${id}`);
        return entries.map((e) => ({ ...e, actor: e.actorId ? names.get(e.actorId)! : "local user" }));
      }),
  }),

  members: membersRouter,
  tokens: tokensRouter,

  /** Every worker the store has heard from, with whether it is online, stopped or lost (for members of a project). */
  workers: t.procedure.query(async ({ ctx }) => {
    // Workers serve every project; someone in none (a first OIDC sign-in) learns nothing about the team's machines.
    if (ctx.caller.scope !== "all" && ctx.caller.scope.length === 0) return [];
    const now = new Date();
    return (await ctx.store.listWorkers()).map((w) => ({ ...w, status: workerStatus(w, now) }));
  }),
});

/** The API's type, for typed clients. */
export type AppRouter = typeof appRouter;

/** A server-side caller (tests, server components). */
export const createCaller = t.createCallerFactory(appRouter);
