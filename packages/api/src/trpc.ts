import type { AccessStore } from "@tailsweep/access";
import type { SweepLimits, SweepSpec } from "@tailsweep/schemas";
import type { RunStore, SweepRecord } from "@tailsweep/sweep";
import { initTRPC } from "@trpc/server";
import type { Caller } from "./caller";

/** What launches and cancels sweeps for the API (the controller in the app that mounts it). */
export interface SweepLauncher {
  /** Stores and queues a sweep under `id` (a fresh one when absent); a repeat of a stored id changes nothing. */
  submit(spec: SweepSpec, id?: string): Promise<SweepRecord>;
  cancel(sweepId: string): Promise<number>;
  /** Deletes a sweep and what is stored for it (cancelling it first); false if there was none. */
  delete(sweepId: string): Promise<boolean>;
  /**
   * Where every worker is in this process, what those can run: without a GPU worker among them, trials that need one
   * would wait for ever, so such launches are refused. Undefined where workers are elsewhere (NATS).
   */
  localWorkers?: { gpu: false; backend: string } | { gpu: true };
  /**
   * Checks, before anything is stored, what the sweep's trials will read from this machine's disk (a team's own
   * data), throwing a ConfigError that names each field and path. Set where the workers read the same disk as this
   * process; elsewhere the files are the workers' to find.
   */
  checkFiles?(spec: SweepSpec): Promise<void>;
}

/**
 * What every procedure can use: the run store, the launcher where the app allows launching, who is calling (every
 * procedure checks their role in the project it touches) and the access store (members, tokens, the audit log).
 */
export interface ApiContext {
  store: RunStore;
  launcher?: SweepLauncher;
  caller: Caller;
  /** Users, members, tokens and the audit log; absent where the app keeps none. */
  access?: AccessStore;
  /** Limits on launched sweeps (sweepLimitsFromEnv: TAILSWEEP_MAX_TRIALS); parseSweepFile's defaults when absent. */
  sweepLimits?: SweepLimits;
}

/** The API's tRPC instance: every router of this package is built from it. */
export const t = initTRPC.context<ApiContext>().create();

/** Records an action in the audit log where there is one. */
export async function audited(
  ctx: ApiContext,
  project: string,
  action: string,
  target: string,
  detail: Record<string, unknown> = {},
): Promise<void> {
  await ctx.access?.recordAudit({
    projectId: project,
    ...(ctx.caller.userId !== undefined && { actorId: ctx.caller.userId }),
    action,
    target,
    detail,
  });
}
