import type { TrialRecord } from "@tailsweep/sweep";
import { groupBy } from "./group-by";

// Apart from sweep-views.ts, whose other views load the charts' scales: `sweep run` says its failures with this alone.

/** A failure's reason without the note of how many attempts it took (`… (gave up after 2 attempts)`). */
const withoutAttempts = (reason: string) => reason.replace(/ \(gave up after \d+ attempts?\)$/, "");

/**
 * A failure's reason without what differs from trial to trial (the worker, the seconds, the attempts), so that trials
 * lost the same way are one line however many workers lost them: `no heartbeat from worker … for … s`.
 */
function reasonKind(reason: string): string {
  return withoutAttempts(reason)
    .replace(/\bworker \S+/g, "worker …")
    .replace(/\b\d+(\.\d+)? s\b/g, "… s");
}

/** The error code every one of these trials failed with; null where one has none or another. */
function sharedCode(failed: readonly TrialRecord[]): string | null {
  const code = failed[0]?.errorCode;
  return code !== undefined && failed.every((t) => t.errorCode === code) ? code : null;
}

/**
 * How many failed trials {@link failureSummary} names, per reason: a sample, so that a thousand trials lost one way
 * are one line; `count` says how many there are, and `sweep status` how many more than it names.
 */
const NAMED_PER_REASON = 3;

/**
 * A sweep's failed trials grouped by why they failed, most first: each reason with its count and the first few trials
 * (configuration and seed), so `sweep status` can say what went wrong without an export. A group whose trials all
 * failed with the same words (four trials that each `timed out after 1 s`) keeps them as they are; only where they
 * differ (two limits, two workers) does the reason read `… s`, `worker …`. `code`: the stable code every trial of the
 * group failed with (CONFIG_INVALID: its configuration refused, so a retry fails it the same way), else null.
 */
export function failureSummary(trials: readonly TrialRecord[]) {
  const reasonOf = (t: TrialRecord) => t.error ?? "no reason recorded";
  const byKind = groupBy(
    trials.filter((t) => t.state === "failed"),
    (t) => reasonKind(reasonOf(t)),
  );
  return [...byKind]
    .map(([kind, failed]) => {
      const said = new Set(failed.map((t) => withoutAttempts(reasonOf(t))));
      return { reason: said.size === 1 ? [...said][0]! : kind, failed };
    })
    .sort((a, b) => b.failed.length - a.failed.length || a.reason.localeCompare(b.reason))
    .map(({ reason, failed }) => ({
      reason,
      count: failed.length,
      code: sharedCode(failed),
      trials: failed
        .sort((a, b) => a.index - b.index)
        .slice(0, NAMED_PER_REASON)
        .map((t) => ({ id: t.id, config: t.configLabel, seed: t.seed })),
    }));
}
