import { isConfigError, type RunConfig, resolveRunConfig } from "@tailsweep/schemas";
import { type ConfigLayer, type FileMapping, mergeLayers, readConfigFile } from "../config-input";
import type { BackendChoice } from "../options";
import { PRESETS, type PresetName } from "../presets";

// The run config of `tailsweep train` from its flags: apart from the training (train-action.ts), so that a usage error
// can be checked against it too (trainConfigProblems) without loading the model or the data.

/** The flags of `tailsweep train` (train.ts registers them). */
export interface TrainFlags {
  preset?: PresetName;
  config?: string;
  set?: ConfigLayer;
  variant?: string;
  dataset?: string;
  dataPath?: string;
  imbalanceRatio?: number;
  labelRatio?: number;
  unlabeledImbalance?: number | string;
  headCount?: number;
  testPerClass?: number;
  classOrder?: string;
  nu?: number;
  gamma?: number | string;
  latentDim?: number;
  sigma?: number;
  regWeight?: number;
  alpha?: number | string;
  widths?: number[];
  seed?: number;
  epochs?: number;
  batchSize?: number;
  lr?: number;
  maxStepsPerEpoch?: number;
  backend?: BackendChoice;
  json?: boolean;
  out?: string;
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
export function trainConfigProblems(flags: TrainFlags): string[] {
  try {
    resolveTrainConfig(flags);
    return [];
  } catch (e) {
    return isConfigError(e) ? e.problems : [];
  }
}
