import { type RandomStream, randomStream, restoreStream } from "@tailsweep/random";
import type {
  EpochSelection,
  ModelConfig,
  MultimodalDataset,
  MultimodalTable,
  TrainConfig,
} from "@tailsweep/schemas";
import * as tf from "@tensorflow/tfjs-core";
import { type GradientApplier, LayerwiseAdam } from "./adam";
import type { NamedWeights, TrainingCheckpoint } from "./checkpoint";
import { FUSED_STEP, fusedStepActive } from "./fused-reconstruction";
import { type ClassificationMetrics, classificationMetrics, meanRecall, minorityClasses } from "./metrics";
import { type Batch, type LossTerms, MultimodalVae, oneHotFloat } from "./model";

/** Progress of one optimisation step, for progress bars and live curves. */
export interface StepInfo {
  epoch: number;
  /** 1-based step within the epoch. */
  step: number;
  stepsPerEpoch: number;
  loss: LossValues;
}

/** Mean loss terms (see docs/model.md eq. J). */
export interface LossValues {
  total: number;
  labeled: number;
  unlabeled: number;
  classification: number;
}

/** What is known at the end of an epoch. */
export interface EpochRecord {
  epoch: number;
  loss: LossValues;
  seconds: number;
  /**
   * Test metrics when evaluated this epoch: every `evalEvery` epochs and the last without a validation set; never
   * with one (the test set is then read once, at the end, and the result's metrics hold it).
   */
  test?: { accuracy: number; balancedAccuracy: number; macroF1: number };
  /** Validation metrics when the data set has a validation set and this epoch was evaluated (what selection reads). */
  validation?: { accuracy: number; balancedAccuracy: number; macroF1: number };
}

/** All the evaluation numbers of a trained model. */
export interface EvaluationResult {
  /** Test set, all used modalities observed. */
  test: ClassificationMetrics;
  /** Mean test recall of the tail classes (fewest labeled rows). */
  minorityRecall: number;
  minorityClasses: number[];
  /** Test metrics with a single modality observed (the missing-modality case). */
  perModality: {
    modality: number;
    name: string;
    accuracy: number;
    balancedAccuracy: number;
    macroF1: number;
  }[];
  /** Pseudo-labels argmax q(y | x) on the unlabeled training rows against their hidden labels. */
  pseudoLabels?: {
    accuracy: number;
    balancedAccuracy: number;
    perClassRecall: number[];
    /** Share of unlabeled rows given each class. */
    predictedShare: number[];
    /** Share of unlabeled rows truly of each class (their hidden labels). */
    trueShare: number[];
    /**
     * Total variation ½ Σ_c |predictedShare_c − trueShare_c| (docs/model.md §9, eq. TV): the share of unlabeled rows
     * the pseudo-labels move to classes they do not belong to, in aggregate — 0 when the predicted class distribution
     * is the true one, whatever the per-row errors. The direct measure of majority-class bias.
     */
    classShift: number;
  };
}

/** Everything a training run returns. */
export interface TrainResult {
  metrics: EvaluationResult;
  history: EpochRecord[];
  backend: { name: string; detail: string };
  model: ModelConfig;
  train: TrainConfig;
  alpha: number;
  parameterCount: number;
  steps: number;
  /**
   * True when `shouldStop` ended training (after the epoch it was seen at, possibly the last): the run is not a
   * result to report, and its checkpoint is what a later attempt goes on from.
   */
  stopped: boolean;
  /** This run's own seconds (a resumed run's do not count the epochs it took from its checkpoint). */
  seconds: number;
  /** Set when the run went on from a checkpoint: the epoch it started after, and the training time that saved. */
  resumed?: { fromEpoch: number; savedSeconds: number };
  /** Why a checkpoint offered in `TrainHooks.resumeFrom` was not used (it was made for another run); set when refused. */
  resumeRefused?: string;
  /** With `TrainHooks.artifacts`: the tested weights and the test set's class probabilities (rows × classes). */
  artifacts?: { weights: NamedWeights[]; testProbabilities: Float32Array };
  /** With a validation set: the epoch whose weights were tested (`train.select`) and why. */
  selection?: EpochSelection;
}

/** Callbacks a caller can pass to watch training. */
export interface TrainHooks {
  onStep?: (info: StepInfo) => void;
  onEpoch?: (record: EpochRecord) => void;
  /** Called between steps; a true return stops training after the current epoch's bookkeeping. */
  shouldStop?: () => boolean;
  /** The compute backend as chosen by initBackend, stored with the result; defaults to tfjs's backend name. */
  backend?: { name: string; detail: string };
  /**
   * Awaited at each yield point (every few steps and between epochs) instead of one turn of the event loop: a
   * process that also serves requests on this thread (the dashboard) holds training here while it answers them.
   */
  pause?: () => Promise<void>;
  /**
   * Go on from this checkpoint when it was made for this run (same configs, data set shape, backend and
   * `runIdentity`: its fingerprint); otherwise train from the start and say why in `TrainResult.resumeRefused`.
   */
  resumeFrom?: TrainingCheckpoint;
  /**
   * What else a checkpoint must match to be resumed, beyond what training sees: the caller's digest of the data
   * set's contents (a user's file may change between attempts) and the versions of the code that computes.
   */
  runIdentity?: string;
  /** Called once, before training goes on, when `resumeFrom` was accepted: the epochs it restored. */
  onResume?: (restored: { epoch: number; history: EpochRecord[] }) => void;
  /**
   * Save a checkpoint after every `everyEpochs` epochs (never after the last: the result follows), and at the
   * epoch where `shouldStop` stops training early, so a hand-back or a resumed cancel goes on from there. The weights
   * are read at once; `save` then runs while training goes on, and the next save and the end of training wait
   * for it. A save that rejects goes to `onError` and training goes on: a lost checkpoint costs only a longer
   * retry.
   */
  checkpoints?: {
    everyEpochs: number;
    save(checkpoint: TrainingCheckpoint): Promise<void>;
    onError?(error: unknown): void;
  };
  /** Return the final weights and the test set's class probabilities with the result (`TrainResult.artifacts`). */
  artifacts?: boolean;
}

/**
 * Trains the model on a prepared data set and evaluates it (docs/model.md §8). Both configs arrive resolved: they
 * were parsed where they entered (the sweep file, the claim reply, the command line), so nothing is checked twice.
 * Every tensor is freed before returning.
 */
export async function trainModel(
  dataset: MultimodalDataset,
  config: ModelConfig,
  train: TrainConfig,
  hooks: TrainHooks = {},
): Promise<TrainResult> {
  const started = performance.now();
  const yieldToLoop = hooks.pause ?? (() => new Promise<void>((r) => setImmediate(r)));
  // One stream per purpose, so a variant with more layers or more samples per step keeps the same batch order for
  // the same seed: initial weights, batch order, and the per-step seeds of tfjs's samplers.
  const initStream = randomStream(train.seed, "training/init");
  let batchStream = randomStream(train.seed, "training/batches");
  let samplingStream = randomStream(train.seed, "training/sampling");
  const K = dataset.classNames.length;
  if (dataset.labeled.n === 0) throw new Error("trainModel: the data set has no labeled rows");
  const model = new MultimodalVae(
    config,
    {
      modalityDims: dataset.modalities.map((m) => m.dim),
      numClasses: K,
      decoderOutputs: dataset.modalities.map((_, k) =>
        inUnitInterval(dataset.labeled.x[k]!) ? "sigmoid" : "linear",
      ),
      labeledCounts: dataset.counts.labeled,
    },
    initStream,
  );
  const optimizer = new LayerwiseAdam(train.learningRate);
  const semi = config.objective === "semi-supervised";
  const useUnlabeled = semi && dataset.unlabeled.n > 0;
  const Bl = Math.min(train.labeledBatchSize, dataset.labeled.n);
  const Bu = Math.min(train.unlabeledBatchSize, Math.max(dataset.unlabeled.n, 1));
  const labeledBatches = Math.ceil(dataset.labeled.n / Bl);
  const unlabeledBatches = useUnlabeled ? Math.ceil(dataset.unlabeled.n / Bu) : 0;
  // α "auto": 0.1 × (unlabeled batches / labeled batches), the M2 convention in batch units (docs/model.md §7).
  const alpha =
    config.alpha === "auto" ? (useUnlabeled ? (0.1 * unlabeledBatches) / labeledBatches : 1) : config.alpha;
  // An epoch is a pass over the unlabeled rows for every objective, so supervised-only gets the same number of
  // optimiser steps as the semi-supervised models it is compared with.
  const fullSteps = dataset.unlabeled.n > 0 ? Math.ceil(dataset.unlabeled.n / Bu) : labeledBatches;
  const stepsPerEpoch = train.maxStepsPerEpoch > 0 ? Math.min(fullSteps, train.maxStepsPerEpoch) : fullSteps;
  const variables = model.variables();
  const validation = dataset.validation;
  const select = train.select ?? "last";
  if (select === "best" && !validation)
    throw new Error("train.select: best needs a validation set (dataset.validation)");
  /** With `select: best`, the best validated epoch so far and a copy of its weights: what the result will test. */
  let best: BestEpoch | undefined;
  let history: EpochRecord[] = [];
  let steps = 0;
  let labeledCursor = { order: batchStream.permutation(dataset.labeled.n), pos: 0 };
  // The fingerprint holds the backend's `detail`, which names the fused step: it must be the step that will run.
  if (hooks.backend && FUSED_STEP.test(hooks.backend.detail) !== fusedStepActive()) {
    throw new Error(
      `the backend's description ${fusedStepActive() ? "does not name" : "names"} the fused step, but it is ` +
        `${fusedStepActive() ? "on" : "off"}: useFusedStep was changed after initBackend`,
    );
  }
  const fingerprint = runFingerprint(
    dataset,
    config,
    train,
    hooks.backend ?? { name: tf.getBackend(), detail: "" },
    hooks.runIdentity ?? "",
  );
  let firstEpoch = 1;
  let priorSeconds = 0;
  let resumed: TrainResult["resumed"];
  const checkpoint = hooks.resumeFrom;
  // Checked whole before anything is restored: a checkpoint is used entirely or not at all.
  const resumeRefused = checkpoint
    ? resumeProblem(checkpoint, fingerprint, variables, dataset.labeled.n, train.epochs, select, model)
    : undefined;
  let stopped = false;
  let pendingSave: Promise<void> = Promise.resolve();
  /** Saves the state after `epoch`, whose records up to it are `upTo`. */
  const saveCheckpoint = async (epoch: number, upTo: readonly EpochRecord[]) => {
    const saver = hooks.checkpoints!;
    // Read now, while the weights are this epoch's; the upload runs behind the next epoch.
    const [weights, adam] = await Promise.all([namedWeights(variables), optimizer.saveState(variables)]);
    const snapshot: TrainingCheckpoint = {
      epoch,
      steps,
      seconds: priorSeconds + (performance.now() - started) / 1000,
      fingerprint,
      history: upTo.map((r) => ({ ...r })),
      streams: { batches: batchStream.state(), sampling: samplingStream.state() },
      labeledCursor: { order: Int32Array.from(labeledCursor.order), pos: labeledCursor.pos },
      weights,
      adam,
      ...(best && { best }),
      ...(model.alignment && { alignment: model.alignment.state() }),
    };
    await pendingSave;
    pendingSave = saver.save(snapshot).catch((e: unknown) => saver.onError?.(e));
  };
  try {
    if (checkpoint && resumeRefused === undefined) {
      // Everything the loop below reads from its past: weights, optimiser, streams, cursor, history.
      assignWeights(variables, checkpoint.weights);
      if (checkpoint.best) best = { ...checkpoint.best, weights: copyOf(checkpoint.best.weights) };
      if (checkpoint.alignment) model.alignment?.restore(checkpoint.alignment);
      optimizer.restoreState(variables, checkpoint.adam);
      batchStream = restoreStream(checkpoint.streams.batches);
      samplingStream = restoreStream(checkpoint.streams.sampling);
      labeledCursor = {
        order: Int32Array.from(checkpoint.labeledCursor.order),
        pos: checkpoint.labeledCursor.pos,
      };
      history = checkpoint.history.map((r) => ({ ...r }));
      steps = checkpoint.steps;
      firstEpoch = checkpoint.epoch + 1;
      priorSeconds = checkpoint.seconds;
      resumed = { fromEpoch: checkpoint.epoch, savedSeconds: checkpoint.seconds };
      hooks.onResume?.({ epoch: checkpoint.epoch, history: history.map((r) => ({ ...r })) });
    }
    for (let epoch = firstEpoch; epoch <= train.epochs; epoch++) {
      const epochStart = performance.now();
      const unlabeledOrder = useUnlabeled ? batchStream.permutation(dataset.unlabeled.n) : undefined;
      const sums: LossValues = { total: 0, labeled: 0, unlabeled: 0, classification: 0 };
      const regWeight =
        config.regAnnealEpochs > 0
          ? config.regWeight * Math.min(1, (epoch - 1) / config.regAnnealEpochs)
          : config.regWeight;
      for (let s = 0; s < stepsPerEpoch; s++) {
        const labeledRows = nextRows(labeledCursor, Bl, batchStream);
        const unlabeledRows = unlabeledOrder?.subarray(s * Bu, Math.min((s + 1) * Bu, unlabeledOrder.length));
        const { loss, unlabeledClassMeans } = await trainStep(
          model,
          optimizer,
          variables,
          dataset,
          labeledRows,
          unlabeledRows,
          K,
          { regWeight, alpha, rng: samplingStream },
        );
        // eq. DA: this step's batch enters the running averages after the step that read them
        if (unlabeledClassMeans) model.alignment?.update(unlabeledClassMeans);
        steps++;
        sums.total += loss.total;
        sums.labeled += loss.labeled;
        sums.unlabeled += loss.unlabeled;
        sums.classification += loss.classification;
        if (!Number.isFinite(loss.total)) {
          throw new Error(`training diverged: loss is ${loss.total} at epoch ${epoch}, step ${s + 1}`);
        }
        hooks.onStep?.({ epoch, step: s + 1, stepsPerEpoch, loss });
        // Yield to the event loop so progress output and signals get through.
        // every few steps; every step for a host that pauses training to serve (a step is its latency)
        if (hooks.pause || s % 4 === 3) await yieldToLoop();
      }
      const record: EpochRecord = {
        epoch,
        loss: {
          total: sums.total / stepsPerEpoch,
          labeled: sums.labeled / stepsPerEpoch,
          unlabeled: sums.unlabeled / stepsPerEpoch,
          classification: sums.classification / stepsPerEpoch,
        },
        seconds: (performance.now() - epochStart) / 1000,
      };
      const evaluateNow = train.evalEvery > 0 && epoch % train.evalEvery === 0;
      if (validation && (evaluateNow || epoch === train.epochs)) {
        // With a validation set the curves and the choice of epoch read it, and the test set waits for the end.
        const scores = await epochScores(model, validation, K);
        record.validation = scores;
        // Strictly higher: the earliest of tied epochs is kept.
        if (select === "best" && (!best || scores.balancedAccuracy > best.value || Number.isNaN(best.value)))
          best = { epoch, value: scores.balancedAccuracy, weights: copyOf(await namedWeights(variables)) };
      } else if (!validation && evaluateNow && epoch < train.epochs) {
        record.test = await epochScores(model, dataset.test, K);
      }
      // Let timers (heartbeats, cancel notices, progress) run between epochs, however short the epoch.
      await yieldToLoop();
      const stop = hooks.shouldStop?.() ?? false;
      stopped = stop;
      // Saved before the evaluation below adds its test numbers to the record: an uninterrupted run's record of this
      // epoch has them only where evalEvery says.
      if (stop && hooks.checkpoints && epoch < train.epochs)
        await saveCheckpoint(epoch, [...history, { ...record }]);
      // The end: the chosen epoch's weights go back in before the test set is read, its one reading.
      if (epoch === train.epochs && best && best.epoch !== epoch) assignWeights(variables, best.weights);
      const metricsNow = epoch === train.epochs || stop ? await evaluateModel(model, dataset) : undefined;
      if (metricsNow && !validation) record.test = scoresOf(metricsNow.test);
      history.push(record);
      hooks.onEpoch?.(record);
      if (metricsNow) {
        await pendingSave;
        const selection: EpochSelection | undefined = validation && {
          rule: select,
          metric: "validation.balancedAccuracy",
          epoch: best?.epoch ?? epoch,
          value: best?.value ?? record.validation?.balancedAccuracy ?? Number.NaN,
          evaluated: history.filter((r) => r.validation).length,
        };
        // A stopped run is no result: nothing to keep of it.
        const artifacts =
          hooks.artifacts && !stopped ? await finalArtifacts(model, variables, dataset) : undefined;
        return {
          metrics: metricsNow,
          history,
          backend: hooks.backend ?? { name: tf.getBackend(), detail: "" },
          model: config,
          train,
          alpha,
          parameterCount: model.parameterCount(),
          steps,
          seconds: (performance.now() - started) / 1000,
          stopped,
          ...(resumed && { resumed }),
          ...(resumeRefused !== undefined && { resumeRefused }),
          ...(artifacts && { artifacts }),
          ...(selection && { selection }),
        };
      }
      if (hooks.checkpoints && epoch % hooks.checkpoints.everyEpochs === 0)
        await saveCheckpoint(epoch, history);
    }
    throw new Error("unreachable: the last epoch always evaluates");
  } finally {
    await pendingSave; // a save in flight when training throws still ends before the caller moves on
    optimizer.dispose();
    model.dispose();
  }
}

/**
 * What a checkpoint must match to be resumed by this run: the caller's identity of the run (data contents, code
 * versions), the resolved configs, the data set's shape and the backend with its detail (BLAS build and threads),
 * since bit-identical resumption holds on one backend only.
 */
function runFingerprint(
  dataset: MultimodalDataset,
  config: ModelConfig,
  train: TrainConfig,
  backend: { name: string; detail: string },
  identity: string,
): string {
  return JSON.stringify({
    identity,
    config,
    train,
    data: {
      dims: dataset.modalities.map((m) => m.dim),
      classes: dataset.classNames.length,
      // the validation rows only where there are some: checkpoints made before validation sets still fit
      rows: [
        dataset.labeled.n,
        dataset.unlabeled.n,
        dataset.test.n,
        ...(dataset.validation ? [dataset.validation.n] : []),
      ],
      counts: dataset.counts.labeled,
    },
    backend,
  });
}

/** Why `checkpoint` cannot be resumed by this run, or undefined when it can. */
function resumeProblem(
  checkpoint: TrainingCheckpoint,
  fingerprint: string,
  variables: readonly tf.Variable[],
  labeledRows: number,
  epochs: number,
  select: "last" | "best",
  model: MultimodalVae,
): string | undefined {
  if (checkpoint.fingerprint !== fingerprint) {
    return "the checkpoint was made by a run with other settings, data or backend";
  }
  if (checkpoint.epoch >= epochs) return `the checkpoint is at epoch ${checkpoint.epoch} of ${epochs}`;
  const mismatch = variables.findIndex(
    (v, i) =>
      checkpoint.weights[i]?.name !== localName(v.name) || checkpoint.weights[i]?.values.length !== v.size,
  );
  if (mismatch >= 0 || checkpoint.weights.length !== variables.length) {
    return `the checkpoint's weights do not fit the model (weight ${mismatch >= 0 ? mismatch : variables.length})`;
  }
  // The rest cannot differ for a checkpoint this code wrote for this run; a damaged or hand-made one is refused
  // here rather than fail the trial halfway through restoring it.
  const adamMismatch = variables.findIndex((v, i) => {
    const a = checkpoint.adam[i];
    if (a === undefined) return true;
    if (a === null) return false;
    const power = (p: number) => p > 0 && p <= 1;
    return a.m.length !== v.size || a.v.length !== v.size || !power(a.beta1Power) || !power(a.beta2Power);
  });
  if (adamMismatch >= 0 || checkpoint.adam.length !== variables.length) {
    return `the checkpoint's optimiser state does not fit the model (weight ${adamMismatch})`;
  }
  const { order, pos } = checkpoint.labeledCursor;
  const seen = new Uint8Array(labeledRows);
  let permutation = order.length === labeledRows;
  for (let i = 0; permutation && i < order.length; i++) {
    const row = order[i]!;
    permutation = row >= 0 && row < labeledRows && seen[row] === 0;
    seen[row] = 1;
  }
  if (!permutation || pos < 0 || pos > labeledRows) {
    return "the checkpoint's labeled-row order is not an order of this data set's labeled rows";
  }
  const streamsValid = [checkpoint.streams.batches, checkpoint.streams.sampling].every(
    (st) => st.generator.length === 4 && st.generator.some((w) => w !== 0),
  );
  if (!streamsValid) return "the checkpoint's random-stream state is not a valid state";
  if (
    checkpoint.history.length !== checkpoint.epoch ||
    checkpoint.history.some((r, i) => r.epoch !== i + 1)
  ) {
    return `the checkpoint's history does not cover epochs 1 to ${checkpoint.epoch}`;
  }
  const validated = checkpoint.history.some((r) => r.validation);
  const { best } = checkpoint;
  if (select === "best" && validated !== (best !== undefined)) {
    return validated
      ? "the checkpoint lacks the best epoch's weights that `select: best` needs"
      : "the checkpoint has a best epoch before any epoch was validated";
  }
  if (
    best &&
    (best.epoch > checkpoint.epoch ||
      !checkpoint.history[best.epoch - 1]?.validation ||
      best.weights.length !== variables.length ||
      best.weights.some(
        (w, i) => w.name !== localName(variables[i]!.name) || w.values.length !== variables[i]!.size,
      ))
  ) {
    return "the checkpoint's best epoch does not fit its history or the model";
  }
  const { alignment } = model;
  if ((checkpoint.alignment !== undefined) !== (alignment !== undefined)) {
    return alignment
      ? "the checkpoint lacks the distribution-alignment state that model.distributionAlignment needs"
      : "the checkpoint has distribution-alignment state this run does not use";
  }
  const alignmentProblem = checkpoint.alignment && alignment?.stateProblem(checkpoint.alignment);
  if (alignmentProblem)
    return `the checkpoint's distribution-alignment state does not fit the model: ${alignmentProblem}`;
  return undefined;
}

/** The best validated epoch so far under `select: best`, with its weights. */
interface BestEpoch {
  epoch: number;
  value: number;
  weights: NamedWeights[];
}

/** A copy whose arrays are the caller's own (a backend may hand out the buffers it keeps). */
function copyOf(weights: readonly NamedWeights[]): NamedWeights[] {
  return weights.map((w) => ({ ...w, shape: [...w.shape], values: w.values.slice() }));
}

/** The numbers an epoch record keeps of a set's classification metrics. */
function scoresOf(m: ClassificationMetrics): NonNullable<EpochRecord["test"]> {
  return { accuracy: m.accuracy, balancedAccuracy: m.balancedAccuracy, macroF1: m.macroF1 };
}

/** An epoch's scores on a table, every used modality observed: the learning curves' and the selection's numbers. */
async function epochScores(
  model: MultimodalVae,
  table: MultimodalTable,
  K: number,
): Promise<NonNullable<EpochRecord["test"]>> {
  return scoresOf(classificationMetrics(table.y, await predictClasses(model, table, model.subsets[0]!), K));
}

/** Writes `weights` (in the variables' order) into the variables. */
function assignWeights(variables: readonly tf.Variable[], weights: readonly NamedWeights[]): void {
  variables.forEach((v, i) => {
    tf.tidy(() => v.assign(tf.tensor(weights[i]!.values, v.shape, "float32")));
  });
}

/** A variable's name without the per-instance prefix (`vae3/enc/0/W0` → `enc/0/W0`). */
function localName(name: string): string {
  return name.slice(name.indexOf("/") + 1);
}

function float32(values: tf.TypedArray): Float32Array {
  if (!(values instanceof Float32Array)) throw new Error("a model weight is not float32");
  return values;
}

/** The variables' current values under their names within the model, for a checkpoint or the final weights. */
async function namedWeights(variables: readonly tf.Variable[]): Promise<NamedWeights[]> {
  const values = await Promise.all(variables.map((v) => v.data()));
  return variables.map((v, i) => ({ name: localName(v.name), shape: v.shape, values: float32(values[i]!) }));
}

/** The final weights and the test set's class probabilities q(y | x) with every used modality observed. */
async function finalArtifacts(
  model: MultimodalVae,
  variables: readonly tf.Variable[],
  dataset: MultimodalDataset,
): Promise<NonNullable<TrainResult["artifacts"]>> {
  return {
    weights: await namedWeights(variables),
    testProbabilities: await predictProbabilities(model, dataset.test, model.subsets[0]!),
  };
}

/** q(y | x_S) for every row of a table (rows × classes, row-major), in chunks to bound memory. */
export function predictProbabilities(
  model: MultimodalVae,
  table: MultimodalTable,
  subset: number[],
  chunk = 2048,
): Promise<Float32Array> {
  const K = model.shape.numClasses;
  return classifierOverRows(model, table, subset, chunk, new Float32Array(table.n * K), K, (logits) =>
    tf.softmax(logits),
  );
}

/**
 * One optimiser step on a loss built by `lossTerms` (which runs under the gradient tape): computes gradients of
 * its total for `variables`, applies them, and returns [total, labeled, unlabeled, classification] packed in one
 * tensor so the caller reads all four with a single download — followed, when the loss has them (distribution
 * alignment), by the unlabeled batch's class means, subset by subset. The benchmarks time exactly this function.
 */
export function optimizerStep(
  optimizer: GradientApplier,
  variables: tf.Variable[],
  lossTerms: () => LossTerms,
): tf.Tensor1D {
  return tf.tidy(() => {
    let kept: tf.Tensor[] = [];
    let classMeans: tf.Tensor | undefined;
    const { value, grads } = tf.variableGrads(() => {
      const terms = lossTerms();
      kept = [terms.labeled, terms.unlabeled, terms.classification].map((t) => tf.keep(t));
      if (terms.unlabeledClassMeans) classMeans = tf.keep(terms.unlabeledClassMeans);
      return terms.total;
    }, variables);
    optimizer.applyGradients(grads);
    const head = tf.stack([value, ...kept]) as tf.Tensor1D;
    const packed = classMeans ? (tf.concat([head, tf.reshape(classMeans, [-1])]) as tf.Tensor1D) : head;
    for (const t of kept) t.dispose();
    classMeans?.dispose();
    return packed;
  });
}

/**
 * One optimisation step of the trainer on the given rows; returns the loss terms as numbers and, under distribution
 * alignment, the unlabeled batch's class means per subset. The read is asynchronous because GPU backends (webgpu)
 * cannot download synchronously in Node.
 */
async function trainStep(
  model: MultimodalVae,
  optimizer: GradientApplier,
  variables: tf.Variable[],
  dataset: MultimodalDataset,
  labeledRows: Int32Array,
  unlabeledRows: Int32Array | undefined,
  K: number,
  settings: { regWeight: number; alpha: number; rng: RandomStream },
): Promise<{ loss: LossValues; unlabeledClassMeans?: Float32Array }> {
  const parts = tf.tidy(() => {
    const labeled: Batch = {
      xs: batchInputs(model, dataset.labeled, labeledRows),
      yOneHot: oneHotFloat(gatherLabels(dataset.labeled.y, labeledRows), K),
    };
    const unlabeled: Batch | undefined =
      unlabeledRows && unlabeledRows.length > 0
        ? { xs: batchInputs(model, dataset.unlabeled, unlabeledRows) }
        : undefined;
    return optimizerStep(optimizer, variables, () => model.loss(labeled, unlabeled, settings));
  });
  const v = (await parts.data()) as Float32Array;
  parts.dispose();
  const loss = { total: v[0]!, labeled: v[1]!, unlabeled: v[2]!, classification: v[3]! };
  return v.length > 4 ? { loss, unlabeledClassMeans: v.subarray(4) } : { loss };
}

/**
 * Evaluates a trained model: test metrics with all used modalities and with each single one, minority
 * recall, and pseudo-label quality on the unlabeled training rows (docs/model.md §9).
 */
export async function evaluateModel(
  model: MultimodalVae,
  dataset: MultimodalDataset,
): Promise<EvaluationResult> {
  const K = dataset.classNames.length;
  const full = model.subsets[0]!;
  const test = classificationMetrics(dataset.test.y, await predictClasses(model, dataset.test, full), K);
  const minority = minorityClasses(dataset.counts.labeled);
  const perModality: EvaluationResult["perModality"] = [];
  if (full.length > 1)
    for (const i of full) {
      const m = classificationMetrics(dataset.test.y, await predictClasses(model, dataset.test, [i]), K);
      const k = model.modalities[i]!;
      perModality.push({
        modality: k,
        name: dataset.modalities[k]!.name,
        accuracy: m.accuracy,
        balancedAccuracy: m.balancedAccuracy,
        macroF1: m.macroF1,
      });
    }
  const result: EvaluationResult = {
    test,
    minorityRecall: meanRecall(test.perClassRecall, minority),
    minorityClasses: minority,
    perModality,
  };
  const u = dataset.unlabeled;
  const known: number[] = [];
  for (let i = 0; i < u.n; i++) if (u.yTrue[i]! >= 0) known.push(i);
  if (known.length > 0) {
    const pred = await predictClasses(model, u, full);
    const rows = Int32Array.from(known);
    const pm = classificationMetrics(gatherLabels(u.yTrue, rows), gatherLabels(pred, rows), K);
    const share = new Array<number>(K).fill(0);
    const trueShare = new Array<number>(K).fill(0);
    for (const i of known) {
      share[pred[i]!]! += 1 / known.length;
      trueShare[u.yTrue[i]!]! += 1 / known.length;
    }
    result.pseudoLabels = {
      accuracy: pm.accuracy,
      balancedAccuracy: pm.balancedAccuracy,
      perClassRecall: pm.perClassRecall,
      predictedShare: share,
      trueShare,
      classShift: totalVariation(share, trueShare),
    };
  }
  return result;
}

/** ½ Σ |p_c − q_c| of two distributions over the same classes (docs/model.md §9, eq. TV). */
export function totalVariation(p: readonly number[], q: readonly number[]): number {
  let sum = 0;
  for (let c = 0; c < p.length; c++) sum += Math.abs(p[c]! - q[c]!);
  return sum / 2;
}

/** argmax_y q(y | x_S) for every row of a table, in chunks to bound memory. */
export function predictClasses(
  model: MultimodalVae,
  table: MultimodalTable,
  subset: number[],
  chunk = 2048,
): Promise<Int32Array> {
  return classifierOverRows(model, table, subset, chunk, new Int32Array(table.n), 1, (logits) =>
    tf.argMax(logits, 1),
  );
}

/**
 * `head` of the classifier's logits q(y | x_S) for every row of a table, `chunk` rows at a time (to bound memory),
 * written into `out` at `width` values per row.
 */
async function classifierOverRows<T extends Float32Array | Int32Array>(
  model: MultimodalVae,
  table: MultimodalTable,
  subset: number[],
  chunk: number,
  out: T,
  width: number,
  head: (logits: tf.Tensor2D) => tf.Tensor,
): Promise<T> {
  for (let start = 0; start < table.n; start += chunk) {
    const end = Math.min(table.n, start + chunk);
    const rows = new Int32Array(end - start);
    for (let i = 0; i < rows.length; i++) rows[i] = start + i;
    const values = tf.tidy(() => head(model.classifierLogits(batchInputs(model, table, rows), subset)));
    out.set(await values.data(), start * width);
    values.dispose();
  }
  return out;
}

/** Input tensors of the model's used modalities for the given rows. */
function batchInputs(model: MultimodalVae, table: MultimodalTable, rows: Int32Array): tf.Tensor2D[] {
  return model.modalities.map((k) => {
    const dim = model.shape.modalityDims[k]!;
    return tf.tensor2d(gatherRows(table.x[k]!, dim, rows), [rows.length, dim]);
  });
}

function gatherRows(source: Float32Array, dim: number, rows: Int32Array): Float32Array {
  const out = new Float32Array(rows.length * dim);
  for (let i = 0; i < rows.length; i++)
    out.set(source.subarray(rows[i]! * dim, (rows[i]! + 1) * dim), i * dim);
  return out;
}

function gatherLabels(labels: Int32Array, rows: Int32Array): Int32Array {
  const out = new Int32Array(rows.length);
  for (let i = 0; i < rows.length; i++) out[i] = labels[rows[i]!]!;
  return out;
}

/** Next `size` labeled rows, reshuffling when the labeled set is exhausted (it is cycled). */
function nextRows(cursor: { order: Int32Array; pos: number }, size: number, rng: RandomStream): Int32Array {
  const out = new Int32Array(size);
  for (let i = 0; i < size; i++) {
    if (cursor.pos >= cursor.order.length) {
      cursor.order = rng.permutation(cursor.order.length);
      cursor.pos = 0;
    }
    out[i] = cursor.order[cursor.pos++]!;
  }
  return out;
}

function inUnitInterval(values: Float32Array): boolean {
  for (let i = 0; i < values.length; i++) if (!(values[i]! >= 0 && values[i]! <= 1)) return false;
  return true;
}
