import type { TrainResult } from "@tailsweep/model";

const pct = (v: number | null | undefined) =>
  v === null || v === undefined || Number.isNaN(v) ? "  n/a" : (100 * v).toFixed(1).padStart(5);

/** Human summary of a training run: headline metrics, per-class recall, missing-modality and pseudo-label views. */
export function formatResult(
  r: TrainResult & {
    variant: string;
    dataset: { classNames: string[]; counts: { labeled: number[]; unlabeled: number[] } };
  },
): string {
  const t = r.metrics.test;
  const lines = [
    "",
    `${r.variant} on ${r.dataset.classNames.length} classes — ${r.steps} steps in ${r.seconds.toFixed(1)} s on ${r.backend.name}`,
    `  accuracy ${pct(t.accuracy)}   balanced accuracy ${pct(t.balancedAccuracy)}   macro-F1 ${pct(t.macroF1)}   G-mean ${pct(t.gMean)}   minority recall ${pct(r.metrics.minorityRecall)}`,
    "",
    "  class              labeled unlabeled  recall  precision  pseudo-label recall",
  ];
  r.dataset.classNames.forEach((name, c) => {
    lines.push(
      `  ${name.padEnd(18)} ${String(r.dataset.counts.labeled[c]).padStart(7)} ${String(r.dataset.counts.unlabeled[c]).padStart(9)}   ${pct(t.perClassRecall[c])}    ${pct(t.perClassPrecision[c])}      ${pct(r.metrics.pseudoLabels?.perClassRecall[c])}`,
    );
  });
  for (const p of r.metrics.perModality) {
    lines.push(`  only ${p.name}: accuracy ${pct(p.accuracy)}  balanced accuracy ${pct(p.balancedAccuracy)}`);
  }
  if (r.metrics.pseudoLabels) {
    lines.push(
      `  pseudo-labels on unlabeled rows: accuracy ${pct(r.metrics.pseudoLabels.accuracy)}  balanced ${pct(r.metrics.pseudoLabels.balancedAccuracy)}`,
    );
  }
  return `${lines.join("\n")}\n`;
}
