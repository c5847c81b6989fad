import { z } from "zod";

/**
 * Bounds on a sweep file's parts, so that a file that is too big is refused at once by its first bound instead of
 * being expanded, checked value by value, or stored.
 */
export const SWEEP_FILE_LIMITS = {
  /** Values one knob's grid (or categorical distribution, or GPU rule) may list. */
  valuesPerKnob: 1_000,
  /** Entries of a value that is itself a list (a widths list, a class order). */
  listValue: 1_000,
  /** Characters of one text value (a variant name, a data path). */
  text: 4_096,
  /** Knobs one section (search, dataset, model, train, execution.gpu) may name. */
  keys: 100,
  /** Seeds an explicit seed list may hold (a count is 1..1000 as well). */
  seeds: 1_000,
  /** Bytes of a sweep file as text (YAML or JSON), before it is parsed. */
  fileBytes: 256 * 1024,
} as const;

/** Trials a sweep may expand to unless the setting raises it: what one machine can plan, store and show at once. */
export const DEFAULT_MAX_TRIALS = 100_000;
/** The most the setting may raise it to: above this, planning the trials alone runs a process out of memory. */
export const MAX_TRIALS_CEILING = 1_000_000;
/** The environment variable that sets {@link SweepLimits.maxTrials} where sweeps are parsed (CLI, dashboard). */
export const MAX_TRIALS_ENV = "TAILSWEEP_MAX_TRIALS";

/** Limits that depend on where a sweep is launched (a setting, not part of the file). */
export const SweepLimitsSchema = z
  .object({
    /** Most trials (configurations × seeds) a sweep may expand to. */
    maxTrials: z
      .number()
      .int("must be a whole number")
      .min(1, "must be at least 1")
      .max(MAX_TRIALS_CEILING, `must be at most ${MAX_TRIALS_CEILING}`)
      .default(DEFAULT_MAX_TRIALS),
  })
  .strict();
export type SweepLimits = z.infer<typeof SweepLimitsSchema>;

/** The limits when no setting changes them. */
export const DEFAULT_SWEEP_LIMITS: SweepLimits = { maxTrials: DEFAULT_MAX_TRIALS };

/**
 * How many trials a sweep expands to, counted without expanding it: for a grid the product of every knob's value count
 * times the seeds, for random and TPE search the budget times the seeds (a space with fewer points yields fewer).
 * `search` may be a file's, before its keys are made canonical; without a `method`, it is the one the search implies.
 */
export function countTrials(spec: {
  search: Record<string, unknown>;
  /** A count, a list, or a sequential design's `{ max }`: the most seeds a configuration can run. */
  seeds: number | readonly unknown[] | { max: number };
  budget?: number | undefined;
  method?: "grid" | "random" | "tpe" | undefined;
}): number {
  const seeds =
    typeof spec.seeds === "number" ? spec.seeds : "max" in spec.seeds ? spec.seeds.max : spec.seeds.length;
  const lists = Object.values(spec.search);
  const random = spec.method ? spec.method !== "grid" : lists.some((s) => !Array.isArray(s));
  const points = random
    ? (spec.budget ?? 0)
    : lists.reduce<number>((n, s) => n * (Array.isArray(s) ? s.length : 1), 1);
  return points * seeds;
}

/** A count in words a person reads at a glance: `1,000,000`; past 10^15, `1.00e+20`. */
export function formatCount(n: number): string {
  return n < 1e15 ? n.toLocaleString("en-US") : n.toExponential(2);
}
