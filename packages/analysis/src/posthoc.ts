import type { ComparisonRow, ComparisonTable } from "@tailsweep/stats";
import type { SweepRevision } from "@tailsweep/sweep";
import { correctionName } from "./format";

/** The revisions chosen after looking at the results (post-hoc top-ups), by number. */
export function posthocRevisionSet(
  revisions: readonly Pick<SweepRevision, "posthoc" | "revision">[],
): Set<number> {
  return new Set(revisions.filter((r) => r.posthoc).map((r) => r.revision));
}

/** Which post-hoc revision added each run, as `label#seed` → revision, from the trials given. */
export function posthocAddedBy(
  trials: readonly { configKey: string; seed: number; revision: number }[],
  posthoc: ReadonlySet<number>,
  labelOf: (configKey: string) => string,
): Map<string, number> {
  return new Map(
    trials
      .filter((t) => posthoc.has(t.revision))
      .map((t) => [`${labelOf(t.configKey)}#${t.seed}`, t.revision]),
  );
}

/** A comparison table's rows marked with the post-hoc revisions their tests use ({@link SweepComparisonRow}). */
export type MarkedTable = Omit<ComparisonTable, "rows"> & {
  rows: (ComparisonRow & { posthocRevisions: number[] })[];
  posthocNote?: string;
};

/**
 * The seeds a row's test against the baseline uses: for a paired test those both ran, for Welch (fewer than two
 * matched) every seed of either side.
 */
export function testedSeeds(
  row: Pick<ComparisonRow, "seeds" | "vsBaseline">,
  baseSeeds: ReadonlySet<number>,
): number[] {
  return row.vsBaseline?.comparison?.method === "welch"
    ? [...new Set([...row.seeds, ...baseSeeds])]
    : row.seeds.filter((s) => baseSeeds.has(s));
}

/**
 * Marks each comparison whose test uses a run a post-hoc revision added (`addedBy`: `label#seed` → revision): for a
 * paired test the seeds both sides ran, for Welch (fewer than two matched) every seed of either side; and says once
 * what that means for every row, the correction carrying the optimism to the others' adjusted p. For a `sequential`
 * sweep it does not suggest running one.
 */
export function markPosthoc(
  table: ComparisonTable,
  addedBy: ReadonlyMap<string, number>,
  options: { sequential?: boolean } = {},
): MarkedTable {
  const baseRow = table.rows.find((r) => r.config === table.baseline)!;
  const baseSeeds = new Set(baseRow.seeds);
  const rows = table.rows.map((row) => {
    const revisions = new Set<number>();
    if (row.vsBaseline) {
      for (const seed of testedSeeds(row, baseSeeds))
        for (const label of [row.config, table.baseline]) {
          const revision = addedBy.get(`${label}#${seed}`);
          if (revision !== undefined) revisions.add(revision);
        }
    }
    return { ...row, posthocRevisions: [...revisions].sort((a, b) => a - b) };
  });
  const marked = rows.filter((r) => r.posthocRevisions.length > 0).length;
  return {
    ...table,
    rows,
    ...(marked > 0 && {
      posthocNote: `${marked} comparison${marked === 1 ? " uses" : "s use"} seeds added after looking at the results (post-hoc top-up): ${marked === 1 ? "its" : "their"} p-value${marked === 1 ? " is" : "s are"} optimistic (optional stopping), and through the ${correctionName(table.correction)} correction so are the other rows' adjusted p-values; confirm on fresh seeds${options.sequential ? " (the sweep's sequential design decided on its own rounds' seeds, before the top-up)" : ", or run a sequential design (seeds: { initial, step, max })"}`,
    }),
  };
}
