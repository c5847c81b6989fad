import type { DatasetRecipe, DatasetVersion, ValidationShape } from "@tailsweep/schemas";
import { z } from "zod";
import { createRng, randomPermutation } from "./rng";

/** Parameters of {@link longTailCounts}: the recipe fields that shape the class counts. */
export const LongTailParamsSchema = z
  .object({
    numClasses: z.number().int().min(1),
    headCount: z.number().int().positive(),
    imbalanceRatio: z.number().min(1),
    labelRatio: z.number().gt(0).max(1),
    unlabeledImbalance: z.union([z.enum(["same", "uniform", "reversed"]), z.number().min(1)]).default("same"),
    /** Resolved class order (a permutation of 0..K−1; rank r ↦ class classOrder[r]); default natural. */
    classOrder: z.array(z.number().int()).optional(),
  })
  .strict();
/** Input of {@link longTailCounts}. */
export type LongTailParams = z.input<typeof LongTailParamsSchema>;

/** Labeled and unlabeled training rows per class, indexed by class (not by rank). */
export interface LongTailCounts {
  labeled: number[];
  unlabeled: number[];
}

// floor() of a value that is mathematically an integer can land just below it in floating point
// (e.g. 500 · 100^(−9/9)); this tolerance keeps such exact cases exact without moving any honest fraction.
const FLOOR_TOLERANCE = 1e-9;

/**
 * Where the class of rank r sits in the unlabeled rows' profile: ρ_u = ρ ("same"), 1 ("uniform") or the given number at
 * rank r, and for "reversed" ρ at rank K−1−r ({@link longTailCounts}).
 */
function unlabeledStep(
  unlabeledImbalance: LongTailParams["unlabeledImbalance"],
  imbalanceRatio: number,
  rank: number,
  numClasses: number,
): { ratio: number; rank: number } {
  const u = unlabeledImbalance ?? "same";
  if (u === "reversed") return { ratio: imbalanceRatio, rank: numClasses - 1 - rank };
  return { ratio: u === "same" ? imbalanceRatio : u === "uniform" ? 1 : u, rank };
}

/** floor(head · ρ^(−rank/(K−1))): the exponential profile of the LTSSL protocol (DARP, Kim et al. 2020). */
function profileCount(head: number, ratio: number, rank: number, numClasses: number): number {
  if (numClasses === 1) return head;
  return Math.floor(head * ratio ** (-rank / (numClasses - 1)) + FLOOR_TOLERANCE);
}

/**
 * Class counts of the long-tailed, semi-supervised training split (docs/data.md, "Long-tailed split"):
 * N_1 = round(β·headCount), M_1 = headCount − N_1, N_r = max(1, floor(N_1·ρ^(−r/(K−1)))),
 * M_r = floor(M_1·ρ_u^(−r/(K−1))) with ρ_u = ρ ("same"), 1 ("uniform") or the given number, and for
 * "reversed" M_r = floor(M_1·ρ^(−(K−1−r)/(K−1))). r is the class's rank in `classOrder`. Pure.
 */
export function longTailCounts(params: LongTailParams): LongTailCounts {
  const p = LongTailParamsSchema.parse(params);
  const order = p.classOrder ?? Array.from({ length: p.numClasses }, (_, c) => c);
  assertPermutation(order, p.numClasses);
  // The clamp to 1 keeps every class learnable at extreme ρ·β (e.g. β·headCount < ρ); docs/data.md.
  const headLabeled = Math.max(1, Math.round(p.labelRatio * p.headCount));
  const headUnlabeled = Math.max(0, p.headCount - headLabeled);
  const labeled = new Array<number>(p.numClasses).fill(0);
  const unlabeled = new Array<number>(p.numClasses).fill(0);
  order.forEach((classIndex, rank) => {
    labeled[classIndex] = Math.max(1, profileCount(headLabeled, p.imbalanceRatio, rank, p.numClasses));
    const step = unlabeledStep(p.unlabeledImbalance, p.imbalanceRatio, rank, p.numClasses);
    unlabeled[classIndex] = profileCount(headUnlabeled, step.ratio, step.rank, p.numClasses);
  });
  return { labeled, unlabeled };
}

/** Where {@link labelRatioEffect} is asked: a class's rank under its recipe's imbalance. */
export interface LabelRatioEffectParams {
  numClasses: number;
  imbalanceRatio: number;
  unlabeledImbalance: LongTailParams["unlabeledImbalance"];
  /** The class's rank in the resolved class order (0 = head). */
  rank: number;
}

/**
 * Which way a class's training rows (labeled + unlabeled) move as labelRatio β rises. By {@link longTailCounts} the
 * class of rank r draws β·H·a_r labeled and (1 − β)·H·b_r unlabeled rows, a_r = ρ^(−r/(K−1)) and b_r the unlabeled
 * profile's factor, so H·(b_r + β·(a_r − b_r)) in all: "up" where a_r > b_r, "down" where a_r < b_r, and "none" where
 * they are equal — every class under "same", the head class under all but "reversed". Rounding and the one-row clamp
 * aside.
 */
export function labelRatioEffect(params: LabelRatioEffectParams): "up" | "down" | "none" {
  const { numClasses: k, imbalanceRatio: rho, unlabeledImbalance, rank } = params;
  if (k === 1) return "none";
  const factor = (step: { ratio: number; rank: number }) => step.ratio ** (-step.rank / (k - 1));
  const labeled = factor({ ratio: rho, rank });
  const unlabeled = factor(unlabeledStep(unlabeledImbalance, rho, rank, k));
  // relative: factors that agree but for floating point (a numeric ρ_u equal to ρ) are the same profile
  if (Math.abs(labeled - unlabeled) <= 1e-12 * Math.max(labeled, unlabeled)) return "none";
  return labeled > unlabeled ? "up" : "down";
}

/** Parameters of {@link validationCounts}. */
export interface ValidationCountParams {
  numClasses: number;
  /** Rows of every class (balanced), or of the head class (long-tailed). */
  perClass: number;
  shape: ValidationShape;
  /** ρ of the recipe; used by the long-tailed shape only. */
  imbalanceRatio: number;
  /** Resolved class order (rank r ↦ class classOrder[r]); default natural. Used by the long-tailed shape only. */
  classOrder?: readonly number[];
}

/**
 * Validation rows per class, indexed by class (docs/data.md, "Validation split"): `balanced` gives perClass to every
 * class; `long-tailed` follows the labeled rows' profile, V_r = max(1, floor(perClass·ρ^(−r/(K−1)))) for the class of
 * rank r, so the head class gets perClass and every class at least one row. Pure.
 */
export function validationCounts(params: ValidationCountParams): number[] {
  const { numClasses, perClass, shape, imbalanceRatio } = params;
  if (!Number.isInteger(numClasses) || numClasses < 1) {
    throw new RangeError(`numClasses must be a positive integer, got ${numClasses}`);
  }
  if (!Number.isInteger(perClass) || perClass < 1) {
    throw new RangeError(`validation perClass must be a positive integer, got ${perClass}`);
  }
  if (shape === "balanced") return new Array<number>(numClasses).fill(perClass);
  if (!(imbalanceRatio >= 1))
    throw new RangeError(`imbalanceRatio must be at least 1, got ${imbalanceRatio}`);
  const order = params.classOrder ?? Array.from({ length: numClasses }, (_, c) => c);
  assertPermutation(order, numClasses);
  const counts = new Array<number>(numClasses).fill(0);
  order.forEach((classIndex, rank) => {
    counts[classIndex] = Math.max(1, profileCount(perClass, imbalanceRatio, rank, numClasses));
  });
  return counts;
}

/** Throws unless `order` lists each of 0..K−1 exactly once; the message says what is wrong. */
export function assertPermutation(order: readonly number[], numClasses: number): void {
  const what = `classOrder must be a permutation of 0..${numClasses - 1}`;
  if (order.length !== numClasses) {
    throw new RangeError(
      `${what} (one entry per class): got ${order.length} entries for ${numClasses} classes`,
    );
  }
  const seen = new Set<number>();
  for (const value of order) {
    if (!Number.isInteger(value) || value < 0 || value >= numClasses) {
      throw new RangeError(`${what}: ${value} is not a class index`);
    }
    if (seen.has(value)) throw new RangeError(`${what}: ${value} appears more than once`);
    seen.add(value);
  }
}

/**
 * The class order of a recipe as an explicit permutation (rank r ↦ class): "natural" is 0..K−1, "random" is
 * a permutation drawn from the seed's "class-order" stream, an array is checked and returned as is.
 */
export function resolveClassOrder(
  classOrder: DatasetRecipe["classOrder"],
  numClasses: number,
  seed: number,
  version: DatasetVersion,
): number[] {
  if (classOrder === "natural") return Array.from({ length: numClasses }, (_, c) => c);
  if (classOrder === "random") return randomPermutation(numClasses, createRng(seed, "class-order", version));
  assertPermutation(classOrder, numClasses);
  return [...classOrder];
}

/** The counts a dataset recipe asks for, with the class order already resolved. */
export interface RecipeCounts extends LongTailCounts {
  /** Validation rows per class, when the recipe asks for a validation set. */
  validation?: number[];
}

/** The long-tail counts (and validation counts, if any) a dataset recipe asks for, class order already resolved. */
export function recipeCounts(
  recipe: Pick<
    DatasetRecipe,
    "headCount" | "imbalanceRatio" | "labelRatio" | "unlabeledImbalance" | "validation"
  >,
  numClasses: number,
  classOrder: number[],
): RecipeCounts {
  const counts = longTailCounts({
    numClasses,
    headCount: recipe.headCount,
    imbalanceRatio: recipe.imbalanceRatio,
    labelRatio: recipe.labelRatio,
    unlabeledImbalance: recipe.unlabeledImbalance,
    classOrder,
  });
  if (!recipe.validation) return counts;
  const validation = validationCounts({
    numClasses,
    perClass: recipe.validation.perClass,
    shape: recipe.validation.shape,
    imbalanceRatio: recipe.imbalanceRatio,
    classOrder,
  });
  return { ...counts, validation };
}
