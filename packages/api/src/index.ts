export {
  type CompareAcrossOptions,
  type CompareSweepOptions,
  compareAcrossSweeps,
  compareSweep,
  configLabel,
  finishedValues,
  metricValue,
  paramValue,
  type RunGroup,
  rankConfigurations,
  resolveBaseline,
} from "./comparison";
export {
  EXPORT_FORMATS,
  type ExportFormat,
  exportSweep,
  type SweepExport,
  SweepNotFoundError,
  type TrialRow,
  toCsv,
  trialRows,
} from "./export";
export { type DashboardHost, dashboardHost, setDashboardHost } from "./host";
export { readOnce } from "./read-once";
export { type ApiContext, type AppRouter, appRouter, createCaller, type SweepLauncher } from "./router";
