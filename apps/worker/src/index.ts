export {
  defaultTrialKinds,
  gpuName,
  PRESENCE_SECONDS,
  type TrialHooks,
  type TrialRunner,
  trainingRunner,
  Worker,
  type WorkerOptions,
} from "./worker";
