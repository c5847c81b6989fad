import { CONFIG_ERROR_CODE } from "@tailsweep/schemas";
import type { TrialRecord } from "@tailsweep/sweep";
import { groupBy } from "./group-by";

// Apart from sweep-views.ts, whose other views load the charts' scales: `sweep run` says its failures with this alone.

/** A failure's reason without the note of how many attempts it took (`… (gave up after 2 attempts)`). */
const withoutAttempts = (reason: string) => reason.replace(/ \(gave up after \d+ attempts?\)$/, "");

/**
 * A reason on one line: a refusal lists its problems a line each (`invalid configuration:\n  - model.gamma: …`), which
 * a summary line joins (`invalid configuration: model.gamma: …; train.epochs: …`).
 */
const oneLine = (reason: string) =>
  reason
    .replace(/:\n\s*- /, ": ")
    .replace(/\n\s*- /g, "; ")
    .replace(/\n/g, " ");

/**
 * A failure's reason without what differs from trial to trial (the worker, the seconds, the attempts), so that trials
 * lost the same way are one line however many workers lost them: `no heartbeat from worker … for … s`.
 */
function reasonKind(reason: string): string {
  return withoutAttempts(reason)
    .replace(/\bworker \S+/g, "worker …")
    .replace(/\b\d+(\.\d+)? s\b/g, "… s");
}

/**
 * Said for trials the model refused (CONFIG_INVALID, stored with the failure) in other words each, one TPE proposal's
 * γ and another's: one line for all of them, whose own words their pages keep.
 */
const REFUSED_REASON =
  "invalid configuration: the model refused their values (CONFIG_INVALID; each trial's error names its own)";

/** The error code every one of these trials failed with; null where one has none or another. */
function sharedCode(failed: readonly TrialRecord[]): string | null {
  const code = failed[0]?.errorCode;
  return code !== undefined && failed.every((t) => t.errorCode === code) ? code : null;
}

/**
 * How many failed trials {@link failureSummary} names, per reason: a sample, so that a thousand trials lost one way
 * are one line; `count` says how many there are, and `sweep status` how many more than it names. One more is
 * held than is named, so that a list one longer says its last rather than "and 1 more".
 */
export const NAMED_PER_REASON = 3;

/**
 * A sweep's failed trials grouped by why they failed, most first: each reason with its count and the first few trials
 * (configuration and seed, one more than {@link NAMED_PER_REASON}), so `sweep status` can say what went wrong without
 * an export. A group whose trials all failed with the same words (four trials that each `timed out after 1 s`) keeps
 * them as they are, on one line; only where they differ (two limits, two workers) does the reason read `… s`,
 * `worker …`, and trials the model refused (CONFIG_INVALID) are one group whatever their words. `code`: the stable
 * code every trial of the group failed with (CONFIG_INVALID: a retry fails it the same way), else null. A named
 * trial whose own words differ from the group's reason carries them as `reason`.
 */
export function failureSummary(trials: readonly TrialRecord[]) {
  const reasonOf = (t: TrialRecord) => t.error ?? "no reason recorded";
  // a trial's own words as a summary line says them
  const wordsOf = (t: TrialRecord) => oneLine(withoutAttempts(reasonOf(t)));
  const byKind = groupBy(
    trials.filter((t) => t.state === "failed"),
    (t) => (t.errorCode === CONFIG_ERROR_CODE ? REFUSED_REASON : reasonKind(reasonOf(t))),
  );
  return [...byKind]
    .map(([kind, failed]) => {
      const said = new Set(failed.map(wordsOf));
      return { reason: said.size === 1 ? [...said][0]! : oneLine(kind), failed };
    })
    .sort((a, b) => b.failed.length - a.failed.length || a.reason.localeCompare(b.reason))
    .map(({ reason, failed }) => ({
      reason,
      count: failed.length,
      code: sharedCode(failed),
      trials: failed
        .sort((a, b) => a.index - b.index)
        .slice(0, NAMED_PER_REASON + 1)
        // each one's own words where the group's reason stands for several (the values each refusal names)
        .map((t) => {
          const own = wordsOf(t);
          return { id: t.id, config: t.configLabel, seed: t.seed, ...(own !== reason && { reason: own }) };
        }),
    }));
}
