import type { MultimodalDataset, MultimodalTable } from "@tailsweep/schemas";
import type { ResolvedRecipe } from "./benchmarks";
import { classHistogram } from "./image-set";
import { recipeCounts, resolveClassOrder } from "./long-tail";
import { createRng, shuffleInPlace } from "./rng";
import { planTrainSplit } from "./split-plan";
import type { UserData } from "./user-import";

/** The chosen rows of a table, every modality gathered (a copy; the source stays intact). */
function gatherTableRows(table: MultimodalTable, dims: number[], rows: Int32Array): Float32Array[] {
  return table.x.map((values, k) => {
    const dim = dims[k]!;
    const out = new Float32Array(rows.length * dim);
    rows.forEach((row, r) => {
      out.set(values.subarray(row * dim, (row + 1) * dim), r * dim);
    });
    return out;
  });
}

/**
 * Whether the recipe asks to reshape the user's labels: only an imbalance ratio above 1 or a label ratio
 * below 1 does; with both at 1 the labels are used as they are (docs/data-format.md, "Recipe semantics").
 */
export function recipeSubsamplesUserData(
  recipe: Pick<ResolvedRecipe, "imbalanceRatio" | "labelRatio">,
): boolean {
  return recipe.imbalanceRatio > 1 || recipe.labelRatio < 1;
}

/**
 * Turns imported user data into a data set. Rows unlabeled in the file always go to the unlabeled table
 * (yTrue = −1). Labeled rows are all kept as labeled unless {@link recipeSubsamplesUserData}; then they form
 * the class pools of the long-tailed split exactly as for the benchmarks (headCount, ρ, β, classOrder), and
 * the rows drawn as unlabeled keep their label in yTrue. A validation set (`recipe.validation`) is drawn from the
 * same class pools after those rows, so it needs the subsampling; without it the load fails naming
 * `dataset.validation`. The test table is the manifest's test section as is.
 */
export function buildUserDataset(data: UserData, recipe: ResolvedRecipe): MultimodalDataset {
  const numClasses = data.classNames.length;
  const dims = data.modalities.map((m) => m.dim);
  // Resolved even when unused so an invalid classOrder fails the same way for every data set.
  const order = resolveClassOrder(recipe.classOrder, numClasses, recipe.seed, recipe.version);
  const fileUnlabeled: number[] = [];
  const fileLabeled: number[] = [];
  data.train.y.forEach((label, row) => {
    (label < 0 ? fileUnlabeled : fileLabeled).push(row);
  });

  let labeledRows: Int32Array;
  let drawnUnlabeledRows: Int32Array;
  let validationRows: Int32Array | undefined;
  if (recipeSubsamplesUserData(recipe)) {
    const counts = recipeCounts(recipe, numClasses, order);
    const plan = planTrainSplit({
      labels: data.train.y,
      classNames: data.classNames,
      labeledCounts: counts.labeled,
      unlabeledCounts: counts.unlabeled,
      ...(counts.validation ? { validationCounts: counts.validation } : {}),
      seed: recipe.seed,
      version: recipe.version,
      // the same whatever the class
      shortageHint: () =>
        counts.validation
          ? "lower headCount or validation.perClass, or set imbalanceRatio: 1 and labelRatio: 1 to use the labels as they are (without a validation set)"
          : "lower headCount, or set imbalanceRatio: 1 and labelRatio: 1 to use the labels as they are",
    });
    labeledRows = plan.labeled;
    drawnUnlabeledRows = plan.unlabeled;
    validationRows = plan.validation;
  } else {
    if (recipe.validation) {
      throw new RangeError(
        "dataset.validation: a validation set is drawn from the labeled rows the recipe subsamples, but with " +
          "imbalanceRatio 1 and labelRatio 1 every labeled row of the file is used for training; set labelRatio " +
          "below 1 or imbalanceRatio above 1 (the rows are then drawn by headCount), or remove dataset.validation",
      );
    }
    labeledRows = shuffleInPlace(
      Int32Array.from(fileLabeled),
      createRng(recipe.seed, "order-labeled", recipe.version),
    );
    drawnUnlabeledRows = new Int32Array(0);
  }
  const unlabeledRows = shuffleInPlace(
    Int32Array.from([...drawnUnlabeledRows, ...fileUnlabeled]),
    // Version 1 reused the stream planTrainSplit had shuffled the drawn rows with (the same permutation twice); the
    // merged table gets its own from version 2.
    createRng(
      recipe.seed,
      recipe.version === 1 ? "order-unlabeled" : "order-unlabeled-merged",
      recipe.version,
    ),
  );

  const labeledY = Int32Array.from(labeledRows, (row) => data.train.y[row]!);
  const hiddenY = Int32Array.from(unlabeledRows, (row) => data.train.y[row]!);
  const validation = validationRows && {
    n: validationRows.length,
    x: gatherTableRows(data.train, dims, validationRows),
    y: Int32Array.from(validationRows, (row) => data.train.y[row]!),
  };
  return {
    name: data.name,
    modalities: data.modalities,
    classNames: data.classNames,
    labeled: { n: labeledRows.length, x: gatherTableRows(data.train, dims, labeledRows), y: labeledY },
    unlabeled: {
      n: unlabeledRows.length,
      x: gatherTableRows(data.train, dims, unlabeledRows),
      y: new Int32Array(unlabeledRows.length).fill(-1),
      yTrue: hiddenY,
    },
    test: data.test,
    ...(validation ? { validation } : {}),
    counts: {
      labeled: classHistogram(labeledY, numClasses),
      // Rows unlabeled in the file have no known class, so they are in unlabeled.n but in no count.
      unlabeled: classHistogram(hiddenY, numClasses),
      test: classHistogram(data.test.y, numClasses),
      ...(validation ? { validation: classHistogram(validation.y, numClasses) } : {}),
    },
    recipe,
  };
}
