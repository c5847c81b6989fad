import { createHash } from "node:crypto";
import type { MultimodalDataset, MultimodalTable } from "@tailsweep/schemas";
import { beforeAll, describe, expect, it } from "vitest";
import { classHistogram } from "./image-set";
import { loadDataset } from "./load-dataset";

function sameTable(a: MultimodalTable, b: MultimodalTable): boolean {
  const bytes = (v: ArrayBufferView) => Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  return (
    a.n === b.n &&
    bytes(a.y).equals(bytes(b.y)) &&
    a.x.every((values, k) => bytes(values).equals(bytes(b.x[k]!)))
  );
}

const small = { headCount: 600, testPerClass: 50 } as const;

describe("loadDataset mnist-2view (real MNIST)", () => {
  let data: MultimodalDataset;
  let seconds: number;
  beforeAll(async () => {
    const started = performance.now();
    data = await loadDataset({ name: "mnist-2view" });
    seconds = (performance.now() - started) / 1000;
    console.info(`mnist-2view default load: ${seconds.toFixed(2)} s`);
  });

  it("has the default long-tailed counts and a balanced test set", () => {
    expect(data.counts.labeled).toEqual([500, 299, 179, 107, 64, 38, 23, 13, 8, 5]);
    expect(data.counts.unlabeled).toEqual([4500, 2697, 1617, 969, 581, 348, 208, 125, 75, 45]);
    expect(data.counts.test).toEqual(new Array(10).fill(800));
    expect(classHistogram(data.labeled.y, 10)).toEqual(data.counts.labeled);
    expect(classHistogram(data.unlabeled.yTrue, 10)).toEqual(data.counts.unlabeled);
    expect(classHistogram(data.test.y, 10)).toEqual(data.counts.test);
    expect(data.unlabeled.y.every((label) => label === -1)).toBe(true);
    expect([data.labeled.n, data.unlabeled.n, data.test.n]).toEqual([1236, 11165, 8000]);
  });

  it("has two 784-dim modalities in [0, 1], the noisy view brighter on average", () => {
    expect(data.modalities.map((m) => [m.name, m.dim, m.shape])).toEqual([
      ["digit", 784, [28, 28]],
      ["view", 784, [28, 28]],
    ]);
    const [digit, view] = data.labeled.x as [Float32Array, Float32Array];
    expect(digit.length).toBe(1236 * 784);
    expect(view.length).toBe(1236 * 784);
    const mean = (v: Float32Array) => v.reduce((a, b) => a + b, 0) / v.length;
    expect(mean(digit)).toBeGreaterThan(0.05);
    expect(mean(view)).toBeGreaterThan(mean(digit) + 0.3); // U(0, 1) noise adds ≈ 0.5 before clipping
    expect(view.every((v) => v >= 0 && v <= 1)).toBe(true);
    expect(digit.every((v) => v >= 0 && v <= 1)).toBe(true);
  });

  it("returns the resolved recipe with the seed filled", () => {
    expect(data.recipe).toMatchObject({ name: "mnist-2view", imbalanceRatio: 100, labelRatio: 0.1, seed: 0 });
  });

  it("is deterministic in the seed; recipe.seed wins over options.seed", async () => {
    const a = await loadDataset({ ...small, seed: 3 }, { seed: 9 });
    const b = await loadDataset(small, { seed: 3 });
    const c = await loadDataset(small, { seed: 4 });
    expect(a.recipe.seed).toBe(3);
    for (const part of ["labeled", "unlabeled", "test"] as const) {
      expect(sameTable(a[part], b[part])).toBe(true);
      expect(sameTable(a[part], c[part])).toBe(false);
    }
    expect(Buffer.from(a.unlabeled.yTrue.buffer).equals(Buffer.from(b.unlabeled.yTrue.buffer))).toBe(true);
  });

  it("follows the class order and reports shortages and bad orders clearly", async () => {
    const reversed = await loadDataset({ ...small, classOrder: [9, 8, 7, 6, 5, 4, 3, 2, 1, 0] });
    expect(reversed.counts.labeled[9]).toBe(60);
    expect(reversed.counts.labeled[0]).toBe(1); // floor(60 · 100^(−1)) = 0, clamped to 1
    await expect(loadDataset({ classOrder: [0, 1, 2] })).rejects.toThrow(/permutation of 0\.\.9/);
    await expect(loadDataset({ headCount: 6000 })).rejects.toThrow(
      /class 0 \("0"\) needs 6000 training rows \(600 labeled \+ 5400 unlabeled\) but only 5923/,
    );
  });
});

describe("loadDataset with a validation split (real MNIST)", () => {
  it("has the long-tailed counts of docs/data.md's worked example, and balanced ones by default", async () => {
    const longTailed = await loadDataset({ ...small, validation: { perClass: 50, shape: "long-tailed" } });
    expect(longTailed.counts.validation).toEqual([50, 29, 17, 10, 6, 3, 2, 1, 1, 1]);
    expect(longTailed.validation!.n).toBe(120);
    expect(classHistogram(longTailed.validation!.y, 10)).toEqual(longTailed.counts.validation);
    const balanced = await loadDataset({ ...small, validation: { perClass: 20 } });
    expect(balanced.counts.validation).toEqual(new Array(10).fill(20));
    expect(balanced.recipe.validation).toEqual({ perClass: 20, shape: "balanced" });
    expect(balanced.validation!.y.every((label) => label >= 0 && label < 10)).toBe(true);
  });

  it("counts the validation rows in a shortage and names them", async () => {
    // class 0 has 5,923 training images: 592 labeled + 5,331 unlabeled take them all
    await expect(loadDataset({ headCount: 5923, validation: { perClass: 1 } })).rejects.toThrow(
      /class 0 \("0"\) needs 5924 training rows \(592 labeled \+ 5331 unlabeled \+ 1 validation\) but only 5923 are available; lower headCount, lower validation\.perClass or pick another classOrder$/,
    );
  });
});

describe("loadDataset mnist-fashion (real sources)", () => {
  it("pairs digits with clothes of the same class index", async () => {
    const data = await loadDataset({ ...small, name: "mnist-fashion" }, { seed: 1 });
    expect(data.modalities.map((m) => m.name)).toEqual(["digit", "fashion"]);
    expect(data.classNames[0]).toBe("0 & T-shirt/top");
    expect(data.counts.labeled).toEqual([60, 35, 21, 12, 7, 4, 2, 1, 1, 1]);
    expect(data.counts.test).toEqual(new Array(10).fill(50));
    expect(data.test.x[1]!.length).toBe(500 * 784);
    // Separate random streams per step: the same seed selects the same digits for both benchmarks.
    const twoView = await loadDataset({ ...small, name: "mnist-2view" }, { seed: 1 });
    const bytes = (v: Float32Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength);
    expect(bytes(data.labeled.x[0]!).equals(bytes(twoView.labeled.x[0]!))).toBe(true);
    expect(bytes(data.test.x[0]!).equals(bytes(twoView.test.x[0]!))).toBe(true);
  });
});

/**
 * SHA-256 over every array of a data set, in a fixed order: its identity for the recipe-version checksums. The
 * validation table, when there is one, comes last, so a data set without one hashes as it did before it existed.
 */
function datasetChecksum(data: MultimodalDataset): string {
  const hash = createHash("sha256");
  const add = (v: ArrayBufferView) => hash.update(Buffer.from(v.buffer, v.byteOffset, v.byteLength));
  for (const table of [data.labeled, data.unlabeled, data.test]) {
    for (const x of table.x) add(x);
    add("y" in table ? table.y : new Int32Array(0));
  }
  add(data.unlabeled.yTrue);
  if (data.validation) {
    for (const x of data.validation.x) add(x);
    add(data.validation.y);
  }
  return hash.digest("hex").slice(0, 16);
}

describe("dataset recipe versions (docs/data.md)", () => {
  // Recorded once: version 1's by the code before versions existed (commit 709611b), so a sweep stored then trains
  // on the same rows; version 2's by tailsweep's one generator. A change that moves either is a new version.
  const recorded = [
    { name: "mnist-2view", version: 1, checksum: "84dd57d81b648bc4" },
    { name: "mnist-2view", version: 2, checksum: "27e25aaa93e5984f" },
    { name: "mnist-fashion", version: 1, checksum: "3d6f9cf8165af1e0" },
    { name: "mnist-fashion", version: 2, checksum: "7acf991fb075cfa9" },
  ] as const;
  it.each(recorded)(
    "$name version $version gives its recorded checksum",
    async ({ name, version, checksum }) => {
      const data = await loadDataset({ ...small, name, version, classOrder: "random" }, { seed: 3 });
      expect(data.recipe.version).toBe(version);
      expect(datasetChecksum(data)).toBe(checksum);
    },
  );

  // A validation set is drawn after the training rows from streams of its own: the same recipe with one still trains
  // on the recorded rows, bit for bit.
  it.each(recorded)(
    "$name version $version with a validation set keeps the recorded training and test rows",
    async ({ name, version, checksum }) => {
      const recipe = { ...small, name, version, classOrder: "random", validation: { perClass: 50 } } as const;
      const data = await loadDataset(recipe, { seed: 3 });
      const { validation, ...rest } = data;
      expect(datasetChecksum(rest)).toBe(checksum);
      expect(validation!.n).toBe(500);
      expect(data.counts.validation).toEqual(new Array(10).fill(50));
      expect(classHistogram(validation!.y, 10)).toEqual(data.counts.validation);
      expect(validation!.x.map((x) => x.length)).toEqual([500 * 784, 500 * 784]);
      expect(datasetChecksum(await loadDataset(recipe, { seed: 3 }))).toBe(datasetChecksum(data));
    },
  );

  it("a recipe without a version gets the current one, 2", async () => {
    const data = await loadDataset({ ...small, name: "mnist-2view" }, { seed: 3 });
    expect(data.recipe.version).toBe(2);
  });
});
