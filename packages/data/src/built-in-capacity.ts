import { classOrderProblem, type DatasetName, seedRanges } from "@tailsweep/schemas";
import stringify from "safe-stable-stringify";
import type { ResolvedRecipe } from "./benchmarks";
import { FASHION_MNIST_CLASS_NAMES, MNIST_CLASS_NAMES } from "./class-names";
import { labelRatioEffect, recipeCounts, resolveClassOrder } from "./long-tail";

/** MNIST's training images per class, the digits both built-in sets draw from (`mnist.test.ts` checks them). */
export const MNIST_TRAIN_CLASS_ROWS: readonly number[] = [
  5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949,
];

/** Fashion-MNIST's training images per class as loaded (`fashion-mnist.test.ts` checks them). */
export const FASHION_TRAIN_CLASS_ROWS: readonly number[] = new Array<number>(10).fill(6000);

type BuiltInName = Exclude<DatasetName, "user">;

/**
 * The training rows a built-in set can give each class: MNIST's for mnist-2view, whose second view reuses MNIST
 * images; for mnist-fashion the smaller of MNIST's and Fashion-MNIST's, since its partners are never reused
 * (buildMnistFashion).
 */
export function builtInTrainClassRows(name: BuiltInName): number[] {
  return name === "mnist-2view"
    ? [...MNIST_TRAIN_CLASS_ROWS]
    : MNIST_TRAIN_CLASS_ROWS.map((rows, c) => Math.min(rows, FASHION_TRAIN_CLASS_ROWS[c]!));
}

/** The class names of a built-in set, as its trials report them. */
function classNamesOf(name: BuiltInName): string[] {
  return name === "mnist-2view"
    ? MNIST_CLASS_NAMES
    : MNIST_CLASS_NAMES.map((digit, c) => `${digit} & ${FASHION_MNIST_CLASS_NAMES[c]}`);
}

/**
 * What to change when class `classIndex` of a built-in set is short of training rows, said at launch and at load
 * alike: a lower headCount always helps, labelRatio only the way {@link labelRatioEffect} says (under
 * unlabeledImbalance "same" it moves no class's total, so it is not offered), a lower validation.perClass where there is
 * a validation set, and another class order.
 */
export function shortageHint(
  recipe: Pick<
    ResolvedRecipe,
    "headCount" | "imbalanceRatio" | "labelRatio" | "unlabeledImbalance" | "validation"
  >,
  classOrder: readonly number[],
  classIndex: number,
  /** Other ways out, said last (`another dataset.seed`). */
  others: readonly string[] = [],
): string {
  const effect = labelRatioEffect({
    numClasses: classOrder.length,
    imbalanceRatio: recipe.imbalanceRatio,
    unlabeledImbalance: recipe.unlabeledImbalance,
    rank: classOrder.indexOf(classIndex),
  });
  const changes = [
    "lower headCount",
    // where round(β·headCount) is headCount already (β = 1) every row is labeled: no higher labelRatio moves one
    ...(effect === "up"
      ? ["lower labelRatio"]
      : effect === "down" && Math.round(recipe.labelRatio * recipe.headCount) < recipe.headCount
        ? ["raise labelRatio"]
        : []),
    ...(recipe.validation ? ["lower validation.perClass"] : []),
    "pick another classOrder",
    ...others,
  ];
  return `${changes.slice(0, -1).join(", ")} or ${changes.at(-1)}`;
}

/** One class a split is short of, at one seed. */
interface Shortage {
  classIndex: number;
  need: number;
  parts: string;
  available: number;
  /** The class order it was short under, for {@link shortageHint}. */
  classOrder: number[];
  /** Its labeled and unlabeled rows fit: the validation rows tip it over. */
  validationTips: boolean;
}

/** The first class (by index) whose labeled, unlabeled and validation rows exceed what the set has of it. */
function shortageOf(recipe: ResolvedRecipe & { name: BuiltInName }): Shortage | undefined {
  const available = builtInTrainClassRows(recipe.name);
  // Not a permutation of its classes: refused where a launch parses it, and said by the trial where it was stored
  // before that check (a stored sweep that is extended); not a shortage.
  if (classOrderProblem(recipe) !== undefined) return undefined;
  const order = resolveClassOrder(recipe.classOrder, available.length, recipe.seed, recipe.version);
  const counts = recipeCounts(recipe, available.length, order);
  for (let c = 0; c < available.length; c++) {
    const labeled = counts.labeled[c] ?? 0;
    const unlabeled = counts.unlabeled[c] ?? 0;
    const validation = counts.validation?.[c] ?? 0;
    const need = labeled + unlabeled + validation;
    if (need > available[c]!)
      return {
        classIndex: c,
        need,
        parts: `${labeled} labeled + ${unlabeled} unlabeled${counts.validation ? ` + ${validation} validation` : ""}`,
        available: available[c]!,
        classOrder: order,
        validationTips: labeled + unlabeled <= available[c]!,
      };
  }
  return undefined;
}

/**
 * Whether a trial with `recipe` (its seed filled in) is known, before it runs, to fail when it loads its data: its class
 * order is not a permutation of its classes, or a built-in set has too few training rows of some class. These are the
 * trials of a stored sweep that {@link builtInSplitProblems} leaves to fail at load (stored before launches checked
 * them), counted for the person adding seeds. A user set's rows and class count are known only from its files: its
 * order is counted only where it is no permutation of its own length (one of the wrong length fails uncounted).
 */
export function splitFailsAtLoad(recipe: ResolvedRecipe): boolean {
  const { name } = recipe;
  if (classOrderProblem(recipe) !== undefined) return true;
  return name !== "user" && shortageOf({ ...recipe, name }) !== undefined;
}

/** A trial's data set as a launch sees it: its recipe (seed filled in) and where its values come from. */
export interface LaunchRecipe {
  recipe: ResolvedRecipe;
  /** Where its headCount is set: `dataset.headCount`, or its value's place in the search (`search.dataset.headCount[1]`). */
  field: string;
  /** The other dataset knobs its sweep searches, as people read them (`dataset.labelRatio=0.3`), or "". */
  searched: string;
  /** Its seed is `dataset.seed`, the same whatever the trial's seed (absent: the trial's). */
  dataSeed?: boolean;
  /** Its searched values are ones a TPE search may propose later, not ones it starts with. */
  proposal?: boolean;
}

/** Where {@link builtInSplitProblems} is asked. */
export interface SplitCheckOptions {
  /**
   * Seeds added to a stored sweep (extend, confirm), with the recipes its stored trials drew: a problem is said under
   * `seeds`, and not for a recipe short at every seed its stored trials ran (a sweep stored before launches checked
   * this, or a TPE proposal), whose trials fail as its stored ones did, so the rest of the sweep can still grow.
   */
  adding?: { stored: readonly LaunchRecipe[] };
}

interface Group {
  first: LaunchRecipe;
  name: BuiltInName;
  seeds: Set<number>;
  short: Map<number, Shortage>;
}

/** Recipes grouped by all but their seed, with the seeds each is short at. */
function groupBySeed(recipes: readonly LaunchRecipe[]): Map<string, Group> {
  const groups = new Map<string, Group>();
  for (const launch of recipes) {
    const { seed, ...rest } = launch.recipe;
    const { name } = rest;
    if (name === "user") continue;
    const key = stringify([
      launch.field,
      launch.searched,
      launch.dataSeed ?? false,
      launch.proposal ?? false,
      rest,
    ]);
    const group = groups.get(key) ?? { first: launch, name, seeds: new Set(), short: new Map() };
    groups.set(key, group);
    if (group.seeds.has(seed)) continue;
    group.seeds.add(seed);
    const shortage = shortageOf({ ...launch.recipe, name });
    if (shortage) group.short.set(seed, shortage);
  }
  return groups;
}

/**
 * The built-in data sets' training splits that would run out of rows, checked before a sweep is stored or grows: one
 * problem per recipe (seeds aside) that some seed cannot draw, naming the first short class at the first such seed
 * and, where the class order is random (each seed puts another class at the head; MNIST's classes have 5,421 to 6,742
 * images), the seeds it happens at. Without it every such trial failed at load, with planTrainSplit's message (which
 * stays, for recipes that come another way). A user data set's classes are known only from its files: not checked.
 */
export function builtInSplitProblems(
  recipes: readonly LaunchRecipe[],
  options: SplitCheckOptions = {},
): string[] {
  const before = options.adding && groupBySeed(options.adding.stored);
  const problems: string[] = [];
  const said = new Set<string>();
  for (const [key, { first, name, seeds, short }] of groupBySeed(recipes)) {
    const [firstSeed, shortage] = [...short.entries()].sort(([a], [b]) => a - b)[0] ?? [];
    const stored = before?.get(key);
    // Short at every seed it was stored with: a recipe whose trials could never run, not one these seeds make short.
    if (firstSeed === undefined || !shortage || (stored && stored.short.size === stored.seeds.size)) continue;
    const { recipe } = first;
    // Values a TPE search may propose, short as a problem said already is — the same class, as many rows, under the
    // same class order at the same seeds — differ from it only in knobs that do not move that class's total (the
    // bounds of labelRatio and unlabeledImbalance, at the head class): said once, not once per combination. A data seed
    // or class order of their own is said, each: leaving out one would be refused again at the next.
    const same = stringify([
      name,
      shortage.classIndex,
      shortage.need,
      recipe.classOrder,
      recipe.version,
      first.dataSeed ? firstSeed : [...short.keys()].sort((a, b) => a - b),
    ]);
    if (first.proposal && said.has(same)) continue;
    said.add(same);
    const random = recipe.classOrder === "random";
    const detail =
      `class ${shortage.classIndex} ("${classNamesOf(name)[shortage.classIndex]}") would need ${shortage.need} ` +
      `training rows (${shortage.parts}) and ${name} has ${shortage.available}`;
    const which = options.adding ? "seeds to add" : "seeds it may run";
    const at = !random
      ? ""
      : first.dataSeed
        ? ` at dataset.seed ${firstSeed}`
        : seeds.size === 1
          ? ` at seed ${firstSeed}, the only one of the ${which}`
          : short.size === seeds.size
            ? ` at every one of the ${which} (${seedRanges([...seeds])}), as at seed ${firstSeed}`
            : short.size === 1
              ? ` at seed ${firstSeed} (1 of the ${seeds.size} ${which})`
              : ` at seeds ${seedRanges([...short.keys()])} (${short.size} of the ${seeds.size} ${which}), as at seed ${firstSeed}`;
    const hint = (others: string[] = []) =>
      shortageHint(recipe, shortage.classOrder, shortage.classIndex, others);
    const where = `${name}${first.searched ? ` with ${first.searched}` : ""}${first.proposal ? " (values its TPE search may propose)" : ""}`;
    // where headCount alone would fit, the validation rows are what is too many: said beside it
    const headCount = `${recipe.headCount}${shortage.validationTips && recipe.validation ? ` with validation.perClass ${recipe.validation.perClass}` : ""}`;
    problems.push(
      options.adding
        ? `seeds: headCount ${headCount} on ${where} (${first.field}) is more than its data allows${at}: ` +
            `${detail}; ${random && !first.dataSeed ? "add other seeds: with classOrder random each seed puts another class at the head" : hint()}`
        : `${first.field}: ${headCount} on ${where} is more than its data allows${at}: ${detail}; ` +
            `${hint(random && first.dataSeed ? ["another dataset.seed"] : [])}`,
    );
  }
  return problems;
}
