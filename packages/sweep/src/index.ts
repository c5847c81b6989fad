export { expandSweep, gpuTrialCount, type TrialPlan } from "./expand";
export { InMemoryRunStore } from "./in-memory-run-store";
export {
  PRESENCE_SECONDS,
  type SweepProgress,
  sweepProgress,
  takesGpuTrials,
  workerStatus,
} from "./progress";
export {
  attemptsUsed,
  type CreateSweepInput,
  EPOCH_SERIES_METRICS,
  type EpochCurvePoint,
  type EpochMetric,
  type EpochSeriesMetric,
  lateResultCounts,
  mergeWorker,
  type RunStore,
  type SweepRecord,
  staleReason,
  type TrialRecord,
  type TrialResult,
  trialId,
  type WorkerRecord,
} from "./run-store";
export { sweepIdFor, trialKey } from "./trial-key";
export {
  assertTransition,
  canTransition,
  countByState,
  TERMINAL_STATES,
  type TrialState,
} from "./trial-state";
