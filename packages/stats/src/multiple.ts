import padjust from "@stdlib/stats-padjust";

/** How p-values of many comparisons are corrected: Holm (family-wise error) or Benjamini–Hochberg (false discovery rate). */
export type Correction = "holm" | "bh";

/** Adjusts p-values for the number of comparisons; NaN entries (comparisons that could not be made) are left out and stay NaN. */
export function adjustPValues(pValues: readonly number[], method: Correction = "holm"): number[] {
  const present = pValues.map((p, i) => [p, i] as const).filter(([p]) => !Number.isNaN(p));
  const out = pValues.map(() => Number.NaN);
  if (present.length === 0) return out;
  const adjusted = padjust(
    present.map(([p]) => p),
    method,
  );
  present.forEach(([, i], k) => {
    out[i] = adjusted[k]!;
  });
  return out;
}
