import { pipeline, Readable } from "node:stream";
import { metricOf } from "@tailsweep/schemas";
import type {
  RevisionKind,
  RunStore,
  SweepRecord,
  SweepRevision,
  TrialRecord,
  TrialResult,
} from "@tailsweep/sweep";
import { type Options as CsvOptions, stringify } from "csv-stringify";
import { stringify as stringifySync } from "csv-stringify/sync";
import { InvalidQueryError } from "./errors";
import { loadSweepRuns } from "./sweep-runs";

/**
 * One trial as a flat row: its key, searched params, seed, the sweep revision that added it, state, where it ran and
 * its headline test metrics, plus one `recall_<c>` column per class (what imbalance does to each class, readable in
 * any spreadsheet), its error and that error's code, and people's tags and notes. `sweep export` (CLI), `sweep run --json` and the dashboard's download share it, so a CSV looks
 * the same wherever it came from.
 */
export interface TrialRow {
  trial: string;
  seed: number;
  /** The revision that added the trial: 1 for those submitted. */
  revision: number;
  /**
   * How its revision came about (submit, extend, round of a sequential design, confirm), and whether it was chosen
   * after looking at the results: a fixed-n p-value over such seeds is optimistic (docs/statistics.md). Empty when
   * the revisions were not given.
   */
  addedBy: RevisionKind | "";
  posthoc: boolean | null;
  state: TrialRecord["state"];
  attempt: number;
  worker: string;
  backend: string;
  seconds: number | null;
  accuracy: number | null;
  balancedAccuracy: number | null;
  macroF1: number | null;
  gMean: number | null;
  minorityRecall: number | null;
  error: string;
  /** The stable code of the error, where it had one (CONFIG_INVALID: its configuration refused); empty otherwise. */
  errorCode: string;
  /** People's tags on the trial, comma-separated (a tag holds no comma), and their Markdown notes; empty for none. */
  tags: string;
  notes: string;
  /** The searched params (objects as JSON) and `recall_<c>`. */
  [column: string]: unknown;
}

/** The rows of a sweep's trials with their results (by trial id) and its revisions, in the trials' order. */
export function trialRows(
  trials: readonly TrialRecord[],
  results: ReadonlyMap<string, TrialResult>,
  revisions: readonly SweepRevision[] = [],
): TrialRow[] {
  const byNumber = new Map(revisions.map((r) => [r.revision, r]));
  return trials.map((t) => {
    const r = results.get(t.id);
    const m = r?.metrics;
    const added = byNumber.get(t.revision);
    return {
      trial: t.key,
      ...Object.fromEntries(
        Object.entries(t.params).map(([k, v]) => [k, typeof v === "object" ? JSON.stringify(v) : v]),
      ),
      seed: t.seed,
      revision: t.revision,
      addedBy: added?.kind ?? "",
      posthoc: added ? added.posthoc : null,
      state: t.state,
      attempt: t.attempt,
      worker: t.workerId ?? "",
      backend: r?.backend ?? t.backend ?? "",
      seconds: r?.seconds ?? null,
      accuracy: (m && metricOf(m, "accuracy")) ?? null,
      balancedAccuracy: (m && metricOf(m, "balancedAccuracy")) ?? null,
      macroF1: (m && metricOf(m, "macroF1")) ?? null,
      gMean: (m && metricOf(m, "gMean")) ?? null,
      minorityRecall: (m && metricOf(m, "minorityRecall")) ?? null,
      // NaN (a class without test rows) as an empty cell, as JSON stored it before it was read back as NaN.
      ...Object.fromEntries(
        (m?.test.perClassRecall ?? []).map((v, c) => [`recall_${c}`, Number.isFinite(v) ? v : null]),
      ),
      error: t.error ?? "",
      errorCode: t.errorCode ?? "",
      tags: t.tags.join(", "),
      notes: t.notes,
    };
  });
}

/** The CSV columns of `rows`: every column any row has, first-seen order (so a trial without results lines up). */
function csvColumns(rows: readonly Record<string, unknown>[]): string[] {
  return [...new Set(rows.flatMap((r) => Object.keys(r)))];
}

/** csv-stringify's options for every CSV tailsweep writes: booleans as words, dates as ISO 8601. */
const CSV_OPTIONS: CsvOptions = { cast: { boolean: (v) => String(v), date: (v) => v.toISOString() } };

/**
 * Rows as CSV (csv-stringify, RFC 4180): a header of every column any row has (first-seen order, so a trial without
 * results still lines up), then one line per row; null/undefined cells are empty, booleans read `true`/`false`, objects JSON.
 * Fields holding a quote, comma or line break are quoted with inner quotes doubled; lines end in `\n`, as every
 * spreadsheet reads. Rows are handed over as arrays in column order, so a column named `model.nu` is that key, never
 * a path into a nested object. The whole text as one string, for small tables; {@link exportSweep} streams the same
 * text ({@link csvText}).
 */
export function toCsv(rows: readonly Record<string, unknown>[]): string {
  const columns = csvColumns(rows);
  return stringifySync([columns, ...rows.map((r) => columns.map((c) => r[c]))], CSV_OPTIONS);
}

/**
 * The same text as {@link toCsv}, in chunks: csv-stringify's stream, fed the header and then one row at a time as it
 * asks for them (`Readable.from` waits while its buffer is full), read as UTF-8 text. The columns must all be known
 * before the header is written, so they come from the rows, which are in memory anyway. Ending the iteration early
 * (a client that went away) destroys the stream.
 */
async function* csvText(rows: readonly Record<string, unknown>[]): AsyncGenerator<string, void> {
  const columns = csvColumns(rows);
  function* records(): Generator<unknown[]> {
    yield columns;
    for (const r of rows) yield columns.map((c) => r[c]);
  }
  const stringifier = stringify(CSV_OPTIONS);
  stringifier.setEncoding("utf8");
  // An error on either side destroys both, so the loop below throws it; the callback has nothing left to do.
  pipeline(Readable.from(records()), stringifier, () => {});
  yield* stringifier;
}

/**
 * `JSON.stringify({ sweep, trials, revisions }, null, 2)` and a line break, each trial with its `result`, a trial at
 * a time. The same bytes as that one call, since a value nested `depth` levels down is its own pretty-printed text
 * with every line after the first indented by two spaces per level (strings hold no raw line breaks: JSON escapes
 * them).
 */
async function* jsonText(
  sweep: SweepRecord,
  trials: readonly TrialRecord[],
  results: ReadonlyMap<string, TrialResult>,
  revisions: readonly SweepRevision[],
): AsyncGenerator<string, void> {
  const nested = (value: unknown, depth: number) =>
    JSON.stringify(value, null, 2).replaceAll("\n", `\n${"  ".repeat(depth)}`);
  yield `{\n  "sweep": ${nested(sweep, 1)},\n  "trials": ${trials.length === 0 ? "[]" : "["}`;
  for (const [i, t] of trials.entries())
    yield `${i === 0 ? "" : ","}\n    ${nested({ ...t, result: results.get(t.id) ?? null }, 2)}`;
  yield `${trials.length === 0 ? "" : "\n  ]"},\n  "revisions": ${nested(revisions, 1)}\n}\n`;
}

/** The formats {@link exportSweep} writes. */
export const EXPORT_FORMATS = ["csv", "json"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Whether `format` is one {@link exportSweep} writes (a query string's value, say). */
export function isExportFormat(format: string): format is ExportFormat {
  return (EXPORT_FORMATS as readonly string[]).includes(format);
}

/** An exported sweep: the file's suggested name, its MIME type, its text as a stream and how many trials it holds. */
export interface SweepExport {
  filename: string;
  contentType: string;
  /**
   * The file's text in chunks, made as they are read: read it once (`for await`, `Readable.from`, or pull it into a
   * web `ReadableStream`). Ending the iteration early stops it.
   */
  body: AsyncIterable<string>;
  trials: number;
}

/**
 * A sweep's trials and results as a file, the one implementation behind `tailsweep sweep export` and the
 * dashboard's download: CSV is {@link trialRows} as {@link toCsv} writes them (the same bytes), JSON is
 * `{ sweep, trials, revisions }` with every trial carrying its full `result` (or null), the same bytes as
 * `JSON.stringify(…, null, 2)` plus a final line break. The file name is `<project>-<name>-<first 8 of id>.<format>`.
 *
 * The text streams: it is never one string. The sweep's records are read first (the store has no paging) and held
 * while the body is read; the CSV's rows are built from them up front (their columns head the file). So the memory an
 * export needs is the sweep's records and rows — bounded by the per-sweep trial limit — plus a chunk of text in
 * flight (a trial's JSON, or the CSV stream's buffer), not the file's size again (bench/export-memory.ts).
 * Everything that can fail is checked before this returns: a sweep the store does not have is a
 * {@link SweepNotFoundError} before any byte, so a caller can still answer with an error status.
 */
export async function exportSweep(
  store: RunStore,
  sweepId: string,
  format: ExportFormat,
): Promise<SweepExport> {
  if (!isExportFormat(format))
    throw new InvalidQueryError(`format: must be one of ${EXPORT_FORMATS.join(", ")}, got '${format}'`);
  const { sweep, trials, results, revisions } = await loadSweepRuns(store, sweepId);
  const body =
    format === "json"
      ? jsonText(sweep, trials, results, revisions)
      : csvText(trialRows(trials, results, revisions));
  return {
    filename: exportFilename(sweep, format),
    contentType: format === "json" ? "application/json; charset=utf-8" : "text/csv; charset=utf-8",
    body,
    trials: trials.length,
  };
}

/** Names are already file-safe identifiers (schemas); anything else is replaced so the name fits a header too. */
function exportFilename(sweep: SweepRecord, format: ExportFormat): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, "_");
  return `${safe(sweep.project)}-${safe(sweep.name)}-${safe(sweep.id.slice(0, 8))}.${format}`;
}
