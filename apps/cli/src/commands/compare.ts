import { compareSweep } from "@tailsweep/analysis";
import { pct, pValue } from "@tailsweep/analysis/format";
import { InputError, isInputError } from "@tailsweep/schemas";
import type { ComparisonTable, Correction } from "@tailsweep/stats";
import type { Command } from "commander";
import { numberArg } from "../config-input";
import { openRuntime } from "../runtime";

const log = (line: string) => process.stderr.write(`${line}\n`);

function printTable(table: ComparisonTable, metric: string): void {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  out(
    `${metric} (${table.direction}), seed means with 95% t intervals; vs baseline ${table.baseline} (${table.correction === "holm" ? "Holm" : "Benjamini–Hochberg"} across ${table.rows.length - 1} comparisons)`,
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
  const lines = table.rows.map((r) => {
    const v = r.vsBaseline;
    const c = v?.comparison;
    const effect = c ? (c.method === "paired" ? c.dz : c.d) : Number.NaN;
    return [
      r.config === table.baseline ? `${r.config} (baseline)` : r.config,
      String(r.summary.n),
      `${pct(r.summary.mean)} [${pct(r.summary.ci[0])}, ${pct(r.summary.ci[1])}]`,
      c
        ? `${c.meanDiff >= 0 ? "+" : ""}${pct(c.meanDiff, 2)} [${pct(c.ci[0], 2)}, ${pct(c.ci[1], 2)}]${c.method === "welch" ? " welch" : ""}`
        : "",
      v ? pValue(v.p) : "",
      v ? pValue(v.pAdjusted) : "",
      Number.isFinite(effect) ? effect.toFixed(2) : v ? "—" : "",
      v ? (Number.isFinite(v.seedsNeeded) ? String(v.seedsNeeded) : "—") : "",
      v?.verdict ?? "",
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  for (const row of [header, ...lines])
    out(
      row
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join("  ")
        .trimEnd(),
    );
  if (table.best)
    out(
      `best: ${table.best.config} — best in ${(100 * table.best.probabilityBest).toFixed(0)}% of seed resamples; ${table.best.beatsAllOthers ? "significantly better than every other configuration" : "not significantly better than every other configuration"}`,
    );
  out("Δ and intervals in percentage points; welch = seeds not matched, unpaired test. — = not computable.");
}

/** Registers `tailsweep compare`. */
export function registerCompare(program: Command): void {
  program
    .command("compare [sweep]")
    .description(
      "compare a sweep's configurations with a baseline across matched seeds: paired tests, corrected p-values, effect sizes, seeds needed, verdicts (default: the latest sweep)",
    )
    .option(
      "--baseline <config>",
      "the configuration to compare with, e.g. 'variant=gaussian' (default: the gaussian variant if there is one)",
    )
    .option(
      "--metric <name>",
      "a test metric (balancedAccuracy, accuracy, macroF1, gMean) or a result path (minorityRecall); default: the sweep's objective",
    )
    .option("--correction <method>", "holm | bh", "holm")
    .option("--alpha <level>", "significance level after correction", numberArg("--alpha"), 0.05)
    .option("--json", "print the comparison as JSON")
    .action(
      async (
        id: string | undefined,
        o: { baseline?: string; metric?: string; correction: string; alpha: number; json?: boolean },
      ) => {
        if (o.correction !== "holm" && o.correction !== "bh")
          throw new Error(`--correction must be holm or bh, got '${o.correction}'`);
        if (!(o.alpha > 0 && o.alpha < 1)) throw new Error(`--alpha must be in (0, 1), got ${o.alpha}`);
        const rt = await openRuntime(log, { needsBus: false });
        try {
          const sweep = id ? await rt.opened.store.getSweep(id) : (await rt.opened.store.listSweeps()).at(-1);
          if (!sweep)
            throw new Error(
              id ? `no sweep with id ${id} (tailsweep sweep list shows them)` : "no sweeps yet",
            );
          const { metric, ...table } = await compareSweep(rt.opened.store, sweep, {
            ...(o.baseline !== undefined && { baseline: o.baseline }),
            ...(o.metric !== undefined && { metric: o.metric }),
            correction: o.correction as Correction,
            alpha: o.alpha,
          }).catch((e: unknown) => {
            // The analysis names its own input; here that input is a flag.
            throw isInputError(e) ? new InputError(`--${e.field}`, e.problem) : e;
          });
          if (o.json) process.stdout.write(`${JSON.stringify({ sweep: sweep.id, metric, ...table })}\n`);
          else printTable(table, metric);
        } finally {
          await rt.close();
        }
      },
    );
}
