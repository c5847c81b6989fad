import type { TrialState } from "@tailsweep/sweep";

type Counts = Record<TrialState, number>;

/**
 * A sweep's trials as a bar: succeeded, failed and cancelled in their own colours, so a cancelled sweep does not read
 * as finished work (2 succeeded and 6 cancelled is a quarter of a bar, not a full one).
 */
export function ProgressBar({ counts, total }: { counts: Counts; total: number }) {
  const width = (n: number) => `${(100 * n) / Math.max(1, total)}%`;
  const title = (["succeeded", "failed", "cancelled", "running", "waiting"] as const)
    .filter((s) => counts[s] > 0)
    .map((s) => `${counts[s]} ${s === "waiting" ? "queued" : s}`)
    .join(", ");
  return (
    <span className="bar" title={`${title || "no trials"} (of ${total})`}>
      <span style={{ width: width(counts.succeeded) }} />
      <span className="failed" style={{ width: width(counts.failed) }} />
      <span className="cancelled" style={{ width: width(counts.cancelled) }} />
    </span>
  );
}

/** A sweep's status with the trials that ended without a result: `completed (3 failed)`, the same on every page. */
export function statusText(status: string, counts: Counts): string {
  const ended = [
    counts.failed > 0 ? `${counts.failed} failed` : "",
    counts.cancelled > 0 ? `${counts.cancelled} cancelled` : "",
  ].filter(Boolean);
  return ended.length > 0 ? `${status} (${ended.join(", ")})` : status;
}
