import { z } from "zod";

/**
 * An object of string keys whose values are checked later, by the schema of what it turns out to be (a run config's
 * section, a sweep's spec, a trial's params): at a boundary, this says only that it is a mapping, once, the same way
 * everywhere.
 */
export const MappingSchema = z.record(z.string(), z.unknown());

/** What {@link MappingSchema} parses to. */
export type Mapping = z.infer<typeof MappingSchema>;
