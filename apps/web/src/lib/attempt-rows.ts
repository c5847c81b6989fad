import { attemptEnded, type TrialRecord } from "@tailsweep/sweep";

/** One row of a trial page's Attempts table. */
export interface AttemptRow {
  attempt: number;
  startedAt?: Date | undefined;
  endedAt?: Date | undefined;
  /** How it ended, in words: its reason, or the trial's state for the attempt it is on. */
  ended: string;
}

/**
 * A trial's attempts, oldest first: each that ended (its reason; handed back ones, which use up no attempt, marked),
 * then the one it is on — unless that one already ended, as after a hand-back or a retry: then the trial's times are
 * that attempt's, and a waiting trial's next attempt has none yet.
 */
export function attemptRows(
  trial: Pick<TrialRecord, "attempt" | "retries" | "state" | "startedAt" | "finishedAt" | "error">,
): AttemptRow[] {
  const ended = trial.retries.map((r) => ({
    attempt: r.attempt,
    startedAt: r.startedAt,
    endedAt: r.endedAt,
    ended: r.handedBack ? `handed back, not counted: ${r.reason}` : r.reason,
  }));
  if (attemptEnded(trial))
    return trial.state === "waiting" ? [...ended, { attempt: trial.attempt + 1, ended: "waiting" }] : ended;
  return [
    ...ended,
    {
      attempt: trial.attempt,
      startedAt: trial.startedAt,
      endedAt: trial.finishedAt,
      ended: trial.error && trial.state === "failed" ? "failed (the error above)" : trial.state,
    },
  ];
}
