import type { DatasetVersion } from "@tailsweep/schemas";
import { rowsByClass } from "./image-set";
import { createRng, shuffleInPlace } from "./rng";

/**
 * Which source rows go where. Plans hold row indices only (no pixels), so they are cheap to test exactly
 * (disjointness, counts, determinism) and the pixels are gathered once, for the selected rows alone.
 */

/** Rows of the training source chosen for the labeled, unlabeled and validation tables, in final table order. */
export interface TrainSplitPlan {
  labeled: Int32Array;
  unlabeled: Int32Array;
  /** Present when {@link TrainSplitInput.validationCounts} is. */
  validation?: Int32Array;
}

/** Inputs of {@link planTrainSplit}. */
export interface TrainSplitInput {
  /** Class per training-source row (rows with labels outside 0..K−1 are never drawn). */
  labels: ArrayLike<number>;
  classNames: readonly string[];
  /** Rows wanted per class, indexed by class. */
  labeledCounts: readonly number[];
  unlabeledCounts: readonly number[];
  /**
   * Validation rows wanted per class, drawn after the labeled and unlabeled ones; absent = no validation table
   * (the labeled and unlabeled rows are the same either way).
   */
  validationCounts?: readonly number[];
  seed: number;
  /** The recipe's generator (docs/data.md, "Recipe versions"). */
  version: DatasetVersion;
  /**
   * Usable rows per class when another constraint than the source's own pool binds (e.g. partner images of a
   * second modality); the smaller of the two counts.
   */
  capacity?: readonly number[];
  /** What to tell the user to change when class `classIndex` is short (appended to the error). */
  shortageHint?: (classIndex: number) => string;
}

/**
 * Draws the long-tailed labeled/unlabeled split: each class's pool is shuffled (stream "train-pool"), the
 * first N_c rows are labeled and the next M_c unlabeled, so the two are disjoint by construction. Because
 * the shuffle does not depend on the counts, a larger N_c gives a superset of the smaller one's labeled rows.
 * Validation rows, if asked for, are the next V_c rows of the same shuffled pool (rows [N_c+M_c, N_c+M_c+V_c)):
 * disjoint from both, and drawing them changes no labeled or unlabeled row. Throws, naming the class, if a class
 * has fewer rows than N_c + M_c (+ V_c). Each table is then shuffled (streams "order-labeled", "order-unlabeled",
 * "order-validation") so rows are not grouped by class.
 */
export function planTrainSplit(input: TrainSplitInput): TrainSplitPlan {
  const numClasses = input.classNames.length;
  const pools = rowsByClass(input.labels, numClasses);
  const rng = createRng(input.seed, "train-pool", input.version);
  const labeled: number[] = [];
  const unlabeled: number[] = [];
  const validation: number[] = [];
  for (let c = 0; c < numClasses; c++) {
    const pool = pools[c]!;
    const needLabeled = input.labeledCounts[c] ?? 0;
    const needUnlabeled = input.unlabeledCounts[c] ?? 0;
    const needValidation = input.validationCounts?.[c] ?? 0;
    const need = needLabeled + needUnlabeled + needValidation;
    const available = Math.min(pool.length, input.capacity?.[c] ?? Number.POSITIVE_INFINITY);
    if (need > available) {
      const parts = `${needLabeled} labeled + ${needUnlabeled} unlabeled${input.validationCounts ? ` + ${needValidation} validation` : ""}`;
      throw new RangeError(
        `class ${c} ("${input.classNames[c]}") needs ${need} training rows (${parts}) ` +
          `but only ${available} are available` +
          (input.shortageHint ? `; ${input.shortageHint(c)}` : ""),
      );
    }
    shuffleInPlace(pool, rng);
    const trainEnd = needLabeled + needUnlabeled;
    for (let i = 0; i < needLabeled; i++) labeled.push(pool[i]!);
    for (let i = needLabeled; i < trainEnd; i++) unlabeled.push(pool[i]!);
    for (let i = trainEnd; i < need; i++) validation.push(pool[i]!);
  }
  const order = (rows: number[], stream: string) =>
    shuffleInPlace(Int32Array.from(rows), createRng(input.seed, stream, input.version));
  return {
    labeled: order(labeled, "order-labeled"),
    unlabeled: order(unlabeled, "order-unlabeled"),
    ...(input.validationCounts ? { validation: order(validation, "order-validation") } : {}),
  };
}

/** Rows of the test source chosen for the class-balanced test table. */
export interface TestSplitPlan {
  rows: Int32Array;
  /** Rows taken from every class (the requested count, capped by the scarcest class). */
  perClass: number;
}

/**
 * Draws `min(testPerClass, rows of the scarcest class)` rows of every class (stream "test-pool"), the same
 * number for all classes so the test set stays balanced, then shuffles them.
 */
export function planBalancedTest(input: {
  labels: ArrayLike<number>;
  numClasses: number;
  testPerClass: number;
  seed: number;
  version: DatasetVersion;
  capacity?: readonly number[];
}): TestSplitPlan {
  const pools = rowsByClass(input.labels, input.numClasses);
  const available = pools.map((pool, c) =>
    Math.min(pool.length, input.capacity?.[c] ?? Number.POSITIVE_INFINITY),
  );
  const perClass = Math.min(input.testPerClass, ...available);
  const rng = createRng(input.seed, "test-pool", input.version);
  const rows: number[] = [];
  for (const pool of pools) {
    shuffleInPlace(pool, rng);
    for (let i = 0; i < perClass; i++) rows.push(pool[i]!);
  }
  return {
    rows: shuffleInPlace(Int32Array.from(rows), createRng(input.seed, "order-test", input.version)),
    perClass,
  };
}
