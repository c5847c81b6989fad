import { buildStudyReport, renderStudyMarkdown, STUDY_FAMILIES } from "@tailsweep/analysis";
import { MappingSchema, noNul } from "@tailsweep/schemas";
import { z } from "zod";
import { checked, idField, LIMITS, nameField, objectivesField } from "../input";
import { t } from "../trpc";
import { resolveSweepIds } from "./sweep-access";

/** Hand-written Markdown, a command line or a path a rendered report quotes: bounded like a sweep file. */
const textField = noNul(z.string().max(LIMITS.sweepFile, "must be at most 256 kB"));

/** Study reports over sweeps: the numbers, and the Markdown with its SVG figures. */
export const reportsRouter = t.router({
  /**
   * The study report of sweeps the caller can read (ids or unique id prefixes), methods against `baseline` per
   * setting, sensitivity grids and missing-modality results (what `tailsweep report` writes). With `render`, also
   * its Markdown and figures, rendered here from the report's own numbers (JSON would turn a NaN into null).
   */
  study: t.procedure
    .input(
      checked(
        z
          .object({
            sweeps: z.array(idField).min(1, "name at least one sweep id").max(50, "at most 50 sweeps"),
            title: nameField.default("Study report"),
            baseline: nameField.default("proposed"),
            /** A configuration each sweep's fixed settings are stated against (e.g. the `paper` preset). */
            reference: z
              .object({ name: nameField, config: MappingSchema })
              .strict()
              .refine((r) => JSON.stringify(r.config).length <= LIMITS.sweepFile, {
                message: "must be at most 256 kB",
                path: ["config"],
              })
              .optional(),
            /** The comparisons corrected together: the primary metric across settings, or everything. */
            family: z.enum(STUDY_FAMILIES).default("primary"),
            familyCorrection: z.enum(["holm", "bh"]).default("holm"),
            /** Adds the Pareto section: per setting, the methods' front (default balanced accuracy × minority recall). */
            pareto: z.object({ objectives: objectivesField.optional() }).strict().optional(),
            render: z
              .object({
                notes: textField.optional(),
                command: textField.optional(),
                figuresPath: textField.optional(),
              })
              .strict()
              .optional(),
          })
          .strict(),
      ),
    )
    .query(async ({ ctx, input }) => {
      const report = await buildStudyReport(ctx.store, await resolveSweepIds(ctx, input.sweeps, "sweeps"), {
        title: input.title,
        baseline: input.baseline,
        ...(input.reference && { reference: input.reference }),
        study: { family: input.family, correction: input.familyCorrection },
        ...(input.pareto && { pareto: input.pareto }),
      });
      if (!input.render) return { report, rendered: null };
      const { markdown, figures } = renderStudyMarkdown(report, input.render);
      return { report, rendered: { markdown, figures: [...figures].map(([name, svg]) => ({ name, svg })) } };
    }),
});
