import { metricOf } from "@tailsweep/schemas";
import {
  type Observation,
  planSequential,
  type SequentialLookResult,
  type SequentialPlan,
  sequentialLook,
} from "@tailsweep/stats";
import type { SweepRevision } from "@tailsweep/sweep";
import { configurationsOf, resolveBaseline } from "./comparison";
import type { SweepRuns } from "./sweep-runs";

/** Where a sequential sweep stands (docs/statistics.md, "Sequential design"). */
export interface SequentialStatus {
  /** The look the trials so far are for: 0 for the first `initial` seeds, 1 after the first round, … */
  look: number;
  /** The plan's looks: seeds each comparison still open has at each. */
  looks: number[];
  /** The decisions at `look`, when its trials are all in; absent while they run or some failed. */
  result?: SequentialLookResult;
  /** Why the look cannot be taken yet: trials still running, or failed ones (retry them). */
  waiting?: string;
  /** What the next round adds, when the look says some comparisons continue: seeds and configurations. */
  next?: { seeds: number[]; configKeys: string[]; undecided: number };
}

/** Plans keyed by their settings: a plan's boundaries are calibrated by simulation once (about a second). */
const plans = new Map<string, SequentialPlan>();

function planOf(runs: SweepRuns): SequentialPlan {
  const design = runs.sweep.spec.sequential!;
  const settings = {
    initial: design.initial,
    step: design.step,
    max: design.max,
    alpha: design.decide.alpha,
    correction: design.decide.correction,
    spending: design.decide.spending,
    seeds: design.seeds,
    calibration: design.calibration,
  };
  const key = JSON.stringify(settings);
  let plan = plans.get(key);
  if (!plan) {
    plan = planSequential(settings);
    plans.set(key, plan);
  }
  return plan;
}

/** The revisions that belong to the design: its submission and its planned rounds (not a person's top-ups). */
const planned = (r: Pick<SweepRevision, "kind">) => r.kind === "submit" || r.kind === "round";

/**
 * A sequential sweep's current look, from what is stored (the look is replayed from the first, so it is the same
 * whoever asks and when): its decisions when the look's trials are all in, and the round to run next if any
 * comparison continues. Only the design's own trials count: seeds a person added on top (a post-hoc `extend`) are
 * outside the design and left out of its decisions. Undefined for a sweep without a sequential design.
 */
export function sequentialStatus(
  runs: SweepRuns,
  options: { adjustedP?: boolean } = {},
): SequentialStatus | undefined {
  const design = runs.sweep.spec.sequential;
  if (!design) return undefined;
  const plan = planOf(runs);
  const rounds = new Set(runs.revisions.filter(planned).map((r) => r.revision));
  const look = Math.min(rounds.size, plan.looks.length) - 1;
  const looks = plan.looks.map((l) => l.seeds);
  const own = runs.trials.filter((t) => rounds.has(t.revision));
  const open = own.filter((t) => t.state === "waiting" || t.state === "running").length;
  if (open > 0) return { look, looks, waiting: `look ${look + 1}: ${open} trials still to finish` };
  const failed = own.filter((t) => t.state === "failed" || t.state === "cancelled").length;
  if (failed > 0)
    return {
      look,
      looks,
      waiting: `look ${look + 1}: ${failed} trials failed or were cancelled; retry them (tailsweep sweep retry) to take it`,
    };
  const configs = configurationsOf(runs.trials);
  const observations: Observation[] = [];
  for (const t of own) {
    const result = runs.results.get(t.id);
    const value = result && metricOf(result.metrics, design.decide.metric);
    if (value !== undefined)
      observations.push({ config: configs.get(t.configKey)!.label, seed: t.seed, value });
  }
  const baseline = resolveBaseline([...configs.values()], design.decide.baseline, "decide.baseline");
  const result = sequentialLook(plan, observations, {
    baseline: baseline.label,
    look,
    direction: runs.sweep.spec.objective.direction,
    adjustedP: options.adjustedP ?? false,
  });
  if (result.done || result.last) return { look, looks, result };
  const keyOf = new Map([...configs.values()].map((c) => [c.label, c.key]));
  const continuing = result.rows.filter((r) => r.addSeeds > 0);
  if (continuing.length === 0 && result.baseline.addSeeds === 0) return { look, looks, result };
  const target = Math.max(result.baseline.targetSeeds, ...continuing.map((r) => r.targetSeeds));
  return {
    look,
    looks,
    result,
    next: {
      seeds: design.seeds.slice(0, target),
      configKeys: [
        ...(result.baseline.addSeeds > 0 ? [baseline.key] : []),
        ...continuing.map((r) => keyOf.get(r.config)!),
      ],
      undecided: continuing.length,
    },
  };
}
