import type { TrialRecord, WorkerRecord } from "./run-store";
import { countByState, TERMINAL_STATES, type TrialState } from "./trial-state";

/** Seconds between a worker's presence reports, busy or idle; three missed reports mean it is lost. */
export const PRESENCE_SECONDS = 10;

/** Where a sweep stands: trials per state, how many are done, and when the rest should be. */
export interface SweepProgress {
  counts: Record<TrialState, number>;
  total: number;
  /** Trials in a final state (succeeded, failed or cancelled). */
  done: number;
  /**
   * Seconds since the first trial started (null before any did); once every trial is final (the sweep completed or
   * was cancelled), the seconds from the first start to the last finish, which no longer grow.
   */
  elapsedSeconds: number | null;
  /** Seconds until the remaining trials are done at the pace so far; null until one is done or when none remain. */
  etaSeconds: number | null;
}

/**
 * Progress of a sweep from its trials. The ETA is the remaining trials divided by the rate so far (trials done per
 * second since the first one started): it already counts however many workers are running them in parallel.
 * Elapsed time runs until `now` while any trial can still change, and stops at the last finish once none can (a
 * completed sweep, or a cancelled one: cancelling finishes every open trial).
 */
export function sweepProgress(trials: readonly TrialRecord[], now: Date = new Date()): SweepProgress {
  const counts = countByState(trials);
  const done = TERMINAL_STATES.reduce((n, s) => n + counts[s], 0);
  const remaining = trials.length - done;
  const starts = trials.flatMap((t) => (t.startedAt ? [t.startedAt.getTime()] : []));
  const end = remaining === 0 ? lastFinish(trials) : now.getTime();
  const elapsed = starts.length ? Math.max(0, (end - Math.min(...starts)) / 1000) : null;
  const finished = counts.succeeded + counts.failed;
  const etaSeconds = remaining > 0 && finished > 0 && elapsed ? (remaining * elapsed) / finished : null;
  return { counts, total: trials.length, done, elapsedSeconds: elapsed, etaSeconds };
}

/** When the last trial of a finished sweep finished (its start where a final trial has no finish). */
function lastFinish(trials: readonly TrialRecord[]): number {
  let last = Number.NEGATIVE_INFINITY;
  for (const t of trials) {
    const at = (t.finishedAt ?? t.startedAt)?.getTime();
    if (at !== undefined && at > last) last = at;
  }
  return last;
}

/** Whether a worker is online (heard from within three presence intervals), stopped cleanly, or lost. */
export function workerStatus(worker: WorkerRecord, now: Date = new Date()): "online" | "stopped" | "lost" {
  if (worker.stoppedAt) return "stopped";
  return now.getTime() - worker.lastHeartbeat.getTime() < 3 * PRESENCE_SECONDS * 1000 ? "online" : "lost";
}

/** Whether a worker is online and takes GPU trials (some sweep's `execution.gpu` waits for one). */
export function takesGpuTrials(worker: WorkerRecord, now: Date = new Date()): boolean {
  return workerStatus(worker, now) === "online" && worker.trialKinds.includes("gpu");
}
