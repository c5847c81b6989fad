import { catalogEntry, compareAcrossSweeps, loadSweepRuns } from "@tailsweep/analysis";
import { z } from "zod";
import { canRead } from "../caller";
import { checked, idField, labelField, nameField } from "../input";
import { t } from "../trpc";
import { resolveSweepIds } from "./sweep-access";

/** Runs across sweeps (team history): what can be compared, and the comparison. */
export const runsRouter = t.router({
  /** Every sweep the caller can read, newest first, with its configurations, finished seeds and objective mean. */
  catalog: t.procedure
    .input(checked(z.object({ project: nameField.optional() }).strict().default({})))
    .query(async ({ ctx, input }) => {
      const sweeps = (await ctx.store.listSweeps(input.project))
        .filter((s) => canRead(ctx.caller, s.project))
        .reverse();
      return Promise.all(sweeps.map(async (s) => catalogEntry(await loadSweepRuns(ctx.store, s))));
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
      // Every sweep that is not there (or not the caller's to read) at once, each named by its first group.
      const ids = [...new Set(input.groups.map((g) => g.sweepId))];
      await resolveSweepIds(
        ctx,
        ids,
        (i) => `groups[${input.groups.findIndex((g) => g.sweepId === ids[i])}].sweepId`,
      );
      return compareAcrossSweeps(ctx.store, input.groups, input);
    }),
});
