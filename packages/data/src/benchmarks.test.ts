import { BUILTIN_CLASS_COUNT, BUILTIN_MODALITY_COUNT } from "@tailsweep/schemas";
import { describe, expect, it } from "vitest";
import {
  buildMnistFashion,
  buildMnistTwoView,
  MNIST_FASHION_MODALITIES,
  MNIST_TWO_VIEW_MODALITIES,
} from "./benchmarks";
import { FASHION_MNIST_CLASS_NAMES } from "./fashion-mnist";
import { classHistogram, type ImageDataset, type ImageSplit } from "./image-set";
import { resolveDatasetRecipe } from "./load-dataset";
import { resolveClassOrder } from "./long-tail";
import { MNIST_CLASS_NAMES } from "./mnist";

it("has the class and modality counts a launch checks a class order and model.modalities against", () => {
  expect(MNIST_CLASS_NAMES).toHaveLength(BUILTIN_CLASS_COUNT);
  expect(FASHION_MNIST_CLASS_NAMES).toHaveLength(BUILTIN_CLASS_COUNT);
  expect(MNIST_TWO_VIEW_MODALITIES).toHaveLength(BUILTIN_MODALITY_COUNT);
  expect(MNIST_FASHION_MODALITIES).toHaveLength(BUILTIN_MODALITY_COUNT);
});

const DIM = 784;
const CENTRE = 14 * 28 + 14;

/** A split with `perClass` images per class; image i of class c has every pixel = pixelOf(c, i). */
function syntheticSplit(perClass: number, pixelOf: (c: number, i: number) => number): ImageSplit {
  const n = 10 * perClass;
  const pixels = new Uint8Array(n * DIM);
  const labels = new Uint8Array(n);
  for (let row = 0; row < n; row++) {
    // Classes interleaved, like a real source.
    const c = row % 10;
    const i = Math.floor(row / 10);
    labels[row] = c;
    pixels.fill(pixelOf(c, i), row * DIM, (row + 1) * DIM);
  }
  return { n, rows: 28, cols: 28, pixels, labels };
}

function syntheticSet(perClass: number, pixelOf: (c: number, i: number) => number): ImageDataset {
  const classNames = Array.from({ length: 10 }, (_, c) => String(c));
  return {
    name: "synthetic",
    classNames,
    train: syntheticSplit(perClass, pixelOf),
    test: syntheticSplit(perClass, pixelOf),
  };
}

describe("buildMnistTwoView (synthetic digits)", () => {
  // Two images per class: image 0 black, image 1 white. The second view of one must come from the other.
  const digits = syntheticSet(2, (_, i) => (i === 0 ? 0 : 255));
  const recipe = resolveDatasetRecipe({ imbalanceRatio: 1, labelRatio: 0.5, headCount: 2, testPerClass: 1 });

  it("pairs every row with a different image of its class, rotated and noised", () => {
    const data = buildMnistTwoView(digits, recipe);
    expect([data.labeled.n, data.unlabeled.n, data.test.n]).toEqual([10, 10, 10]);
    for (const table of [data.labeled, data.unlabeled, data.test]) {
      for (let r = 0; r < table.n; r++) {
        const digitCentre = table.x[0]![r * DIM + CENTRE]!;
        const viewCentre = table.x[1]![r * DIM + CENTRE]!;
        // White partner: 1 + noise clips to exactly 1. Black partner: noise alone, below 1.
        if (digitCentre === 0) expect(viewCentre).toBe(1);
        else expect(viewCentre).toBeLessThan(1);
        const view = table.x[1]!.subarray(r * DIM, (r + 1) * DIM);
        expect(Math.min(...view)).toBeGreaterThanOrEqual(0);
        expect(Math.max(...view)).toBeLessThanOrEqual(1);
      }
    }
  });

  it("puts the two images of a class into different tables (labeled vs unlabeled)", () => {
    const data = buildMnistTwoView(digits, recipe);
    for (let c = 0; c < 10; c++) {
      const labeledRow = data.labeled.y.indexOf(c);
      const unlabeledRow = data.unlabeled.yTrue.indexOf(c);
      expect(data.labeled.x[0]![labeledRow * DIM]).not.toBe(data.unlabeled.x[0]![unlabeledRow * DIM]);
    }
    expect(Array.from(data.unlabeled.y)).toEqual(new Array(10).fill(-1));
  });
});

describe("buildMnistFashion (synthetic sources)", () => {
  const digits = syntheticSet(3, () => 128);
  // Fashion image i of class c has every pixel = 20c + i + 1, so class and identity can be read back.
  const fashion = syntheticSet(4, (c, i) => 20 * c + i + 1);
  const recipe = resolveDatasetRecipe({
    name: "mnist-fashion",
    imbalanceRatio: 1,
    labelRatio: 1 / 3,
    headCount: 3,
    testPerClass: 2,
  });

  it("pairs each digit with a same-class fashion image of the same split, never reusing one", () => {
    const data = buildMnistFashion(digits, fashion, recipe);
    expect(data.counts).toEqual({
      labeled: new Array(10).fill(1),
      unlabeled: new Array(10).fill(2),
      test: new Array(10).fill(2),
    });
    const partnerOf = (x: Float32Array, r: number) => Math.round(x[r * DIM]! * 255);
    const trainPartners: number[] = [];
    for (const [table, y] of [
      [data.labeled, data.labeled.y],
      [data.unlabeled, data.unlabeled.yTrue],
      [data.test, data.test.y],
    ] as const) {
      for (let r = 0; r < table.n; r++) {
        const partner = partnerOf(table.x[1]!, r);
        expect(Math.floor((partner - 1) / 20)).toBe(y[r]);
        if (table !== data.test) trainPartners.push(partner);
      }
    }
    expect(new Set(trainPartners).size).toBe(trainPartners.length);
    expect(data.classNames[9]).toBe("9 & 9");
  });

  it("counts a class's rows as the smaller of its digit and fashion pools", () => {
    const fewFashion = syntheticSet(2, (c, i) => 20 * c + i + 1);
    expect(() => buildMnistFashion(digits, fewFashion, recipe)).toThrow(
      /class 0 \("0 & 0"\) needs 3 training rows .* only 2 are available/,
    );
  });
});

/** Whether two tables hold the same bytes in every array. */
function sameTable(
  a: { x: Float32Array[]; y: Int32Array },
  b: { x: Float32Array[]; y: Int32Array },
): boolean {
  const bytes = (v: ArrayBufferView) => Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  return (
    a.x.length === b.x.length &&
    a.x.every((values, k) => bytes(values).equals(bytes(b.x[k]!))) &&
    bytes(a.y).equals(bytes(b.y))
  );
}

/** Pixel value of each row's first pixel in modality k, 0..255: the synthetic image's identity. */
function identities(table: { n: number; x: Float32Array[] }, k: number): number[] {
  return Array.from({ length: table.n }, (_, r) => Math.round(table.x[k]![r * DIM]! * 255));
}

describe("validation rows (synthetic sources)", () => {
  // Digit image i of class c has every pixel = 10i + c + 1: unique, so each row's source image can be read back.
  const digits = syntheticSet(8, (c, i) => 10 * i + c + 1);
  const base = { imbalanceRatio: 1, labelRatio: 0.5, headCount: 4, testPerClass: 2 } as const;

  it.each([1, 2] as const)(
    "mnist-2view: disjoint labeled rows training never sees, training tables unchanged (version %i)",
    (version) => {
      const without = buildMnistTwoView(digits, resolveDatasetRecipe({ ...base, version }, { seed: 5 }));
      const recipe = resolveDatasetRecipe({ ...base, version, validation: { perClass: 3 } }, { seed: 5 });
      const data = buildMnistTwoView(digits, recipe);
      const validation = data.validation!;
      expect(validation.n).toBe(30);
      expect(data.counts.validation).toEqual(new Array(10).fill(3));
      expect(classHistogram(validation.y, 10)).toEqual(data.counts.validation);
      // every row's digit is of its class, and no digit is used by two training or validation rows
      const digitIds = identities(validation, 0);
      expect(digitIds.map((id) => (id - 1) % 10)).toEqual(Array.from(validation.y));
      const training = [...identities(data.labeled, 0), ...identities(data.unlabeled, 0)];
      const all = [...training, ...digitIds];
      expect(new Set(all).size).toBe(all.length);
      expect(new Set(identities(data.test, 0)).size).toBe(20);
      // views are in [0, 1]
      expect(validation.x[1]!.every((v) => v >= 0 && v <= 1)).toBe(true);
      // adding the validation set changes no labeled, unlabeled or test byte
      for (const part of ["labeled", "unlabeled", "test"] as const)
        expect(sameTable(data[part], without[part]), part).toBe(true);
      expect(Array.from(data.unlabeled.yTrue)).toEqual(Array.from(without.unlabeled.yTrue));
      expect(without.validation).toBeUndefined();
      expect("validation" in without.counts).toBe(false);
      // deterministic
      expect(sameTable(buildMnistTwoView(digits, recipe).validation!, validation)).toBe(true);
    },
  );

  const fashion = syntheticSet(7, (c, i) => 20 * c + i + 1);
  const fashionBase = { ...base, name: "mnist-fashion", labelRatio: 1 / 3, headCount: 3 } as const;

  it.each([1, 2] as const)(
    "mnist-fashion: validation partners come after the training ones, never reused (version %i)",
    (version) => {
      const without = buildMnistFashion(
        digits,
        fashion,
        resolveDatasetRecipe({ ...fashionBase, version }, { seed: 2 }),
      );
      const data = buildMnistFashion(
        digits,
        fashion,
        resolveDatasetRecipe({ ...fashionBase, version, validation: { perClass: 2 } }, { seed: 2 }),
      );
      const validation = data.validation!;
      expect(data.counts.validation).toEqual(new Array(10).fill(2));
      expect(classHistogram(validation.y, 10)).toEqual(data.counts.validation);
      const partners = identities(validation, 1);
      expect(partners.map((id) => Math.floor((id - 1) / 20))).toEqual(Array.from(validation.y));
      const trainPartners = [...identities(data.labeled, 1), ...identities(data.unlabeled, 1), ...partners];
      expect(new Set(trainPartners).size).toBe(trainPartners.length);
      const trainDigits = [
        ...identities(data.labeled, 0),
        ...identities(data.unlabeled, 0),
        ...identities(validation, 0),
      ];
      expect(new Set(trainDigits).size).toBe(trainDigits.length);
      for (const part of ["labeled", "unlabeled", "test"] as const)
        expect(sameTable(data[part], without[part]), part).toBe(true);
    },
  );

  it("mnist-fashion: the partner pool bounds the validation rows too, and the error names them", () => {
    // 3 training + 5 validation rows per class: digits have 8, fashion images only 7.
    const recipe = resolveDatasetRecipe({ ...fashionBase, validation: { perClass: 5 } });
    expect(() => buildMnistFashion(digits, fashion, recipe)).toThrow(
      /class 0 \("0 & 0"\) needs 8 training rows \(1 labeled \+ 2 unlabeled \+ 5 validation\) but only 7 are available; .*validation\.perClass/,
    );
    expect(
      buildMnistFashion(
        digits,
        fashion,
        resolveDatasetRecipe({ ...fashionBase, validation: { perClass: 4 } }),
      ).validation!.n,
    ).toBe(40);
  });

  it("long-tailed validation follows the labeled profile in the class order", () => {
    const recipe = resolveDatasetRecipe({
      ...base,
      imbalanceRatio: 4,
      labelRatio: 1,
      headCount: 2,
      classOrder: "random",
      validation: { perClass: 4, shape: "long-tailed" },
    });
    const data = buildMnistTwoView(digits, recipe);
    // 4·4^(−r/9) = 4, 3.43, 2.94, 2.52, 2.16, 1.85, 1.59, 1.36, 1.17, 1: floored, by rank in the class order
    const order = resolveClassOrder("random", 10, recipe.seed, recipe.version);
    expect(order).not.toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(order.map((c) => data.counts.validation![c])).toEqual([4, 3, 2, 2, 2, 1, 1, 1, 1, 1]);
    expect(data.counts.labeled[order[0]!]).toBe(2); // the labeled rows' head class
    expect(classHistogram(data.validation!.y, 10)).toEqual(data.counts.validation);
  });
});
