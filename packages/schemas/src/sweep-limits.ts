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

/** How many of a TPE search's best configurations its decision stage compares with the baseline, when `decide.top` is absent. */
export const DEFAULT_DECIDE_TOP = 3;

/**
 * The most trials a sweep can run: configurations × seeds, where a distribution counts as one value of a grid and
 * a random or TPE search has `budget` configurations; a sequential design counts its `max` seeds. A TPE search with a
 * sequential design runs its budget on `initial` search seeds, then at most `decide.top` of them and the baseline on
 * `max` fresh seeds. Takes a sweep file as written (`seeds: { initial, max }`, `decide`) or a resolved spec
 * (`sequential`).
 */
export function countTrials(spec: {
  search: Record<string, unknown>;
  /** A count, a list, or a sequential design's `{ initial, max }`: the most seeds a configuration can run. */
  seeds: number | readonly unknown[] | { initial: number; max: number };
  budget?: number | undefined;
  method?: "grid" | "random" | "tpe" | undefined;
  decide?: { top?: number | undefined } | undefined;
  sequential?: { initial: number; max: number; decide: { top?: number | undefined } } | undefined;
}): number {
  const design =
    spec.sequential ??
    (typeof spec.seeds === "object" && "max" in spec.seeds
      ? { ...spec.seeds, decide: spec.decide ?? {} }
      : undefined);
  const lists = Object.values(spec.search);
  const random = spec.method ? spec.method !== "grid" : lists.some((s) => !Array.isArray(s));
  const points = random
    ? (spec.budget ?? 0)
    : lists.reduce<number>((n, s) => n * (Array.isArray(s) ? s.length : 1), 1);
  if (design && spec.method === "tpe")
    return (
      points * design.initial + (Math.min(design.decide.top ?? DEFAULT_DECIDE_TOP, points) + 1) * design.max
    );
  const seeds = design
    ? design.max
    : typeof spec.seeds === "number"
      ? spec.seeds
      : Array.isArray(spec.seeds)
        ? spec.seeds.length
        : 0;
  return points * seeds;
}

/** A count with its noun: `1 trial`, `3 trials` (`word` + s unless `many` says otherwise). */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${formatCount(n)} ${n === 1 ? word : many}`;
}

/**
 * What a list in a line shows of `items`: every one up to `shown + 1` of them (a "1 more" says no less than the item),
 * else the first `shown`; `more`, how many it leaves to a count. `total` counts the items the list stands for where
 * the caller holds only the first few (an API's answer). For lists of links as well as of names ({@link namesInBrief}).
 */
export function inBrief<T>(
  items: readonly T[],
  { shown = 3, total = items.length }: { shown?: number; total?: number } = {},
): { shown: T[]; more: number } {
  const all = total <= shown + 1 && items.length >= total;
  const first = items.slice(0, all ? total : Math.min(shown, total));
  return { shown: first, more: total - first.length };
}

/**
 * A list in a line ({@link inBrief}): `a, b, c and 31 more`; `separator` joins the names (`; ` where a name has
 * commas).
 */
export function namesInBrief(
  names: readonly string[],
  { shown, separator = ", ", total }: { shown?: number; separator?: string; total?: number } = {},
): string {
  const brief = inBrief(names, {
    ...(shown !== undefined && { shown }),
    ...(total !== undefined && { total }),
  });
  const listed = brief.shown.join(separator);
  return brief.more === 0 ? listed : `${listed} and ${formatCount(brief.more)} more`;
}

/** A count in words a person reads at a glance: `1,000,000`; past 10^15, `1.00e+20`. */
export function formatCount(n: number): string {
  return n < 1e15 ? n.toLocaleString("en-US") : n.toExponential(2);
}

/**
 * What a launch will run, in words, for the launch form: the trials (at most, where results decide how many) and how
 * they come about. Takes a resolved spec, whose `seeds` are the first look's (or the search's) and `sequential` the
 * design.
 */
export function trialsSummary(spec: {
  search: Record<string, unknown>;
  seeds: readonly unknown[];
  budget?: number | undefined;
  method: "grid" | "random" | "tpe";
  sequential?: { initial: number; max: number; decide: { top?: number | undefined } } | undefined;
}): string {
  const n = countTrials(spec);
  const configurations =
    spec.method === "grid"
      ? Object.values(spec.search).reduce<number>((k, s) => k * (Array.isArray(s) ? s.length : 1), 1)
      : (spec.budget ?? 0);
  const design = spec.sequential;
  const configs = plural(configurations, "configuration");
  if (design && spec.method === "tpe")
    return `Up to ${plural(n, "trial")} (tpe: ${configs} × ${plural(design.initial, "seed")}, then the best ${Math.min(design.decide.top ?? DEFAULT_DECIDE_TOP, configurations)} and the baseline on up to ${plural(design.max, "fresh seed")}).`;
  // initial = max: one look, at every seed at once
  if (design && design.initial === design.max)
    return `${plural(n, "trial")} (${spec.method}: ${configs} × ${plural(design.max, "seed")}, one look).`;
  if (design)
    return `Up to ${plural(n, "trial")} (${spec.method}: ${configs} × ${design.initial} to ${design.max} seeds, more where a comparison is open).`;
  return `${spec.method === "tpe" ? "Up to " : ""}${plural(n, "trial")} (${spec.method}: ${configs} × ${plural(spec.seeds.length, "seed")}).`;
}
