import { sweepPareto } from "@tailsweep/analysis";
import { defaultParetoObjectives } from "@tailsweep/schemas";
import { z } from "zod";
import { checked, objectivesField } from "../input";
import { t } from "../trpc";
import { readableRuns, sweepIdInput } from "./sweep-access";

/**
 * Pareto fronts of a sweep's configurations over several objectives at once (issue #23). Its own router, apart from
 * `sweeps`: one domain, one file.
 */
export const paretoRouter = t.router({
  /**
   * The front over two or more objectives (a direction left out is the metric's own, else the sweep's for its
   * objective, else higher is better): each configuration's seed means with their t intervals, the non-dominated set
   * by means, and each front member's dominance claims backed (or not) by paired two-sided tests read in the
   * direction of their sign, Holm-corrected
   * (docs/statistics.md P1–P3). A bad objective is one InputError at `objectives` naming every problem. Without
   * `objectives`, the sweep's own (its file's `objectives`), or null for a sweep that has none.
   */
  front: t.procedure
    .input(
      checked(
        sweepIdInput.extend({
          objectives: objectivesField.optional(),
          correction: z.enum(["holm", "bh"]).default("holm"),
          alpha: z.number().gt(0).lt(1).default(0.05),
        }),
      ),
    )
    .query(async ({ ctx, input }) => {
      const runs = await readableRuns(ctx, input.id);
      const objectives = input.objectives ?? defaultParetoObjectives(runs.sweep.spec);
      return objectives ? sweepPareto(runs, { ...input, objectives }) : null;
    }),
});
