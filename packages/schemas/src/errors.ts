/**
 * The error vocabulary every package shares: a failure that callers act on carries a stable string `code` (what is
 * matched, across bundles and processes, never the class or the message) and a `category` (what kind of failure it
 * is). Each app maps categories once: the API to tRPC codes (packages/api/src/trpc.ts), the CLI to exit codes
 * (apps/cli/src/main.ts). Anything without a category is an internal failure (a bug, a database that failed).
 */

import { z } from "zod";

/** What kind of failure an error is: what the API answers with and what the CLI exits with. */
export const ERROR_CATEGORIES = [
  /** The caller's input (arguments, a file, a setting) is wrong: fixing it is theirs to do. */
  "invalid",
  /** The caller did not prove who they are (no, or a refused, token or session). */
  "unauthorized",
  /** The caller is known but may not do this. */
  "forbidden",
  /** What the caller named does not exist (or is not theirs to see). */
  "not-found",
  /** The request clashes with what is stored (a duplicate, the last owner removed). */
  "conflict",
  /** Too many tries: the same request may succeed later. */
  "rate-limited",
  /** Something this needs is down or not answering (a server, a queue): the same request may succeed later. */
  "unavailable",
  /** A failure that is not the caller's: a bug, a database error, stored data that does not parse. */
  "internal",
] as const;
export type ErrorCategory = (typeof ERROR_CATEGORIES)[number];

/** What every coded error has, whatever copy of this module made it. */
export interface CodedError {
  readonly code: string;
  readonly category: ErrorCategory;
  readonly message: string;
}

/**
 * A failure with a stable `code` (UPPER_SNAKE, e.g. CONFIG_INVALID) and a {@link ErrorCategory}. Subclass it for each
 * named error; match it with {@link isAppError} / {@link hasErrorCode}, not `instanceof` (Next compiles workspace
 * packages into each route, so a class from another bundle is another class).
 */
export class AppError extends Error implements CodedError {
  constructor(
    readonly code: string,
    readonly category: ErrorCategory,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "AppError";
  }
}

const CodedErrorFieldsSchema = z.object({
  code: z.string(),
  category: z.enum(ERROR_CATEGORIES),
  message: z.string(),
});

/** Whether `e` is a coded error (by its fields: a string `code` and a known `category`), from any bundle. */
export function isAppError(e: unknown): e is CodedError {
  return CodedErrorFieldsSchema.safeParse(e).success;
}

/** Whether `e` is a coded error with this code. */
export function hasErrorCode<C extends string>(e: unknown, code: C): e is CodedError & { code: C } {
  return isAppError(e) && e.code === code;
}

/** The category of any thrown value: a coded error's own, "internal" for everything else. */
export function errorCategory(e: unknown): ErrorCategory {
  return isAppError(e) ? e.category : "internal";
}

/** The stable code of {@link SettingsError}. */
export const SETTINGS_ERROR_CODE = "SETTINGS_INVALID";

/**
 * Bad operational settings (environment variables), one line per bad variable naming it, what it holds and what is
 * allowed: a process started with one stops at once, with every problem in one message.
 */
export class SettingsError extends AppError {
  constructor(
    readonly problems: string[],
    what = "settings",
  ) {
    super(SETTINGS_ERROR_CODE, "invalid", `invalid ${what}:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "SettingsError";
  }
}

/** Whether `e` is a SettingsError (by its code and its problem list), from any bundle. */
export function isSettingsError(e: unknown): e is SettingsError {
  return hasErrorCode(e, SETTINGS_ERROR_CODE) && problemList(e) !== undefined;
}

/** The stable code of {@link InputError}. */
export const INPUT_ERROR_CODE = "INPUT_INVALID";

/**
 * One bad input field: `field` as the receiver names it (`baseline`, `groups[1].config`) and the `problem` without the
 * name, so that each front end can say it in its own words (the CLI as `--baseline`, the API as `baseline`) without
 * taking apart someone else's message.
 */
export class InputError extends AppError {
  constructor(
    readonly field: string,
    readonly problem: string,
    options?: ErrorOptions,
  ) {
    super(INPUT_ERROR_CODE, "invalid", `${field}: ${problem}`, options);
    this.name = "InputError";
  }
}

const InputFieldsSchema = z.object({ field: z.string(), problem: z.string() });

/** Whether `e` is an InputError (by its code, field and problem), from any bundle. */
export function isInputError(e: unknown): e is InputError {
  return hasErrorCode(e, INPUT_ERROR_CODE) && InputFieldsSchema.safeParse(e).success;
}

/** Something named that does not exist: `code` says what (SWEEP_NOT_FOUND, TRIAL_NOT_FOUND, …). */
export class NotFoundError extends AppError {
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(code, "not-found", message, options);
    this.name = "NotFoundError";
  }
}

/** A server, queue or store this needs is down or not answering; the same request may succeed later. */
export class UnavailableError extends AppError {
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(code, "unavailable", message, options);
    this.name = "UnavailableError";
  }
}

/** The message of anything thrown: an Error's, or the value as text. */
export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * The message of anything thrown on one line, for a log line or a reason sent on: its lines trimmed and the empty ones
 * dropped. Prisma's are several ("\nInvalid `prisma.trial.update()` invocation:\n\n\nCan't reach database server…"):
 * during a database outage the controller's log and every worker's took a block per refused claim.
 */
export function messageLineOf(e: unknown): string {
  return messageOf(e)
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean)
    .join(" ");
}

const CodeFieldSchema = z.object({ code: z.string() });

/**
 * The string `code` an error carries, whatever made it: Node's (ENOENT, EISDIR), a socket's under a failed fetch
 * (ECONNREFUSED), Prisma's (P2002), a coded error's; undefined without one.
 */
export function codeOf(error: unknown): string | undefined {
  return CodeFieldSchema.safeParse(error).data?.code;
}

const ProblemListSchema = z.object({ problems: z.array(z.string()) });

/**
 * The problem list an error carries (a ConfigError's, a query's, a SettingsError's; an API refusal's `data.problems`),
 * read by its field wherever the error was made; undefined without one.
 */
export function problemList(error: unknown): string[] | undefined {
  return ProblemListSchema.safeParse(error).data?.problems;
}

/** The stable code every ConfigError carries: what callers in other bundles and processes match on. */
export const CONFIG_ERROR_CODE = "CONFIG_INVALID";

/** Bad configuration, with one line per problem naming the field (e.g. `model.nu`, `search.nu[2]`). */
export class ConfigError extends AppError {
  declare readonly code: typeof CONFIG_ERROR_CODE;
  constructor(readonly problems: string[]) {
    super(
      CONFIG_ERROR_CODE,
      "invalid",
      `invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`,
    );
    this.name = "ConfigError";
  }
}

/**
 * Whether `e` is a ConfigError, by its code: a copy of this module in another bundle (Next compiles workspace
 * packages into each route) makes a class that `instanceof` does not recognise.
 */
export function isConfigError(e: unknown): e is ConfigError {
  return (
    typeof e === "object" &&
    e !== null &&
    "code" in e &&
    e.code === CONFIG_ERROR_CODE &&
    "problems" in e &&
    Array.isArray(e.problems)
  );
}
