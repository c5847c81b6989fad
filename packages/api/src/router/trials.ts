import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { authorize } from "../caller";
import { checked, idField } from "../input";
import { t } from "../trpc";

/** Trials: one at a time, with everything the trial page shows. */
export const trialsRouter = t.router({
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
});
