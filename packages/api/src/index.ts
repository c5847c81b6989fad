export {
  type CompareAcrossOptions,
  type CompareSweepOptions,
  compareAcrossSweeps,
  compareSweep,
  configLabel,
  metricValue,
  type RunGroup,
  resolveBaseline,
} from "./comparison";
export { type ApiContext, type AppRouter, appRouter, createCaller, type SweepLauncher } from "./router";
