import { z } from "zod";
import { MappingSchema } from "./mapping";
// zod's messages in words (z.config): before any schema here refuses a value
import "./issue-messages";
import {
  BUILTIN_MODALITY_COUNT,
  BUILTIN_MODALITY_DIM,
  classOrderProblem,
  type DatasetName,
  type DatasetRecipe,
  DatasetRecipeSchema,
  withStoredDatasetVersion,
} from "./dataset";
import { ConfigError } from "./errors";
import { type ExplicitGammaAt, explicitGammaProblem, regularizerMinimumVariance } from "./gamma-constants";
import {
  type ModelConfig,
  ModelConfigSchema,
  type TrainConfig,
  TrainConfigSchema,
  VARIANT_OVERRIDES,
  type Variant,
  VariantSchema,
} from "./model-config";

/** A training run as a user writes it (YAML/JSON file or flags): every part optional. */
export const RunConfigInputSchema = z
  .object({
    variant: VariantSchema.default("proposed"),
    dataset: MappingSchema.default({}),
    model: MappingSchema.default({}),
    train: MappingSchema.default({}),
  })
  .strict();
export type RunConfigInput = z.input<typeof RunConfigInputSchema>;

/**
 * A fully resolved training run (what `resolveRunConfig` returns): what was trained, on what, how. It is the shape
 * that crosses process boundaries and is stored; readers parse it with this schema where it arrives (the claim
 * reply, the database). Every part is required: a partial config is an input, not a resolved one.
 */
export const RunConfigSchema = z
  .object({
    variant: VariantSchema,
    dataset: DatasetRecipeSchema,
    model: ModelConfigSchema,
    train: TrainConfigSchema,
  })
  .strict();

/** A resolved run config as stored: one written before recipes carried a version reads back with version 1. */
export const StoredRunConfigSchema = z.preprocess(
  (value) =>
    typeof value === "object" && value !== null && !Array.isArray(value) && "dataset" in value
      ? { ...value, dataset: withStoredDatasetVersion(value.dataset) }
      : value,
  RunConfigSchema,
);

/** A fully resolved training run: what was trained, on what, how. */
export interface RunConfig {
  variant: Variant;
  dataset: DatasetRecipe;
  model: ModelConfig;
  train: TrainConfig;
}

/** A field path as users write it: `search.nu[2]`, `groups[0].sweepId`. */
export function formatPath(segments: readonly PropertyKey[]): string {
  return segments.reduce<string>((text, key) => {
    if (typeof key === "number") return `${text}[${key}]`;
    const name = String(key);
    return text && name ? `${text}.${name}` : text || name;
  }, "");
}

type Issue = z.core.$ZodIssue;

/**
 * Whether a union member refused the value for being of another kind (a string where it takes a number), rather than
 * for what the value holds: a number-format issue (`.int()`) has a `format`, NaN is `received`, so the kind was right.
 * A member that only says which literals it takes (`"tied"`) says nothing about the kind either way.
 */
const otherKind = (issues: readonly Issue[]): boolean =>
  issues.some(
    (i) =>
      i.path.length === 0 &&
      ((i.code === "invalid_type" && !("format" in i) && !("received" in i)) ||
        (i.code === "invalid_union" && i.errors.length > 0 && i.errors.every(otherKind))),
  ) ||
  (issues.length > 0 && issues.every((i) => i.path.length === 0 && i.code === "invalid_value"));

/**
 * The lines of one issue under `path`. A failed union says "Invalid input" and nothing else; here it says what the one
 * member that takes this kind of value found wrong (`seeds[2]: …`), or else what each member allows.
 */
function issueLines(issue: Issue, path: readonly PropertyKey[]): string[] {
  const at = [...path, ...issue.path];
  if (issue.code === "invalid_union" && issue.errors.length > 0) {
    const sameKind = issue.errors.filter((branch) => !otherKind(branch));
    if (sameKind.length === 1) return sameKind[0]!.flatMap((inner) => issueLines(inner, at));
    if (issue.message === "Invalid input") {
      // each member's rule, and the value they refused once (plainIssueMessage ends each with ", got …")
      const given = issue.errors
        .flat()
        .map((i) => /, got (.*)$/.exec(i.message)?.[1])
        .find(Boolean);
      const each = issue.errors.map((branch) =>
        branch.map((i) => i.message.replace(/, got .*$/, "")).join(", "),
      );
      return [
        `${formatPath(at) || "(top level)"}: ${[...new Set(each)].join("; or ")}${given ? `, got ${given}` : ""}`,
      ];
    }
  }
  return [`${formatPath(at) || "(top level)"}: ${issue.message}`];
}

/** One readable line per zod issue, with the field path under `prefix` (`search.nu[2]: …`). */
export function describeIssues(error: z.ZodError, prefix = ""): string[] {
  const base = prefix ? prefix.split(".") : [];
  return error.issues.flatMap((issue) => issueLines(issue, base));
}

/**
 * Why a built-in data set cannot give the modalities a model is told to see (it has {@link BUILTIN_MODALITY_COUNT}),
 * or undefined. A user data set's count is in its manifest, checked when a trial loads it.
 */
export function usedModalitiesProblem(
  modalities: readonly number[],
  dataset: DatasetName,
): string | undefined {
  if (dataset === "user") return undefined;
  const missing = [...new Set(modalities.filter((k) => k >= BUILTIN_MODALITY_COUNT))];
  if (missing.length === 0) return undefined;
  return (
    `the built-in data sets have ${BUILTIN_MODALITY_COUNT} modalities, 0 the MNIST digit and 1 the second view or the ` +
    `Fashion-MNIST image: list 0, 1 or both, or none for both; this one asks for ${missing.join(" and ")}`
  );
}

/** What a launch's explicit-γ check reads (explicitGammaLaunchProblem): the knobs, as a sweep's search names them. */
export const EXPLICIT_GAMMA_KNOBS: readonly string[] = [
  "variant",
  "dataset.name",
  "model.gamma",
  "model.nu",
  "model.latentDim",
  "model.sigma",
  "model.modalities",
  "model.gammaDimension",
  "model.likelihood",
  "model.regularizer",
  "model.objective",
];

/**
 * Why a model's explicit γ cannot train at the observed dimensions `ns` (explicitGammaProblem), or undefined: only
 * where γ enters its loss, the γ-loss (R1) and the matched-variance Gaussian's penalty (M1–M3) of a generative model.
 */
export function explicitGammaModelProblem(model: ModelConfig, ns: readonly number[]): string | undefined {
  if (model.gamma === "tied" || !usesGamma(model)) return undefined;
  return explicitGammaProblem({
    nu: model.nu,
    ns,
    m: model.latentDim,
    sigma: model.sigma,
    gamma: model.gamma,
  });
}

/**
 * Where an explicit γ puts the regulariser's minimum (M1) when that is wider than the prior's variance of 1, at the
 * observed dimension n where it is widest: `variance` there, and `tiedVariance` where the tied γ would put it. Such γ
 * trained to chance in the study (docs/model.md §3).
 */
export interface WideGamma {
  gamma: number;
  nu: number;
  n: number;
  m: number;
  variance: number;
  tiedVariance: number;
}

/**
 * What a launch says, without refusing, of an explicit γ that can train on a built-in data set but puts the
 * regulariser's minimum at a posterior variance past the prior's (regularizerMinimumVariance, at the n where it is
 * widest): such γ trained to chance in the study. Undefined where γ is tied or not in the loss, cannot train (that is
 * a problem: explicitGammaLaunchProblem), or the data set is a user's, whose n only its manifest has.
 */
export function explicitGammaLaunchWide(model: ModelConfig, dataset: DatasetName): WideGamma | undefined {
  if (model.gamma === "tied" || dataset === "user" || !usesGamma(model)) return undefined;
  return explicitGammaWide({
    nu: model.nu,
    ns: builtInObservedDims(model),
    m: model.latentDim,
    sigma: model.sigma,
    gamma: model.gamma,
  });
}

/** {@link explicitGammaLaunchWide} in words ({@link wideGammaText}). */
export function explicitGammaLaunchWarning(model: ModelConfig, dataset: DatasetName): string | undefined {
  const wide = explicitGammaLaunchWide(model, dataset);
  return wide && wideGammaText(wide);
}

/**
 * The same at given observed dimensions (`model constants`, a user's data set once its manifest is read): undefined
 * where γ cannot train at one of them (explicitGammaProblem says so) or its minimum stays within the prior at each.
 */
export function explicitGammaWide(p: ExplicitGammaAt): WideGamma | undefined {
  if (p.ns.length === 0 || explicitGammaProblem(p)) return undefined;
  const widest = p.ns
    .map((n) => ({ n, ...regularizerMinimumVariance({ ...p, n }) }))
    .reduce((a, b) => (b.variance > a.variance ? b : a));
  if (!(widest.variance > 1)) return undefined;
  return { gamma: p.gamma, nu: p.nu, m: p.m, ...widest };
}

/** {@link explicitGammaWide} in words ({@link wideGammaText}). */
export function explicitGammaWarning(p: ExplicitGammaAt): string | undefined {
  const wide = explicitGammaWide(p);
  return wide && wideGammaText(wide);
}

/** Two significant digits, more where fewer would read as the prior's 1 itself (1.0004, not 1). */
function shownVariance(x: number): string {
  if (x >= 1e4) return x.toExponential(1);
  for (let digits = 2; digits < 17; digits++) {
    const text = Number(x.toPrecision(digits)).toString();
    if (text !== "1") return text;
  }
  return x.toString();
}

/**
 * A wide γ as a note says it: in full, or `likewise`, after another's full words, only its own numbers (a launch
 * with several such γ says why once).
 */
export function wideGammaText(w: WideGamma, likewise = false): string {
  const at = `at ν = ${w.nu}, n = ${w.n}, latentDim ${w.m}`;
  const tied = shownVariance(w.tiedVariance);
  if (likewise)
    return `likewise: γ = ${w.gamma} puts it at a variance of ${shownVariance(w.variance)} ${at} (the tied γ at ${tied})`;
  return `γ = ${w.gamma} puts the regulariser's minimum (M1) at a posterior variance of ${shownVariance(w.variance)} ${at} (the tied γ puts it at ${tied}), wider than the prior's 1: expect it to train to chance, as such γ did in the study; stay near tied (docs/model.md §3)`;
}

/** The observed dimensions n_S a model may see on a built-in data set (explicitGammaLaunchProblem). */
function builtInObservedDims(model: ModelConfig): number[] {
  const used = model.modalities.length > 0 ? new Set(model.modalities).size : BUILTIN_MODALITY_COUNT;
  // Every built-in modality has the same dim, so a subset's n is a multiple of it.
  const subsets = model.gammaDimension === "full" ? [used] : Array.from({ length: used }, (_, i) => i + 1);
  return subsets.map((k) => k * BUILTIN_MODALITY_DIM);
}

/** Whether a model's loss has γ in it: the γ-loss (R1), or the matched-variance Gaussian's penalty (M1–M3). */
export function usesGamma(model: ModelConfig): boolean {
  return (
    model.objective === "semi-supervised" &&
    (model.likelihood === "student-t"
      ? model.regularizer === undefined
      : model.regularizer === "matched-variance")
  );
}

/**
 * The launch's explicit-γ check (explicitGammaModelProblem): at every observed dimension n_S a model may see on a
 * built-in data set (each subset of the modalities it uses, or their whole n with `gammaDimension: full`); on a user
 * data set, whose dimensions only its manifest has, the condition that holds whatever n.
 */
export function explicitGammaLaunchProblem(model: ModelConfig, dataset: DatasetName): string | undefined {
  return explicitGammaModelProblem(model, dataset === "user" ? [] : builtInObservedDims(model));
}

/** Options of {@link resolveRunConfig}. */
export interface ResolveOptions {
  /**
   * Also refuse what a built-in data set cannot give: an explicit `classOrder` that is not a permutation of its
   * classes, `model.modalities` it does not have. For what comes in (a sweep file, flags), where such a run could
   * only fail; not for configs a stored sweep already holds, which it must go on extending and reporting on.
   */
  launch?: boolean;
  /**
   * With `launch`, also refuse an explicit γ that cannot train ({@link explicitGammaLaunchProblem}, at `model.gamma`):
   * the default. False for a caller that checks it itself, knowing which knobs vary (parseSweepFile).
   */
  explicitGamma?: boolean;
}

/**
 * Defaults → validate → resolved config. The variant's knob settings apply first, the user's explicit model
 * settings override them; the dataset seed defaults to the training seed. Throws ConfigError listing every
 * problem at once.
 */
export function resolveRunConfig(input: unknown, options: ResolveOptions = {}): RunConfig {
  const problems: string[] = [];
  let top = RunConfigInputSchema.safeParse(input ?? {});
  const variantKnown = top.success;
  if (!top.success) {
    // A bad variant alone leaves the sections to check, under the default variant's settings: `train --variant bogus
    // --epochs -2` heard only of the variant, then of the epochs once it was fixed.
    const asDefault = RunConfigInputSchema.safeParse({
      ...(typeof input === "object" && input !== null ? input : {}),
      variant: undefined,
    });
    if (!asDefault.success) throw new ConfigError(describeIssues(top.error));
    problems.push(...describeIssues(top.error));
    top = asDefault;
  }
  const { variant, dataset, model, train } = top.data;
  const parsedTrain = TrainConfigSchema.safeParse(train);
  if (!parsedTrain.success) problems.push(...describeIssues(parsedTrain.error, "train"));
  const parsedModel = ModelConfigSchema.safeParse({ ...VARIANT_OVERRIDES[variant], ...model });
  if (!parsedModel.success) problems.push(...describeIssues(parsedModel.error, "model"));
  // A team's own data is used as labeled unless asked otherwise: no long-tail subsampling by default.
  const userDefaults = dataset.name === "user" ? { imbalanceRatio: 1, labelRatio: 1 } : {};
  const parsedDataset = DatasetRecipeSchema.safeParse({ ...userDefaults, ...dataset });
  if (!parsedDataset.success) problems.push(...describeIssues(parsedDataset.error, "dataset"));
  // Checked with the others, so a file with several bad fields hears of all of them at once.
  // Read from the merged input, not the parsed model: it is said even when another model field is bad.
  const modelInput: Record<string, unknown> = { ...VARIANT_OVERRIDES[variant], ...model };
  // Not with a bad variant: the one meant (gaussian-matched, misspelt) would have set the likelihood this asks for.
  if (
    variantKnown &&
    modelInput.regularizer === "matched-variance" &&
    (modelInput.likelihood ?? "student-t") === "student-t"
  )
    problems.push(
      "model.regularizer: matched-variance is the Gaussian model's penalty matched to the γ-regulariser: set likelihood: gaussian (or variant: gaussian-matched), or use kl or leave it empty",
    );
  if (train.select === "best" && dataset.validation === undefined)
    problems.push(
      "train.select: best needs a validation set to choose on: set dataset.validation (or select: last)",
    );
  if (options.launch) {
    const orderProblem = parsedDataset.success ? classOrderProblem(parsedDataset.data) : undefined;
    if (orderProblem) problems.push(`dataset.classOrder: ${orderProblem}`);
    // From the inputs, as the penalty's check above: said even when another model or dataset field is bad.
    const usedModalities = ModelConfigSchema.shape.modalities.safeParse(modelInput.modalities);
    const datasetName = DatasetRecipeSchema.shape.name.safeParse(dataset.name);
    const modalitiesProblem =
      usedModalities.success && datasetName.success
        ? usedModalitiesProblem(usedModalities.data, datasetName.data)
        : undefined;
    if (modalitiesProblem) problems.push(`model.modalities: ${modalitiesProblem}`);
    const gammaProblem =
      options.explicitGamma !== false && parsedModel.success && datasetName.success && !modalitiesProblem
        ? explicitGammaLaunchProblem(parsedModel.data, datasetName.data)
        : undefined;
    if (gammaProblem) problems.push(`model.gamma: ${gammaProblem}`);
  }
  // A team's own labels are used as they are unless the recipe reshapes them (imbalanceRatio > 1 or labelRatio < 1),
  // and only a reshaped pool has rows left over to validate on (docs/data-format.md): said here, not when a trial loads.
  const user = parsedDataset.data;
  if (user?.name === "user" && user.validation && user.imbalanceRatio <= 1 && user.labelRatio >= 1)
    problems.push(
      "dataset.validation: your own data gives validation rows only when the recipe subsamples it: set labelRatio below 1 or imbalanceRatio above 1, or remove dataset.validation",
    );
  if (problems.length > 0 || !parsedTrain.success || !parsedModel.success || !parsedDataset.success)
    throw new ConfigError(problems);
  const resolvedTrain = parsedTrain.data;
  return {
    variant,
    model: parsedModel.data,
    train: resolvedTrain,
    dataset: { ...parsedDataset.data, seed: parsedDataset.data.seed ?? resolvedTrain.seed },
  };
}
