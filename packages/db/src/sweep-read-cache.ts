import type { EpochCurvePoint, RunStore, TrialRecord, TrialResult } from "@tailsweep/sweep";
import type { PrismaClient } from "./generated/prisma/client";

/**
 * Answers kept per key while the fingerprint of the rows they were read from holds; the least recently used goes
 * first beyond `capacity`. The fingerprint is read before the rows: a write that lands between the two leaves a newer
 * answer under an older fingerprint, which the next read replaces — never an older answer under a newer one.
 */
class FingerprintCache<T> {
  private readonly entries = new Map<string, { fingerprint: string; answer: Promise<T> }>();

  constructor(private readonly capacity: number) {}

  async read(key: string, fingerprint: () => Promise<string>, load: () => Promise<T>): Promise<T> {
    const now = await fingerprint();
    const kept = this.entries.get(key);
    this.entries.delete(key);
    if (kept?.fingerprint === now) {
      this.entries.set(key, kept);
      return kept.answer;
    }
    const answer = load().then(frozen);
    const entry = { fingerprint: now, answer };
    this.entries.set(key, entry);
    answer.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.capacity) break;
      this.entries.delete(oldest);
    }
    return answer;
  }
}

/**
 * Freezes an answer that requests share, object by object (a Map's values too: the Map itself cannot be), so that a
 * caller that changes one fails loudly instead of changing what the next page shows.
 */
function frozen<T>(value: T): T {
  if (value instanceof Map) for (const v of value.values()) frozen(v);
  else if (
    typeof value === "object" &&
    value !== null &&
    !ArrayBuffer.isView(value) &&
    !Object.isFrozen(value)
  ) {
    for (const v of Object.values(value)) frozen(v);
    Object.freeze(value);
  }
  return value;
}

/**
 * A fingerprint of a set of rows: how many, and the sum of their `xmin` (the id of the transaction that wrote each
 * row version). Any committed change moves it: an update gives its rows a newer transaction id than the one it
 * replaces, an insert or a delete changes the count, and with the count unchanged the inserted rows' ids outweigh
 * the deleted ones' (every id is newer than the rows it replaced, which existed when the fingerprint was last read).
 * Freezing keeps a row's xmin (PostgreSQL ≥ 9.4); a wraparound would only cost one read again.
 */
const FINGERPRINT = "count(*)::text || ':' || coalesce(sum(x.xmin::text::bigint), 0)::text";

async function fingerprintOf(db: PrismaClient, rows: "trial" | "result" | "epoch", sweepId: string) {
  const [row] =
    rows === "trial"
      ? await db.$queryRawUnsafe<{ f: string }[]>(
          `SELECT ${FINGERPRINT} AS f FROM trial x WHERE x.sweep_id = $1`,
          sweepId,
        )
      : await db.$queryRawUnsafe<{ f: string }[]>(
          `SELECT ${FINGERPRINT} AS f FROM ${rows === "result" ? "trial_result" : "epoch_metric"} x
           JOIN trial t ON t.id = x.trial_id WHERE t.sweep_id = $1`,
          sweepId,
        );
  return row?.f ?? "";
}

/** How many sweeps' answers the dashboard keeps, per kind of read: the sweeps a team looks at in one sitting. */
const SWEEPS_KEPT = 16;

/**
 * `store` as the dashboard's pages read it: a sweep's trials, results and learning curves — the large reads every
 * view of the sweep page makes, 300 of its 420 ms for 1,000 trials × 50 epochs on the embedded store — are kept while
 * the fingerprints of the rows they come from hold (1–2 ms to read for trials and results, 40 ms for 50,000 epoch
 * rows, against 70, 50 and 180 ms to read them again). Every other method is the store's. The answers are shared by
 * requests, and frozen: pages and procedures only read them. Rows written by any process move the fingerprint, so
 * an answer is never older than the fingerprint read at the start of the call.
 */
export function withSweepReadCache(store: RunStore, db: PrismaClient): RunStore {
  const trials = new FingerprintCache<TrialRecord[]>(SWEEPS_KEPT);
  const results = new FingerprintCache<Map<string, TrialResult>>(SWEEPS_KEPT);
  const curves = new FingerprintCache<EpochCurvePoint[]>(SWEEPS_KEPT * 4);
  const cached: Pick<RunStore, "listTrials" | "listResults" | "epochCurves"> = {
    listTrials: (sweepId) =>
      trials.read(
        sweepId,
        () => fingerprintOf(db, "trial", sweepId),
        () => store.listTrials(sweepId),
      ),
    listResults: (sweepId) =>
      results.read(
        sweepId,
        // the trials too: a result belongs to the sweep through its trial
        async () =>
          `${await fingerprintOf(db, "trial", sweepId)} ${await fingerprintOf(db, "result", sweepId)}`,
        () => store.listResults(sweepId),
      ),
    epochCurves: (sweepId, metric) =>
      curves.read(
        `${sweepId} ${metric}`,
        // the trials too: a curve takes each trial's state, attempt and configuration from its row
        async () =>
          `${await fingerprintOf(db, "trial", sweepId)} ${await fingerprintOf(db, "epoch", sweepId)}`,
        () => store.epochCurves(sweepId, metric),
      ),
  };
  return new Proxy(store, {
    get(target, name, receiver) {
      if (name === "listTrials" || name === "listResults" || name === "epochCurves") return cached[name];
      const value = Reflect.get(target, name, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
