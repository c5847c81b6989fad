import { isConfigError, MappingSchema, type RunConfig, resolveRunConfig } from "@tailsweep/schemas";
import type { OptionValues } from "commander";
import { z } from "zod";
import { type ConfigLayer, type FileMapping, mergeLayers, readConfigFile } from "../config-input";
import { BACKEND_CHOICES } from "../options";
import { PRESETS, type PresetName } from "../presets";

// The run config of `tailsweep train` from its flags: apart from the training (train-action.ts), so that a usage error
// can be checked against it too (trainConfigProblems) without loading the model or the data.

const numberOrWord = z.union([z.number(), z.string()]);

/**
 * The flags of `tailsweep train` as commander hands them over (train.ts registers them, its parsers already made
 * numbers of the numeric ones): checked once here, where they leave commander's untyped options.
 */
const TrainFlagsSchema = z
  .object({
    preset: z.custom<PresetName>((v) => typeof v === "string" && Object.hasOwn(PRESETS, v)),
    config: z.string(),
    set: z.object({ variant: z.string().optional() }).catchall(MappingSchema),
    variant: z.string(),
    dataset: z.string(),
    dataPath: z.string(),
    imbalanceRatio: z.number(),
    labelRatio: z.number(),
    unlabeledImbalance: numberOrWord,
    headCount: z.number(),
    testPerClass: z.number(),
    classOrder: z.string(),
    nu: z.number(),
    gamma: numberOrWord,
    latentDim: z.number(),
    sigma: z.number(),
    regWeight: z.number(),
    alpha: numberOrWord,
    widths: z.array(z.number()),
    seed: z.number(),
    epochs: z.number(),
    batchSize: z.number(),
    lr: z.number(),
    maxStepsPerEpoch: z.number(),
    backend: z.enum(BACKEND_CHOICES),
    json: z.boolean(),
    out: z.string(),
  })
  .partial();

/** The flags of `tailsweep train`. */
export type TrainFlags = z.infer<typeof TrainFlagsSchema>;

/** Commander's options of `tailsweep train` as {@link TrainFlags}. */
export function trainFlagsOf(options: OptionValues): TrainFlags {
  return TrainFlagsSchema.parse(options);
}

/** The layer the explicit flags make (undefined entries are dropped by mergeLayers). */
function flagLayer(f: TrainFlags): ConfigLayer {
  const classOrder =
    f.classOrder === undefined || f.classOrder === "natural" || f.classOrder === "random"
      ? f.classOrder
      : f.classOrder.split(",").map(Number);
  return {
    variant: f.variant,
    dataset: {
      name: f.dataset,
      path: f.dataPath,
      imbalanceRatio: f.imbalanceRatio,
      labelRatio: f.labelRatio,
      unlabeledImbalance: f.unlabeledImbalance,
      headCount: f.headCount,
      testPerClass: f.testPerClass,
      classOrder,
    },
    model: {
      nu: f.nu,
      gamma: f.gamma,
      latentDim: f.latentDim,
      sigma: f.sigma,
      regWeight: f.regWeight,
      alpha: f.alpha,
      ...(f.widths !== undefined ? { encoderWidths: f.widths, decoderWidths: f.widths } : {}),
    },
    train: {
      seed: f.seed,
      epochs: f.epochs,
      learningRate: f.lr,
      maxStepsPerEpoch: f.maxStepsPerEpoch,
      ...(f.batchSize !== undefined
        ? { labeledBatchSize: f.batchSize, unlabeledBatchSize: f.batchSize }
        : {}),
    },
  };
}

function dropUndefined(layer: ConfigLayer): ConfigLayer {
  const clean = (o?: Record<string, unknown>) =>
    o && Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
  return {
    variant: layer.variant,
    dataset: clean(layer.dataset),
    model: clean(layer.model),
    train: clean(layer.train),
  };
}

/** preset → config file → flags → --set, then validated into a fully resolved RunConfig. */
export function resolveTrainConfig(f: TrainFlags): RunConfig {
  const layers: Array<ConfigLayer | FileMapping> = [];
  if (f.preset) layers.push(PRESETS[f.preset]);
  if (f.config) layers.push(readConfigFile(f.config));
  layers.push(dropUndefined(flagLayer(f)));
  if (f.set) layers.push(f.set);
  return resolveRunConfig(mergeLayers(layers), { launch: true });
}

/**
 * The config's problems for a command line some of whose flags could not be read (their values left out): said with
 * those flags' own problems, so that one run names every bad flag. A config file that cannot be read is its own
 * problem and is said when the command runs.
 */
export function trainConfigProblems(options: OptionValues): string[] {
  const flags = TrainFlagsSchema.safeParse(options);
  if (!flags.success) return [];
  try {
    resolveTrainConfig(flags.data);
    return [];
  } catch (e) {
    return isConfigError(e) ? e.problems : [];
  }
}
