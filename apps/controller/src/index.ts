export {
  Controller,
  type ControllerOptions,
  type ExtendRequest,
  provenance,
  trialMessageId,
} from "./controller";
