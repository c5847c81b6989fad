import type { Action } from "@tailsweep/access";
import type { SweepRecord } from "@tailsweep/sweep";
import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { authorize } from "../caller";
import { idField } from "../input";
import type { ApiContext } from "../trpc";

/** The input of every procedure about one sweep. */
export const sweepIdInput = z.object({ id: idField }).strict();

/** The sweep, if it exists and the caller may do `action` to it (reading, by default); NOT_FOUND otherwise. */
export async function sweepOrThrow(
  ctx: ApiContext,
  id: string,
  action: Action = "read",
): Promise<SweepRecord> {
  const sweep = await ctx.store.getSweep(id);
  if (!sweep) throw new TRPCError({ code: "NOT_FOUND", message: `no sweep with id ${id}` });
  authorize(ctx.caller, sweep.project, action, `sweep with id ${id}`);
  return sweep;
}
