export * from "./dataset";
export * from "./tables";
export * from "./model-config";
