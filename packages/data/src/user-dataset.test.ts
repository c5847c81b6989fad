import type { MultimodalTable } from "@tailsweep/schemas";
import { describe, expect, it } from "vitest";
import { classHistogram } from "./image-set";
import { resolveDatasetRecipe } from "./load-dataset";
import { buildUserDataset } from "./user-dataset";
import type { UserData } from "./user-import";

// 3 classes with 12, 10 and 8 labeled rows, interleaved, and 3 rows unlabeled in the file. Row i's values are
// [i, −i], so every table row can be traced back to its source row.
const LABELS = [...Array.from({ length: 24 }, (_, i) => i % 3), ...[0, 1, 0, 1, 0, 0], -1, -1, -1];
const trainTable: MultimodalTable = {
  n: LABELS.length,
  x: [Float32Array.from(LABELS.flatMap((_, i) => [i, -i]))],
  y: Int32Array.from(LABELS),
};
const data: UserData = {
  name: "toy",
  classNames: ["cat", "dog", "owl"],
  modalities: [{ name: "a", dim: 2 }],
  train: trainTable,
  test: { n: 3, x: [Float32Array.from([100, -100, 101, -101, 102, -102])], y: Int32Array.from([0, 1, 2]) },
};
const sourceRows = (table: MultimodalTable) => Array.from({ length: table.n }, (_, r) => table.x[0]![r * 2]!);
const sameTable = (a: MultimodalTable, b: MultimodalTable) =>
  Array.from(a.x[0]!).join() === Array.from(b.x[0]!).join() &&
  Array.from(a.y).join() === Array.from(b.y).join();

// K = 3, headCount 4, β = 0.5, ρ = 2: N = [2, floor(2·2^(−1/2)) = 1, 1], M = [2, 1, 1].
const subsampling = {
  name: "user",
  path: "unused.json",
  headCount: 4,
  labelRatio: 0.5,
  imbalanceRatio: 2,
} as const;

describe("buildUserDataset with a validation split", () => {
  it("has the fixture it says", () => {
    expect(classHistogram(LABELS, 3)).toEqual([12, 10, 8]);
  });

  it.each([1, 2] as const)(
    "draws it from the labeled rows after the training ones, leaving those bit-identical (version %i)",
    (version) => {
      const without = buildUserDataset(data, resolveDatasetRecipe({ ...subsampling, version }, { seed: 4 }));
      const recipe = resolveDatasetRecipe(
        { ...subsampling, version, validation: { perClass: 3 } },
        { seed: 4 },
      );
      const withIt = buildUserDataset(data, recipe);
      const validation = withIt.validation!;
      expect(withIt.counts.validation).toEqual([3, 3, 3]);
      expect(classHistogram(validation.y, 3)).toEqual([3, 3, 3]);
      expect(sourceRows(validation).map((row) => LABELS[row])).toEqual(Array.from(validation.y));
      // disjoint from the labeled rows, the drawn unlabeled rows and the file's unlabeled rows
      const all = [...sourceRows(withIt.labeled), ...sourceRows(withIt.unlabeled), ...sourceRows(validation)];
      expect(new Set(all).size).toBe(all.length);
      expect(all).toHaveLength(4 + (4 + 3) + 9); // labeled + (drawn + file's) unlabeled + validation
      expect(sameTable(withIt.labeled, without.labeled)).toBe(true);
      expect(sameTable(withIt.unlabeled, without.unlabeled)).toBe(true);
      expect(Array.from(withIt.unlabeled.yTrue)).toEqual(Array.from(without.unlabeled.yTrue));
      expect(without.validation).toBeUndefined();
      expect("validation" in without.counts).toBe(false);
      expect(withIt.counts.labeled).toEqual(without.counts.labeled);
      expect(sameTable(buildUserDataset(data, recipe).validation!, validation)).toBe(true);
    },
  );

  it("gives a long-tailed validation set the labeled profile", () => {
    // 4·2^(−r/2) = 4, 2.83, 2
    const recipe = resolveDatasetRecipe({
      ...subsampling,
      validation: { perClass: 4, shape: "long-tailed" },
    });
    expect(buildUserDataset(data, recipe).counts.validation).toEqual([4, 2, 2]);
  });

  it("names the class and the validation rows when a class is short", () => {
    // owl has 8 rows: 1 labeled + 1 unlabeled + 7 validation
    const recipe = resolveDatasetRecipe({ ...subsampling, validation: { perClass: 7 } });
    expect(() => buildUserDataset(data, recipe)).toThrow(
      /class 2 \("owl"\) needs 9 training rows \(1 labeled \+ 1 unlabeled \+ 7 validation\) but only 8 are available; lower headCount or validation\.perClass/,
    );
  });

  it("refuses a validation set when the labels are used as they are, naming dataset.validation", () => {
    const asIs = { name: "user", path: "unused.json", imbalanceRatio: 1, labelRatio: 1 } as const;
    expect(buildUserDataset(data, resolveDatasetRecipe(asIs)).validation).toBeUndefined();
    expect(() =>
      buildUserDataset(data, resolveDatasetRecipe({ ...asIs, validation: { perClass: 2 } })),
    ).toThrow(/^dataset\.validation: .*imbalanceRatio 1 and labelRatio 1.*set labelRatio below 1/);
  });
});
