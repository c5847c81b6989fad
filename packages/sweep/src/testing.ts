// What tests of any package use to exercise a RunStore: the conformance suite every store passes, and scripted
// results in place of training (the statistics, revisions and views under test need numbers, not a model).
import type { RunStore, TrialRecord, TrialResult } from "./run-store";

export { describeRunStoreConformance } from "./run-store-conformance";

/** A finished trial's result whose every score is `value`: what a test scripts instead of training. */
export function scriptedResult(value: number, seconds = 1): TrialResult {
  const test = { n: 10, accuracy: value, balancedAccuracy: value, macroF1: value, gMean: value };
  return {
    metrics: {
      test: { ...test, perClassRecall: [], perClassPrecision: [], confusion: [] },
      minorityRecall: value,
      minorityClasses: [],
      perModality: [],
    },
    backend: "cpu",
    seconds,
  };
}

/** Claims and completes every waiting trial of a sweep with `scriptedResult(scoreOf(trial), seconds)`, at `now`. */
export async function finishWaiting(
  store: RunStore,
  sweepId: string,
  scoreOf: (trial: TrialRecord) => number,
  options: { seconds?: number; now?: Date } = {},
): Promise<void> {
  const now = options.now ?? new Date("2026-01-01T00:00:00Z");
  for (const t of await store.listTrials(sweepId)) {
    if (t.state !== "waiting") continue;
    const claimed = await store.claimTrial(t.id, "scripted", now);
    await store.completeTrial(t.id, claimed!.attempt, scriptedResult(scoreOf(t), options.seconds), now);
  }
}
