import { noNul } from "@tailsweep/schemas";
import { z } from "zod";
import { authorize, canRead } from "../caller";
import { checked } from "../input";
import { t } from "../trpc";

/** The audit log: who launched, cancelled or deleted what. */
export const auditRouter = t.router({
  /**
   * Entries in the projects the caller can read, newest first; one project, or all of them. Empty where the app
   * keeps no audit log.
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
});
