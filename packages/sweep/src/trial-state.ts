/**
 * Where a trial is in its life. Terminal states change only by a person's decision (a failed trial retried, a
 * cancelled one resumed: both wait again) or when a result arrives late from an attempt the controller had given up
 * on (failed → succeeded, see `lateResultCounts`). A succeeded trial never changes.
 */
export type TrialState = "waiting" | "running" | "succeeded" | "failed" | "cancelled";

/** States no worker or timer moves a trial out of (only a retry, a resume or a late result: see ALLOWED). */
export const TERMINAL_STATES: readonly TrialState[] = ["succeeded", "failed", "cancelled"];

const ALLOWED: Record<TrialState, readonly TrialState[]> = {
  // claimed by a worker, dropped with its sweep, or finished by an earlier attempt whose result came late
  waiting: ["running", "cancelled", "succeeded"],
  // finished, failed for good, handed back for a new attempt, or stopped with its sweep
  running: ["succeeded", "failed", "waiting", "cancelled"],
  succeeded: [],
  // an attempt given up on for its silence delivers its result after all, or the sweep's failed trials are retried
  failed: ["succeeded", "waiting"],
  // the sweep is resumed
  cancelled: ["waiting"],
};

/** Whether a trial is still to finish: waiting for a worker, or running. */
export function isOpen(trial: { state: TrialState }): boolean {
  return trial.state === "waiting" || trial.state === "running";
}

/** Whether the state machine allows `from → to`. */
export function canTransition(from: TrialState, to: TrialState): boolean {
  return ALLOWED[from].includes(to);
}

/** Throws a readable error unless `from → to` is allowed. */
export function assertTransition(from: TrialState, to: TrialState): void {
  if (!canTransition(from, to)) {
    throw new Error(
      `trial state cannot go from ${from} to ${to}${TERMINAL_STATES.includes(from) ? ` (${from} is final)` : ""}`,
    );
  }
}

/** How many trials are in each state (every state present, zero when none). */
export function countByState(trials: readonly { state: TrialState }[]): Record<TrialState, number> {
  const counts: Record<TrialState, number> = {
    waiting: 0,
    running: 0,
    succeeded: 0,
    failed: 0,
    cancelled: 0,
  };
  for (const t of trials) counts[t.state]++;
  return counts;
}
