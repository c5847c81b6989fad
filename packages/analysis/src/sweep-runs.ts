import { NotFoundError } from "@tailsweep/schemas";
import type { RunStore, SweepRecord, SweepRevision, TrialRecord, TrialResult } from "@tailsweep/sweep";
import { groupBy } from "./group-by";

/** A sweep with its trials and their results (by trial id): what every view of one sweep is computed from. */
export interface SweepRuns {
  sweep: SweepRecord;
  trials: TrialRecord[];
  results: Map<string, TrialResult>;
  /** Its revisions, the submission first: which seeds were added later, and whether after seeing results. */
  revisions: SweepRevision[];
}

/** The stable code of {@link SweepNotFoundError}. */
export const SWEEP_NOT_FOUND_CODE = "SWEEP_NOT_FOUND";

/** A sweep id the store does not have (code SWEEP_NOT_FOUND): the API answers NOT_FOUND, the CLI exits 3. */
export class SweepNotFoundError extends NotFoundError {
  /** `field` names the input the id came from (`sweeps[2]`), when there is one. */
  constructor(
    readonly sweepId: string,
    field?: string,
  ) {
    super(SWEEP_NOT_FOUND_CODE, `${field ? `${field}: ` : ""}no sweep with id ${sweepId}`);
    this.name = "SweepNotFoundError";
  }
}

/**
 * One read of a sweep's trials and one of its results, side by side. Every report, comparison, export and
 * dashboard view starts here. Given a record (one the caller already read, e.g. to check access) the sweep is not
 * read again; given an id, a sweep the store does not have is a {@link SweepNotFoundError}.
 */
export async function loadSweepRuns(store: RunStore, sweep: SweepRecord | string): Promise<SweepRuns> {
  const record = typeof sweep === "string" ? await store.getSweep(sweep) : sweep;
  if (!record) throw new SweepNotFoundError(typeof sweep === "string" ? sweep : sweep.id);
  const [trials, results, revisions] = await Promise.all([
    store.listTrials(record.id),
    store.listResults(record.id),
    store.listRevisions(record.id),
  ]);
  return { sweep: record, trials, results, revisions };
}

/** What a retry, a resume, a top-up or a confirmation says it costs, before anything is queued. */
export interface TrainingEstimate {
  /** Training seconds in all (null before any trial finished). */
  estimatedSeconds: number | null;
  /**
   * How many of the trials are of a configuration with no finished trial, timed at the sweep's mean: a guess, and a
   * low one where the large configurations are the ones that failed.
   */
  unmeasuredTrials: number;
  /** How many of the trials are timed at the time their failed attempt ran, longer than any mean (a retry's). */
  timedByFailedAttempt?: number;
}

/**
 * The training seconds trials of these configurations (`configKeys`, one per trial) would take: each at its
 * configuration's mean trial time so far, or the sweep's where that configuration has none finished (counted in
 * `unmeasuredTrials`; null before any trial finished). By configuration, because trials differ in size: a retry of
 * failed large trials once read "5 s" from the small ones that had succeeded, and took 10.
 */
export function trainingEstimate(
  { trials, results }: SweepRuns,
  configKeys: readonly string[],
  /**
   * Per entry, seconds it is known to take at least: a failed trial's last attempt ran that long (a retry of trials
   * that timed out at 2 s once read "about 1 s" from the short ones that had succeeded).
   */
  atLeast: readonly (number | undefined)[] = [],
): TrainingEstimate {
  const finished = trials.filter((t) => results.has(t.id));
  if (finished.length === 0) return { estimatedSeconds: null, unmeasuredTrials: configKeys.length };
  // A resumed trial's own seconds leave out the epochs its checkpoint gave it: a new trial trains them all.
  const trained = (t: { id: string }) => {
    const r = results.get(t.id)!;
    return r.seconds + (r.metrics.resumed?.savedSeconds ?? 0);
  };
  const mean = (ts: readonly { id: string }[]) => ts.reduce((a, t) => a + trained(t), 0) / ts.length;
  const byConfig = groupBy(finished, (t) => t.configKey);
  const overall = mean(finished);
  const perConfig = new Map([...byConfig].map(([key, ts]) => [key, mean(ts)]));
  const seconds = configKeys.map((key, i) => {
    const mean = perConfig.get(key) ?? overall;
    const floor = atLeast[i] ?? 0;
    return { seconds: Math.max(mean, floor), floored: floor > mean };
  });
  const floored = seconds.filter((s) => s.floored).length;
  return {
    estimatedSeconds: seconds.reduce((total, s) => total + s.seconds, 0),
    unmeasuredTrials: configKeys.filter((key) => !perConfig.has(key)).length,
    ...(floored > 0 && { timedByFailedAttempt: floored }),
  };
}
