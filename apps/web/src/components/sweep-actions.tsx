"use client";

import { DEFAULT_TOP_UP_MAX_SEEDS } from "@tailsweep/schemas";
import {
  capitalised,
  cappedTopUpText,
  computeText,
  failingTrialsText,
  OPEN_BY_DESIGN_TEXT,
  refusedTrialsText,
  retryTrainingText,
  seedRanges,
} from "../lib/format";
import { trpc } from "../lib/trpc-client";
import { ActionButton } from "./action-button";

/**
 * What a sequential design or TPE search does once the trials queued again are back, as the API read it from its
 * results, a sentence of its own (` Its sequential design decided every comparison at look 2: it adds no trials.`,
 * ` It then proposes its other 3 configurations as it runs.`); nothing for a plain grid.
 */
const afterwardsText = (plan: { afterwards: string | null }) =>
  plan.afterwards ? ` ${capitalised(plan.afterwards)}.` : "";

/**
 * Queues the sweep's failed trials again as new attempts (their earlier attempts stay in each trial's history): asks
 * the API how many that is and the compute they take, and says so before anything is queued; refused if more failed
 * meanwhile than the person was shown.
 */
export function RetryButton({ sweepId, failed }: { sweepId: string; failed: number }) {
  return (
    <ActionButton
      label={`Retry ${failed} failed`}
      busyLabel="planning…"
      run={async () => {
        const plan = await trpc.sweeps.retry.mutate({ id: sweepId, dryRun: true });
        const n = plan.trialCount;
        if (n === 0) {
          window.alert("no failed trials to retry");
          return;
        }
        const training = retryTrainingText(plan, n, plan.refusedTrials, "compute");
        const ask =
          `Queue the ${n === 1 ? "failed trial again as a new attempt" : `${n} failed trials again as new attempts`}` +
          `${training ? `: ${training}` : ""}.` +
          afterwardsText(plan) +
          (plan.refusedTrials > 0 ? ` ${capitalised(refusedTrialsText(plan.refusedTrials, n))}.` : "") +
          " Go on?";
        if (!window.confirm(ask)) return;
        await trpc.sweeps.retry.mutate({ id: sweepId, expectTrials: n });
      }}
    />
  );
}

/**
 * Resumes a cancelled sweep: its cancelled trials are queued again, nothing that succeeded runs again; the trials and
 * their compute are shown before it asks.
 */
export function ResumeButton({ sweepId }: { sweepId: string }) {
  return (
    <ActionButton
      label="Resume"
      busyLabel="planning…"
      run={async () => {
        const plan = await trpc.sweeps.resume.mutate({ id: sweepId, dryRun: true });
        if (!plan.wasCancelled) {
          window.alert(`this sweep is ${plan.status}, not cancelled: nothing to resume`);
          return;
        }
        const n = plan.trialCount;
        const ask =
          n > 0
            ? `Resume this sweep? ${n} cancelled trial${n === 1 ? " is" : "s are"} queued again, ${computeText(plan, "compute", true)}; nothing that succeeded runs again.${afterwardsText(plan)}`
            : `Resume this sweep? No trial was cancelled with it: ${plan.afterwards ?? "it adds none of its own, so nothing runs"}; nothing that succeeded runs again.`;
        if (!window.confirm(ask)) return;
        const done = await trpc.sweeps.resume.mutate({ id: sweepId });
        // someone else resumed it between the question and the answer
        if (!done.wasCancelled) window.alert(`this sweep is ${done.status} already: nothing to resume`);
      }}
    />
  );
}

/**
 * Tops up the comparisons with the baseline that are still open to the seeds the power analysis asks for: asks the
 * API what that adds (trials, configurations, compute) and says so before anything is queued.
 */
export function TopUpButton({
  sweepId,
  baseline,
  metric,
  correction,
  undecided,
  target,
}: {
  sweepId: string;
  baseline: string;
  metric: string;
  correction: "holm" | "bh";
  undecided: number;
  target: number;
}) {
  const query = {
    id: sweepId,
    seeds: { toPower: 0.8, maxSeeds: DEFAULT_TOP_UP_MAX_SEEDS },
    baseline,
    metric,
    correction,
  } as const;
  return (
    <ActionButton
      label={`Top up ${undecided} undecided comparison${undecided === 1 ? "" : "s"} to n = ${target}`}
      busyLabel="planning…"
      run={async () => {
        const plan = await trpc.sweeps.extend.mutate({ ...query, dryRun: true });
        if (plan.trialCount === 0) {
          window.alert(plan.reason ?? "nothing to add");
          return;
        }
        const cost = computeText(plan, "compute", false);
        const ask =
          `Add seed${plan.addedSeeds.length === 1 ? "" : "s"} ${seedRanges(plan.addedSeeds)} to ${plan.configurations.join(", ")} (where each lacks them): ` +
          `${plan.trialCount} trial${plan.trialCount === 1 ? "" : "s"}, ${cost}. Verdicts that use them are marked post hoc (seeds chosen after ` +
          "looking at the results make a fixed-n p-value optimistic)." +
          (plan.openBy ? ` Note: ${OPEN_BY_DESIGN_TEXT}.` : "") +
          (plan.target?.capped
            ? ` Note: ${cappedTopUpText(plan.target, "`tailsweep sweep extend --to-power --max-seeds` goes further")}.`
            : "") +
          (plan.failingTrials ? ` Note: ${failingTrialsText(plan.failingTrials)}.` : "") +
          " Go on?";
        if (!window.confirm(ask)) return;
        await trpc.sweeps.extend.mutate({ ...query, expectTrials: plan.trialCount });
      }}
    />
  );
}

/**
 * Runs a configuration (the one furthest ahead of the baseline, seed by seed) and the baseline again on fresh seeds,
 * never used to choose it: asks the API what that adds (the seeds, trials and compute) and says so before anything is
 * queued.
 */
export function ConfirmButton({
  sweepId,
  baseline,
  config,
  seeds,
}: {
  sweepId: string;
  baseline: string;
  /** The configuration to confirm, named on the button (chosen by the page's metric: the API takes no metric then). */
  config: string;
  /** How many fresh seeds (as many as the selection had, at least 5). */
  seeds: number;
}) {
  const query = { id: sweepId, seeds: { more: seeds }, baseline, configs: [config] };
  return (
    <ActionButton
      label={`Confirm ${config} on ${seeds} fresh seeds`}
      busyLabel="planning…"
      run={async () => {
        const plan = await trpc.sweeps.confirm.mutate({ ...query, dryRun: true });
        const cost = computeText(plan, "compute", false);
        const ask =
          `Run ${plan.selected.join(", ")} and the baseline ${plan.baseline} on fresh seeds ` +
          `${seedRanges(plan.seeds)}: ${plan.trialCount} trials, ${cost}. Their test is shown beside ` +
          "the selection's, free of its winner's curse." +
          (plan.failingTrials ? ` Note: ${failingTrialsText(plan.failingTrials)}.` : "") +
          " Go on?";
        if (!window.confirm(ask)) return;
        // Exactly what was shown: these seeds and these configurations, whatever results came in meanwhile.
        await trpc.sweeps.confirm.mutate({
          ...query,
          seeds: { seeds: plan.seeds },
          configs: plan.selected,
          expectTrials: plan.trialCount,
        });
      }}
    />
  );
}
