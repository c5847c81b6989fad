import { workerStatus } from "@tailsweep/sweep";
import { t } from "../trpc";

/** Every worker the store has heard from, with whether it is online, stopped or lost (for members of a project). */
export const workersProcedure = t.procedure.query(async ({ ctx }) => {
  // Workers serve every project; someone in none (a first OIDC sign-in) learns nothing about the team's machines.
  if (ctx.caller.scope !== "all" && ctx.caller.scope.length === 0) return [];
  const now = new Date();
  return (await ctx.store.listWorkers()).map((w) => ({ ...w, status: workerStatus(w, now) }));
});
