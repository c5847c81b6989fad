import { writeFileSync } from "node:fs";
import { builtInSplitProblems, loadDataset } from "@tailsweep/data";
import { initBackend, releaseWebGpu, type TrainResult, trainModel } from "@tailsweep/model";
import { ConfigError, type RunConfig, resolveRunConfig } from "@tailsweep/schemas";
import { type ConfigLayer, type FileMapping, mergeLayers, readConfigFile } from "../config-input";
import type { BackendChoice } from "../options";
import { PRESETS, type PresetName } from "../presets";
import { createProgress } from "../progress";
import { formatResult } from "../report";

/** The flags of `tailsweep train` (train.ts registers them). */
interface TrainFlags {
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

/** `tailsweep train`: the resolved config, trained, with its test metrics printed. */
export async function trainCommand(flags: TrainFlags): Promise<void> {
  const config = resolveTrainConfig(flags);
  // Said as a sweep's launch says it, naming the field, before the backend starts.
  const { dataset } = config;
  const short = builtInSplitProblems([
    {
      recipe: { ...dataset, seed: dataset.seed ?? config.train.seed },
      field: "dataset.headCount",
      searched: "",
    },
  ]);
  if (short.length > 0) throw new ConfigError(short);
  await runTrain(config, flags);
}

async function runTrain(config: RunConfig, flags: TrainFlags): Promise<void> {
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const backend = await initBackend({
    ...(flags.backend && { prefer: flags.backend }),
    log,
  });
  const d = config.dataset;
  log(
    `data: ${d.name} ρ=${d.imbalanceRatio} β=${d.labelRatio} unlabeled=${d.unlabeledImbalance} head=${d.headCount} seed=${d.seed}`,
  );
  const loadStart = performance.now();
  const dataset = await loadDataset(d);
  log(
    `      labeled ${dataset.labeled.n} · unlabeled ${dataset.unlabeled.n} · test ${dataset.test.n} rows (${((performance.now() - loadStart) / 1000).toFixed(1)} s)`,
  );
  log(
    `model: ${config.variant} · ${describeModel(config)} · ${config.train.epochs} epochs · seed ${config.train.seed}`,
  );
  const progress = createProgress(config.train.epochs, process.stderr);
  let stopRequested = false;
  const onSigint = () => {
    if (stopRequested) process.exit(130);
    stopRequested = true;
    log("\nstopping after this epoch (Ctrl-C again to abort)…");
  };
  process.on("SIGINT", onSigint);
  let result: TrainResult;
  try {
    result = await trainModel(dataset, config.model, config.train, {
      backend: { name: backend.name, detail: backend.detail },
      onStep: progress.step,
      onEpoch: progress.epoch,
      shouldStop: () => stopRequested,
    });
  } finally {
    progress.stop();
    process.off("SIGINT", onSigint);
    releaseWebGpu(); // Dawn would keep the process alive
  }
  const output = {
    ...result,
    variant: config.variant,
    dataset: { ...config.dataset, counts: dataset.counts, classNames: dataset.classNames },
    backend,
  };
  const json = JSON.stringify(output, (_, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v), 2);
  if (flags.out) writeFileSync(flags.out, `${json}\n`);
  process.stdout.write(flags.json ? `${json}\n` : formatResult(output));
}

function describeModel(c: RunConfig): string {
  const m = c.model;
  if (m.objective === "supervised-only") return "classifier only";
  const lik = m.likelihood === "student-t" ? `Student-t ν=${m.nu} γ=${m.gamma}` : "Gaussian";
  return `${lik} · fusion ${m.fusion} · m=${m.latentDim}`;
}
