import type { AccessStore, AuditAction } from "@tailsweep/access";
import {
  type CodedError,
  type ErrorCategory,
  isAppError,
  isInputError,
  problemList,
  type SweepLimits,
  type SweepSpec,
} from "@tailsweep/schemas";
import {
  type ArtifactStore,
  type CancelOutcome,
  type ExtendRequest,
  type RunStore,
  type SweepRecord,
  type SweepRevision,
  storeUnavailable,
  type TrialRecord,
} from "@tailsweep/sweep";
import { initTRPC, type TRPC_ERROR_CODE_KEY, TRPCError } from "@trpc/server";
import type { Caller } from "./caller";

/** What launches and cancels sweeps for the API (the controller in the app that mounts it). */
export interface SweepLauncher {
  /** Stores and queues a sweep under `id` (a fresh one when absent); a repeat of a stored id changes nothing. */
  submit(spec: SweepSpec, id?: string): Promise<SweepRecord>;
  /** The trials it stopped, or, where nothing was left to cancel, the status the sweep has. */
  cancel(sweepId: string): Promise<CancelOutcome>;
  /** Queues a sweep's failed trials again as new attempts; returns them. */
  retry(sweepId: string): Promise<TrialRecord[]>;
  /** A cancelled sweep goes on: its cancelled trials are queued again; returns them (null, and nothing done, where it is not cancelled). */
  resume(sweepId: string): Promise<TrialRecord[] | null>;
  /** Adds seeds to a sweep as a revision, queuing the trials that are new (see the controller's `extend`). */
  extend(
    sweepId: string,
    request: ExtendRequest,
  ): Promise<{ revision: SweepRevision | undefined; added: TrialRecord[] }>;
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

/** The stable code of a launch, cancel or delete refused while another command holds the store (ApiContext.readOnly). */
export const STORE_HELD_CODE = "STORE_HELD";

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
  /**
   * Where trials keep checkpoints and artifacts (the NATS object store, or a directory beside the embedded store);
   * absent where this process reaches none (a plain `next start`): the trial files procedures then say so.
   */
  artifacts?: ArtifactStore;
  /** Limits on launched sweeps (sweepLimitsFromEnv: TAILSWEEP_MAX_TRIALS); parseSweepFile's defaults when absent. */
  sweepLimits?: SweepLimits;
  /**
   * Why this API launches nothing for now, where another command holds the store and serves it without a launcher
   * (`tailsweep sweep run`): every refused procedure says these words, coded {@link STORE_HELD_CODE} (unavailable: it
   * works once that command ends). Absent: a read-only dashboard's FORBIDDEN.
   */
  readOnly?: string;
  /**
   * With `readOnly`: the one sweep the holder trains, whose cancel it takes (`tailsweep sweep run` then stops, its
   * sweep final); other sweeps' cancels are refused in `readOnly`'s words, like every launch.
   */
  cancelsOwn?: { sweepId: string; cancel: SweepLauncher["cancel"] };
  /**
   * Who serves the store's sweeps (or the one named) now, undefined where no controller does: on PostgreSQL, where a
   * team's controller runs elsewhere and a submitted sweep waits until one does; absent where this process serves
   * them itself (the embedded store) or cannot tell.
   */
  controllerServing?: (sweepId?: string) => Promise<string | undefined>;
}

/**
 * The one mapping from an error's category (@tailsweep/schemas' error vocabulary) to the tRPC code, and so the HTTP
 * status, the API answers with. Anything that is not a coded error (a database error, a bug) is internal: never
 * BAD_REQUEST, which would tell the caller that they can fix it.
 */
export const TRPC_CODE_OF_CATEGORY: Readonly<Record<ErrorCategory, TRPC_ERROR_CODE_KEY>> = {
  invalid: "BAD_REQUEST",
  unauthorized: "UNAUTHORIZED",
  forbidden: "FORBIDDEN",
  "not-found": "NOT_FOUND",
  conflict: "CONFLICT",
  "rate-limited": "TOO_MANY_REQUESTS",
  unavailable: "SERVICE_UNAVAILABLE",
  internal: "INTERNAL_SERVER_ERROR",
};

/** tRPC's own codes that the table above does not produce, by what they mean. */
const CATEGORY_OF_OTHER_CODES: Partial<Record<TRPC_ERROR_CODE_KEY, ErrorCategory>> = {
  PARSE_ERROR: "invalid",
  PAYLOAD_TOO_LARGE: "invalid",
  UNSUPPORTED_MEDIA_TYPE: "invalid",
  UNPROCESSABLE_CONTENT: "invalid",
  METHOD_NOT_SUPPORTED: "invalid",
  PRECONDITION_FAILED: "conflict",
  PRECONDITION_REQUIRED: "conflict",
  BAD_GATEWAY: "unavailable",
  GATEWAY_TIMEOUT: "unavailable",
  TIMEOUT: "unavailable",
};

/**
 * The category of a tRPC code: what a client (the CLI) acts on, sent in every error's `data.category` so that it
 * needs no table of its own.
 */
export function categoryOfTrpcCode(code: TRPC_ERROR_CODE_KEY): ErrorCategory {
  const mapped = Object.entries(TRPC_CODE_OF_CATEGORY).find(([, c]) => c === code)?.[0];
  return (mapped as ErrorCategory | undefined) ?? CATEGORY_OF_OTHER_CODES[code] ?? "internal";
}

/** What every error the API answers with carries in `data`, beside tRPC's own fields. */
export interface ApiErrorData {
  /** The failure's category: the client's exit code or retry depends on it, never on the message. */
  category: ErrorCategory;
  /** The coded error's stable code (CONFIG_INVALID, SWEEP_NOT_FOUND, …), when a coded error caused it. */
  errorCode?: string;
  /**
   * An InputError's field as the API names it (`baseline`) and its problem without the name: a client says it in its
   * own words (the CLI as `--baseline: …`) without taking the message apart.
   */
  field?: string;
  problem?: string;
  /**
   * A refusal of several problems (a configuration's, a query's), one line each with its field first: a client lists
   * or places them (the launch form, by field) from this, not by splitting the message.
   */
  problems?: string[];
}

const root = initTRPC.context<ApiContext>().create({
  errorFormatter: ({ shape, error }) => {
    const problems = problemList(error.cause);
    return {
      ...shape,
      data: {
        ...shape.data,
        category: categoryOfTrpcCode(error.code),
        ...(isAppError(error.cause) && { errorCode: error.cause.code }),
        ...(isInputError(error.cause) && { field: error.cause.field, problem: error.cause.problem }),
        ...(problems && { problems }),
      } satisfies ApiErrorData & typeof shape.data,
    };
  },
});

/**
 * Turns a coded error a procedure threw into the tRPC code of its category ({@link TRPC_CODE_OF_CATEGORY}); tRPC
 * wraps anything that is not a TRPCError as INTERNAL_SERVER_ERROR, which is what unknown errors stay. A TRPCError a
 * procedure throws itself keeps its code.
 */
const codedErrors = root.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.code === "INTERNAL_SERVER_ERROR") {
    const cause = asCoded(result.error.cause);
    if (cause)
      throw new TRPCError({ code: TRPC_CODE_OF_CATEGORY[cause.category], message: cause.message, cause });
  }
  return result;
});

/**
 * A coded error as it is, a store whose database stopped answering as an UnavailableError (503, which a client waits
 * out: it was a 500 naming the database's address), else undefined.
 */
function asCoded(e: unknown): CodedError | undefined {
  return isAppError(e) ? e : storeUnavailable(e);
}

/**
 * tRPC's error for a failure to make a request's context (the caller's token is looked up in the store there): a
 * store that is not answering is unavailable, as in a procedure; anything else is left to tRPC (an internal error).
 */
export function contextError(e: unknown): unknown {
  const unavailable = storeUnavailable(e);
  return unavailable
    ? new TRPCError({ code: "SERVICE_UNAVAILABLE", message: unavailable.message, cause: unavailable })
    : e;
}

/**
 * The API's tRPC instance: every router of this package is built from it. Its `procedure` maps errors by category
 * (above), so no procedure catches an error only to pick a code for it.
 */
export const t = { ...root, procedure: root.procedure.use(codedErrors) };

/** Records an action in the audit log where there is one. */
export async function audited(
  ctx: ApiContext,
  project: string,
  action: AuditAction,
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
