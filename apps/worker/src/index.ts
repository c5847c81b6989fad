export {
  OnDemandTrialThreads,
  type OnDemandTrialThreadsOptions,
  sourceThreadEntry,
  type TrialThreadEntry,
  TrialThreads,
  type TrialThreadsOptions,
} from "./trial-threads";
export {
  defaultTrialKinds,
  gpuName,
  PRESENCE_SECONDS,
  type TrialGrant,
  type TrialHooks,
  type TrialRunner,
  trainingRunner,
  Worker,
  type WorkerOptions,
} from "./worker";
