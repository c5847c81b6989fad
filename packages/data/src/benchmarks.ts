import {
  BUILTIN_MODALITY_DIM,
  type DatasetRecipe,
  type ModalityInfo,
  type MultimodalDataset,
} from "@tailsweep/schemas";
import { shortageHint } from "./built-in-capacity";
import {
  classHistogram,
  gatherScaledRows,
  type ImageDataset,
  type ImageSplit,
  rowsByClass,
} from "./image-set";
import { recipeCounts, resolveClassOrder } from "./long-tail";
import { createRng, type Rng, shuffleInPlace } from "./rng";
import { rotateBilinear } from "./rotate";
import { planBalancedTest, planTrainSplit, type TestSplitPlan, type TrainSplitPlan } from "./split-plan";

/** A recipe after parsing, with the seed decided. */
export type ResolvedRecipe = DatasetRecipe & { seed: number };

/** Largest rotation of the second `mnist-2view` view, in degrees (Wang et al. 2015 use ±45°). */
export const TWO_VIEW_MAX_DEGREES = 45;

const DIGIT_MODALITY: ModalityInfo = {
  name: "digit",
  dim: BUILTIN_MODALITY_DIM,
  shape: [28, 28],
  description: "MNIST digit, 28×28 grayscale scaled to [0, 1]",
};

/** Modalities of `mnist-2view`. */
export const MNIST_TWO_VIEW_MODALITIES: ModalityInfo[] = [
  DIGIT_MODALITY,
  {
    name: "view",
    dim: BUILTIN_MODALITY_DIM,
    shape: [28, 28],
    description:
      "another MNIST image of the same class, rotated by U(−45°, 45°) (bilinear, zero fill), plus U(0, 1) " +
      "noise per pixel, clipped to [0, 1]",
  },
];

/** Modalities of `mnist-fashion`. */
export const MNIST_FASHION_MODALITIES: ModalityInfo[] = [
  DIGIT_MODALITY,
  {
    name: "fashion",
    dim: BUILTIN_MODALITY_DIM,
    shape: [28, 28],
    description: "Fashion-MNIST image whose class index equals the digit's, 28×28 grayscale scaled to [0, 1]",
  },
];

interface BenchmarkPlan {
  train: TrainSplitPlan;
  test: TestSplitPlan;
  counts: MultimodalDataset["counts"];
}

/** Counts, class order and row plans shared by both benchmarks; the digit source is always MNIST. */
function planBenchmark(
  recipe: ResolvedRecipe,
  classNames: string[],
  mnist: ImageDataset,
  capacity: { train?: number[]; test?: number[] } = {},
): BenchmarkPlan {
  const numClasses = classNames.length;
  const order = resolveClassOrder(recipe.classOrder, numClasses, recipe.seed, recipe.version);
  const counts = recipeCounts(recipe, numClasses, order);
  const train = planTrainSplit({
    labels: mnist.train.labels,
    classNames,
    labeledCounts: counts.labeled,
    unlabeledCounts: counts.unlabeled,
    ...(counts.validation ? { validationCounts: counts.validation } : {}),
    seed: recipe.seed,
    version: recipe.version,
    ...(capacity.train ? { capacity: capacity.train } : {}),
    shortageHint: (classIndex) => shortageHint(recipe, order, classIndex),
  });
  const test = planBalancedTest({
    labels: mnist.test.labels,
    numClasses,
    testPerClass: recipe.testPerClass,
    seed: recipe.seed,
    version: recipe.version,
    ...(capacity.test ? { capacity: capacity.test } : {}),
  });
  return {
    train,
    test,
    counts: { ...counts, test: new Array<number>(numClasses).fill(test.perClass) },
  };
}

function labelsOf(split: ImageSplit, rows: Int32Array): Int32Array {
  return Int32Array.from(rows, (row) => split.labels[row]!);
}

/**
 * The noisy second view (Noisy-MNIST, Wang et al. 2015): for each selected row, a different image of the same
 * class from the same split, rotated by U(−45°, 45°) and with U(0, 1) noise added, clipped to [0, 1]. Each table
 * draws from its own stream, so adding a table (validation) moves no other table's views.
 */
function rotatedNoisyViews(split: ImageSplit, rows: Int32Array, pools: number[][], rng: Rng): Float32Array {
  const dim = split.rows * split.cols;
  const out = new Float32Array(rows.length * dim);
  const partnerPixels = new Float32Array(dim);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    const pool = pools[split.labels[row]!]!;
    if (pool.length < 2) throw new RangeError(`class ${split.labels[row]} has no second image to pair with`);
    let partner = row;
    while (partner === row) partner = pool[rng.int(pool.length)]!;
    for (let k = 0; k < dim; k++) partnerPixels[k] = split.pixels[partner * dim + k]! / 255;
    const degrees = (rng.float() * 2 - 1) * TWO_VIEW_MAX_DEGREES;
    const view = out.subarray(i * dim, (i + 1) * dim);
    rotateBilinear(partnerPixels, split.rows, split.cols, degrees, view);
    // Bilinear weights are convex, so the rotated image stays in [0, 1] and only the top needs clipping.
    for (let k = 0; k < dim; k++) {
      const noisy = view[k]! + rng.float();
      view[k] = Math.min(noisy, 1);
    }
  }
  return out;
}

/**
 * `mnist-2view`: modality "digit" is an MNIST digit, modality "view" a different, rotated and noisy MNIST
 * image of the same class from the same split (docs/data.md). Deterministic in `recipe.seed`.
 */
export function buildMnistTwoView(mnist: ImageDataset, recipe: ResolvedRecipe): MultimodalDataset {
  const classNames = mnist.classNames;
  const plan = planBenchmark(recipe, classNames, mnist);
  const trainPools = rowsByClass(mnist.train.labels, classNames.length);
  const testPools = rowsByClass(mnist.test.labels, classNames.length);
  const table = (split: ImageSplit, rows: Int32Array, pools: number[][], stream: string) => ({
    n: rows.length,
    x: [
      gatherScaledRows(split, rows),
      rotatedNoisyViews(split, rows, pools, createRng(recipe.seed, stream, recipe.version)),
    ],
    y: labelsOf(split, rows),
  });
  const labeled = table(mnist.train, plan.train.labeled, trainPools, "view-labeled");
  const unlabeled = table(mnist.train, plan.train.unlabeled, trainPools, "view-unlabeled");
  const validation = plan.train.validation;
  return {
    name: "mnist-2view",
    modalities: MNIST_TWO_VIEW_MODALITIES,
    classNames,
    labeled,
    unlabeled: { ...unlabeled, y: new Int32Array(unlabeled.n).fill(-1), yTrue: unlabeled.y },
    test: table(mnist.test, plan.test.rows, testPools, "view-test"),
    // Its own view stream: the labeled and unlabeled views are the same with or without a validation set.
    ...(validation ? { validation: table(mnist.train, validation, trainPools, "view-validation") } : {}),
    counts: plan.counts,
    recipe,
  };
}

/**
 * Hands out partner images without replacement: each class's partner pool is shuffled once and consumed in
 * order, so no partner image appears twice within one split (labeled, unlabeled and validation rows included).
 */
function partnerDealer(partnerSplit: ImageSplit, numClasses: number, rng: Rng) {
  const pools = rowsByClass(partnerSplit.labels, numClasses).map((pool) => shuffleInPlace(pool, rng));
  const next = new Array<number>(numClasses).fill(0);
  return (classRows: Int32Array): Int32Array =>
    Int32Array.from(classRows, (c) => {
      const partner = pools[c]![next[c]!++];
      // planBenchmark's capacity makes this unreachable; the check guards against a future caller.
      if (partner === undefined) throw new RangeError(`class ${c} ran out of partner images`);
      return partner;
    });
}

/**
 * `mnist-fashion`: modality "digit" is an MNIST digit of class c, modality "fashion" a Fashion-MNIST image of
 * class c from the same split (docs/data.md). A class's usable training rows are the smaller of its MNIST and
 * Fashion-MNIST pools, since partners are never reused. Deterministic in `recipe.seed`.
 */
export function buildMnistFashion(
  mnist: ImageDataset,
  fashion: ImageDataset,
  recipe: ResolvedRecipe,
): MultimodalDataset {
  const numClasses = mnist.classNames.length;
  const classNames = mnist.classNames.map((digit, c) => `${digit} & ${fashion.classNames[c]}`);
  const plan = planBenchmark(recipe, classNames, mnist, {
    train: classHistogram(fashion.train.labels, numClasses),
    test: classHistogram(fashion.test.labels, numClasses),
  });
  const trainPartners = partnerDealer(
    fashion.train,
    numClasses,
    createRng(recipe.seed, "fashion-train", recipe.version),
  );
  const testPartners = partnerDealer(
    fashion.test,
    numClasses,
    createRng(recipe.seed, "fashion-test", recipe.version),
  );
  const table = (
    split: ImageSplit,
    partnerSplit: ImageSplit,
    rows: Int32Array,
    deal: typeof trainPartners,
  ) => {
    const y = labelsOf(split, rows);
    return { n: rows.length, x: [gatherScaledRows(split, rows), gatherScaledRows(partnerSplit, deal(y))], y };
  };
  const labeled = table(mnist.train, fashion.train, plan.train.labeled, trainPartners);
  const unlabeled = table(mnist.train, fashion.train, plan.train.unlabeled, trainPartners);
  // Dealt last, from the same dealer: the training rows keep their partners, and no validation partner is one of
  // theirs (planBenchmark's capacity counts the validation rows too).
  const validation =
    plan.train.validation && table(mnist.train, fashion.train, plan.train.validation, trainPartners);
  return {
    name: "mnist-fashion",
    modalities: MNIST_FASHION_MODALITIES,
    classNames,
    labeled,
    unlabeled: { ...unlabeled, y: new Int32Array(unlabeled.n).fill(-1), yTrue: unlabeled.y },
    test: table(mnist.test, fashion.test, plan.test.rows, testPartners),
    ...(validation ? { validation } : {}),
    counts: plan.counts,
    recipe,
  };
}
