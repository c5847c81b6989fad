// zod's refusals in words (z.config) before any schema of this package can refuse a value
import "./issue-messages";

export * from "./annotations";
export * from "./artifacts";
export * from "./dataset";
export * from "./env-settings";
export * from "./errors";
export * from "./gamma-constants";
export { nearestName, plainIssueMessage } from "./issue-messages";
export { lgamma } from "./lgamma";
export * from "./mapping";
export * from "./messages";
export * from "./model-config";
export * from "./run-config";
export * from "./seed-request";
export * from "./sweep";
export * from "./sweep-file-of";
export * from "./sweep-form";
export * from "./sweep-limits";
export * from "./tables";
export * from "./text";
export * from "./trial-metrics";
