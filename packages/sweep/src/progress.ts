import { countTrials, type SweepSpec } from "@tailsweep/schemas";
import { attemptEnded, type TrialRecord, type WorkerRecord } from "./run-store";
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
   * Seconds during which some trial of the sweep was running (null before any started): the union of the trials' run
   * times, each from its start to its finish (to now while it runs). Time the sweep sat finished, cancelled or with
   * nothing claimed — before a retry, a resume, a top-up or a confirmation, or between a look and its next round — does
   * not count, so a sweep topped up a day after it finished does not read "elapsed 1 d" or promise an ETA from it.
   */
  elapsedSeconds: number | null;
  /** Seconds until the remaining trials are done at the pace so far; null until one is done or when none remain. */
  etaSeconds: number | null;
}

/**
 * Progress of a sweep from its trials. The ETA is the remaining trials divided by the rate so far (trials finished
 * per second of {@link SweepProgress.elapsedSeconds}): it already counts however many workers run them in parallel.
 */
export function sweepProgress(trials: readonly TrialRecord[], now: Date = new Date()): SweepProgress {
  const counts = countByState(trials);
  const done = TERMINAL_STATES.reduce((n, s) => n + counts[s], 0);
  const remaining = trials.length - done;
  const elapsed = runningSeconds(trials, now);
  const finished = counts.succeeded + counts.failed;
  const etaSeconds = remaining > 0 && finished > 0 && elapsed ? (remaining * elapsed) / finished : null;
  return { counts, total: trials.length, done, elapsedSeconds: elapsed, etaSeconds };
}

/**
 * The most trials a running sweep can still come to, where that is more than the `stored` ones it has: a sequential
 * design's later looks add seeds only for the comparisons still open, so its count (and an ETA from it) covers the
 * look under way, not the sweep. Undefined for any other sweep, and once the sweep is no longer running (a finished
 * design has taken its last look, whatever it stopped at).
 */
export function trialsAtMost(
  sweep: { status: string; spec: Pick<SweepSpec, "search" | "seeds" | "budget" | "method" | "sequential"> },
  stored: number,
): number | undefined {
  if (sweep.status !== "running" || !sweep.spec.sequential) return undefined;
  const most = countTrials(sweep.spec);
  return most > stored ? most : undefined;
}

/**
 * The length of the union of the trials' run times: every ended attempt's (`retries`, where its times were kept), and
 * the current one's — a running trial's to `now`, a final one's to its finish (or an instant at its start where an
 * older row has no finish). A waiting trial has no current run: its `startedAt` is its last ended attempt's.
 */
function runningSeconds(trials: readonly TrialRecord[], now: Date): number | null {
  const spans: [number, number][] = [];
  for (const t of trials) {
    for (const r of t.retries)
      if (r.startedAt && r.endedAt)
        spans.push([r.startedAt.getTime(), Math.max(r.startedAt.getTime(), r.endedAt.getTime())]);
    // A waiting trial has no current run; nor has one whose attempt already ended (handed back, then cancelled
    // before another began: its finishedAt is the cancel's, and its run is the retries entry's).
    if (!t.startedAt || t.state === "waiting" || attemptEnded(t)) continue;
    const start = t.startedAt.getTime();
    const end = t.state === "running" ? now.getTime() : (t.finishedAt ?? t.startedAt).getTime();
    spans.push([start, Math.max(start, end)]);
  }
  return spans.length === 0 ? null : unionSeconds(spans);
}

/** The length, in seconds, of the union of [start, end] spans in milliseconds: overlaps count once, gaps not at all. */
export function unionSeconds(spans: readonly (readonly [number, number])[]): number {
  let total = 0;
  let reach = Number.NEGATIVE_INFINITY;
  for (const [start, end] of [...spans].sort((a, b) => a[0] - b[0])) {
    // only the part past what earlier spans already covered
    if (end > reach) total += end - Math.max(start, reach);
    reach = Math.max(reach, end);
  }
  return total / 1000;
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
