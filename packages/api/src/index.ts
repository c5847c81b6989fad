export {
  authorize,
  type Caller,
  callerFromAuthorization,
  canRead,
  LOCAL_CALLER,
  memberCaller,
  tokenCaller,
} from "./caller";
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
export {
  buildStudyReport,
  type MethodComparison,
  type MissingModalityGroup,
  REPORT_METRICS,
  reportMetricValue,
  type Sensitivity,
  type StudyReport,
  type StudyReportOptions,
  type Versus,
} from "./report/build";
export { formatSummary, formatVersus, type RenderedReport, renderStudyMarkdown } from "./report/markdown";
export {
  type ApiContext,
  type AppRouter,
  type AuditLog,
  appRouter,
  createCaller,
  type SweepLauncher,
} from "./router";
