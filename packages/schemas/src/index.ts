export * from "./dataset";
export * from "./tables";
