import { resolveClassOrder } from "@tailsweep/data/long-tail";
import { CURRENT_DATASET_VERSION, parseSweepFile } from "@tailsweep/schemas";
import { expandSweep, InMemoryRunStore } from "@tailsweep/sweep";
import { describe, expect, it } from "vitest";
import { byRank, confusionByRank, ranksOf, usualMinority } from "./class-ranks";
import { loadSweepRuns } from "./sweep-runs";
import { perClassResults } from "./sweep-views";

const t0 = new Date("2026-01-01T00:00:00Z");
const K = 4;

/** A finished sweep whose trial on each seed recalls the class of rank r at 0.9 − 0.2·r and confuses it with rank r+1. */
async function sweep(classOrder: "natural" | "random") {
  const store = new InMemoryRunStore();
  const spec = parseSweepFile({
    project: "p",
    name: "ranks",
    dataset: { classOrder },
    search: { variant: ["proposed"] },
    seeds: 4,
  });
  await store.createSweep({ id: "s", spec, trials: expandSweep(spec), now: t0 });
  for (const t of await store.listTrials("s")) {
    const order =
      classOrder === "natural"
        ? [0, 1, 2, 3]
        : resolveClassOrder("random", K, t.seed, CURRENT_DATASET_VERSION);
    const recall = Array<number>(K).fill(0);
    const confusion = Array.from({ length: K }, () => Array<number>(K).fill(0));
    order.forEach((c, rank) => {
      recall[c] = 0.9 - 0.2 * rank;
      confusion[c]![c] = 10 * recall[c]!;
      confusion[c]![order[(rank + 1) % K]!] = 10 - 10 * recall[c]!;
    });
    const metrics = {
      test: {
        n: 40,
        accuracy: 0.6,
        balancedAccuracy: 0.6,
        macroF1: 0.6,
        gMean: 0.6,
        perClassRecall: recall,
        perClassPrecision: recall,
        confusion,
      },
      minorityRecall: recall[order[K - 1]!]!,
      minorityClasses: [order[K - 1]!],
      perModality: [],
      pseudoLabels: {
        accuracy: 0.6,
        balancedAccuracy: 0.6,
        perClassRecall: recall,
        predictedShare: [0.25, 0.25, 0.25, 0.25],
      },
    };
    await store.claimTrial(t.id, "w", t0, "cpu");
    await store.completeTrial(t.id, 1, { metrics, backend: "cpu", seconds: 1 }, t0);
  }
  return loadSweepRuns(store, (await store.getSweep("s"))!);
}

describe("per-class numbers by tail rank", () => {
  it("re-indexes values, confusion matrices and class lists by rank", () => {
    const order = [2, 0, 3, 1];
    expect(byRank(["a", "b", "c", "d"], order)).toEqual(["c", "a", "d", "b"]);
    const m = [
      [1, 2, 3, 4],
      [5, 6, 7, 8],
      [9, 10, 11, 12],
      [13, 14, 15, 16],
    ];
    // row r, column q: true class order[r] predicted as order[q]
    expect(confusionByRank(m, order)[0]).toEqual([11, 9, 12, 10]);
    expect(ranksOf([1, 2], order)).toEqual([0, 3]);
  });

  it("stars the classes that are minority in at least half of the trials, not in the first one alone", () => {
    // rank 7 ties with rank 8 at the cut-off: one seed counts it in, three do not
    expect(
      usualMinority([
        [7, 8, 9],
        [8, 9],
        [8, 9],
        [8, 9],
      ]),
    ).toEqual([8, 9]);
    expect(usualMinority([[1], [2]])).toEqual([1, 2]);
    expect(usualMinority([])).toEqual([]);
  });

  it("the dashboard's per-class view lines seeds up by rank when each seed draws its class order", async () => {
    const runs = await sweep("random");
    // the seeds' tails differ: averaged by class, the tail would be mixed with the head
    expect(
      new Set(runs.trials.map((t) => resolveClassOrder("random", K, t.seed, CURRENT_DATASET_VERSION)[K - 1]))
        .size,
    ).toBeGreaterThan(1);
    const [row] = perClassResults(runs);
    expect(row!.classAxis).toBe("rank");
    expect(row!.recall.map((r) => r.mean)).toEqual([0.9, 0.7, 0.5, 0.3].map((v) => expect.closeTo(v, 12)));
    expect(row!.recall.every((r) => r.sd === 0)).toBe(true);
    expect(row!.pseudoLabelRecall!.map((r) => r.mean)).toEqual(
      [0.9, 0.7, 0.5, 0.3].map((v) => expect.closeTo(v, 12)),
    );
    expect(row!.minorityClasses).toEqual([K - 1]);
    // the head's misses go to rank 2 on every seed
    expect(row!.confusion.rowNormalized[0]!.map((v) => Number(v.toFixed(12)))).toEqual([0.9, 0.1, 0, 0]);
  });

  it("keeps the class axis when every trial has the natural order", async () => {
    const [row] = perClassResults(await sweep("natural"));
    expect(row!.classAxis).toBe("class");
    expect(row!.recall.map((r) => r.mean)).toEqual([0.9, 0.7, 0.5, 0.3].map((v) => expect.closeTo(v, 12)));
  });
});
