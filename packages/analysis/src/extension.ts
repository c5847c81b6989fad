import { InputError, nextSeeds, type SeedRequest } from "@tailsweep/schemas";
import type { ComparisonRow } from "@tailsweep/stats";
import { hasDecisionStage } from "@tailsweep/sweep";
import { type CompareSweepOptions, compareRuns, configurationsOf } from "./comparison";
import { confirmationSeeds } from "./confirmation";
import { seedRanges } from "./format";
import { type SweepRuns, type TrainingEstimate, trainingEstimate } from "./sweep-runs";

/** What {@link planExtension} is asked: which seeds, and for all configurations or only undecided comparisons. */
export type ExtensionQuery = SeedRequest & {
  /** `undecided`: only configurations whose comparison with the baseline is open, and the baseline. Default all. */
  only?: "all" | "undecided";
} & Pick<CompareSweepOptions, "baseline" | "metric" | "correction" | "alpha">;

/**
 * The seeds and configurations an extension adds, what it costs ({@link TrainingEstimate}: each trial at its
 * configuration's mean time so far), and why (or why nothing).
 */
export interface ExtensionPlan extends TrainingEstimate {
  /** The seeds to run (those a configuration already has are skipped). */
  seeds: number[];
  /** The configurations to add them to, by `configKey` (empty: none, nothing to do). */
  configKeys: string[];
  /** Their labels, for people. */
  configurations: string[];
  /** Trials it would add. */
  trialCount: number;
  /** The seeds of those trials, in order: the new ones among `seeds`, for a person to be told. */
  addedSeeds: number[];
  /** Seeds per configuration it tops up to (for `toPower`), and how many comparisons were still open. */
  target?: {
    seeds: number;
    undecided: number;
    power: number;
    /** Some open comparison needs more than `maxSeeds` for that power: at the cap it stays underpowered. */
    capped: boolean;
    /**
     * The most seeds an open comparison needs for that power, uncapped (Infinity: more than 10,000, or no effect to
     * power).
     */
    needed: number;
  };
  /** Why nothing is added, when nothing is. */
  reason?: string;
  /** Where the open comparisons were judged against another baseline than the default one, which has no result. */
  baselineNote?: string;
  /**
   * `sequential design`: which comparisons are open came from the sweep's sequential design where it governs them
   * (those it did not decide, not topped up since), not from fixed-n verdicts. Absent for fixed-n verdicts alone, and
   * when the plan adds to every configuration.
   */
  openBy?: "sequential design";
}

/** A verdict whose comparison more seeds could still decide. */
const OPEN = new Set(["inconclusive", "too few seeds"]);

/**
 * The comparisons with the baseline that more seeds could still decide, and the seeds per configuration a top-up
 * gives them: the largest `seedsNeeded` among them, capped at `maxSeeds` (`capped`: some needs more). NaN (too few
 * seeds to estimate) counts as 3, which makes a first test possible; Infinity (no effect, or more than 10,000
 * seeds) is left to the cap.
 */
export function topUpTarget<R extends Pick<ComparisonRow, "vsBaseline"> & { configKey: string }>(
  rows: readonly R[],
  maxSeeds: number,
  /** The comparisons a sequential design governs (`designDecisions` of compareRuns' table): open by its decision. */
  designDecisions?: Readonly<Record<string, "decided" | "undecided">>,
): { open: R[]; seeds: number; capped: boolean; needed: number } {
  const open = rows.filter((r) => {
    if (!r.vsBaseline) return false;
    const byDesign = designDecisions?.[r.configKey];
    return byDesign
      ? byDesign === "undecided" && r.vsBaseline.verdict !== "degenerate"
      : OPEN.has(r.vsBaseline.verdict);
  });
  const needed = open.map((r) => {
    const n = r.vsBaseline!.seedsNeeded;
    return Number.isNaN(n) ? 3 : n;
  });
  return {
    open,
    seeds: Math.min(maxSeeds, Math.max(0, ...needed)),
    capped: needed.some((n) => n > maxSeeds),
    needed: Math.max(0, ...needed),
  };
}

/**
 * Plans adding seeds to a sweep: named seeds or `more` after its highest, for every configuration or only where the
 * comparison with the baseline is still open; or, for `toPower`, as many as the power analysis asks for each open
 * comparison (its `seedsNeeded` at the observed effect, the correction's α and `toPower`), capped at `maxSeeds`,
 * topping up those configurations and the baseline to the largest such count. Comparisons without an estimate
 * (too few seeds to test) are topped up to 3 seeds; degenerate ones are left alone (docs/statistics.md §Seeds).
 */
export function planExtension(runs: SweepRuns, query: ExtensionQuery): ExtensionPlan {
  const { sweep, trials } = runs;
  const configs = configurationsOf(trials);
  const only = "toPower" in query ? "undecided" : (query.only ?? "all");
  const table =
    only === "undecided"
      ? compareRuns(runs, {
          ...(query.baseline !== undefined && { baseline: query.baseline }),
          ...(query.metric !== undefined && { metric: query.metric }),
          ...(query.correction !== undefined && { correction: query.correction }),
          ...(query.alpha !== undefined && { alpha: query.alpha }),
          ...("toPower" in query && { power: query.toPower }),
        })
      : undefined;
  const byDesign = table?.designDecisions;
  // The open comparisons, and (for toPower) the seeds they are topped up to.
  const top =
    table &&
    topUpTarget(table.rows, "toPower" in query ? query.maxSeeds : Number.POSITIVE_INFINITY, byDesign);
  const open = top?.open ?? [];
  const chosen =
    only === "all"
      ? [...configs.keys()]
      : open.length === 0
        ? []
        : [table!.rows.find((r) => r.config === table!.baseline)!.configKey, ...open.map((r) => r.configKey)];
  // A confirmation's fresh seeds stay its own: run for the selection stage too, they would pair other
  // configurations with trials the selection must not see.
  const confirming = confirmationSeeds(runs);
  // A TPE search's decision seeds are not among its seeds (its search's): new seeds come after both.
  const usedSeeds = hasDecisionStage(sweep.spec)
    ? [...sweep.spec.seeds, ...sweep.spec.sequential!.seeds]
    : sweep.spec.seeds;
  let seeds: number[];
  let target: ExtensionPlan["target"];
  if ("seeds" in query) {
    seeds = [...query.seeds];
    const taken = seeds.filter((s) => confirming.has(s));
    if (taken.length > 0)
      throw new InputError(
        "seeds",
        `seed${taken.length === 1 ? "" : "s"} ${seedRanges(taken)} belong${taken.length === 1 ? "s" : ""} to a confirmation stage (fresh seeds kept out of selection); add others, e.g. +${seeds.length}`,
      );
  } else if ("more" in query) seeds = nextSeeds(usedSeeds, query.more);
  else {
    const count = top!.seeds;
    target = {
      seeds: count,
      undecided: open.length,
      power: query.toPower,
      capped: top!.capped,
      needed: top!.needed,
    };
    // The sweep's seeds in order, then new ones: each chosen configuration gets the first `count` of them.
    const own = sweep.spec.seeds.filter((s) => !confirming.has(s));
    const pool = [...own, ...nextSeeds(usedSeeds, Math.max(0, count - own.length))];
    seeds = pool.slice(0, count);
  }
  const have = new Set(trials.map((t) => `${t.configKey}#${t.seed}`));
  const added = chosen.flatMap((key) =>
    seeds.filter((seed) => !have.has(`${key}#${seed}`)).map((seed) => ({ key, seed })),
  );
  const adds = added.map((a) => a.key);
  const configKeys = [...new Set(adds)];
  const reason =
    adds.length > 0
      ? undefined
      : only === "undecided" && open.length === 0
        ? `every comparison with the baseline is decided or degenerate${byDesign && Object.keys(byDesign).length > 0 ? " (decided by the sequential design where no top-up has added seeds to it)" : ""}: no seeds to add`
        : target
          ? target.capped
            ? `the open comparisons run on ${target.seeds} seeds already, the most a top-up gives (maxSeeds); the power analysis asks for more, so they stay underpowered unless the cap is raised`
            : `the open comparisons run on the ${target.seeds} seeds the power analysis asks for already`
          : "every configuration has these seeds already";
  return {
    seeds,
    configKeys,
    configurations: configKeys.map((k) => configs.get(k)!.label),
    trialCount: adds.length,
    addedSeeds: [...new Set(added.map((a) => a.seed))].sort((a, b) => a - b),
    ...(target && { target }),
    ...trainingEstimate(runs, adds),
    ...(reason && { reason }),
    ...(table?.baselineNote && { baselineNote: table.baselineNote }),
    ...(open.some((r) => byDesign?.[r.configKey] === "undecided") && {
      openBy: "sequential design" as const,
    }),
  };
}
