export { type ClusteredValues, type MeanOfGroupMeans, meanOfGroupMeans } from "./clustered";
export {
  type CompareOptions,
  type ComparisonRow,
  type ComparisonTable,
  compareConfigurations,
  type Observation,
  type Verdict,
} from "./compare";
export { adjustPValues, type Correction } from "./multiple";
export {
  bootstrapMeanCi,
  type ComparisonOptions,
  comparePaired,
  compareUnpaired,
  type PairedComparison,
  type UnpairedComparison,
} from "./paired";
export { averageConfusion, summarizePerClass } from "./per-class";
export { noncentralTCdf, pairedTTestPower, seedsNeeded } from "./power";
export {
  boundariesAt,
  type FutilityRule,
  type LevelBoundaries,
  type LookBoundary,
  type LookOptions,
  type PlannedLook,
  planSequential,
  type SequentialCorrection,
  type SequentialDecision,
  type SequentialLookResult,
  type SequentialPlan,
  type SequentialRow,
  type SequentialSettings,
  type SpendingFunction,
  sequentialLook,
} from "./sequential";
export {
  type BoundaryMethod,
  boundariesFromSpending,
  CALIBRATION_PATHS,
  type CalibrationVersion,
  CURRENT_CALIBRATION,
  calibrateT,
  crossingProbability,
  spentBy,
  type TBoundaries,
} from "./sequential-boundaries";
export { mean, quantileSorted, type Summary, sampleSd, summarize, tInterval } from "./summary";
