import { InputError } from "@tailsweep/schemas";
import { type Summary, summarize } from "./summary";

/**
 * Per-class values (e.g. recall) across seeds: one summary per class, with the t interval over seeds. Every seed
 * must report the same number of classes.
 */
export function summarizePerClass(perSeed: readonly (readonly number[])[], confidence = 0.95): Summary[] {
  if (perSeed.length === 0) return [];
  const k = perSeed[0]!.length;
  perSeed.forEach((row, i) => {
    if (row.length !== k) throw new InputError(`perSeed[${i}]`, `${row.length} classes, expected ${k}`);
  });
  return Array.from({ length: k }, (_, c) =>
    summarize(
      perSeed.map((row) => row[c]!),
      confidence,
    ),
  );
}

/**
 * Confusion matrices of several seeds averaged cell by cell, and the same with each true-class row divided by its
 * total (so rows read as "where class c's examples went", whatever the test set's class sizes).
 */
export function averageConfusion(matrices: readonly (readonly (readonly number[])[])[]): {
  mean: number[][];
  rowNormalized: number[][];
} {
  if (matrices.length === 0) return { mean: [], rowNormalized: [] };
  const k = matrices[0]!.length;
  matrices.forEach((m, i) => {
    if (m.length !== k || m.some((row) => row.length !== k))
      throw new InputError(`matrices[${i}]`, `expected ${k}×${k}`);
  });
  const mean = Array.from({ length: k }, (_, r) =>
    Array.from({ length: k }, (_, c) => matrices.reduce((s, m) => s + m[r]![c]!, 0) / matrices.length),
  );
  const rowNormalized = mean.map((row) => {
    const total = row.reduce((a, b) => a + b, 0);
    return row.map((v) => (total === 0 ? 0 : v / total));
  });
  return { mean, rowNormalized };
}
