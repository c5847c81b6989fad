import { writeFileSync } from "node:fs";
import { builtInSplitProblems, loadDataset } from "@tailsweep/data";
import {
  gammaObservedDims,
  initBackend,
  releaseWebGpu,
  type TrainResult,
  trainModel,
} from "@tailsweep/model";
import {
  ConfigError,
  explicitGammaLaunchWarning,
  explicitGammaWarning,
  plural,
  type RunConfig,
  usesGamma,
} from "@tailsweep/schemas";
import type { OptionValues } from "commander";
import { createProgress } from "../progress";
import { formatResult } from "../report";
import { resolveTrainConfig, type TrainFlags, trainFlagsOf } from "./train-config";

/** `tailsweep train`: the resolved config, trained, with its test metrics printed. */
export async function trainCommand(options: OptionValues): Promise<void> {
  const flags = trainFlagsOf(options);
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
  const warning = explicitGammaLaunchWarning(config.model, dataset.name);
  if (warning) process.stderr.write(`note: model.gamma: ${warning}\n`);
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
  // A user's data set: its dimensions are known only now, so the launch's note on an explicit γ is said here.
  const { model } = config;
  if (d.name === "user" && model.gamma !== "tied" && usesGamma(model)) {
    const ns = gammaObservedDims(
      model,
      dataset.modalities.map((m) => m.dim),
    );
    const { nu, latentDim: m, sigma, gamma } = model;
    // no dimensions where a modality index is out of range: training refuses that below, naming it
    const warning = ns && explicitGammaWarning({ nu, ns, m, sigma, gamma });
    if (warning) log(`note: model.gamma: ${warning}`);
  }
  log(
    `model: ${config.variant} · ${describeModel(config)} · ${plural(config.train.epochs, "epoch")} · seed ${config.train.seed}`,
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
