import type { Confirmation, StageEstimate, SweepComparison } from "@tailsweep/analysis";
import {
  bestClaim,
  correctionName,
  FEW_SEEDS,
  intervalWriter,
  pct,
  pValue,
  signedPctInterval,
} from "@tailsweep/analysis/format";
import type { Correction } from "@tailsweep/stats";
import { sweepOrLatest, withApi } from "../api-client";

/** The flags of `tailsweep compare`. */
interface CompareFlags {
  baseline?: string;
  metric?: string;
  correction: Correction;
  alpha: number;
  json?: boolean;
}

/** Rows of cells in columns as wide as their widest cell, two spaces apart. */
function printAligned(header: string[], lines: string[][], out: (line: string) => void): void {
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  for (const row of [header, ...lines])
    out(
      row
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join("  ")
        .trimEnd(),
    );
}

function printTable(table: Omit<SweepComparison, "metric">, metric: string): void {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  out(
    `${metric} (${table.direction}), seed means with 95% t intervals; vs baseline ${table.baseline} (${correctionName(table.correction)} across ${table.rows.length - 1} comparisons)`,
  );
  const header = [
    "configuration",
    "n",
    "mean [95% CI]",
    "Δ vs baseline [95% CI]",
    "p",
    "p adj",
    "d_z",
    "seeds for 80%",
    "verdict",
  ];
  const intervals = intervalWriter();
  const few = (n: number) => (n < FEW_SEEDS ? " !" : "");
  const lines = table.rows.map((r) => {
    const v = r.vsBaseline;
    const c = v?.comparison;
    const effect = c ? (c.method === "paired" ? c.dz : c.d) : Number.NaN;
    return [
      r.config === table.baseline ? `${r.config} (baseline)` : r.config,
      `${r.summary.n}${few(r.summary.n)}`,
      `${pct(r.summary.mean)} ${intervals.text(r.summary.ci, [0, 1], 1)}`,
      c
        ? `${c.meanDiff >= 0 ? "+" : ""}${pct(c.meanDiff, 2)} ${intervals.text(c.ci, [-1, 1], 2)}${c.method === "welch" ? " welch" : ""}`
        : "",
      v ? pValue(v.p) : "",
      v ? pValue(v.pAdjusted) : "",
      Number.isFinite(effect) ? `${effect.toFixed(2)}${few(r.summary.n)}` : v ? "—" : "",
      v ? (Number.isFinite(v.seedsNeeded) ? String(v.seedsNeeded) : "—") : "",
      `${v?.verdict ?? ""}${r.posthocRevisions.length > 0 ? " †" : ""}`,
    ];
  });
  printAligned(header, lines, out);
  if (table.best)
    out(
      `best: ${table.best.config} — best in ${(100 * table.best.probabilityBest).toFixed(0)}% of seed resamples; ${bestClaim(table.best)}`,
    );
  out("Δ and intervals in percentage points; welch = seeds not matched, unpaired test. — = not computable.");
  for (const note of intervals.notes(table.rows.map((r) => r.summary.n))) out(note);
  if (table.posthocNote) out(`† ${table.posthocNote}`);
  if (table.sequentialNote) out(`Note: ${table.sequentialNote}`);
  for (const c of table.confirmations) printConfirmation(c, out);
}

/** A confirmation stage: each selected configuration's difference on the selection seeds and on the fresh ones. */
function printConfirmation(c: Confirmation, out: (line: string) => void): void {
  out("");
  out(
    `Confirmation (revision ${c.revision}): ${c.heading}; vs baseline ${c.baseline} (${correctionName(c.correction)} across ${c.rows.length} selected)`,
  );
  const header = ["configuration", "stage", "n", "Δ vs baseline [95% CI]", "p", "p adj", "verdict"];
  const stageCells = (name: string, e: StageEstimate | null) =>
    e
      ? [
          name,
          String(e.seeds),
          Number.isFinite(e.meanDiff) ? signedPctInterval(e.meanDiff, e.ci) : "—",
          pValue(e.p),
          pValue(e.pAdjusted),
          e.verdict,
        ]
      : [name, "0", "—", "—", "—", "not run yet"];
  const lines = c.rows.flatMap((r) => [
    [r.config, ...stageCells("selection", r.selection)],
    ["", ...stageCells("confirmation", r.confirmation)],
  ]);
  printAligned(header, lines, out);
  for (const r of c.rows)
    if (Number.isFinite(r.retained))
      out(
        `${r.config}: the fresh seeds keep ${(100 * r.retained).toFixed(0)}% of the selection's difference${r.retained < 1 ? " (the rest was the winner's curse: chosen for being high)" : ""}`,
      );
  if (c.pending > 0)
    out(`${c.pending} confirmation trials still to finish: the test uses the seeds that are in`);
}

/** `tailsweep compare [sweep]`: the sweep's configurations against the baseline, from a store or a server alike. */
export async function compareCommand(id: string | undefined, o: CompareFlags): Promise<void> {
  const { sweep, metric, ...table } = await withApi(
    async (api) => {
      const sweep = await sweepOrLatest(api, id);
      const compared = await api.sweeps.compare.query({
        id: sweep,
        ...(o.baseline !== undefined && { baseline: o.baseline }),
        ...(o.metric !== undefined && { metric: o.metric }),
        correction: o.correction,
        alpha: o.alpha,
      });
      return { sweep, ...compared };
    },
    { flags: { baseline: "--baseline", metric: "--metric" } },
  );
  if (o.json) process.stdout.write(`${JSON.stringify({ sweep, metric, ...table })}\n`);
  else printTable(table, metric);
}
