export * from "./dataset";
export * from "./messages";
export * from "./model-config";
export * from "./run-config";
export * from "./sweep";
export * from "./sweep-form";
export * from "./tables";
