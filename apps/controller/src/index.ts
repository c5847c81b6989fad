export {
  Controller,
  type ControllerOptions,
  provenance,
  trialMessageId,
} from "./controller";
