import {
  type ParamSpec,
  type RunConfig,
  type SweepSpec,
  searchedRange,
  searchedValues,
} from "@tailsweep/schemas";
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
  /** Planned at values that bound a TPE search's later proposals, not at a point it starts with. */
  proposal?: true;
}

/**
 * The data sets a launch of `spec` would train on, one per distinct recipe: its starting trials' (expandSweep), at
 * every seed it may run — a sequential design's later looks and decision seeds too, a TPE search's decision stage's
 * baseline among them. A TPE search's later proposals are not known yet: its starting points are also planned at every
 * combination of the {@link tpeBoundingValues} of the dataset knobs it searches, which bound what it may propose.
 */
export function launchDatasets(spec: SweepSpec): LaunchDataset[] {
  const seeds = [...new Set([...spec.seeds, ...(spec.sequential?.seeds ?? [])])];
  // A trial's recipe is its dataset knobs' and its seed's: one point per distinct set of dataset knobs is planned at
  // every seed, not every configuration (a whole point, so that its config resolves as the sweep's own).
  const points = new Map<string, Record<string, unknown>>();
  const proposals = new Set<string>();
  const add = (params: Record<string, unknown>, proposal = false) => {
    const key = datasetKey(params);
    if (points.has(key)) return;
    points.set(key, params);
    if (proposal) proposals.add(key);
  };
  const starting = expandSweep({ ...spec, seeds: spec.seeds.slice(0, 1) }).map((trial) => trial.params);
  for (const params of starting) add(params);
  if (spec.method === "tpe") {
    const { corners, complete } = tpeBoundingPoints(spec);
    // Where every searched knob that shapes a split is bounded, the starting points differ in nothing that matters to
    // it (testPerClass, say): one of them carries the corners.
    for (const corner of corners)
      for (const params of complete ? starting.slice(0, 1) : starting) add({ ...params, ...corner }, true);
  }
  const trials = planTrials({ ...spec, seeds }, [...points.values()]);
  // The decision stage's baseline runs on its fresh seeds only, whatever the search proposes: never said as a proposal.
  const design = hasDecisionStage(spec) ? spec.sequential : undefined;
  if (design) {
    const baseline = decisionBaseline(spec).params;
    proposals.delete(datasetKey(baseline));
    trials.push(...planTrials({ ...spec, seeds: design.seeds }, [baseline]));
  }
  return trialDatasets(spec, trials, proposals);
}

/** A point's dataset knobs, as one key. */
function datasetKey(params: Record<string, unknown>): string {
  return configKey(
    Object.fromEntries(Object.entries(params).filter(([path]) => path.startsWith("dataset."))),
  );
}

/** Dataset knobs by the side where every class needs the most rows (long-tail.test.ts pins each). */
const NEEDS_MOST_AT: Readonly<Record<string, "high" | "low">> = {
  "dataset.headCount": "high",
  "dataset.imbalanceRatio": "low",
};

/** The other dataset knobs that shape a training split: each value may give another class counts or class order. */
const SHAPES_SPLIT = new Set([
  "dataset.name",
  "dataset.version",
  "dataset.seed",
  "dataset.classOrder",
  "dataset.labelRatio",
  "dataset.unlabeledImbalance",
]);

/** An int range up to this many values is bounded value by value (a searched `dataset.seed`); a wider one is not. */
const MAX_INT_VALUES = 256;

/** Combinations of bounding values beyond which the knob with the most is left as drawn ({@link tpeBoundingPoints}). */
const MAX_BOUNDING_POINTS = 256;

/**
 * The values of a searched dataset knob that bound a TPE search's proposals, as far as a split's class counts go, or
 * undefined where it is not bounded (left as the starting points drew it): the side of {@link NEEDS_MOST_AT}; every
 * listed value of a knob without such a side, every value of a narrow int range, and the two ends of a labelRatio
 * range, along which a class's total is linear but for rounding (labelRatioEffect), so a β between them needs at most
 * a row more than the larger end (long-tail.test.ts); the named unlabeled profiles listed and the smallest
 * numeric one, since a larger ρ_u gives no class more rows. (`dataset.validation` is an object, which a search
 * cannot try.)
 */
function tpeBoundingValues(path: string, entry: ParamSpec): unknown[] | undefined {
  const side = NEEDS_MOST_AT[path];
  if (side) {
    const value = extreme(entry, side);
    return value === undefined ? undefined : [value];
  }
  if (!SHAPES_SPLIT.has(path)) return undefined;
  const range = searchedRange(entry);
  const values = searchedValues(entry, path)?.map(({ value }) => value) ?? [];
  if (path === "dataset.unlabeledImbalance") {
    const numbers = [...values.filter((v) => typeof v === "number"), ...(range ? [range.low] : [])];
    return [
      ...new Set(values.filter((v) => typeof v !== "number")),
      ...(numbers.length > 0 ? [Math.min(...numbers)] : []),
    ];
  }
  if (!range) return values;
  if (range.distribution === "int" && range.high - range.low < MAX_INT_VALUES)
    return Array.from({ length: range.high - range.low + 1 }, (_, i) => range.low + i);
  return path === "dataset.labelRatio" ? [range.low, range.high] : undefined;
}

/**
 * Every combination of the {@link tpeBoundingValues} of the dataset knobs a TPE search tries that shape a split — its
 * seed and generator version only where a class order is random, the one way they move a split's counts. Past
 * {@link MAX_BOUNDING_POINTS} combinations the knob with the most values is left as the starting points drew it, then
 * the next, {@link NEEDS_MOST_AT}'s never. `complete`: no such knob is left as drawn.
 */
function tpeBoundingPoints(spec: SweepSpec): { corners: Record<string, unknown>[]; complete: boolean } {
  const orders = searchedValues(spec.search["dataset.classOrder"], "dataset.classOrder")?.map(
    (v) => v.value,
  ) ?? [spec.dataset.classOrder];
  const random = orders.includes("random");
  const knobs = Object.entries(spec.search).flatMap(([path, entry]) =>
    !(path in NEEDS_MOST_AT || SHAPES_SPLIT.has(path)) ||
    ((path === "dataset.seed" || path === "dataset.version") && !random)
      ? []
      : [{ path, values: tpeBoundingValues(path, entry) ?? [] }],
  );
  // By path: which knob a tie leaves as drawn must not depend on the order the file wrote them in (the stored spec's
  // may differ).
  let bounded = knobs.filter(({ values }) => values.length > 0).sort((a, b) => (a.path < b.path ? -1 : 1));
  const size = () => bounded.reduce((product, { values }) => product * values.length, 1);
  while (size() > MAX_BOUNDING_POINTS) {
    const widest = bounded
      .filter(({ path }) => !(path in NEEDS_MOST_AT))
      .reduce<(typeof bounded)[number] | undefined>(
        (most, knob) => (most && most.values.length >= knob.values.length ? most : knob),
        undefined,
      );
    if (!widest) break;
    bounded = bounded.filter((knob) => knob !== widest);
  }
  const corners =
    bounded.length === 0
      ? []
      : bounded.reduce<Record<string, unknown>[]>(
          (points, { path, values }) =>
            points.flatMap((point) => values.map((value) => ({ ...point, [path]: value }))),
          [{}],
        );
  return { corners, complete: bounded.length === knobs.length };
}

/** The largest (`high`) or smallest (`low`) value a search entry may give: its range's bound, or a listed value. */
function extreme(entry: ParamSpec | undefined, side: "high" | "low"): number | undefined {
  const range = searchedRange(entry);
  if (range) return range[side];
  const numbers = (searchedValues(entry, "") ?? []).flatMap(({ value }) =>
    typeof value === "number" ? [value] : [],
  );
  if (numbers.length === 0) return undefined;
  return side === "high" ? Math.max(...numbers) : Math.min(...numbers);
}

/** A trial's recipe as it loads it: its seed is `dataset.seed`, or the trial's (as resolveRunConfig fills it). */
export function trialRecipe(trial: Pick<TrialPlan, "config">): LaunchDataset["recipe"] {
  return { ...trial.config.dataset, seed: trial.config.dataset.seed ?? trial.config.train.seed };
}

/** The data sets the given trials of `spec` (planned or stored) train on, one per distinct recipe (see {@link launchDatasets}). */
export function trialDatasets(
  spec: SweepSpec,
  trials: readonly Pick<TrialPlan, "params" | "config">[],
  /** The dataset keys of points planned as bounds of a TPE search's later proposals. */
  proposals: ReadonlySet<string> = new Set(),
): LaunchDataset[] {
  const entry = spec.search["dataset.headCount"];
  const listed = searchedValues(entry, "dataset.headCount");
  const range = searchedRange(entry);
  const seen = new Map<string, LaunchDataset>();
  for (const trial of trials) {
    const searched = Object.fromEntries(
      // its name and headCount are said in their own words
      Object.entries(trial.params).filter(
        ([path]) => path.startsWith("dataset.") && path !== "dataset.headCount" && path !== "dataset.name",
      ),
    );
    const launch = {
      recipe: trialRecipe(trial),
      field: !("dataset.headCount" in trial.params)
        ? "dataset.headCount"
        : (listed?.find((v) => v.value === trial.params["dataset.headCount"])?.field ??
          (range?.high === trial.params["dataset.headCount"]
            ? "search.dataset.headCount.high"
            : "search.dataset.headCount")),
      searched: Object.keys(searched).length === 0 ? "" : configLabel(searched),
      dataSeed: spec.dataset.seed !== undefined || "dataset.seed" in trial.params,
      // a hash per trial: only where a TPE launch planned bounds (not for a stored sweep's thousands of trials)
      ...(proposals.size > 0 && proposals.has(datasetKey(trial.params)) && { proposal: true as const }),
    };
    const key = JSON.stringify(launch);
    if (!seen.has(key)) seen.set(key, launch);
  }
  return [...seen.values()];
}
