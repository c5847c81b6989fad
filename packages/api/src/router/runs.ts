import { catalogEntry, compareAcrossSweeps, loadSweepRuns, SWEEP_NOT_FOUND_CODE } from "@tailsweep/analysis";
import { ConfigError, errorCategory, hasErrorCode, messageOf, NotFoundError } from "@tailsweep/schemas";
import { z } from "zod";
import { canRead } from "../caller";
import { checked, idField, labelField, nameField } from "../input";
import { t } from "../trpc";
import { sweepOrThrow } from "./sweep-access";

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
      // Every sweep that is not there (or not the caller's to read) at once, named by its first group, not the first.
      const firstGroup = new Map<string, number>();
      input.groups.forEach((g, i) => {
        if (!firstGroup.has(g.sweepId)) firstGroup.set(g.sweepId, i);
      });
      const refused = (
        await Promise.all(
          [...firstGroup].map(([id, i]) =>
            sweepOrThrow(ctx, id).then(
              () => undefined,
              (e: unknown) => ({ e, field: `groups[${i}].sweepId` }),
            ),
          ),
        )
      ).filter((r) => r !== undefined);
      // a failure that is no refusal (the store gone) is itself, not bad input among the others
      const failure = refused.find(
        ({ e }) => errorCategory(e) !== "invalid" && errorCategory(e) !== "not-found",
      );
      if (failure) throw failure.e;
      if (refused.length > 0) {
        const lines = refused.map(({ e, field }) => `${field}: ${messageOf(e)}`);
        throw refused.every(({ e }) => hasErrorCode(e, SWEEP_NOT_FOUND_CODE))
          ? new NotFoundError(SWEEP_NOT_FOUND_CODE, lines.join("\n"))
          : new ConfigError(lines);
      }
      return compareAcrossSweeps(ctx.store, input.groups, input);
    }),
});
