import { z } from "zod";
import { noNul } from "./text";

/** Built-in multimodal benchmarks; `user` reads a manifest from disk (see docs/data-format.md). */
export const DatasetNameSchema = z.enum(["mnist-2view", "mnist-fashion", "user"]);
export type DatasetName = z.infer<typeof DatasetNameSchema>;

/**
 * Classes of each built-in benchmark (MNIST's digits, paired with Fashion-MNIST's classes by index), so an explicit
 * `classOrder` is checked where the recipe is parsed; a user data set's class count is known only from its manifest.
 */
export const BUILTIN_CLASS_COUNT = 10;

/**
 * Modalities of each built-in benchmark (0 the MNIST digit, 1 the second view or the Fashion-MNIST image), so
 * `model.modalities` is checked where a run config comes in; a user data set's count is known only from its manifest.
 */
export const BUILTIN_MODALITY_COUNT = 2;

/** Pixels of each built-in modality (a 28×28 image), so a launch can check what an explicit γ does at its n. */
export const BUILTIN_MODALITY_DIM = 784;

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

/**
 * How the validation rows are spread over the classes (docs/data.md, "Validation split"): balanced = perClass rows of
 * every class; long-tailed = the labeled rows' profile, perClass for the head class down to perClass/ρ (at least 1).
 */
export const ValidationShapeSchema = z.enum(["balanced", "long-tailed"]);
export type ValidationShape = z.infer<typeof ValidationShapeSchema>;

/**
 * A labeled validation split (docs/data.md, "Validation split"): extra labeled rows drawn from the training pool after
 * the labeled and unlabeled ones, which training never sees. Epoch selection (`train.select: best`) reads them, so the
 * test set is read once, at the end.
 */
export const ValidationSplitSchema = z
  .object({
    perClass: z
      .number()
      .int()
      .min(1)
      .max(100_000)
      .describe(
        "Labeled validation rows per class (of the head class when shape is long-tailed), drawn from the training pool after the labeled and unlabeled rows, so the rows training sees stay the same. Training never sees them; epoch selection (train.select: best) reads them, and the test set is read once, at the end. Empty = no validation set.",
      ),
    shape: ValidationShapeSchema.default("balanced").describe(
      "How the validation rows spread over the classes: balanced = perClass rows of every class; long-tailed = the labeled rows' profile, the class of rank r gets max(1, floor(perClass·ρ^(−r/(K−1)))), i.e. perClass for the head class.",
    ),
  })
  .strict();
export type ValidationSplitInput = z.input<typeof ValidationSplitSchema>;
export type ValidationSplit = z.infer<typeof ValidationSplitSchema>;

/**
 * How the training pool is cut: long-tailed class counts by imbalance ratio ρ, a labeled/unlabeled
 * split by label ratio β, an optional labeled validation split, and a class-balanced test set. Everything is
 * deterministic in `seed`.
 */
export const DatasetRecipeSchema = z
  .object({
    name: DatasetNameSchema.default("mnist-2view").describe(
      "The data set: mnist-2view = an MNIST digit and, as second view, another digit of its class, rotated and noisy; mnist-fashion = an MNIST digit and a Fashion-MNIST image of its class; user = your own, read from the manifest at path (docs/data-format.md).",
    ),
    path: noNul(z.string().min(1).max(4096, "must be at most 4096 characters"))
      .optional()
      .describe('Path of the data set\'s manifest; required when name is "user" (docs/data-format.md).'),
    imbalanceRatio: z
      .number()
      .min(1)
      .max(10_000)
      .default(100)
      .describe(
        "ρ = N_max / N_min: how many times more labeled rows the head class has than the tail class (the unlabeled rows follow it by default); 1 = balanced (the default for name user). The study used 10, 50 and 100. Search alias: rho.",
      ),
    labelRatio: z
      .number()
      .gt(0)
      .max(1)
      .default(0.1)
      .describe(
        "β, the labeled fraction of the head class: round(β·headCount) of its rows are labeled and the rest unlabeled; the other classes follow by ρ. 1 = no unlabeled rows (the default for name user). The study used 0.05 to 0.3. Search alias: beta.",
      ),
    unlabeledImbalance: z
      .union([z.enum(["same", "uniform", "reversed"]), z.number().min(1).max(10_000)])
      .default("same")
      .describe(
        "Class distribution of the unlabeled rows: same = by ρ, like the labeled ones; uniform = balanced; reversed = the tail class gets the most; a number = its own imbalance ratio.",
      ),
    headCount: z
      .number()
      .int()
      .positive()
      .max(1_000_000)
      .default(5000)
      .describe(
        "Training rows of the head class (N_max) before the labeled/unlabeled split, which sets the data set's size: 1,000 in the study, 5,000 at the paper preset's size. Up to 5,421 works on MNIST for any ρ and class order.",
      ),
    testPerClass: z
      .number()
      .int()
      .positive()
      .max(1_000_000)
      .default(800)
      .describe(
        "Rows per class of the class-balanced test set, capped by the scarcest class (892 for MNIST): 300 in the study, 800 at the paper preset's size.",
      ),
    classOrder: z
      .union([z.enum(["natural", "random"]), z.array(z.number().int().min(0))])
      .default("natural")
      .describe(
        "Which classes are the head and which the tail: natural = 0 to K−1, class 0 the head; random = a permutation drawn from the seed; or an explicit permutation of 0 to K−1.",
      ),
    seed: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe(
        "Seed of the subsampling and pairing of the rows; empty = each trial's seed. Set it to keep the same rows across seeds.",
      ),
    // Optional with no default: a recipe without it parses to the same object (and stored ids and hashes) as before.
    validation: ValidationSplitSchema.optional().describe(
      "A labeled validation set: { perClass, shape } (shape balanced = perClass rows of every class; long-tailed = the labeled rows' profile, perClass for the head class). Its rows come from the training pool after the labeled and unlabeled ones, and training never sees them; epoch selection (train.select: best) reads them, and the test set is read once, at the end. Empty = no validation set.",
    ),
    /** A recipe stored without one reads back as 1: see {@link DatasetVersionSchema}. */
    version: DatasetVersionSchema.default(CURRENT_DATASET_VERSION).describe(
      "The random-number generator that draws the rows, pairs and noise: 2 = tailsweep's one generator; 1 = the one data sets were built with before versions existed, to rebuild an old study's data (docs/data.md).",
    ),
  })
  .strict()
  .superRefine((r, ctx) => {
    if (r.name === "user" && !r.path) {
      ctx.addIssue({ code: "custom", path: ["path"], message: 'path is required when name is "user"' });
    }
  });

/**
 * Why a recipe's explicit class order is not a permutation of its classes, or undefined when it is one (or is natural
 * or random): 0 to K−1, each once, with K = {@link BUILTIN_CLASS_COUNT} for a built-in data set; a user data set's K is
 * known only from its manifest, checked when it loads, so here its order must be a permutation of 0 to its length − 1.
 * Checked where a recipe comes in (resolveRunConfig's `launch`), not in the schema that stored trials are read with,
 * nor when a stored sweep is expanded: a sweep stored with a bad order before this check stays readable and
 * extendable.
 */
export function classOrderProblem(recipe: Pick<DatasetRecipe, "name" | "classOrder">): string | undefined {
  const order = recipe.classOrder;
  if (!Array.isArray(order)) return undefined;
  const builtIn = recipe.name !== "user";
  const k = builtIn ? BUILTIN_CLASS_COUNT : order.length;
  const wrongLength = builtIn ? order.length !== k : order.length < 2;
  const seen = new Set<number>();
  const repeated = [...new Set(order.filter((c) => seen.size === seen.add(c).size))];
  const outOfRange = [...new Set(order.filter((c) => c >= k))];
  if (!wrongLength && repeated.length === 0 && outOfRange.length === 0) return undefined;
  const what = [
    ...(wrongLength ? [`has ${order.length} ${order.length === 1 ? "entry" : "entries"}`] : []),
    ...(repeated.length > 0 ? [`repeats ${repeated.join(", ")}`] : []),
    ...(outOfRange.length > 0 ? [`has ${outOfRange.join(", ")} (above ${k - 1})`] : []),
  ];
  const rule = builtIn
    ? `must list each class 0 to ${k - 1} once (the built-in data sets have ${k} classes)`
    : "must list each of your data set's classes once, numbered from 0: a permutation of 0 to K − 1 for K classes, at least 2";
  return `${rule}; this one ${what.join(" and ")}`;
}
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
