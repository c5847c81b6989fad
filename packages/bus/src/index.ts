export {
  type Bus,
  type ConsumeTrialsOptions,
  type QueuedTrials,
  type Subscription,
  TaskPool,
  type TrialDelivery,
} from "./bus";
export { InProcessBus } from "./in-process-bus";
export { NatsBus, type NatsBusOptions, natsCredentialsFromEnv, natsNames } from "./nats-bus";
