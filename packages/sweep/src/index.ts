export {
  ARTIFACT_ZLIB_CHUNK,
  type ArtifactInfo,
  type ArtifactStore,
  inflateStored,
} from "./artifact-store";
export { configLabel, paramValue } from "./config-label";
export {
  type DecisionCandidate,
  type DecisionStageStart,
  decisionBaseline,
  decisionDirection,
  decisionStageStart,
  hasDecisionStage,
  searchStageTrials,
} from "./decision-stage";
export {
  type ConfigIdentity,
  configIdentity,
  expandSweep,
  extensionTrials,
  gpuTrialCount,
  type LaunchPlan,
  launchPlan,
  namedConfigs,
  planTrials,
  type StoredPoint,
  storedPoints,
  type TrialPlan,
} from "./expand";
export { InMemoryRunStore } from "./in-memory-run-store";
export { type LaunchDataset, launchDatasets, trialDatasets, trialRecipe } from "./launch-datasets";
export {
  PRESENCE_SECONDS,
  type SweepProgress,
  sweepProgress,
  takesGpuTrials,
  trialsAtMost,
  unionSeconds,
  workerStatus,
} from "./progress";
export {
  addsAsItRuns,
  attemptEnded,
  attemptsUsed,
  type CancelOutcome,
  type CreateSweepInput,
  type EndedAttempt,
  EPOCH_SERIES_METRICS,
  type EpochCurvePoint,
  type EpochMetric,
  type EpochSeriesMetric,
  type ExtendRequest,
  emptyTrialCounts,
  endedAttempt,
  lateResultCounts,
  mergeWorker,
  type ReviseSweepInput,
  type RevisionKind,
  type RunStore,
  resumedAttempt,
  type SweepRecord,
  type SweepRevision,
  type SweepStatus,
  staleReason,
  sweepCancelled,
  type TrialCounts,
  type TrialRecord,
  type TrialResult,
  trialId,
  unionSeeds,
  type WorkerRecord,
} from "./run-store";
export { STORE_UNAVAILABLE_CODE, storeUnavailable } from "./store-unavailable";
export { EndedAttemptsSchema, type SweepArchive, SweepArchiveSchema } from "./sweep-archive";
export {
  hypervolume,
  nonDominatedFronts,
  proposeTpe,
  type TpeAnyObservation,
  type TpeDirection,
  type TpeObservation,
  type TpeSettings,
  tpeGoodCount,
} from "./tpe";
export {
  nextTpeProposals,
  type TpeConfiguration,
  type TpeProgress,
  type TpeStep,
  tpeConfigurations,
  tpeProgress,
  tpeSpace,
} from "./tpe-sweep";
export { configKey, newSweepId, storedSweepIdFor, sweepIdFor, trialKey } from "./trial-key";
export {
  assertTransition,
  canTransition,
  countByState,
  isOpen,
  TERMINAL_STATES,
  type TrialState,
} from "./trial-state";
