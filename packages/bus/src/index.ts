export {
  ARTIFACT_KEY_INVALID_CODE,
  type ArtifactInfo,
  ArtifactKeyError,
  type ArtifactStore,
  checkArtifactKey,
  MAX_ARTIFACT_KEY_LENGTH,
  MAX_ARTIFACT_SEGMENT_LENGTH,
} from "./artifact-store";
export {
  type Bus,
  type ConsumeTrialsOptions,
  type QueuedTrials,
  type Subscription,
  TaskPool,
  type TrialDelivery,
} from "./bus";
export { FileArtifactStore } from "./file-artifact-store";
export { InProcessBus } from "./in-process-bus";
export {
  ARTIFACT_BUSY_CODE,
  artifactBucketName,
  NatsArtifactStore,
  type NatsArtifactStoreConnectOptions,
  type NatsArtifactStoreOptions,
} from "./nats-artifact-store";
export { NatsBus, type NatsBusOptions, natsCredentialsFromEnv, natsNames } from "./nats-bus";
