import { metricOf } from "@tailsweep/schemas";
import type { RunStore, SweepRecord, TrialRecord, TrialResult } from "@tailsweep/sweep";
import { stringify } from "csv-stringify/sync";
import { InvalidQueryError } from "./errors";
import { loadSweepRuns } from "./sweep-runs";

/**
 * One trial as a flat row: its key, searched params, seed, state, where it ran and its headline test metrics, plus
 * one `recall_<c>` column per class (what imbalance does to each class, readable in any spreadsheet). `sweep export`
 * (CLI), `sweep run --json` and the dashboard's download share it, so a CSV looks the same wherever it came from.
 */
export interface TrialRow {
  trial: string;
  seed: number;
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
  /** The searched params (objects as JSON) and `recall_<c>`. */
  [column: string]: unknown;
}

/** The rows of a sweep's trials with their results (by trial id), in the trials' order. */
export function trialRows(
  trials: readonly TrialRecord[],
  results: ReadonlyMap<string, TrialResult>,
): TrialRow[] {
  return trials.map((t) => {
    const r = results.get(t.id);
    const m = r?.metrics;
    return {
      trial: t.key,
      ...Object.fromEntries(
        Object.entries(t.params).map(([k, v]) => [k, typeof v === "object" ? JSON.stringify(v) : v]),
      ),
      seed: t.seed,
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
    };
  });
}

/**
 * Rows as CSV (csv-stringify, RFC 4180): a header of every column any row has (first-seen order, so a trial without
 * results still lines up), then one line per row; null/undefined cells are empty, booleans read `true`/`false`, objects JSON.
 * Fields holding a quote, comma or line break are quoted with inner quotes doubled; lines end in `\n`, as every
 * spreadsheet reads. Rows are handed over as arrays in column order, so a column named `model.nu` is that key, never
 * a path into a nested object.
 */
export function toCsv(rows: readonly Record<string, unknown>[]): string {
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  return stringify([columns, ...rows.map((r) => columns.map((c) => r[c]))], {
    cast: { boolean: (v) => String(v), date: (v) => v.toISOString() },
  });
}

/** The formats {@link exportSweep} writes. */
export const EXPORT_FORMATS = ["csv", "json"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Whether `format` is one {@link exportSweep} writes (a query string's value, say). */
export function isExportFormat(format: string): format is ExportFormat {
  return (EXPORT_FORMATS as readonly string[]).includes(format);
}

/** An exported sweep: the file's suggested name, its MIME type, its text and how many trials it holds. */
export interface SweepExport {
  filename: string;
  contentType: string;
  text: string;
  trials: number;
}

/**
 * A sweep's trials and results as a file, the one implementation behind `tailsweep sweep export` and the
 * dashboard's download: CSV is {@link trialRows} through {@link toCsv}; JSON is `{ sweep, trials }` with every
 * trial carrying its full `result` (or null). The file name is `<project>-<name>-<first 8 of id>.<format>`.
 * Throws {@link SweepNotFoundError} when the store has no such sweep.
 */
export async function exportSweep(
  store: RunStore,
  sweepId: string,
  format: ExportFormat,
): Promise<SweepExport> {
  if (!isExportFormat(format))
    throw new InvalidQueryError(`format: must be one of ${EXPORT_FORMATS.join(", ")}, got '${format}'`);
  const { sweep, trials, results } = await loadSweepRuns(store, sweepId);
  const text =
    format === "json"
      ? `${JSON.stringify({ sweep, trials: trials.map((t) => ({ ...t, result: results.get(t.id) ?? null })) }, null, 2)}\n`
      : toCsv(trialRows(trials, results));
  return {
    filename: exportFilename(sweep, format),
    contentType: format === "json" ? "application/json; charset=utf-8" : "text/csv; charset=utf-8",
    text,
    trials: trials.length,
  };
}

/** Names are already file-safe identifiers (schemas); anything else is replaced so the name fits a header too. */
function exportFilename(sweep: SweepRecord, format: ExportFormat): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, "_");
  return `${safe(sweep.project)}-${safe(sweep.name)}-${safe(sweep.id.slice(0, 8))}.${format}`;
}
