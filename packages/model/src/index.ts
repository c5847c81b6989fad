/** The tfjs-core instance the model runs on, for harnesses that build tensors (benchmarks, the worker). */
export * as tf from "@tensorflow/tfjs-core";
export { type AdamVariableState, type GradientApplier, LayerwiseAdam } from "./adam";
export {
  type Agreement,
  checkAgreement,
  compareSteps,
  GRADIENT_TOLERANCE,
  LOSS_TOLERANCE,
  proposedStepValues,
  type StepValues,
} from "./agreement";
export {
  ALIGNMENT_EPSILON,
  ALIGNMENT_WINDOW,
  type AlignmentState,
  alignmentLogWeights,
  DistributionAlignment,
  labeledPrior,
} from "./alignment";
export {
  BACKEND_ENV_VAR,
  BACKEND_INIT_CODE,
  BACKEND_NAMES,
  type BackendDefaults,
  type BackendInfo,
  BackendInitError,
  type BackendName,
  backendDefaultsFromEnv,
  configureBackend,
  currentBackend,
  initBackend,
} from "./backend";
export {
  decodeCheckpoint,
  encodeCheckpoint,
  encodeWeights,
  type NamedWeights,
  type TrainingCheckpoint,
} from "./checkpoint";
export * from "./distributions";
export { fusedStepActive, useFusedStep } from "./fused-reconstruction";
export { type Activation, applyMlp, createMlp, disposeMlp, type Mlp, mlpVariables } from "./layers";
export * from "./losses";
export * from "./metrics";
export {
  type Batch,
  gammaObservedDims,
  type LossTerms,
  type ModelShape,
  MultimodalVae,
  oneHotFloat,
} from "./model";
export { type Expert, productOfExperts } from "./poe";
export * from "./train";
export { adapterModel, describeAdapter, type GpuAdapter, probeWebGpu, releaseWebGpu } from "./webgpu";
