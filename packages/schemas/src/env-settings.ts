import { z } from "zod";
import { isSettingsError, SettingsError } from "./errors";
import { plainIssueMessage } from "./issue-messages";

/** An environment: `process.env` in an app, a plain object in a test. */
export type Env = Readonly<Record<string, string | undefined>>;

/** What help says of an environment variable. */
export interface EnvHelp {
  /** What it sets and what it takes. */
  help: string;
  /** The default as help shows it: a value, or what happens while it is unset. */
  default: string;
  /** Never echoed in errors (passwords, tokens, URLs that may hold a password). */
  secret?: boolean;
}

/** An environment variable an app reads: its rule, a schema of its text (undefined when unset or blank), and its help. */
export interface EnvVariable<T> extends EnvHelp {
  schema: z.ZodType<T>;
}

/** A variable: `schema` takes the trimmed text, or undefined when the variable is unset or blank. */
export function envVariable<T>(schema: z.ZodType<T>, about: EnvHelp): EnvVariable<T> {
  return { schema, ...about };
}

/** The values of a spec's variables, by variable name. */
export type EnvValues<S extends Record<string, EnvVariable<unknown>>> = {
  [K in keyof S]: S[K] extends EnvVariable<infer T> ? T : never;
};

/**
 * Parses every variable of `spec` from `env`. Throws one {@link SettingsError} with a line per bad variable: its name,
 * what is allowed, and (unless secret) what it holds.
 */
export function parseEnv<S extends Record<string, EnvVariable<unknown>>>(spec: S, env: Env): EnvValues<S> {
  const values: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, variable] of Object.entries(spec)) {
    const raw = env[name];
    const text = raw === undefined || raw.trim() === "" ? undefined : raw.trim();
    // said without the value: the line below adds it, or leaves a secret's out
    const parsed = variable.schema.safeParse(text, { error: (issue) => plainIssueMessage(issue, false) });
    if (parsed.success) values[name] = parsed.data;
    else {
      const message = [...new Set(parsed.error.issues.map((i) => i.message))].join("; ");
      problems.push(`${name}: ${message}${variable.secret ? "" : `, got "${raw}"`}`);
    }
  }
  if (problems.length > 0) throw new SettingsError(problems, "environment");
  return values as EnvValues<S>;
}

/**
 * Runs each part's parse and returns their values, or throws one {@link SettingsError} with the problems of every part
 * that failed (a part's own SettingsError; anything else is thrown as it is).
 */
export function gatherSettings<P extends Record<string, () => unknown>>(
  parts: P,
): { [K in keyof P]: ReturnType<P[K]> } {
  const values: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, parse] of Object.entries(parts)) {
    try {
      values[name] = parse();
    } catch (e) {
      if (!isSettingsError(e)) throw e;
      problems.push(...e.problems);
    }
  }
  if (problems.length > 0) throw new SettingsError([...new Set(problems)], "environment");
  return values as { [K in keyof P]: ReturnType<P[K]> };
}

/** Help text for environment variables: one entry per variable, its help and its default. */
export function envHelpText(spec: Readonly<Record<string, EnvHelp>>): string {
  const names = Object.keys(spec);
  const width = Math.max(...names.map((n) => n.length));
  return names
    .map((name) => {
      const v = spec[name]!;
      return `  ${name.padEnd(width)}  ${v.help}\n  ${" ".repeat(width)}  default: ${v.default}`;
    })
    .join("\n");
}

// Building blocks for variables' schemas. Each takes the trimmed text, undefined when unset: add `.optional()` or
// `.default(…)` for a variable that may be unset.

/** Any text (a path, a name). */
export function envText() {
  return z.string();
}

/** One of a few words, compared in lower case. */
export function envChoice<const V extends readonly [string, ...string[]]>(values: V) {
  return z
    .string()
    .transform((s) => s.toLowerCase())
    .pipe(z.enum(values, { error: `must be one of ${values.join(", ")}` }));
}

/** A whole number in [min, max]. */
export function envWholeNumber(min: number, max: number) {
  return z
    .string()
    .regex(/^\d{1,9}$/, `must be a whole number from ${min} to ${max}`)
    .transform(Number)
    .pipe(
      z
        .number()
        .min(min, `must be a whole number from ${min} to ${max}`)
        .max(max, `must be a whole number from ${min} to ${max}`),
    );
}

/** A URL with one of these schemes (e.g. ["http", "https"]), `example` saying what one looks like. */
export function envUrl(schemes: readonly string[], example: string) {
  const message = `must be a ${schemes.join(" or ")} URL, e.g. ${example}`;
  return z.string().refine((s) => {
    if (!URL.canParse(s)) return false;
    return schemes.includes(new URL(s).protocol.replace(/:$/, ""));
  }, message);
}

/** On or off: 1, true, yes, on or 0, false, no, off. */
export function envFlag() {
  return z
    .string()
    .transform((s) => s.toLowerCase())
    .pipe(
      z.enum(["1", "true", "yes", "on", "0", "false", "no", "off"], { error: "must be 1 or 0 (on or off)" }),
    )
    .transform((s) => ["1", "true", "yes", "on"].includes(s));
}
