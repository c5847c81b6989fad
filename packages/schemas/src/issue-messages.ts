import { z } from "zod";

/**
 * zod's own words for a refused value ("Too small: expected number to be >2", "Invalid input: expected number,
 * received string", "Unrecognized key: \"sedes\"") are a programmer's; every surface (CLI, launch form, API) shows
 * them to a researcher. These are the same facts in the words of the messages written by hand: what the field must
 * be, and what it got. A schema's own message still wins (zod asks this map only where none was given).
 */

/** A value as a problem quotes it: text in quotes (cut short), a list or a mapping by its kind. */
function shown(value: unknown): string {
  if (typeof value === "string") return `'${value.length > 40 ? `${value.slice(0, 40)}…` : value}'`;
  if (Array.isArray(value)) return "a list";
  if (value === null) return "null";
  if (typeof value === "object") return "a mapping";
  return String(value);
}

const KIND_WORDS: Record<string, string> = {
  number: "a number",
  int: "a whole number",
  string: "text",
  boolean: "true or false",
  array: "a list",
  tuple: "a list",
  set: "a list",
  object: "a mapping of keys to values",
  record: "a mapping of keys to values",
  map: "a mapping of keys to values",
  date: "a date",
  never: "absent",
};

/** The keys an object schema takes, where the issue's schema is one (a `.strict()` object refusing a key). */
const keysOf = (inst: z.core.$ZodRawIssue["inst"]): string[] =>
  inst instanceof z.ZodObject ? Object.keys(inst.shape) : [];

/**
 * Edit distance of two short words (keys), for "did you mean": a dozen lines on words of a few letters, where a
 * library would be one more dependency of the package every bundle and process loads.
 */
function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++)
      next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length]!;
}

/**
 * The allowed key nearest to `key`, when one is nearest and near enough to be a typo of it: one edit in a key of up to
 * four letters (else `min` would suggest `max`), two in a longer one.
 */
export function nearestName(key: string, allowed: readonly string[]): string | undefined {
  const by = allowed.map((k) => ({ k, d: distance(key.toLowerCase(), k.toLowerCase()) }));
  const best = Math.min(...by.map((b) => b.d));
  const at = by.filter((b) => b.d === best);
  return best <= (key.length <= 4 ? 1 : 2) && at.length === 1 ? at[0]!.k : undefined;
}

function unknownKeys(keys: string[], inst: z.core.$ZodRawIssue["inst"]): string {
  const allowed = keysOf(inst);
  const guesses = keys.flatMap((key) => {
    const near = nearestName(key, allowed);
    return near === undefined ? [] : [keys.length === 1 ? near : `${near} for '${key}'`];
  });
  return [
    `unknown key${keys.length === 1 ? "" : "s"} ${keys.map((k) => `'${k}'`).join(", ")}`,
    guesses.length ? ` (did you mean ${guesses.join(", ")}?)` : "",
    allowed.length ? `; allowed here: ${allowed.join(", ")}` : "",
  ].join("");
}

/**
 * The problem, in words, of a zod issue that has no message of its own; undefined leaves zod's. `withInput: false`
 * leaves out what the value was, for a caller that says it itself or must not (a secret's value).
 */
export function plainIssueMessage(issue: z.core.$ZodRawIssue, withInput = true): string | undefined {
  const got = withInput ? `, got ${shown(issue.input)}` : "";
  switch (issue.code) {
    case "invalid_type":
      if (issue.input === undefined) return "required";
      return `must be ${KIND_WORDS[issue.expected] ?? issue.expected}${got}`;
    case "too_small":
    case "too_big": {
      const small = issue.code === "too_small";
      const bound = small ? issue.minimum : issue.maximum;
      const words = issue.exact ? "exactly" : small ? "at least" : "at most";
      if (issue.origin === "string")
        return small && Number(bound) === 1 && !issue.exact
          ? "must not be empty"
          : `must be ${words} ${bound} characters`;
      if (issue.origin === "array" || issue.origin === "set")
        return `must have ${words} ${bound} entr${Number(bound) === 1 ? "y" : "ies"}`;
      if (issue.origin === "number" || issue.origin === "int" || issue.origin === "bigint") {
        const sign = issue.exact ? "=" : small ? (issue.inclusive ? "≥" : ">") : issue.inclusive ? "≤" : "<";
        return `must be ${sign} ${bound}${got}`;
      }
      return undefined;
    }
    case "invalid_value":
      return issue.values.length === 1
        ? `must be ${shown(issue.values[0])}${got}`
        : `must be one of ${issue.values.map((v) => (typeof v === "string" ? v : shown(v))).join(", ")}${got}`;
    case "unrecognized_keys":
      return unknownKeys(issue.keys, issue.inst);
    case "invalid_union": {
      // a discriminated union whose tag matches none: the issue is at the tag, its input the whole object
      const options = Array.isArray(issue.options) ? issue.options : [];
      const tag = typeof issue.discriminator === "string" ? issue.discriminator : undefined;
      const input: unknown = issue.input;
      if (!options.length) return undefined;
      if (tag && typeof input === "object" && input !== null && !(tag in input))
        return `required: one of ${options.join(", ")}`;
      const given =
        tag && typeof input === "object" && input !== null && withInput
          ? `, got ${shown(new Map(Object.entries(input)).get(tag))}`
          : got;
      return `must be one of ${options.join(", ")}${given}`;
    }
    case "not_multiple_of":
      return `must be a multiple of ${issue.divisor}${got}`;
    default:
      return undefined;
  }
}

z.config({ customError: (issue) => plainIssueMessage(issue) });
