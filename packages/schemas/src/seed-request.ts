import { z } from "zod";
import { InputError } from "./errors";
import { MAX_SEED, SeedSchema } from "./sweep";

/** The most seeds one sweep may have, as a sweep file's `seeds: n` allows. */
export const MAX_SEEDS = 1000;

/** The most seeds a `toPower` top-up gives a configuration unless told otherwise. */
export const DEFAULT_TOP_UP_MAX_SEEDS = 30;

const SEEDS_ARG_RULE = "a range (6..10), a list (6,7,9) or how many more (+5)";

/**
 * Seeds to add to a sweep ({@link SeedRequestSchema}): the ones named, the next `more` after its highest, or as many
 * as the power analysis asks for (`toPower`) up to `maxSeeds` per configuration.
 */
export const SeedRequestSchema = z.union([
  z.object({ seeds: z.array(SeedSchema).min(1).max(MAX_SEEDS) }).strict(),
  z.object({ more: z.number().int().min(1).max(MAX_SEEDS) }).strict(),
  z
    .object({
      /** The power each undecided comparison should reach at its observed effect (0.8: 80 %). */
      toPower: z.number().gt(0).lt(1),
      /** The most seeds any configuration gets from this (the cap on a seeds-needed estimate). */
      maxSeeds: z.number().int().min(2).max(MAX_SEEDS).default(DEFAULT_TOP_UP_MAX_SEEDS),
    })
    .strict(),
]);
export type SeedRequest = z.infer<typeof SeedRequestSchema>;

/**
 * Seeds for a confirmation stage: named, or the next `more` after the sweep's highest. No `toPower`: a confirmation
 * is sized before it runs and never topped up from its own results, or it would be selection again.
 */
export const FreshSeedsSchema = z.union([
  z.object({ seeds: z.array(SeedSchema).min(2).max(MAX_SEEDS) }).strict(),
  z.object({ more: z.number().int().min(2).max(MAX_SEEDS) }).strict(),
]);
export type FreshSeeds = z.infer<typeof FreshSeedsSchema>;

/**
 * `--seeds` as typed: `6..10` (both ends included), `6,7,9`, or `+5` (five more after the sweep's highest seed). An
 * InputError at `flag` names what was given and what is allowed.
 */
export function parseSeedsArg(text: string, flag = "--seeds"): { seeds: number[] } | { more: number } {
  const refuse = (why = ""): never => {
    throw new InputError(flag, `must be ${SEEDS_ARG_RULE}${why}, got ${JSON.stringify(text)}`);
  };
  const value = text.trim();
  const whole = (s: string) => (/^\d+$/.test(s) ? Number(s) : refuse());
  if (value.startsWith("+")) {
    const more = whole(value.slice(1));
    if (more < 1 || more > MAX_SEEDS) refuse(` (+1 to +${MAX_SEEDS})`);
    return { more };
  }
  const range = /^(\d+)\.\.(\d+)$/.exec(value);
  const seeds = range
    ? (() => {
        const [from, to] = [whole(range[1]!), whole(range[2]!)];
        if (to < from) refuse(" (the range's end below its start)");
        if (to - from + 1 > MAX_SEEDS) refuse(` (at most ${MAX_SEEDS} seeds)`);
        return Array.from({ length: to - from + 1 }, (_, i) => from + i);
      })()
    : value.split(",").map((s) => whole(s.trim()));
  const checked = z.array(SeedSchema).max(MAX_SEEDS).safeParse(seeds);
  if (!checked.success) refuse(` (each seed ${checked.error.issues[0]!.message})`);
  if (new Set(seeds).size !== seeds.length) refuse(" (a seed repeats)");
  return { seeds };
}

/**
 * The seeds `more` adds after a sweep's highest: its next whole numbers. Past the largest a seed may be (`+2` after
 * 2147483647) it refuses, naming `seeds`, rather than leave the trainer's `train.seed` to say it once trials exist.
 */
export function nextSeeds(existing: readonly number[], more: number): number[] {
  const from = Math.max(0, ...existing) + 1;
  const last = from + more - 1;
  if (more > 0 && last > MAX_SEED)
    throw new InputError(
      "seeds",
      `+${more} after seed ${from - 1} goes past the largest a seed may be (${MAX_SEED}); name seeds instead (e.g. 6..10)`,
    );
  return Array.from({ length: more }, (_, i) => from + i);
}

/** Seeds as people write them: runs of consecutive seeds joined with a dash (`1–5, 8, 11–20`). */
export function seedRanges(seeds: readonly number[]): string {
  const sorted = [...new Set(seeds)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(j === i ? `${sorted[i]}` : `${sorted[i]}–${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(", ");
}
