import { metricOf, plural } from "@tailsweep/schemas";
import {
  type Observation,
  planSequential,
  type SequentialLookResult,
  type SequentialPlan,
  sequentialLook,
} from "@tailsweep/stats";
import {
  addsAsItRuns,
  decisionDirection,
  hasDecisionStage,
  isOpen,
  type SweepRevision,
  type TrialRecord,
  tpeProgress,
} from "@tailsweep/sweep";
import { configurationsOf, designBaselineOf, storedDesignBaseline } from "./configurations";
import { seedRanges } from "./format";
import type { SweepRuns } from "./sweep-runs";

/** Where a sequential sweep stands (docs/statistics.md, "Sequential design"). */
export interface SequentialStatus {
  /**
   * A TPE search's stage: `search` while it proposes (no look yet), `decision` once its best configurations and the
   * baseline run on fresh seeds; absent for a grid, which decides from its first trials.
   */
  stage?: "search" | "decision";
  /** The look the trials so far are for: 0 for the first `initial` seeds, 1 after the first round, … */
  look: number;
  /** The plan's looks: seeds each comparison still open has at each. */
  looks: number[];
  /** The decisions at `look`, when its trials are all in; absent while they run or some failed. */
  result?: SequentialLookResult;
  /** The `configKey` of each configuration `result` names, by its label. */
  configKeys?: Record<string, string>;
  /**
   * Why the look cannot be taken yet: trials still running, or failed ones (retry them); or, with `blocked`, why it
   * can never be taken.
   */
  waiting?: string;
  /**
   * The design takes no look at all: its stored `decide.baseline` names no single configuration (a sweep stored
   * before sweep files were checked for this). Its controller lets it complete; `waiting` says why.
   */
  blocked?: true;
  /**
   * While `look` cannot be taken yet (`waiting`), the decisions of the look before it: what stands until this one is
   * taken (a comparison stopped there stays stopped).
   */
  previous?: { look: number; result: SequentialLookResult };
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

/**
 * The revisions that belong to the design (not a person's top-ups): a grid's submission and its planned rounds; a
 * TPE search's rounds alone, the first of which starts its decision stage (its submission and proposals search).
 */
const plannedBy = (tpe: boolean) => (r: Pick<SweepRevision, "kind">) =>
  r.kind === "round" || (!tpe && r.kind === "submit");

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
  const { spec } = runs.sweep;
  const tpe = hasDecisionStage(spec);
  const rounds = new Set(runs.revisions.filter(plannedBy(tpe)).map((r) => r.revision));
  const looks = plan.looks.map((l) => l.seeds);
  if (tpe && rounds.size === 0) {
    const progress = tpeProgress(spec, runs.trials)!;
    return {
      stage: "search",
      look: 0,
      looks,
      waiting: `searching: ${progress.finished} of ${progress.budget} configurations finished on seeds ${seedRanges(spec.seeds)}; then the best ${design.decide.top} and the baseline run on fresh seeds ${seedRanges(design.seeds)}`,
    };
  }
  const stage = tpe ? { stage: "decision" as const } : {};
  const look = Math.min(rounds.size, plan.looks.length) - 1;
  const own = runs.trials.filter((t) => rounds.has(t.revision));
  const notIn = (t: Pick<TrialRecord, "state">) => t.state === "failed" || t.state === "cancelled";
  // A grid's family is every configuration it runs, the same at every look; its baseline must be one of them, which a
  // sweep stored before sweep files were checked for this may not name: such a design takes no look at all.
  const gridConfigs = tpe ? undefined : configurationsOf(runs.trials);
  const stored = gridConfigs && storedDesignBaseline(spec, gridConfigs);
  if (stored && "problem" in stored)
    return {
      look,
      looks,
      blocked: true,
      waiting: `no look can be taken: decide.baseline ${stored.problem} (it was stored before sweep files were checked for this)`,
    };
  /** The decisions at look `at` over its trials, or undefined while one of them is open, failed or cancelled. */
  const lookAt = (at: number, trials: TrialRecord[]) => {
    if (trials.some((t) => isOpen(t) || notIn(t))) return undefined;
    // A TPE search's family is what its decision stage runs: the configurations it only searched with are not in it.
    const configs = gridConfigs ?? configurationsOf(trials);
    const observations: Observation[] = [];
    for (const t of trials) {
      const result = runs.results.get(t.id);
      const value = result && metricOf(result.metrics, design.decide.metric);
      if (value !== undefined)
        observations.push({ config: configs.get(t.configKey)!.label, seed: t.seed, value });
    }
    // A TPE search's decision stage runs its baseline from the stage's first round: it is among `configs` here.
    const baseline = designBaselineOf(spec, configs)!;
    const result = sequentialLook(plan, observations, {
      baseline: baseline.label,
      look: at,
      direction: decisionDirection(spec),
      adjustedP: options.adjustedP ?? false,
    });
    return { configs, baseline, result };
  };
  const waitingFor = (waiting: string): SequentialStatus => {
    // the look before stands meanwhile: its trials are the rounds' but the newest
    const newest = Math.max(...rounds);
    const before =
      look > 0
        ? lookAt(
            look - 1,
            own.filter((t) => t.revision !== newest),
          )
        : undefined;
    return {
      ...stage,
      look,
      looks,
      waiting,
      ...(before && { previous: { look: look - 1, result: before.result } }),
    };
  };
  const open = own.filter(isOpen).length;
  if (open > 0) return waitingFor(`look ${look + 1}: ${plural(open, "trial")} still to finish`);
  const failed = own.filter(notIn).length;
  if (failed > 0)
    return waitingFor(
      `look ${look + 1}: ${plural(failed, "trial")} failed or were cancelled; retry them (tailsweep sweep retry) to take it`,
    );
  const { configs, baseline, result } = lookAt(look, own)!;
  const configKeys = Object.fromEntries([...configs.values()].map((c) => [c.label, c.key]));
  const taken = { ...stage, look, looks, result, configKeys };
  if (result.done || result.last) return taken;
  const continuing = result.rows.filter((r) => r.addSeeds > 0);
  if (continuing.length === 0 && result.baseline.addSeeds === 0) return taken;
  const target = Math.max(result.baseline.targetSeeds, ...continuing.map((r) => r.targetSeeds));
  return {
    ...taken,
    next: {
      seeds: design.seeds.slice(0, target),
      configKeys: [
        ...(result.baseline.addSeeds > 0 ? [baseline.key] : []),
        ...continuing.map((r) => configKeys[r.config]!),
      ],
      undecided: continuing.length,
    },
  };
}

/** What a sweep goes on to do once trials queued again (a resume's, a retry's) finish. */
export interface AfterQueuedAgain {
  /** Whether it adds trials of its own: a TPE search's proposals, a sequential design's next round. */
  addsTrials: boolean;
  /** The same in words, for a sweep that adds trials as it runs (null for a plain grid, which adds none). */
  afterwards: string | null;
}

/** {@link afterQueuedAgain}'s answer for a sweep that adds no trials of its own (a plain grid or random search). */
export const ADDS_NO_TRIALS: AfterQueuedAgain = { addsTrials: false, afterwards: null };

/**
 * What a sequential design or TPE search will do once `requeued` trials are queued again and finish, from what is
 * stored, not from its spec alone: a design that has decided every comparison adds no round however it is resumed,
 * and one whose look waits for failed trials that stay failed adds none until they are retried. Read with the
 * requeued trials as waiting, as they will be.
 */
export function afterQueuedAgain(
  runs: SweepRuns,
  requeued: (t: Pick<TrialRecord, "state">) => boolean,
): AfterQueuedAgain {
  const { spec } = runs.sweep;
  if (!addsAsItRuns(spec)) return ADDS_NO_TRIALS;
  const trials = runs.trials.map((t) => (requeued(t) ? { ...t, state: "waiting" as const } : t));
  const tpe = tpeProgress(spec, trials);
  if (tpe && tpe.left > 0)
    return {
      addsTrials: true,
      afterwards: `it then proposes its other ${plural(tpe.left, "configuration")} as it runs${spec.sequential ? ", then decides the best of its search on fresh seeds" : ""}`,
    };
  const design = spec.sequential;
  if (!design)
    return {
      addsTrials: false,
      afterwards: "its TPE search has proposed its whole budget: it adds no trials",
    };
  const status = sequentialStatus({ ...runs, trials })!;
  if (status.stage === "search")
    return {
      addsTrials: true,
      afterwards: `it then decides the best ${design.decide.top} of its search against the baseline on fresh seeds`,
    };
  if (status.next)
    return {
      addsTrials: true,
      afterwards: `its sequential design then adds its next round: the ${plural(status.next.undecided, "comparison")} still open to ${status.next.seeds.length} seeds`,
    };
  const look = status.look + 1;
  if (status.blocked)
    return { addsTrials: false, afterwards: `its sequential design adds no round: ${status.waiting}` };
  if (status.waiting) {
    const rounds = new Set(runs.revisions.filter(plannedBy(hasDecisionStage(spec))).map((r) => r.revision));
    const stuck = trials.filter(
      (t) => rounds.has(t.revision) && (t.state === "failed" || t.state === "cancelled"),
    ).length;
    if (stuck > 0)
      return {
        addsTrials: false,
        afterwards: `its sequential design's look ${look} waits for ${plural(stuck, "trial")} that failed or were cancelled: it adds no round until they run again`,
      };
    return status.look >= status.looks.length - 1
      ? {
          addsTrials: false,
          afterwards: `its sequential design then takes its last look (look ${look}) and adds no more trials`,
        }
      : {
          addsTrials: true,
          afterwards: `its sequential design then takes look ${look} and adds seeds to the comparisons still open there`,
        };
  }
  return {
    addsTrials: false,
    afterwards: status.result?.done
      ? `its sequential design decided every comparison at look ${look}: it adds no trials`
      : `its sequential design took its last look (look ${look}): it adds no trials (tailsweep sweep extend --only undecided tops up what it left open)`,
  };
}
