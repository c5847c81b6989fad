export {
  type CompareSweepOptions,
  compareSweep,
  configLabel,
  metricValue,
  resolveBaseline,
} from "./comparison";
export { type ApiContext, type AppRouter, appRouter, createCaller, type SweepLauncher } from "./router";
