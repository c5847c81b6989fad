import { resolveClassOrder } from "@tailsweep/data/long-tail";
import type { RunConfig } from "@tailsweep/schemas";

/**
 * How per-class numbers over several trials line up: by `class` where every trial has the natural class order, else
 * by `rank` in the long tail (0 = the head). With `classOrder: random` each seed makes a different class the tail, so
 * a class's mean over seeds mixes head and tail runs, while a rank's compares like with like.
 */
export type ClassAxis = "class" | "rank";

export function classAxisOf(configs: Iterable<RunConfig>): ClassAxis {
  for (const config of configs) if (config.dataset.classOrder !== "natural") return "rank";
  return "class";
}

/** A trial's classes from the head of its long tail to the tail (rank r ↦ class), as its data set was built. */
export function tailOrder(config: RunConfig, numClasses: number): number[] {
  const { classOrder, seed, version } = config.dataset;
  // a resolved config always names the data seed; the trial's seed is what resolveRunConfig puts there
  return resolveClassOrder(classOrder, numClasses, seed ?? config.train.seed, version);
}

/** Per-class values re-indexed by `order` (rank r ↦ class): the value at r is the class of rank r's. */
export function byRank<T>(perClass: readonly T[], order: readonly number[]): T[] {
  return order.map((c) => perClass[c]!);
}

/** A confusion matrix (true × predicted) re-indexed by rank on both axes. */
export function confusionByRank(
  matrix: readonly (readonly number[])[],
  order: readonly number[],
): number[][] {
  return order.map((t) => order.map((p) => matrix[t]![p]!));
}

/** Class indices (e.g. the minority classes) as the ranks `order` gives them, ascending. */
export function ranksOf(classes: readonly number[], order: readonly number[]): number[] {
  return classes.map((c) => order.indexOf(c)).sort((a, b) => a - b);
}

/**
 * The classes (or ranks) that are minority in at least half of the trials' lists: with tied label counts at the
 * cut-off a trial's minority set can differ from another's, and one trial's alone would speak for all.
 */
export function usualMinority(lists: readonly (readonly number[])[]): number[] {
  const counts = new Map<number, number>();
  for (const list of lists) for (const c of new Set(list)) counts.set(c, (counts.get(c) ?? 0) + 1);
  return [...counts]
    .filter(([, n]) => 2 * n >= lists.length)
    .map(([c]) => c)
    .sort((a, b) => a - b);
}
