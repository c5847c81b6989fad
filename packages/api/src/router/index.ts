import { canRead } from "../caller";
import { t } from "../trpc";
import { auditRouter } from "./audit";
import { paretoRouter } from "./pareto";
import { reportsRouter } from "./reports";
import { runsRouter } from "./runs";
import { sweepsRouter } from "./sweeps";
import { membersRouter, tokensRouter } from "./team";
import { trialsRouter } from "./trials";
import { workersProcedure } from "./workers";

export type { ApiContext, ApiErrorData, SweepLauncher } from "../trpc";

/**
 * The dashboard's API, one router per domain. Each procedure is input → one call into analysis/sweep/access →
 * output; what a number means lives in @tailsweep/analysis, so the CLI computes it the same way.
 */
export const appRouter = t.router({
  /** Who the server takes the caller for, and their projects: what `tailsweep login` checks and shows. */
  me: t.procedure.query(({ ctx }) => ({
    label: ctx.caller.label,
    userId: ctx.caller.userId ?? null,
    projects: ctx.caller.scope,
  })),

  /** The projects the caller can read, with how many sweeps each holds. */
  projects: t.procedure.query(async ({ ctx }) => {
    const counts = new Map<string, number>();
    for (const s of await ctx.store.listSweeps())
      if (canRead(ctx.caller, s.project)) counts.set(s.project, (counts.get(s.project) ?? 0) + 1);
    return [...counts]
      .map(([name, sweeps]) => ({ name, sweeps }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }),

  sweeps: sweepsRouter,
  trials: trialsRouter,
  runs: runsRouter,
  reports: reportsRouter,
  pareto: paretoRouter,
  audit: auditRouter,
  members: membersRouter,
  tokens: tokensRouter,
  workers: workersProcedure,
});

/** The API's type, for typed clients. */
export type AppRouter = typeof appRouter;

/** A server-side caller (tests, server components). */
export const createCaller = t.createCallerFactory(appRouter);
