export {
  type CompareAcrossOptions,
  type CompareSweepOptions,
  type Configuration,
  compareAcrossSweeps,
  compareRuns,
  compareSweep,
  configurationsOf,
  finishedValues,
  type MarkedTable,
  markPosthoc,
  type RunGroup,
  rankConfigurations,
  rankSelection,
  resolveBaseline,
  type SweepComparison,
  type SweepComparisonRow,
} from "./comparison";
export {
  type Confirmation,
  type ConfirmationPlan,
  type ConfirmationQuery,
  type ConfirmationRow,
  confirmationsOf,
  planConfirmation,
  type StageEstimate,
  selectionRuns,
} from "./confirmation";
export { InvalidQueryError, QUERY_INVALID_CODE } from "./errors";
export {
  EXPORT_FORMATS,
  type ExportFormat,
  exportSweep,
  isExportFormat,
  type SweepExport,
  type TrialRow,
  toCsv,
  trialRows,
} from "./export";
export { type ExtensionPlan, type ExtensionQuery, planExtension, topUpTarget } from "./extension";
export { duration, pct, pValue, seedRanges } from "./format";
export {
  FANOVA_METHOD,
  type FunctionalAnova,
  fSurvival,
  functionalAnova,
  type GridCell,
  type GridFactor,
  type ImportanceConfiguration,
  type ImportanceEffect,
  type KnobAxis,
  knobAxis,
  missingCells,
  type SeedNoise,
  type SweepImportance,
  seedNoise,
  sweepImportance,
} from "./importance";
export {
  backsLead,
  type ClaimTest,
  type DominanceClaim,
  dominatesByMeans,
  type ParetoConfiguration,
  type ParetoEstimate,
  type ParetoFront,
  type ParetoObjective,
  type ParetoObservation,
  type ParetoOptions,
  paretoFront,
  type SweepPareto,
  type SweepParetoOptions,
  sweepPareto,
} from "./pareto";
export {
  buildStudyReport,
  type MethodComparison,
  type MissingModalityGroup,
  REPORT_METRICS,
  type Sensitivity,
  type SequentialDecisions,
  type StudyReport,
  type StudyReportOptions,
  type Versus,
} from "./report/build";
export { formatSummary, formatVersus, type RenderedReport, renderStudyMarkdown } from "./report/markdown";
export { DEFAULT_REPORT_OBJECTIVES, type SettingFront, settingFronts } from "./report/pareto";
export {
  type OverallAnswer,
  STUDY_FAMILIES,
  type StudyFamily,
  type StudyLevel,
  type StudyLevelOptions,
} from "./report/study-level";
export {
  type AfterQueuedAgain,
  afterQueuedAgain,
  type SequentialStatus,
  sequentialStatus,
} from "./sequential-sweep";
export {
  loadSweepRuns,
  SWEEP_NOT_FOUND_CODE,
  SweepNotFoundError,
  type SweepRuns,
  type TrainingEstimate,
  trainingEstimate,
} from "./sweep-runs";
export {
  catalogEntry,
  checkpointSavings,
  learningCurves,
  perClassResults,
  sweepHeatmap,
  sweepListEntry,
  sweepOverview,
  trialTable,
} from "./sweep-views";
export {
  ARTIFACT_NOT_FOUND_CODE,
  EVALUATION_METRICS,
  type EvaluationMetric,
  EvaluationMetricSchema,
  evaluatePredictions,
  PREDICTIONS_INVALID_CODE,
  readTrialArtifact,
  storedTrialArtifact,
  type TrialArtifact,
  type TrialFiles,
  trialFiles,
} from "./trial-artifacts";
export {
  type EpochChart,
  type FinalMetricRow,
  type PerClassRow,
  type TrialDetail,
  trialDetail,
} from "./trial-detail";
export {
  applyTrialView,
  CONFIG_COLUMN,
  cellValue,
  defaultTrialColumns,
  knobValues,
  matchesTrialView,
  nextSort,
  parseTrialView,
  type SortDirection,
  sortTrials,
  TABLE_METRICS,
  TRIAL_STATES,
  TRIAL_VIEW_PARAMS,
  type TrialColumn,
  type TrialViewRow,
  type TrialViewSpec,
  tableMetrics,
  trialColumns,
  trialTableView,
} from "./trial-table-view";
