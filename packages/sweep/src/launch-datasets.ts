import { type ParamSpec, type RunConfig, type SweepSpec, searchedValues } from "@tailsweep/schemas";
import { configLabel } from "./config-label";
import { decisionBaseline, hasDecisionStage } from "./decision-stage";
import { expandSweep, planTrials, type TrialPlan } from "./expand";
import { configKey } from "./trial-key";

/** A trial's data set as a launch checks it (`builtInSplitProblems` of `@tailsweep/data`). */
export interface LaunchDataset {
  /** The trial's recipe, its seed filled in as resolveRunConfig fills it. */
  recipe: RunConfig["dataset"] & { seed: number };
  /** Where its headCount is set: `dataset.headCount`, or its value's place in the search (`search.dataset.headCount[1]`). */
  field: string;
  /** The dataset knobs searched at its point but its name and headCount, as {@link configLabel} writes them, or "". */
  searched: string;
  /** Its seed is `dataset.seed` (set in the file or searched), the same whatever the trial's seed. */
  dataSeed: boolean;
}

/**
 * The data sets a launch of `spec` would train on, one per distinct recipe: its starting trials' (expandSweep), at
 * every seed it may run — a sequential design's later looks and decision seeds too, a TPE search's decision stage's
 * baseline among them. A TPE search's later proposals are not known yet: its starting points are also planned with the
 * largest `dataset.headCount` and the smallest `dataset.imbalanceRatio` it may propose, where it searches them — every
 * class's count is non-decreasing in the one and non-increasing in the other (long-tail.ts) — its other knobs as the
 * starting points drew them.
 */
export function launchDatasets(spec: SweepSpec): LaunchDataset[] {
  const seeds = [...new Set([...spec.seeds, ...(spec.sequential?.seeds ?? [])])];
  // A trial's recipe is its dataset knobs' and its seed's: one point per distinct set of dataset knobs is planned at
  // every seed, not every configuration (a whole point, so that its config resolves as the sweep's own).
  const points = new Map<string, Record<string, unknown>>();
  const add = (params: Record<string, unknown>) => {
    const key = configKey(
      Object.fromEntries(Object.entries(params).filter(([path]) => path.startsWith("dataset."))),
    );
    if (!points.has(key)) points.set(key, params);
  };
  const starting = expandSweep({ ...spec, seeds: spec.seeds.slice(0, 1) }).map((trial) => trial.params);
  for (const params of starting) add(params);
  if (spec.method === "tpe") {
    const most = extreme(spec.search["dataset.headCount"], "high");
    const least = extreme(spec.search["dataset.imbalanceRatio"], "low");
    if (most !== undefined || least !== undefined)
      for (const params of starting)
        add({
          ...params,
          ...(most !== undefined && { "dataset.headCount": most }),
          ...(least !== undefined && { "dataset.imbalanceRatio": least }),
        });
  }
  const trials = planTrials({ ...spec, seeds }, [...points.values()]);
  // The decision stage's baseline runs on its fresh seeds only.
  const design = hasDecisionStage(spec) ? spec.sequential : undefined;
  if (design) trials.push(...planTrials({ ...spec, seeds: design.seeds }, [decisionBaseline(spec).params]));
  return trialDatasets(spec, trials);
}

/** The largest (`high`) or smallest (`low`) value a search entry may give: its range's bound, or a listed value. */
function extreme(entry: ParamSpec | undefined, side: "high" | "low"): number | undefined {
  if (entry === undefined) return undefined;
  if (!Array.isArray(entry) && entry.distribution !== "categorical") return entry[side];
  const numbers = (searchedValues(entry, "") ?? []).flatMap(({ value }) =>
    typeof value === "number" ? [value] : [],
  );
  if (numbers.length === 0) return undefined;
  return side === "high" ? Math.max(...numbers) : Math.min(...numbers);
}

/** The data sets the given trials of `spec` (planned or stored) train on, one per distinct recipe (see {@link launchDatasets}). */
export function trialDatasets(
  spec: SweepSpec,
  trials: readonly Pick<TrialPlan, "params" | "config">[],
): LaunchDataset[] {
  const entry = spec.search["dataset.headCount"];
  const listed = searchedValues(entry, "dataset.headCount");
  const range = entry && !Array.isArray(entry) && entry.distribution !== "categorical" ? entry : undefined;
  const seen = new Map<string, LaunchDataset>();
  for (const trial of trials) {
    const searched = Object.fromEntries(
      // its name and headCount are said in their own words
      Object.entries(trial.params).filter(
        ([path]) => path.startsWith("dataset.") && path !== "dataset.headCount" && path !== "dataset.name",
      ),
    );
    const launch = {
      recipe: { ...trial.config.dataset, seed: trial.config.dataset.seed ?? trial.config.train.seed },
      field: !("dataset.headCount" in trial.params)
        ? "dataset.headCount"
        : (listed?.find((v) => v.value === trial.params["dataset.headCount"])?.field ??
          (range?.high === trial.params["dataset.headCount"]
            ? "search.dataset.headCount.high"
            : "search.dataset.headCount")),
      searched: Object.keys(searched).length === 0 ? "" : configLabel(searched),
      dataSeed: spec.dataset.seed !== undefined || "dataset.seed" in trial.params,
    };
    const key = JSON.stringify(launch);
    if (!seen.has(key)) seen.set(key, launch);
  }
  return [...seen.values()];
}
