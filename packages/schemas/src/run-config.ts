import { z } from "zod";
import { type DatasetRecipe, DatasetRecipeSchema } from "./dataset";
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
    dataset: z.record(z.string(), z.unknown()).default({}),
    model: z.record(z.string(), z.unknown()).default({}),
    train: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();
export type RunConfigInput = z.input<typeof RunConfigInputSchema>;

/** A fully resolved training run: what was trained, on what, how. */
export interface RunConfig {
  variant: Variant;
  dataset: DatasetRecipe;
  model: ModelConfig;
  train: TrainConfig;
}

/** Bad configuration, with one line per problem naming the field (e.g. `model.nu`). */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** One readable line per zod issue, with the field path under `prefix`. */
export function describeIssues(error: z.ZodError, prefix = ""): string[] {
  return error.issues.map((issue) => {
    const path = [prefix, ...issue.path.map(String)].filter(Boolean).join(".");
    const keys = "keys" in issue && Array.isArray(issue.keys) ? ` (${issue.keys.join(", ")})` : "";
    return `${path || "(root)"}: ${issue.message}${keys}`;
  });
}

/**
 * Defaults → validate → resolved config. The variant's knob settings apply first, the user's explicit model
 * settings override them; the dataset seed defaults to the training seed. Throws ConfigError listing every
 * problem at once.
 */
export function resolveRunConfig(input: unknown): RunConfig {
  const top = RunConfigInputSchema.safeParse(input ?? {});
  if (!top.success) throw new ConfigError(describeIssues(top.error));
  const { variant, dataset, model, train } = top.data;
  const problems: string[] = [];
  const parsedTrain = TrainConfigSchema.safeParse(train);
  if (!parsedTrain.success) problems.push(...describeIssues(parsedTrain.error, "train"));
  const parsedModel = ModelConfigSchema.safeParse({ ...VARIANT_OVERRIDES[variant], ...model });
  if (!parsedModel.success) problems.push(...describeIssues(parsedModel.error, "model"));
  // A team's own data is used as labeled unless asked otherwise: no long-tail subsampling by default.
  const userDefaults = dataset.name === "user" ? { imbalanceRatio: 1, labelRatio: 1 } : {};
  const parsedDataset = DatasetRecipeSchema.safeParse({ ...userDefaults, ...dataset });
  if (!parsedDataset.success) problems.push(...describeIssues(parsedDataset.error, "dataset"));
  if (!parsedTrain.success || !parsedModel.success || !parsedDataset.success) throw new ConfigError(problems);
  const resolvedTrain = parsedTrain.data;
  return {
    variant,
    model: parsedModel.data,
    train: resolvedTrain,
    dataset: { ...parsedDataset.data, seed: parsedDataset.data.seed ?? resolvedTrain.seed },
  };
}
