import { z } from "zod";
import { noNul } from "./text";

/** Built-in multimodal benchmarks; `user` reads a manifest from disk (see docs/data-format.md). */
export const DatasetNameSchema = z.enum(["mnist-2view", "mnist-fashion", "user"]);
export type DatasetName = z.infer<typeof DatasetNameSchema>;

/**
 * How the training pool is cut: long-tailed class counts by imbalance ratio ρ, a labeled/unlabeled
 * split by label ratio β, and a class-balanced test set. Everything is deterministic in `seed`.
 */
/**
 * Which random-number generator builds a data set (docs/data.md, "Recipe versions"): 2 is tailsweep's one
 * generator, 1 the one every data set was built with before versions existed. A recipe stored without a version
 * was built by 1 ({@link withStoredDatasetVersion}); one written now gets {@link CURRENT_DATASET_VERSION}.
 */
export const DatasetVersionSchema = z.union([z.literal(1), z.literal(2)]);
export type DatasetVersion = z.infer<typeof DatasetVersionSchema>;
/** The generator a recipe gets when it names none. */
export const CURRENT_DATASET_VERSION: DatasetVersion = 2;
/** The generator of recipes stored before they carried a version. */
export const LEGACY_DATASET_VERSION: DatasetVersion = 1;

export const DatasetRecipeSchema = z
  .object({
    name: DatasetNameSchema.default("mnist-2view"),
    /** Manifest path, required when name = "user". */
    path: noNul(z.string().min(1).max(4096, "must be at most 4096 characters")).optional(),
    /** ρ = N_max / N_min of the labeled (and, by default, unlabeled) class counts; 1 = balanced. */
    imbalanceRatio: z.number().min(1).max(10_000).default(100),
    /** β = labeled fraction of the head class: N_1 = round(β·headCount), M_1 = headCount − N_1. */
    labelRatio: z.number().gt(0).max(1).default(0.1),
    /**
     * Unlabeled class distribution: "same" follows ρ, "uniform" is balanced, "reversed" puts the tail first,
     * a number is its own ρ_u.
     */
    unlabeledImbalance: z
      .union([z.enum(["same", "uniform", "reversed"]), z.number().min(1).max(10_000)])
      .default("same"),
    /** Training rows of the head class before the labeled/unlabeled split (N_max). */
    headCount: z.number().int().positive().max(1_000_000).default(5000),
    /** Rows per class in the class-balanced test set (capped by what the source has). */
    testPerClass: z.number().int().positive().max(1_000_000).default(800),
    /** Class order for the long tail: "natural" (0..K−1), "random" (seeded), or an explicit permutation. */
    classOrder: z.union([z.enum(["natural", "random"]), z.array(z.number().int().min(0))]).default("natural"),
    /** Seed of the subsampling and pairing; the trainer passes the trial seed unless one is given. */
    seed: z.number().int().min(0).optional(),
    /** The random-number generator that draws the rows, pairs and noise (see {@link DatasetVersionSchema}). */
    version: DatasetVersionSchema.default(CURRENT_DATASET_VERSION),
  })
  .strict()
  .superRefine((r, ctx) => {
    if (r.name === "user" && !r.path) {
      ctx.addIssue({ code: "custom", path: ["path"], message: 'path is required when name is "user"' });
    }
  });
export type DatasetRecipeInput = z.input<typeof DatasetRecipeSchema>;
export type DatasetRecipe = z.infer<typeof DatasetRecipeSchema>;

/**
 * A stored dataset recipe (a sweep spec's `dataset` knobs or a trial's resolved one) as it was built: one stored
 * before recipes carried a version was built by {@link LEGACY_DATASET_VERSION}, not today's default. Applied where
 * stored data is read, before its schema, so a sweep stored then is retried and extended on the same rows.
 */
export function withStoredDatasetVersion(dataset: unknown): unknown {
  if (typeof dataset !== "object" || dataset === null || Array.isArray(dataset) || "version" in dataset) {
    return dataset;
  }
  return { ...dataset, version: LEGACY_DATASET_VERSION };
}
