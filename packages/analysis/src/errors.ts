import { AppError } from "@tailsweep/schemas";

/** The stable code of {@link InvalidQueryError}. */
export const QUERY_INVALID_CODE = "QUERY_INVALID";

/**
 * A question the data cannot answer as asked (an axis that was not swept, a metric no finished trial reports, too
 * few groups): one `field: problem` line per bad field, all of them at once.
 */
export class InvalidQueryError extends AppError {
  readonly problems: string[];
  constructor(problems: string | string[]) {
    const list = typeof problems === "string" ? [problems] : problems;
    super(QUERY_INVALID_CODE, "invalid", list.join("\n"));
    this.name = "InvalidQueryError";
    this.problems = list;
  }
}
