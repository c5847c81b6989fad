/**
 * Source images as the loaders return them: raw uint8 pixels, not float32, because the full MNIST training
 * split is 47 MB as bytes but 188 MB as floats, and only the rows a recipe selects ever need to be floats.
 */

/** One split (train or test) of a grayscale image data set, row-major uint8 pixels (0..255). */
export interface ImageSplit {
  /** Number of images. */
  n: number;
  rows: number;
  cols: number;
  /** n · rows · cols bytes, image after image. */
  pixels: Uint8Array;
  /** Class index per image. */
  labels: Uint8Array;
}

/** A labelled image data set with its train/test split. */
export interface ImageDataset {
  name: string;
  classNames: string[];
  train: ImageSplit;
  test: ImageSplit;
}

/** Rows of `split` whose label is c, for each class c, in source order. */
export function rowsByClass(labels: ArrayLike<number>, numClasses: number): number[][] {
  const pools: number[][] = Array.from({ length: numClasses }, () => []);
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i]!;
    if (label >= 0 && label < numClasses) pools[label]!.push(i);
  }
  return pools;
}

/** Images per class, indexed by class. */
export function classHistogram(labels: ArrayLike<number>, numClasses: number): number[] {
  const counts = new Array<number>(numClasses).fill(0);
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i]!;
    if (label >= 0 && label < numClasses) counts[label]!++;
  }
  return counts;
}

/** The selected images as float32 in [0, 1], row after row (the only float copy made of a source). */
export function gatherScaledRows(split: ImageSplit, rowIndices: ArrayLike<number>): Float32Array {
  const dim = split.rows * split.cols;
  const out = new Float32Array(rowIndices.length * dim);
  const scale = 1 / 255;
  for (let r = 0; r < rowIndices.length; r++) {
    const source = rowIndices[r]! * dim;
    const target = r * dim;
    for (let k = 0; k < dim; k++) out[target + k] = split.pixels[source + k]! * scale;
  }
  return out;
}
