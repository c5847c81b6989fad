import { describe, expect, it } from "vitest";
import { buildMnistFashion, buildMnistTwoView } from "./benchmarks";
import type { ImageDataset, ImageSplit } from "./image-set";
import { resolveDatasetRecipe } from "./load-dataset";

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
