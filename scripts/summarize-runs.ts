// Summarises `tailsweep train --out` result files: one row per variant, mean ± sample std over seeds of
// balanced accuracy, macro-F1 and minority-class recall (a stop-gap until sweeps land in the run store).
// Usage: node --import tsx scripts/summarize-runs.ts <result.json>...
import { readFileSync } from "node:fs";

interface Result {
  variant: string;
  train: { seed: number };
  metrics: { test: { balancedAccuracy: number; macroF1: number; accuracy: number }; minorityRecall: number };
  seconds: number;
}

const runs = process.argv.slice(2).map((f) => JSON.parse(readFileSync(f, "utf8")) as Result);
const byVariant = new Map<string, Result[]>();
for (const r of runs) byVariant.set(r.variant, [...(byVariant.get(r.variant) ?? []), r]);

function meanStd(xs: number[]): string {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd =
    xs.length > 1 ? Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (xs.length - 1)) : Number.NaN;
  return `${(100 * mean).toFixed(1)} ± ${(100 * sd).toFixed(1)}`;
}

console.log("| variant | seeds | balanced accuracy | macro-F1 | minority recall | s/run |");
console.log("|---|---|---|---|---|---|");
for (const [variant, rs] of byVariant) {
  const seeds = rs.map((r) => r.train.seed).sort((a, b) => a - b);
  const sec = rs.reduce((s, r) => s + r.seconds, 0) / rs.length;
  console.log(
    `| ${variant} | ${seeds.join(",")} | ${meanStd(rs.map((r) => r.metrics.test.balancedAccuracy))} | ${meanStd(rs.map((r) => r.metrics.test.macroF1))} | ${meanStd(rs.map((r) => r.metrics.minorityRecall))} | ${sec.toFixed(0)} |`,
  );
}
