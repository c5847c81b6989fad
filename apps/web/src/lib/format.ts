// Shared with `tailsweep compare` and `tailsweep report`, so a number reads the same in the terminal, the dashboard
// and a report.
import { duration } from "@tailsweep/analysis/format";

export {
  artifactsNotStoredText,
  bestClaim,
  bestInResamples,
  cappedTopUpText,
  checkpointSavingsText,
  comparisonFamilyText,
  computeText,
  confirmationFamilyText,
  correctionName,
  decisionText,
  duration,
  FEW_SEEDS,
  failingTrialsText,
  fixed,
  intervalWriter,
  isShare,
  leadText,
  MANY_SEEDS,
  NO_CONTROLLER_TEXT,
  namesInBrief,
  OPEN_BY_DESIGN_TEXT,
  pct,
  plainInterval,
  pValue,
  refusedTrialsText,
  retryTrainingText,
  seedRanges,
  seedsNeededText,
  signedDifference,
  soleResultText,
  tiedBestText,
  withoutResultsText,
  withPlus,
} from "@tailsweep/analysis/format";

/** A clause as a sentence of its own. */
export const capitalised = (text: string) => `${text.charAt(0).toUpperCase()}${text.slice(1)}`;

/** How long ago, coarsely (`just now`, `5 min ago`, `3 h ago`, `2 d ago`). */
export function age(date: Date, now: Date = new Date()): string {
  const s = (now.getTime() - date.getTime()) / 1000;
  if (s < 45) return "just now";
  return `${duration(s).split(" ").slice(0, 2).join(" ")} ago`;
}

/** A date as `2026-11-27 13:05` (UTC), the same on the server and in every browser. */
export function stamp(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** The query string of `params` with `changes` applied (undefined removes a key): links that keep the view. */
export function query(
  params: Record<string, string | undefined>,
  changes: Record<string, string | undefined>,
) {
  const merged = { ...params, ...changes };
  const q = new URLSearchParams(
    Object.entries(merged).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ""),
  ).toString();
  return q ? `?${q}` : "";
}
