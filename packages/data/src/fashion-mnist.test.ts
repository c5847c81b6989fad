import { mkdir, mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FASHION_TRAIN_CLASS_ROWS } from "./built-in-capacity";
import { fashionCacheFileName, loadFashionMnist } from "./fashion-mnist";
import { decodeImageCache, encodeImageCache } from "./image-cache";
import { classHistogram } from "./image-set";

const IMAGES_PER_CLASS = 5;
const TEST_PER_CLASS = 2;

/** Image i of class c: every pixel (c·16 + i·3 + k) mod 256, so each image is distinct and recognisable. */
function syntheticImage(c: number, i: number): number[] {
  return Array.from({ length: 784 }, (_, k) => (c * 16 + i * 3 + k) % 256);
}

describe("loadFashionMnist cache (synthetic source)", () => {
  let root: string;
  let sourceDir: string;
  let cacheDir: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "tailsweep-fashion-"));
    sourceDir = join(root, "clothes");
    cacheDir = join(root, "cache");
    await mkdir(sourceDir);
    for (let c = 0; c < 10; c++) {
      const images: number[][] = Array.from({ length: IMAGES_PER_CLASS }, (_, i) => syntheticImage(c, i));
      // Class 3's last (test) image duplicates its first training image: it must be dropped from test.
      if (c === 3) images[IMAGES_PER_CLASS - 1] = syntheticImage(3, 0);
      // The real class 0 file carries empty separator arrays; they are not images.
      const data = c === 0 ? [...images.slice(0, 2), [], ...images.slice(2), []] : images;
      await writeFile(join(sourceDir, `${c}.json`), JSON.stringify({ data }));
    }
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const load = () => loadFashionMnist({ sourceDir, cacheDir, testPerClass: TEST_PER_CLASS });
  const cacheFile = () => join(cacheDir, fashionCacheFileName(TEST_PER_CLASS));

  it("builds the split from the JSON (train first, last images test, duplicates dropped)", async () => {
    const first = await load();
    expect(first.cache.status).toBe("built");
    expect(first.train.n).toBe(10 * (IMAGES_PER_CLASS - TEST_PER_CLASS));
    expect(classHistogram(first.test.labels, 10)).toEqual([2, 2, 2, 1, 2, 2, 2, 2, 2, 2]);
    // Class 0's separators are skipped: its third training image is image 2 of the file.
    expect(Array.from(first.train.pixels.subarray(2 * 784, 2 * 784 + 3))).toEqual(
      syntheticImage(0, 2).slice(0, 3),
    );
    expect(await readdir(cacheDir)).toEqual([fashionCacheFileName(TEST_PER_CLASS)]); // no tmp file left over
  });

  it("reads the cache back identically", async () => {
    const built = await load();
    const hit = await load();
    expect(hit.cache.status).toBe("hit");
    expect(hit.train.pixels).toEqual(built.train.pixels);
    expect(hit.train.labels).toEqual(built.train.labels);
    expect(hit.test.pixels).toEqual(built.test.pixels);
    expect(hit.test.labels).toEqual(built.test.labels);
  });

  it("rebuilds a truncated cache file", async () => {
    const good = await readFile(cacheFile());
    await truncate(cacheFile(), good.length - 100);
    const rebuilt = await load();
    expect(rebuilt.cache.status).toBe("rebuilt");
    expect(rebuilt.cache.reason).toMatch(/length/);
    expect(await readFile(cacheFile())).toEqual(good);
    expect((await load()).cache.status).toBe("hit");
  });

  it("rebuilds a cache whose payload was corrupted in place, or whose source changed", async () => {
    const good = await readFile(cacheFile());
    const damaged = Buffer.from(good);
    damaged[damaged.length - 1]! ^= 0xff;
    await writeFile(cacheFile(), damaged);
    const rebuilt = await load();
    expect(rebuilt.cache.reason).toMatch(/checksum/);
    expect(await readFile(cacheFile())).toEqual(good);

    const file9 = join(sourceDir, "9.json");
    const original = await readFile(file9, "utf8");
    await writeFile(
      file9,
      JSON.stringify({ data: Array.from({ length: 6 }, (_, i) => syntheticImage(9, i)) }),
    );
    const changed = await load();
    expect(changed.cache.reason).toMatch(/signature/);
    expect(changed.train.n).toBe(31);
    await writeFile(file9, original);
  });

  it("rejects malformed source images", async () => {
    const badDir = join(root, "bad");
    await mkdir(badDir);
    for (let c = 0; c < 10; c++) {
      const data = Array.from({ length: 3 }, (_, i) => syntheticImage(c, i));
      if (c === 4) data[1]![10] = 300;
      await writeFile(join(badDir, `${c}.json`), JSON.stringify({ data }));
    }
    await expect(loadFashionMnist({ sourceDir: badDir, cacheDir, testPerClass: 1 })).rejects.toThrow(
      /4\.json: image 2, pixel 11 is 300/,
    );
  });
});

describe("image cache encoding", () => {
  it("round-trips and refuses short, stale or foreign bytes", () => {
    const split = (n: number, seed: number) => ({
      n,
      rows: 2,
      cols: 3,
      pixels: Uint8Array.from({ length: n * 6 }, (_, i) => (i * seed) % 256),
      labels: Uint8Array.from({ length: n }, (_, i) => i % 10),
    });
    const data = { train: split(4, 7), test: split(2, 11) };
    const bytes = encodeImageCache(data, 1234);
    const decoded = decodeImageCache(bytes, 1234);
    expect(decoded.ok && decoded.data).toEqual(data);
    expect(decodeImageCache(bytes.subarray(0, bytes.length - 1), 1234)).toMatchObject({ ok: false });
    expect(decodeImageCache(bytes.subarray(0, 10), 1234)).toMatchObject({ ok: false, reason: /too short/ });
    expect(decodeImageCache(bytes, 999)).toMatchObject({ ok: false, reason: /signature/ });
    const otherVersion = Uint8Array.from(bytes);
    otherVersion[8] = 99;
    expect(decodeImageCache(otherVersion, 1234)).toMatchObject({ ok: false, reason: /version 99/ });
  });
});

describe("loadFashionMnist (real package, via the default cache)", () => {
  it("has 10 classes of 28×28 images, 6000 training images per class", async () => {
    const started = performance.now();
    const fashion = await loadFashionMnist();
    const seconds = (performance.now() - started) / 1000;
    console.info(`fashion-mnist load: ${seconds.toFixed(2)} s (cache ${fashion.cache.status})`);
    expect(fashion.classNames).toHaveLength(10);
    expect([fashion.train.rows, fashion.train.cols]).toEqual([28, 28]);
    expect(classHistogram(fashion.train.labels, 10)).toEqual(FASHION_TRAIN_CLASS_ROWS);
    const testCounts = classHistogram(fashion.test.labels, 10);
    expect(testCounts.every((count) => count > 990 && count <= 1000)).toBe(true);
    expect(fashion.test.n).toBe(testCounts.reduce((a, b) => a + b, 0));
    expect(fashion.train.pixels.length).toBe(60_000 * 784);
    expect((await stat(fashion.cache.path)).size).toBe(64 + (fashion.train.n + fashion.test.n) * 785);
  });
});
