import type { AppRouter } from "@tailsweep/api";
import {
  AppError,
  codeOf,
  ERROR_CATEGORIES,
  type ErrorCategory,
  INPUT_ERROR_CODE,
  InputError,
  messageOf,
  NotFoundError,
  problemList,
  UnavailableError,
} from "@tailsweep/schemas";
import { type TRPCClient, TRPCClientError } from "@trpc/client";
import { z } from "zod";
import { currentLogin, type RemoteLogin, remoteApi } from "./remote";
import { settings } from "./settings";
import { heldStoreApi, holderAnswered, holderGoneUnasked, STORE_HOLDER_GONE_CODE } from "./store-socket";

/** The dashboard's API as a command sees it: the same typed client whether it runs here or on a server. */
export type Api = TRPCClient<AppRouter>;

/** What a command's API needs, beyond reading. */
export interface ApiOptions {
  /**
   * The command launches, cancels or deletes sweeps. Locally that is a controller over the run store and the bus
   * (NATS when NATS_URL is set: a cancel must reach the workers); without it the API is read-only.
   */
  launches?: boolean;
  /** The command reads trials' stored files (artifacts, predictions): locally, over NATS when NATS_URL is set. */
  trialFiles?: boolean;
  /**
   * The API's input fields that this command takes as flags, by field (`baseline` → `--baseline`): an InputError the
   * API raises about one of them is told in the command's words.
   */
  flags?: Readonly<Record<string, string>>;
  /** Where the API is, when the command found out already ({@link apiRoute}): asked once, so both see the same. */
  route?: ApiRoute;
  /**
   * Say nothing of the run store it opens here (`run store: …`): a store check of a refused command line asks as a
   * dry run, and its answer is the problems alone.
   */
  quiet?: boolean;
}

/**
 * Where a command's API is: a dashboard (`login`), the process that holds the embedded store (`held`, on its socket),
 * or neither, and then this process on the run store.
 */
export interface ApiRoute {
  login?: RemoteLogin;
  held?: Api;
}

/** Where this command's API is now ({@link ApiRoute}). */
export async function apiRoute(): Promise<ApiRoute> {
  const login = remoteLogin();
  // On an embedded store another process holds (`sweep run`, `ui`), through that process, which answers on a socket.
  return login ? { login } : { held: await heldStoreApi() };
}

/**
 * The team dashboard a command goes through instead of a run store: the login (`tailsweep login`, TAILSWEEP_TOKEN),
 * unless DATABASE_URL points at the store itself.
 */
export function remoteLogin(): RemoteLogin | undefined {
  return settings().store.databaseUrl ? undefined : currentLogin();
}

/** Where a command's API ran: a dashboard, the process holding the embedded store (`sweep run`, `ui`), or this one. */
export type RunsOn = "dashboard" | "holder" | "here";

/**
 * Runs `command` with this invocation's one tRPC client (and the login when it is a dashboard's), then closes what it
 * opened. Logged in: `httpLink` to the dashboard with the token. On an embedded store another process holds: its
 * socket (store-socket.ts). Otherwise: tRPC's `localLink` over the same router in this process, on the run store
 * (`openRuntime`) as the local user, with the settings' sweep limits and, for a command that `launches`, a controller
 * to launch, cancel and delete with. Either way a refusal is the same coded error ({@link apiError}), so a command
 * prints the same and exits the same locally and remotely.
 */
export async function withApi<T>(
  command: (api: Api, remote: RemoteLogin | undefined, on: RunsOn) => Promise<T>,
  options: ApiOptions = {},
): Promise<T> {
  const { login, held } = options.route ?? (await apiRoute());
  // The API in this process needs the API's router and the run store, seconds to load that a command talking to a
  // dashboard or a holder does without.
  const session = login
    ? { api: remoteApi(login), close: async () => {} }
    : held
      ? { api: held, close: async () => {} }
      : await (await import("./local-api")).localApi(options);
  try {
    return await command(session.api, login, login ? "dashboard" : held ? "holder" : "here");
  } catch (e) {
    const refusal = apiError(e, login, options.flags);
    // The holder ended before this command reached it (its run finished as the command started): nothing was done
    // there, and the store is free, so the command runs again, on the store itself. Not where an earlier request
    // of it was answered (a launch, then a read), nor for a command that chose what to do by the route it found.
    if (!held || options.route || holderAnswered(held) || !holderGoneUnasked(refusal)) throw refusal;
  } finally {
    await session.close();
  }
  return withApi(command, { ...options, route: {} });
}

/** The sweep `id` names, or the newest one the caller can read (NotFoundError when there is none). */
export async function sweepOrLatest(api: Api, id: string | undefined): Promise<string> {
  if (id !== undefined) return id;
  const latest = await api.sweeps.latest.query({});
  if (!latest)
    throw new NotFoundError("NO_SWEEPS", "no sweeps yet (tailsweep sweep run or submit makes one)");
  return latest.id;
}

/** What to do about a refusal, by its code or category, after the API's own words. */
function hintFor(code: string | undefined, category: string, remote: boolean): string {
  if (code === "SWEEP_NOT_FOUND") return " (tailsweep sweep list shows them)";
  // TAILSWEEP_TOKEN only where it is what was sent: a saved login's token is no variable to unset
  if (category === "unauthorized" && remote)
    return settings().login.token
      ? " (tailsweep login with a valid token, or unset TAILSWEEP_TOKEN)"
      : " (tailsweep login with a valid token)";
  return "";
}

/**
 * An API field in the command's words: `baseline` → `--baseline`, an item `configs[1]` → `--config` (the problem
 * names the value), several `configs, top` → `--config, --top`; a field the command has no flag for stays as it is.
 */
function flagsOf(field: string, flags: Readonly<Record<string, string>>): string {
  return field
    .split(", ")
    .map((one) => flags[one] ?? flags[one.replace(/\[\d+\]$/, "")] ?? one)
    .join(", ");
}

/**
 * What a tRPC refusal carries in `data`: the API's error formatter's fields (ApiErrorData; a category this CLI does not
 * know reads as internal) and tRPC's own code and HTTP status, which is absent where no server answered.
 */
const RefusalDataSchema = z.object({
  category: z.string().optional(),
  errorCode: z.string().optional(),
  field: z.string().optional(),
  problem: z.string().optional(),
  code: z.string().optional(),
  httpStatus: z.number().optional(),
  problems: z.array(z.string()).optional(),
});

/**
 * A refusal of the API with its problem list (a query's, a configuration's), a line each in the command's words, so
 * that `--json` errors carry `problems` as the CLI's own refusals do.
 */
export class ApiRefusal extends AppError {
  constructor(
    code: string,
    category: ErrorCategory,
    message: string,
    readonly problems: string[] | undefined,
    /** The refusal's own lines, for {@link refusalProblems}. */
    readonly said: string[],
    options?: ErrorOptions,
  ) {
    super(code, category, message, options);
    this.name = "ApiRefusal";
  }
}

/**
 * Every problem of a refusal, a line each: its problem list where it has one, else what the API said (without the
 * dashboard's address and hint), else its message's lines (one for an InputError). What a command adds to its own problems to name them all at once.
 */
export function refusalProblems(e: unknown): string[] {
  return (
    problemList(e) ??
    SaidSchema.safeParse(e).data?.said ??
    messageOf(e)
      .split("\n")
      .filter((line) => line.trim() !== "")
  );
}
/** An {@link ApiRefusal}'s own lines, read as data (a refusal is matched by its fields, not its class). */
const SaidSchema = z.object({ said: z.array(z.string()) });

/** An error wrapping another (fetch's TypeError around the socket's). */
const CauseSchema = z.object({ cause: z.unknown() });

/**
 * The API's refusal as the coded error the CLI exits by, the same for both links: the category and code the API sent
 * in `data` (so the exit code follows the API's word, not its message), an InputError about one of the command's
 * `flags` in the command's words (`--baseline: …`), and from a dashboard its address first. No answer from a dashboard
 * at all is UNAVAILABLE. Anything that is not a tRPC client error (the command's own) is returned as it is.
 */
export function apiError(
  e: unknown,
  login: RemoteLogin | undefined,
  flags: Readonly<Record<string, string>> = {},
): unknown {
  if (!(e instanceof TRPCClientError)) return e;
  // what came over the link, parsed where it enters: a field of another shape is as good as absent
  const data = RefusalDataSchema.safeParse(e.data).data;
  if (data?.httpStatus === undefined) {
    // No answer from a server: fetch's own error, perhaps wrapped by tRPC, with the socket's code underneath.
    const causeOf = (error: unknown) => CauseSchema.safeParse(error).data?.cause;
    // the held store's socket says so itself, coded
    let gone: unknown = e;
    while (gone && codeOf(gone) !== STORE_HOLDER_GONE_CODE) gone = causeOf(gone);
    if (gone) return gone;
    if (!login) return e;
    let cause: unknown = e;
    while (causeOf(cause)) cause = causeOf(cause);
    // the socket's: ECONNREFUSED, ENOTFOUND
    const code = codeOf(cause) ?? messageOf(cause);
    return new UnavailableError(
      "DASHBOARD_UNAVAILABLE",
      `${login.url}: no answer (${code}): is the dashboard running there?`,
      { cause: e },
    );
  }
  if (data.errorCode === INPUT_ERROR_CODE && data.field !== undefined && data.problem !== undefined)
    return new InputError(flagsOf(data.field, flags), data.problem, { cause: e });
  const category = ERROR_CATEGORIES.find((c) => c === data.category) ?? "internal";
  // A refusal of several problems (a query's, a configuration's) names each field at the start of its line: the
  // command's flags in its words there too (`--metric: …`, not `metric: …`).
  // A field of the request's shape (`input.seeds.maxSeeds`) is the flag's too, or at least not the request's.
  const inFlags = (text: string) =>
    text.replace(/^(\s*(?:- )?)([A-Za-z][\w.]*(?:\[\d+\])?): /gm, (line, indent: string, field: string) => {
      const said = flagsOf(field.replace(/^input\./, ""), flags);
      return said === field ? line : `${indent}${said}: `;
    });
  return new ApiRefusal(
    data.errorCode ?? data.code ?? "API_ERROR",
    category,
    `${login ? `${login.url}: ` : ""}${inFlags(e.message)}${hintFor(data.errorCode, category, login !== undefined)}`,
    data.problems?.map(inFlags),
    // what the server said, a line each, without the dashboard's address or the hint the message adds
    inFlags(e.message)
      .split("\n")
      .filter((line) => line.trim() !== ""),
    { cause: e },
  );
}
