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
export { mean, quantileSorted, type Summary, sampleSd, summarize, tInterval } from "./summary";
