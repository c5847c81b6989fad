/**
 * Where a trial is in its life. Terminal states never change again, but for failed → succeeded when a result
 * arrives late from an attempt the controller had given up on (see `lateResultCounts`).
 */
export type TrialState = "waiting" | "running" | "succeeded" | "failed" | "cancelled";

/** States a trial never leaves (failed but for a late result of an attempt given up on: see ALLOWED). */
export const TERMINAL_STATES: readonly TrialState[] = ["succeeded", "failed", "cancelled"];

const ALLOWED: Record<TrialState, readonly TrialState[]> = {
  // claimed by a worker, dropped with its sweep, or finished by an earlier attempt whose result came late
  waiting: ["running", "cancelled", "succeeded"],
  // finished, failed for good, handed back for a new attempt, or stopped with its sweep
  running: ["succeeded", "failed", "waiting", "cancelled"],
  succeeded: [],
  // the one way out of a final state: an attempt given up on for its silence delivers its result after all
  failed: ["succeeded"],
  cancelled: [],
};

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
