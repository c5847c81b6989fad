import { writeFileSync } from "node:fs";
import { loadDataset } from "@tailsweep/data";
import { initBackend, releaseWebGpu, type TrainResult, trainModel } from "@tailsweep/model";
import { type RunConfig, resolveRunConfig } from "@tailsweep/schemas";
import type { Command } from "commander";
import {
  type ConfigLayer,
  intListArg,
  mergeLayers,
  numberArg,
  numberOrWord,
  parseSetting,
  readConfigFile,
} from "../config-input";
import { type BackendChoice, backendOption } from "../options";
import { PRESETS, type PresetName } from "../presets";
import { createProgress } from "../progress";
import { formatResult } from "../report";

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
      ...(f.widths ? { encoderWidths: f.widths, decoderWidths: f.widths } : {}),
    },
    train: {
      seed: f.seed,
      epochs: f.epochs,
      learningRate: f.lr,
      maxStepsPerEpoch: f.maxStepsPerEpoch,
      ...(f.batchSize ? { labeledBatchSize: f.batchSize, unlabeledBatchSize: f.batchSize } : {}),
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
  const layers: ConfigLayer[] = [];
  if (f.preset) layers.push(PRESETS[f.preset]);
  if (f.config) layers.push(readConfigFile(f.config));
  layers.push(dropUndefined(flagLayer(f)));
  if (f.set) layers.push(f.set);
  return resolveRunConfig(mergeLayers(layers));
}

/** Registers `tailsweep train`. */
export function registerTrain(program: Command): void {
  program
    .command("train")
    .description("train one model on one data set and print its test metrics")
    .option("-p, --preset <name>", `start from a preset: ${Object.keys(PRESETS).join(", ")}`, (v) => {
      if (!(v in PRESETS))
        throw new Error(`--preset must be one of ${Object.keys(PRESETS).join(", ")}, got '${v}'`);
      return v;
    })
    .option("-c, --config <file>", "YAML or JSON run config (variant, dataset, model, train)")
    .option(
      "--set <section.key=value>",
      "set any knob, e.g. model.priorExpert=false (repeatable)",
      parseSetting,
    )
    .option("--variant <name>", "proposed | gaussian | concat | mixture | single | supervised")
    .option("--dataset <name>", "mnist-2view | mnist-fashion | user")
    .option("--data-path <file>", "manifest of a user data set (with --dataset user)")
    .option(
      "--imbalance-ratio <rho>",
      "ρ = N_max/N_min of the labeled classes",
      numberArg("--imbalance-ratio"),
    )
    .option("--label-ratio <beta>", "β, labeled fraction", numberArg("--label-ratio"))
    .option(
      "--unlabeled-imbalance <rho_u>",
      "same | uniform | reversed | a number",
      numberOrWord("--unlabeled-imbalance", ["same", "uniform", "reversed"]),
    )
    .option("--head-count <n>", "training rows of the largest class", numberArg("--head-count"))
    .option("--test-per-class <n>", "rows per class in the balanced test set", numberArg("--test-per-class"))
    .option("--class-order <order>", "natural | random | a permutation like 9,8,7,…")
    .option("--nu <nu>", "degrees of freedom ν (> 2)", numberArg("--nu"))
    .option("--gamma <gamma>", "tied (−2/(ν+n+m)) or a value in (−1, 0)", numberOrWord("--gamma", ["tied"]))
    .option("--latent-dim <m>", "latent dimension m", numberArg("--latent-dim"))
    .option("--sigma <sigma>", "decoder scale σ", numberArg("--sigma"))
    .option("--reg-weight <beta>", "weight of the regulariser", numberArg("--reg-weight"))
    .option("--alpha <alpha>", "classification weight: auto or a number", numberOrWord("--alpha", ["auto"]))
    .option("--widths <list>", "encoder and decoder hidden widths, e.g. 512,512", intListArg("--widths"))
    .option("--seed <seed>", "seed of the split, initialisation and sampling", numberArg("--seed"))
    .option("--epochs <n>", "epochs (passes over the unlabeled rows)", numberArg("--epochs"))
    .option("--batch-size <n>", "labeled and unlabeled rows per step", numberArg("--batch-size"))
    .option("--lr <rate>", "Adam learning rate", numberArg("--lr"))
    .option(
      "--max-steps-per-epoch <n>",
      "cap steps per epoch (smoke runs)",
      numberArg("--max-steps-per-epoch"),
    )
    .addOption(backendOption("compute backend (env TAILSWEEP_BACKEND)"))
    .option("--json", "print the result as JSON on stdout")
    .option("-o, --out <file>", "also write the result JSON to a file")
    .action(async (flags: TrainFlags) => {
      const config = resolveTrainConfig(flags);
      await runTrain(config, flags);
    });
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
