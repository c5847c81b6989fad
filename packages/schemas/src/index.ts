export * from "./dataset";
export * from "./model-config";
export * from "./run-config";
export * from "./sweep";
export * from "./tables";
