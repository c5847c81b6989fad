import type { Action } from "@tailsweep/access";
import {
  EvaluationMetricSchema,
  evaluatePredictions,
  readTrialArtifact,
  SWEEP_NOT_FOUND_CODE,
  storedTrialArtifact,
  trialDetail,
  trialFiles,
} from "@tailsweep/analysis";
import {
  AnnotationEditSchema,
  ARTIFACT_FILES,
  hasErrorCode,
  InputError,
  namesInBrief,
  UnavailableError,
} from "@tailsweep/schemas";
import type { ArtifactStore, TrialRecord } from "@tailsweep/sweep";
import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { authorize } from "../caller";
import { checked, idField } from "../input";
import { type ApiContext, audited, t } from "../trpc";
import { annotationAudit } from "./annotations";
import { sweepOrThrow } from "./sweep-access";

/** The stable code of a request for trial files where this server reaches no artifact store. */
export const NO_ARTIFACT_STORE_CODE = "NO_ARTIFACT_STORE";

/**
 * The trial, once the caller may do `action` to it (read, by default): NOT_FOUND for an unknown id or another
 * project's, FORBIDDEN for a role too weak.
 */
async function readableTrial(ctx: ApiContext, id: string, action: Action = "read") {
  const trial = await trialById(ctx, id);
  if (!trial)
    throw new TRPCError({
      code: "NOT_FOUND",
      // A key alone (the export's trial column) is only unique within its sweep, and a sweep id alone names no trial.
      message: `no trial with id ${id}${id.includes(":") ? "" : ` (a trial's id is <sweep id>:<trial key>, each whole or its first few characters; the key is the trial column of sweep export)`}`,
    });
  const sweep = await ctx.store.getSweep(trial.sweepId);
  authorize(ctx.caller, sweep?.project ?? "", action, `trial with id ${id}`);
  return { trial, sweep };
}

/**
 * The trial `<sweep id>:<key>`, each part whole or a start of it that only one has, as a sweep is named everywhere
 * (the 8 characters tables show): a start several share is the InputError that names them.
 */
async function trialById(ctx: ApiContext, id: string): Promise<TrialRecord | undefined> {
  const exact = await ctx.store.getTrial(id);
  const at = id.indexOf(":");
  if (exact || at <= 0) return exact;
  const sweep = await sweepOrThrow(ctx, id.slice(0, at)).catch((e: unknown) => {
    if (hasErrorCode(e, SWEEP_NOT_FOUND_CODE)) return undefined;
    throw e;
  });
  if (!sweep) return undefined;
  const key = id.slice(at + 1);
  const whole = await ctx.store.getTrial(`${sweep.id}:${key}`);
  if (whole || key === "") return whole;
  const matches = (await ctx.store.listTrials(sweep.id)).filter((t) => t.key.startsWith(key));
  if (matches.length > 1)
    throw new InputError(
      "id",
      `'${key}' is the start of ${matches.length} trial keys of sweep ${sweep.id} (${namesInBrief(
        matches.map((t) => t.key),
        { shown: 5 },
      )}); give more of it`,
    );
  return matches[0];
}

function artifactStore(ctx: ApiContext): ArtifactStore {
  if (!ctx.artifacts) {
    throw new UnavailableError(
      NO_ARTIFACT_STORE_CODE,
      "this server reaches no artifact store (a read-only dashboard: serve it with `tailsweep ui`)",
    );
  }
  return ctx.artifacts;
}

const fileInput = z.object({ id: idField, name: z.enum(ARTIFACT_FILES) }).strict();

/** Trials: one at a time, with everything the trial page shows. */
export const trialsRouter = t.router({
  /** One trial: config, seed, attempts and their reasons, tags and notes, per-epoch metrics, result, and its sweep's project and provenance. */
  get: t.procedure.input(checked(z.object({ id: idField }).strict())).query(async ({ ctx, input }) => {
    const { trial, sweep } = await readableTrial(ctx, input.id);
    const [epochs, result] = await Promise.all([
      ctx.store.listEpochs(trial.id),
      ctx.store.getResult(trial.id),
    ]);
    // The charts follow the attempt that counts (a resumed one republished the epochs it restored).
    const detail = trialDetail(
      result?.metrics,
      epochs.filter((e) => e.attempt === trial.attempt),
    );
    return {
      trial,
      epochs,
      result: result ?? null,
      detail,
      provenance: sweep?.provenance ?? {},
      // whose it is: the page offers the tags-and-notes form to the project's members
      project: sweep?.project ?? null,
    };
  }),

  /**
   * Changes a trial's tags and notes (as `sweeps.annotate` does a sweep's), for members of its project, whatever its
   * state: its run is not touched. Audited when anything changed.
   */
  annotate: t.procedure
    .input(checked(z.object({ id: idField }).strict().extend(AnnotationEditSchema.shape)))
    .mutation(async ({ ctx, input: { id, ...edit } }) => {
      const { trial, sweep } = await readableTrial(ctx, id, "annotate");
      const after = await ctx.store.setTrialAnnotations(trial.id, edit);
      if (!after) throw new TRPCError({ code: "NOT_FOUND", message: `no trial with id ${id}` });
      const change = annotationAudit(trial, after);
      if (change && sweep)
        await audited(ctx, sweep.project, "trial.annotate", trial.id, { name: trial.configLabel, ...change });
      // the whole id: the caller may have named it by the starts of its sweep id and key
      return { id: trial.id, tags: after.tags, notes: after.notes };
    }),

  /** What the trial kept: its artifacts with their sizes as written and as stored, and its checkpoint if any. */
  files: t.procedure.input(checked(z.object({ id: idField }).strict())).query(async ({ ctx, input }) => {
    const { trial } = await readableTrial(ctx, input.id);
    const result = await ctx.store.getResult(trial.id);
    // After success the trial's attempt is the one whose result was stored (completeTrial sets it).
    return trialFiles(
      artifactStore(ctx),
      trial.id,
      trial.attempt,
      result?.metrics.artifacts ?? [],
      result?.metrics.artifactsNotStored,
    );
  }),

  /**
   * One artifact's bytes as stored (gzip-compressed, so the transfer stays small), base64-encoded: the CLI and the
   * dashboard's download route inflate it (`inflateStored`) before writing or sending it.
   */
  file: t.procedure.input(checked(fileInput)).query(async ({ ctx, input }) => {
    const { trial } = await readableTrial(ctx, input.id);
    const stored = await storedTrialArtifact(artifactStore(ctx), trial.id, trial.attempt, input.name);
    return { name: input.name, base64: Buffer.from(stored).toString("base64") };
  }),

  /** Metrics recomputed from the trial's stored test-set predictions, without training again. */
  evaluate: t.procedure
    .input(
      checked(
        z
          .object({
            id: idField,
            metrics: z.array(EvaluationMetricSchema).min(1).max(EvaluationMetricSchema.options.length),
          })
          .strict(),
      ),
    )
    .query(async ({ ctx, input }) => {
      const { trial } = await readableTrial(ctx, input.id);
      const result = await ctx.store.getResult(trial.id);
      const csv = new TextDecoder().decode(
        await readTrialArtifact(artifactStore(ctx), trial.id, trial.attempt, "predictions.csv"),
      );
      return {
        trialId: trial.id,
        ...evaluatePredictions(csv, input.metrics, result?.metrics.minorityClasses ?? []),
        stored: result
          ? { balancedAccuracy: result.metrics.test.balancedAccuracy, accuracy: result.metrics.test.accuracy }
          : null,
      };
    }),
});
