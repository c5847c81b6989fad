import { AppError, describeIssues } from "@tailsweep/schemas";
import type { z } from "zod";

/** The stable code of a {@link StoredDataError}: what callers in other processes match on. */
export const STORED_DATA_INVALID = "STORED_DATA_INVALID";

/**
 * A JSON column that does not read back as what was written there (a hand edit, a migration gone wrong, a writer
 * of another version): the message names the row and the field, so that it can be found and mended.
 */
export class StoredDataError extends AppError {
  constructor(
    readonly row: string,
    readonly problems: string[],
  ) {
    // internal: the caller cannot fix it, and a request that reads the row will fail the same way until it is mended
    super(
      STORED_DATA_INVALID,
      "internal",
      `${row}: stored data is invalid:\n${problems.map((p) => `  - ${p}`).join("\n")}`,
    );
    this.name = "StoredDataError";
  }
}

/** A column's value parsed with its schema where it enters from disk; `column` prefixes each problem's path. */
export function stored<S extends z.ZodType>(
  schema: S,
  value: unknown,
  row: string,
  column: string,
): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new StoredDataError(row, describeIssues(parsed.error, column));
  return parsed.data;
}
