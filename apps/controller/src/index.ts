export { Controller, type ControllerOptions, trialMessageId } from "./controller";
