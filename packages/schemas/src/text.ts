import { z } from "zod";

/**
 * What a string holding U+0000 is told. PostgreSQL's text and jsonb cannot hold that character: let through, it comes
 * back as a raw database error (HTTP 500) instead of a refusal naming the field.
 */
export const NUL_MESSAGE = "must not contain the NUL character (\\u0000), which the database cannot store";

/** Whether a string can be stored as PostgreSQL text (it holds no U+0000). */
export const storable = (text: string): boolean => !text.includes("\u0000");

/**
 * The refinement every string schema that can reach the database shares: refuses U+0000 with {@link NUL_MESSAGE}.
 * Returns the same schema, so bounds, formats and transforms stay as they were.
 */
export function noNul<S extends z.ZodType<string, string>>(schema: S): S {
  return schema.refine(storable, NUL_MESSAGE);
}

/** A free-text string of at most `max` characters that can be stored. */
export function storableText(max: number): z.ZodString {
  return noNul(z.string().max(max, `must be at most ${max} characters`));
}
