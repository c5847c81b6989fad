import type {
  EpochCurvePoint,
  EpochSeriesMetric,
  RunStore,
  TrialRecord,
  TrialResult,
} from "@tailsweep/sweep";
import { LRUCache } from "lru-cache";
import { Prisma, type PrismaClient } from "./generated/prisma/client";

/** How many rows a kept answer holds: what its memory grows with. */
const rowsOf = (answer: readonly unknown[] | ReadonlyMap<unknown, unknown>) =>
  Array.isArray(answer) ? answer.length : answer instanceof Map ? answer.size : 1;

/** A reader: the store's client, or a transaction on it. */
type Db = Prisma.TransactionClient;

/** A kept answer and the fingerprint of the rows it was read from. */
type Entry<T> = { fingerprint: string; answer: T };

/** How the store reads a sweep's trials, results and curves, on its client or in a transaction. */
export interface SweepReads {
  trials(db: Db, sweepId: string): Promise<TrialRecord[]>;
  results(db: Db, sweepId: string): Promise<Map<string, TrialResult>>;
  curves(db: Db, sweepId: string, metric: EpochSeriesMetric): Promise<EpochCurvePoint[]>;
}

/**
 * Answers kept per key with the fingerprint of the rows they were read from, bounded by their rows in all (the
 * least recently used go first). A call reads the fingerprint; while it is the kept one, the kept answer is the rows'
 * answer. Otherwise the fingerprint and the rows are read again in one REPEATABLE READ transaction, one snapshot, so
 * what is kept is exactly what the rows of that fingerprint give, however other processes' writes interleave. A call
 * that finds the fingerprint of a read under way waits for it; a key read for the first time skips the outer
 * fingerprint; a key whose answer is larger than the bound is read plainly from then on, with no fingerprint.
 */
class FingerprintCache<T extends readonly unknown[] | ReadonlyMap<unknown, unknown>> {
  private readonly kept: LRUCache<string, Entry<T>>;
  private readonly reading = new Map<string, Promise<Entry<T> | undefined>>();
  private readonly tooLarge = new LRUCache<string, true>({ max: 1_000 });

  constructor(
    private readonly db: PrismaClient,
    private readonly maxRows: number,
  ) {
    this.kept = new LRUCache({
      maxSize: maxRows,
      sizeCalculation: (entry) => Math.max(1, rowsOf(entry.answer)),
    });
  }

  async read(
    key: string,
    fingerprint: (db: Db) => Promise<string>,
    load: (db: Db) => Promise<T>,
  ): Promise<T> {
    if (this.tooLarge.has(key)) return load(this.db);
    if (this.kept.has(key) || this.reading.has(key)) {
      const seen = await fingerprint(this.db);
      const kept = this.kept.get(key);
      if (kept?.fingerprint === seen) return kept.answer;
      const under = await this.reading.get(key);
      if (under?.fingerprint === seen) return under.answer;
    }
    const reading = this.snapshot(fingerprint, load);
    this.reading.set(key, reading);
    try {
      const entry = await reading;
      if (!entry) return load(this.db); // the transaction could not be had: a plain read, not kept
      if (rowsOf(entry.answer) > this.maxRows) this.tooLarge.set(key, true);
      else this.kept.set(key, entry);
      return entry.answer;
    } finally {
      if (this.reading.get(key) === reading) this.reading.delete(key);
    }
  }

  /** The fingerprint and the answer from one snapshot; undefined when no transaction could be had in time. */
  private snapshot(fingerprint: (db: Db) => Promise<string>, load: (db: Db) => Promise<T>) {
    return this.db
      .$transaction(
        async (tx) => {
          // The first statement: it sets the snapshot's rules before the snapshot is taken, on either adapter (the
          // PGlite adapter sends an isolationLevel option outside the transaction, where it does nothing).
          await tx.$executeRaw`SET TRANSACTION ISOLATION LEVEL REPEATABLE READ`;
          return { fingerprint: await fingerprint(tx), answer: frozen(await load(tx)) };
        },
        // A page's reads wait their turn for PGlite's one connection, behind training's writes: Prisma's default
        // 2 s to start would fail a read that used to be merely slow.
        { maxWait: 30_000, timeout: 30_000 },
      )
      .catch((e: unknown) =>
        e instanceof Prisma.PrismaClientKnownRequestError && e.code === "P2028"
          ? undefined
          : Promise.reject(e),
      );
  }
}

/**
 * Freezes an answer that requests share, object by object (a Map's values too: the Map itself cannot be; nor can a
 * Date's time or a typed array's elements), so that a caller that changes one fails loudly instead of changing what
 * the next page shows.
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
 * A fingerprint of a set of row versions: how many, and the sum of a 64-bit hash of each version's place and writer
 * (`ctid`, where it lies, and `xmin`, the transaction that wrote it). Any committed insert, update or delete makes a
 * new set of versions — an updated row is a new version with its own place and writer — and a new set sums to the
 * same value only by a 64-bit coincidence. (A sum of the raw `xmin`s would not do: transaction ids are handed out at
 * a transaction's first write or lock, not at its commit, so an update by an older transaction can cancel out one
 * by a newer.) Locks (`FOR UPDATE`) write no new version and move nothing; a VACUUM FULL moves every row, which
 * costs one read again.
 */
const FINGERPRINT = Prisma.raw(
  "count(*)::text || ':' || coalesce(sum(hashtextextended(x.ctid::text || ':' || x.xmin::text, 0)), 0)::text",
);

/** The fingerprint of one sweep's rows of one table: its trials, or its trials' results or epochs. */
async function fingerprintOf(db: Db, rows: "trial" | "result" | "epoch", sweepId: string): Promise<string> {
  const [row] =
    rows === "trial"
      ? await db.$queryRaw<
          { f: string }[]
        >`SELECT ${FINGERPRINT} AS f FROM trial x WHERE x.sweep_id = ${sweepId}`
      : await db.$queryRaw<{ f: string }[]>`
          SELECT ${FINGERPRINT} AS f FROM ${Prisma.raw(rows === "result" ? "trial_result" : "epoch_metric")} x
          JOIN trial t ON t.id = x.trial_id WHERE t.sweep_id = ${sweepId}`;
  return row?.f ?? "";
}

/**
 * How many rows the dashboard keeps per kind of read: trials, results, and curve points (configurations × epochs ×
 * metric). Measured on bench/dashboard-queries.ts's sweep (10 classes): a trial record ≈ 0.7 kB of heap, a result
 * ≈ 3.2 kB, a curve point ≈ 0.23 kB, so at most ≈ 14 + 32 + 23 MB. A sweep larger than a bound is read plainly
 * each time, as before, without a fingerprint.
 */
export const KEPT_ROWS = { trials: 20_000, results: 10_000, curvePoints: 100_000 };

/**
 * `store` as the dashboard's pages read it: a sweep's trials, results and learning curves — the large reads every
 * view of the sweep page makes, 300 of its 400 ms for 1,000 trials × 50 epochs on the embedded store — are kept while
 * the fingerprints of the rows they come from hold (2–8 ms to read for trials and results, 55 ms for 50,000 epoch
 * rows, against 70, 50 and 180 ms to read the rows). Every other method is the store's. The answers are shared by
 * requests, and frozen: pages and procedures only read them. A write by any process moves a fingerprint, so a call
 * answers what the rows held when it began, or later. `reads` are the store's own reads, on its client or in a
 * transaction.
 */
export function withSweepReadCache(
  store: RunStore,
  db: PrismaClient,
  reads: SweepReads,
  keep: typeof KEPT_ROWS = KEPT_ROWS,
): RunStore {
  const trials = new FingerprintCache<TrialRecord[]>(db, keep.trials);
  const results = new FingerprintCache<Map<string, TrialResult>>(db, keep.results);
  const curves = new FingerprintCache<EpochCurvePoint[]>(db, keep.curvePoints);
  const cached: Pick<RunStore, "listTrials" | "listResults" | "epochCurves"> = {
    listTrials: (sweepId) =>
      trials.read(
        sweepId,
        (on) => fingerprintOf(on, "trial", sweepId),
        (on) => reads.trials(on, sweepId),
      ),
    // A result belongs to its sweep through its trial, whose deletion deletes it: the results' rows suffice (a
    // trial's heartbeat then leaves the results kept).
    listResults: (sweepId) =>
      results.read(
        sweepId,
        (on) => fingerprintOf(on, "result", sweepId),
        (on) => reads.results(on, sweepId),
      ),
    // A curve takes each trial's state, attempt and configuration from its row: the trials' rows too.
    epochCurves: (sweepId, metric) =>
      curves.read(
        `${sweepId}\u0000${metric}`,
        async (on) =>
          `${await fingerprintOf(on, "trial", sweepId)} ${await fingerprintOf(on, "epoch", sweepId)}`,
        (on) => reads.curves(on, sweepId, metric),
      ),
  };
  return new Proxy(store, {
    get(target, name, receiver) {
      if (name === "listTrials" || name === "listResults" || name === "epochCurves") return cached[name];
      const value = Reflect.get(target, name, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
    // A method replaced on the view (a test's counter) would never be called: refuse it, loudly.
    set(_target, name) {
      throw new TypeError(
        `the dashboard's store is read through, not changed: set ${String(name)} on the store`,
      );
    },
  });
}
