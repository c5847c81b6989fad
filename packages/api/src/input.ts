import { describeIssues, nearestName, noNul, SWEEP_FILE_LIMITS } from "@tailsweep/schemas";
import { z } from "zod";

/**
 * A procedure's input schema as a Standard Schema whose refusal is one readable line naming every bad field
 * (`input.id: must be at most 128 characters; input.limit: …`). Given a zod schema directly, tRPC would answer with
 * zod's issue list as JSON; the client still gets the schema's input and output types through `types`.
 */
export function checked<S extends z.ZodType>(schema: S): CheckedInput<z.input<S>, z.output<S>> {
  return {
    "~standard": {
      version: 1,
      vendor: "tailsweep",
      validate: (value) => {
        const parsed = schema.safeParse(value);
        return parsed.success
          ? { value: parsed.data }
          : { issues: [{ message: describeIssues(parsed.error, "input").join("; ") }] };
      },
    },
  };
}

/**
 * {@link checked} for a union of strict objects told apart by a key each has of its own (`{ yaml }` or `{ spec }`):
 * an input refused is refused by the one shape whose key it has, so the refusal names that shape's fields, where the
 * union's named none (`{}`: "input: required") or joined every shape's rules with "or". An input with none of the
 * keys, or several, is told which it may have. `shapes`: each key's shape (a member of `union`) and what it holds.
 */
export function checkedOneOf<S extends z.ZodType>(
  union: S,
  shapes: Readonly<Record<string, { shape: z.ZodType; holds: string }>>,
): CheckedInput<z.input<S>, z.output<S>> {
  const keys = Object.keys(shapes);
  const choice = keys.map((k) => `${k} (${shapes[k]!.holds})`).join(" or ");
  return {
    "~standard": {
      version: 1,
      vendor: "tailsweep",
      validate: (value) => {
        const parsed = union.safeParse(value);
        if (parsed.success) return { value: parsed.data };
        const record = typeof value === "object" && value !== null && !Array.isArray(value);
        if (!record)
          return {
            issues: [
              {
                message: `input: must be an object with one of ${choice}, got ${(JSON.stringify(value) ?? typeof value).slice(0, 80)}`,
              },
            ],
          };
        const present = Object.keys(value);
        const given = keys.filter((k) => present.includes(k));
        const named = given.length === 1 ? shapes[given[0]!]?.shape.safeParse(value) : undefined;
        const guesses = present.map((k) => ({ k, near: nearestName(k, keys) })).filter((g) => g.near);
        const got =
          given.length > 0
            ? `not ${given.join(" and ")} together`
            : `got ${present.length === 0 ? "neither" : present.map((k) => `'${k}'`).join(", ")}${guesses.map((g) => ` (did you mean ${g.near} for '${g.k}'?)`).join("")}`;
        const message = named?.error
          ? describeIssues(named.error, "input").join("; ")
          : `input: must have one of ${choice}, ${got}`;
        return { issues: [{ message }] };
      },
    },
  };
}

/** The Standard Schema (v1) shape tRPC accepts as a parser. */
interface CheckedInput<Input, Output> {
  readonly "~standard": {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (
      value: unknown,
    ) =>
      | { readonly value: Output; readonly issues?: undefined }
      | { readonly issues: readonly { message: string }[] };
    readonly types?: { readonly input: Input; readonly output: Output } | undefined;
  };
}

/** Bounds shared by the procedures' inputs: nothing unbounded reaches the store or the statistics. */
export const LIMITS = {
  /** sweep, trial and token ids */
  id: 128,
  /** a configuration label (`model.nu=30 variant=gaussian …`) or a search text */
  label: 2_000,
  /** a metric or parameter name */
  name: 200,
  /** a sweep file, YAML or JSON */
  sweepFile: SWEEP_FILE_LIMITS.fileBytes,
  /** configurations named in one request (a confirmation's `configs`) */
  configurations: 100,
  /**
   * objectives named in one request: only a bound on the work. A front's own rule (2 to OBJECTIVES_LIMITS.max) is
   * checked with the metrics (analysis' checkedObjectives), so that one refusal names every problem.
   */
  objectives: 32,
} as const;

// Every text field refuses U+0000 (noNul): PostgreSQL cannot compare or store it, and would answer a raw 500.

/** A sweep, trial or token id. */
export const idField = noNul(
  z.string().min(1, "must not be empty").max(LIMITS.id, `must be at most ${LIMITS.id} characters`),
);
/** A configuration label or a search text. */
export const labelField = noNul(z.string().max(LIMITS.label, `must be at most ${LIMITS.label} characters`));
/** A metric, parameter or project name. */
export const nameField = noNul(z.string().max(LIMITS.name, `must be at most ${LIMITS.name} characters`));

/**
 * Objectives of a Pareto front as a caller names them (a direction left out is the metric's own). How many a front may
 * have (the sweep file's limit, since a front over more is a cloud and every one adds tests to the correction) is
 * said with what is wrong with each (sweepPareto), not here.
 */
export const objectivesField = z
  .array(
    z
      .object({
        metric: nameField.min(1, "must not be empty"),
        direction: z.enum(["maximize", "minimize"]).optional(),
      })
      .strict(),
  )
  .max(LIMITS.objectives, `at most ${LIMITS.objectives} objectives per request`);
