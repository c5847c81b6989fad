import * as tf from "@tensorflow/tfjs-core";
import "./register-gradients";
import type { RandomStream } from "@tailsweep/random";
import {
  ConfigError,
  explicitGammaModelProblem,
  type GammaConstants,
  gammaConstants,
  type ModelConfig,
} from "@tailsweep/schemas";
import { DistributionAlignment, labeledPrior } from "./alignment";
import { DecoderPasses } from "./decoder-passes";
import { sampleGaussianPosterior } from "./distributions";
import { productOfExpertsStep } from "./fused-poe";
import { decodedReconstructionError, fusedStepActive } from "./fused-reconstruction";
import { gammaRegularizerStep, gaussianRegularizerStep } from "./fused-regularizer";
import { sampleStudentTPosteriorStep } from "./fused-student-t";
import {
  applyMlp,
  applyMlpToTiledWithLabels,
  applyMlpUntilBias,
  createMlp,
  disposeMlp,
  type Mlp,
  mlpVariables,
} from "./layers";
import {
  alignedUnlabeledRows,
  classificationLoss,
  matchedVariance,
  matchedVarianceRegularizer,
  studentTKlRegularizer,
} from "./losses";
import type { Expert } from "./poe";

/** Shape facts the model is built for. */
export interface ModelShape {
  /** Flattened dimension of every modality of the data set (the model may use a subset). */
  modalityDims: number[];
  numClasses: number;
  /** Per modality of the data set: decode through a sigmoid (data in [0, 1]) or linearly. */
  decoderOutputs: ("sigmoid" | "linear")[];
  /** Labeled rows per class, for the empirical class prior and balanced class weights. */
  labeledCounts: number[];
}

/**
 * One-hot rows of `labels` as float32. tfjs's oneHot is int32, and every use beside float32 tensors (concatenated
 * to z, multiplied with log-probabilities) then converts it again: a cast per product and the wasm backend's slow
 * mixed-dtype concat, every step. The values, 0 and 1, are exact either way.
 */
export function oneHotFloat(labels: Int32Array, K: number): tf.Tensor2D {
  return tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(labels, "int32"), K), "float32") as tf.Tensor2D);
}

/**
 * One minibatch: inputs per *used* modality (same order as `model.modalities`) and, if labeled, one-hot y as
 * float32 ({@link oneHotFloat}).
 */
export interface Batch {
  xs: tf.Tensor2D[];
  yOneHot?: tf.Tensor2D;
}

/** The scalar terms of one step's loss (docs/model.md eq. J). */
export interface LossTerms {
  total: tf.Scalar;
  labeled: tf.Scalar;
  unlabeled: tf.Scalar;
  classification: tf.Scalar;
  /**
   * With distribution alignment and an unlabeled batch: the batch mean of the raw q(y | x_S) per trained subset
   * (subsets × classes), what the running average p̂ of eq. DA takes in after the step. Not part of `total`.
   */
  unlabeledClassMeans?: tf.Tensor2D;
}

/** Per-step knobs that change during training. */
export interface StepSettings {
  /** Effective regulariser weight (after annealing). */
  regWeight: number;
  /** Weight α of the classification term. */
  alpha: number;
  /** Seeds source for this step's noise. */
  rng: RandomStream;
  /**
   * `mean` decodes the posterior's location, z = μ, and draws no noise: a loss that is a deterministic function of
   * the weights and the batch (to check a re-implementation's arithmetic against this one, bench/train-vs-pytorch.ts).
   * Absent or `sample`: the reparameterised draw of eqs. S1/S2, as training uses.
   */
  posterior?: "sample" | "mean";
}

/** The subsets S the loss visits, as positions among the `used` modalities: the joint one, and each single one. */
function modalitySubsets(config: ModelConfig, used: number): number[][] {
  const all = Array.from({ length: used }, (_, i) => i);
  return config.subsets === "joint-and-singles" && used > 1 ? [all, ...all.map((i) => [i])] : [all];
}

/**
 * The observed dimensions n_S at which a model on data with these modality dimensions computes its γ-loss constants
 * (`constants`): each subset's (modalitySubsets), or the whole n with `gammaDimension: full`. What a launch checks
 * an explicit γ at once the data's dimensions are known (a user's data set). Undefined where `modalities` names one
 * the data set does not have: the model refuses that itself, and its error says which.
 */
export function gammaObservedDims(
  config: ModelConfig,
  modalityDims: readonly number[],
): number[] | undefined {
  const modalities = config.modalities.length > 0 ? config.modalities : modalityDims.map((_, i) => i);
  if (modalities.some((k) => modalityDims[k] === undefined)) return undefined;
  const dims = modalities.map((k) => modalityDims[k]!);
  const total = dims.reduce((a, b) => a + b, 0);
  if (config.gammaDimension === "full") return [total];
  return modalitySubsets(config, dims.length).map((S) => S.reduce((n, i) => n + (dims[i] ?? 0), 0));
}

/**
 * The multimodal semi-supervised VAE (docs/model.md): per-modality encoders fused into a shared latent,
 * per-modality decoders p(x_k | y, z), a classifier q(y | x_S), and the labeled / unlabeled / classification
 * terms of the M2-style objective with either the Student-t γ-loss or the Gaussian KL.
 *
 * Modalities are addressed by their position among `modalities` (the used ones); subsets S are lists of
 * those positions.
 */
export class MultimodalVae {
  readonly config: ModelConfig;
  readonly shape: ModelShape;
  /** Indices (into the data set's modalities) of the modalities this model sees. */
  readonly modalities: number[];
  /** Dimensions of the used modalities. */
  readonly dims: number[];
  /** Subsets of used-modality positions trained each step; the first is the full set. */
  readonly subsets: number[][];
  private readonly encoders: Mlp[] = [];
  private readonly decoders: Mlp[] = [];
  private readonly classifierHeads: Mlp[] = [];
  private readonly logClassPrior: tf.Tensor1D;
  private readonly classWeights: tf.Tensor1D;
  /** τ·log π of logit adjustment (docs/model.md eq. LA), when `logitAdjustment` is set above 0. */
  private readonly logitOffset: tf.Tensor1D | undefined;
  /**
   * The running averages p̂_S of distribution alignment (docs/model.md eq. DA), when `distributionAlignment` is set on
   * the semi-supervised objective (the only one with an unlabeled term). Training state: the trainer feeds it each
   * step's batch means and a checkpoint carries it.
   */
  readonly alignment: DistributionAlignment | undefined;
  private readonly constantsCache = new Map<number, GammaConstants>();
  private static instances = 0;

  constructor(config: ModelConfig, shape: ModelShape, rng: RandomStream) {
    // tfjs variable names are global to the engine: a per-instance prefix lets several models coexist.
    const id = `vae${MultimodalVae.instances++}`;
    this.config = config;
    this.shape = shape;
    const all = shape.modalityDims.map((_, i) => i);
    this.modalities = config.modalities.length > 0 ? config.modalities : all;
    for (const k of this.modalities) {
      if (k >= shape.modalityDims.length) {
        throw new RangeError(
          `modalities: index ${k} is out of range; the data set has ${shape.modalityDims.length} modalities (0..${shape.modalityDims.length - 1})`,
        );
      }
    }
    this.dims = this.modalities.map((k) => shape.modalityDims[k]!);
    this.subsets = modalitySubsets(config, this.modalities.length);

    const K = shape.numClasses;
    const m = config.latentDim;
    const labelIn = config.encoderTakesLabel ? K : 0;
    const totalDim = this.dims.reduce((a, b) => a + b, 0);
    const act = config.activation;
    if (config.objective === "semi-supervised") {
      if (config.fusion === "concat") {
        this.encoders.push(
          createMlp(`${id}/enc/concat`, totalDim + labelIn, config.encoderWidths, 2 * m, act, rng),
        );
      } else {
        this.dims.forEach((d, i) => {
          this.encoders.push(createMlp(`${id}/enc/${i}`, d + labelIn, config.encoderWidths, 2 * m, act, rng));
        });
      }
      this.dims.forEach((d, i) => {
        this.decoders.push(createMlp(`${id}/dec/${i}`, m + K, config.decoderWidths, d, act, rng));
      });
    }
    if (config.classifier === "concat") {
      this.classifierHeads.push(
        createMlp(`${id}/cls/concat`, totalDim, config.classifierWidths, K, act, rng),
      );
    } else {
      this.dims.forEach((d, i) => {
        this.classifierHeads.push(createMlp(`${id}/cls/${i}`, d, config.classifierWidths, K, act, rng));
      });
    }

    const counts = shape.labeledCounts;
    const total = counts.reduce((a, b) => a + b, 0);
    const prior =
      config.classPrior === "empirical"
        ? counts.map((c) => Math.max(c, 1) / Math.max(total, 1))
        : counts.map(() => 1 / K);
    this.logClassPrior = tf.keep(tf.tensor1d(prior.map(Math.log)));
    // Balanced weights ∝ 1/N_c, normalised so that the average weight over labeled rows is 1.
    const weights =
      config.classWeighting === "balanced"
        ? counts.map((c) => (c > 0 ? total / (K * c) : 0))
        : counts.map(() => 1);
    this.classWeights = tf.keep(tf.tensor1d(weights));
    // Logit adjustment's π: the labeled class frequencies, a class without labeled rows counted as one (as the
    // empirical prior above does) so that its offset stays finite. Only the differences between classes matter.
    const tau = config.logitAdjustment ?? 0;
    const clamped = counts.map((c) => Math.max(c, 1));
    const clampedTotal = clamped.reduce((a, b) => a + b, 0);
    this.logitOffset =
      tau > 0 ? tf.keep(tf.tensor1d(clamped.map((c) => tau * Math.log(c / clampedTotal)))) : undefined;
    this.alignment =
      config.distributionAlignment === "labeled-prior" && config.objective === "semi-supervised"
        ? new DistributionAlignment(this.subsets.length, labeledPrior(counts))
        : undefined;
  }

  /** Every trainable variable. */
  variables(): tf.Variable[] {
    return mlpVariables([...this.encoders, ...this.decoders, ...this.classifierHeads]);
  }

  /** Number of trainable parameters. */
  parameterCount(): number {
    return this.variables().reduce((s, v) => s + v.size, 0);
  }

  /** The γ-loss constants for an observed dimension (cached; computed in float64). */
  constants(observedDim: number): GammaConstants {
    const n = this.config.gammaDimension === "full" ? this.dims.reduce((a, b) => a + b, 0) : observedDim;
    let c = this.constantsCache.get(n);
    if (!c) {
      // Launches refuse such a γ where they can; a point whose other knobs a sweep searched is refused here.
      const problem = explicitGammaModelProblem(this.config, [n]);
      if (problem) throw new ConfigError([`model.gamma: ${problem}`]);
      const { nu, latentDim: m, sigma, gamma } = this.config;
      c = gammaConstants({ nu, n, m, sigma, ...(gamma === "tied" ? {} : { gamma }) });
      this.constantsCache.set(n, c);
    }
    return c;
  }

  /** Logits of q(y | x_S) (docs/model.md eq. Q1): sum of per-modality expert logits, or one concat MLP. */
  classifierLogits(xs: tf.Tensor2D[], subset: number[], memo?: Map<string, tf.Tensor2D>): tf.Tensor2D {
    if (this.config.classifier === "concat") {
      return applyMlp(this.classifierHeads[0]!, this.concatInputs(xs, subset));
    }
    const parts = subset.map((i) =>
      cached(memo, `cls/${i}`, () => applyMlp(this.classifierHeads[i]!, xs[i]!)),
    );
    return parts.length === 1 ? parts[0]! : (tf.addN(parts) as tf.Tensor2D);
  }

  /**
   * The full minibatch loss and its parts (docs/model.md eq. J): for every trained subset S,
   * mean labeled term + mean unlabeled term + α·mean classification term.
   * Call inside a tidy/gradient scope.
   */
  loss(labeled: Batch, unlabeled: Batch | undefined, step: StepSettings): LossTerms {
    if (!labeled.yOneHot) throw new Error("loss: the labeled batch needs yOneHot");
    const memoL = new Map<string, tf.Tensor2D>();
    const memoU = new Map<string, tf.Tensor2D>();
    const zero = tf.scalar(0);
    let lab: tf.Scalar = zero;
    let unl: tf.Scalar = zero;
    let cls: tf.Scalar = zero;
    const semi = this.config.objective === "semi-supervised";
    // Read once per step, before this step's batch enters the running averages (as ReMixMatch does).
    const aligned =
      unlabeled && this.alignment
        ? { logWeights: this.alignment.logWeights(), means: [] as tf.Tensor1D[] }
        : undefined;
    // On the fused step each decoder runs once per batch over all the rows the subsets (and a mixture's experts) ask
    // of it (decoder-passes.ts). Every subset's draws are made first, in the order they always were, so the same
    // seeds give the same noise. Elsewhere each reconstruction is decoded where it is asked for, and what waits for
    // the passes (the sums of each subset's own terms) reads only that subset's tensors, so tfjs sums every shared
    // tensor's gradients in the order it always did: the bits of record.
    const stacked = fusedStepActive();
    const passesL = this.decoderPasses(labeled.xs, memoL, stacked);
    const passesU = unlabeled && this.decoderPasses(unlabeled.xs, memoU, stacked);
    const terms: { lab: () => tf.Tensor1D; unl?: () => tf.Scalar }[] = [];
    for (const [s, S] of this.subsets.entries()) {
      const logits = this.classifierLogits(labeled.xs, S, memoL);
      cls = tf.add(cls, classificationLoss(logits, labeled.yOneHot, this.classWeights, this.logitOffset));
      if (!semi) continue;
      // The labeled term's draws before the unlabeled term's, as always.
      const labTerm = this.labeledRows(labeled.xs, labeled.yOneHot, S, step, passesL, memoL);
      const unlTerm =
        unlabeled && passesU && this.unlabeledMean(unlabeled.xs, S, step, passesU, memoU, aligned, s);
      terms.push({ lab: labTerm, ...(unlTerm && { unl: unlTerm }) });
    }
    passesL.run();
    passesU?.run();
    for (const term of terms) {
      lab = tf.add(lab, tf.mean(term.lab()));
      if (term.unl) unl = tf.add(unl, term.unl());
    }
    const total = tf.add(tf.add(lab, unl), tf.mul(step.alpha, cls)) as tf.Scalar;
    return {
      total,
      labeled: lab,
      unlabeled: unl,
      classification: cls,
      ...(aligned && { unlabeledClassMeans: tf.stack(aligned.means) as tf.Tensor2D }),
    };
  }

  /** The decoders' passes for one batch. */
  private decoderPasses(xs: tf.Tensor2D[], memo: Map<string, tf.Tensor2D>, stacked: boolean): DecoderPasses {
    return new DecoderPasses((i, decoderIn) => this.reconstruction(i, decoderIn, xs[i]!, memo), stacked);
  }

  /**
   * Per-row labeled term Lab(x_S, y) = scale·(rec + β·reg) − log π_y (docs/model.md eq. L1), with one
   * posterior draw per row. The draws and the regulariser are made now, the reconstruction asked of `passes`; the
   * returned function reads the term once `passes` has run.
   */
  private labeledRows(
    xs: tf.Tensor2D[],
    yOneHot: tf.Tensor2D,
    S: number[],
    step: StepSettings,
    passes: DecoderPasses,
    memo?: Map<string, tf.Tensor2D>,
    tileClasses = 0,
  ): () => tf.Tensor1D {
    const scale = this.config.lossScale === "paper" ? 0.5 : 1;
    const nS = S.reduce((s, i) => s + this.dims[i]!, 0);
    const consts = this.constants(nS);
    const experts = this.posteriorExperts(xs, yOneHot, S, memo, tileClasses);
    // A mixture averages the per-expert terms (stratified, one draw from each component).
    const perExpert = experts.map((post) => {
      const z = step.posterior === "mean" ? post.mu : this.samplePosterior(post, nS, step.rng);
      const decoderIn = tf.concat([z, yOneHot], 1);
      const rec = S.map((i) => passes.request(i, decoderIn));
      const reg = this.regularizer(post, z, consts);
      return { rec, reg };
    });
    return () => {
      const generativeParts = perExpert.map(({ rec, reg }) =>
        tf.add(tf.addN(rec.map((read) => read())), tf.mul(step.regWeight, reg)),
      );
      const generative =
        generativeParts.length === 1
          ? generativeParts[0]!
          : tf.div(tf.addN(generativeParts), generativeParts.length);
      const logPrior = tf.sum(tf.mul(yOneHot, this.logClassPrior), 1);
      return tf.sub(tf.mul(scale, generative), logPrior) as tf.Tensor1D;
    };
  }

  /**
   * Mean unlabeled term over the batch, Σ_c q(c | x_S)·Lab(x_S, c) − H(q(· | x_S)) (docs/model.md eq. U1),
   * vectorised by tiling the batch once per class. Without `aligned` the ops are the ones from before alignment
   * existed; with it, eq. DA (see {@link alignedUnlabeledRows}), and the batch mean of q joins `aligned.means` for the
   * running average. Like {@link labeledRows}, it returns the term to read once `passes` has run.
   */
  private unlabeledMean(
    xs: tf.Tensor2D[],
    S: number[],
    step: StepSettings,
    passes: DecoderPasses,
    memo: Map<string, tf.Tensor2D>,
    aligned?: { logWeights: number[][]; means: tf.Tensor1D[] },
    subsetIndex = 0,
  ): () => tf.Scalar {
    const K = this.shape.numClasses;
    const B = xs[0]!.shape[0];
    const logits = this.classifierLogits(xs, S, memo);
    const logQ = tf.logSoftmax(logits);
    const q = tf.exp(logQ);
    const yTiled = cached(memo, "yTiled", () => oneHotFloat(classMajorLabels(K, B), K));
    const labRows = this.labeledRows(xs, yTiled, S, step, passes, memo, K); // [K·B], class-major
    if (aligned) aligned.means.push(tf.mean(q, 0) as tf.Tensor1D);
    return () => {
      const labByClass = tf.transpose(tf.reshape(labRows(), [K, B])); // [B, K]
      if (aligned) {
        const logWeights = tf.tensor1d(aligned.logWeights[subsetIndex]!);
        return tf.mean(alignedUnlabeledRows(logits, labByClass as tf.Tensor2D, logWeights)) as tf.Scalar;
      }
      const expected = tf.sum(tf.mul(q, labByClass), 1);
      const entropy = tf.neg(tf.sum(tf.mul(q, logQ), 1));
      return tf.mean(tf.sub(expected, entropy)) as tf.Scalar;
    };
  }

  /**
   * The posterior(s) q(z | x_S, y): one fused expert for PoE and concat, the component experts for a mixture.
   * With `tileClasses` = K the rows are the batch repeated once per class (class-major); when the encoders do not
   * see y, they run on the untiled batch and their outputs are tiled instead.
   */
  private posteriorExperts(
    xs: tf.Tensor2D[],
    yOneHot: tf.Tensor2D,
    S: number[],
    memo: Map<string, tf.Tensor2D> | undefined,
    tileClasses: number,
  ): Expert[] {
    const takesLabel = this.config.encoderTakesLabel;
    const tile = (t: tf.Tensor2D) => repeatRows(t, tileClasses);
    const encoderIn = (x: tf.Tensor2D) => (takesLabel ? tf.concat([tile(x), yOneHot], 1) : x);
    const split = (out: tf.Tensor2D): Expert => {
      const [mu, raw] = tf.split(out, 2, 1) as [tf.Tensor2D, tf.Tensor2D];
      const clip = this.config.logScaleClip;
      const logScale = tf.clipByValue(raw, -clip, clip) as tf.Tensor2D;
      return takesLabel ? { mu, logScale } : { mu: tile(mu), logScale: tile(logScale) };
    };
    if (this.config.fusion === "concat") {
      return [split(applyMlp(this.encoders[0]!, encoderIn(this.concatInputs(xs, S))))];
    }
    // The tiled encoders' first layer on the batch once instead of per class: where the decoder outputs are fused,
    // whose bits are their own already; elsewhere the ops, and so the bits, of record (baselines.test.ts).
    const perBatch = takesLabel && tileClasses > 0 && fusedStepActive();
    const encode = (i: number) =>
      perBatch
        ? applyMlpToTiledWithLabels(this.encoders[i]!, xs[i]!, yOneHot, tile)
        : applyMlp(this.encoders[i]!, encoderIn(xs[i]!));
    const experts = S.map((i) => split(cached(memo, `enc/${i}/${tileClasses}`, () => encode(i))));
    if (this.config.fusion === "mixture") return experts;
    if (!this.config.priorExpert) return [productOfExpertsStep(experts)];
    const nS = S.reduce((s, i) => s + this.dims[i]!, 0);
    // The prior expert sits where the regulariser is minimal: τ0 (C5) for the γ-loss, the Student-t posterior's
    // variance there for the matched-variance Gaussian (M1), 1 otherwise. The Student-t model with the KL (K1) keeps
    // τ0 although its regulariser is not minimal there: a one-change ablation of the proposed model.
    const logScale0 =
      this.config.priorExpertScale !== "tau0"
        ? 0
        : this.config.likelihood === "student-t"
          ? Math.log(this.constants(nS).tau0)
          : this.config.regularizer === "matched-variance"
            ? matchedVariance(this.constants(nS)).logVariance
            : 0;
    return [productOfExpertsStep(experts, { logScale: logScale0 })];
  }

  /** The latent regulariser of one posterior at its draw z: eq. R1, R2, K1 or M3 (docs/model.md §3, §11). */
  private regularizer(post: Expert, z: tf.Tensor2D, consts: GammaConstants): tf.Tensor1D {
    const { likelihood, regularizer } = this.config;
    if (likelihood === "student-t")
      return regularizer === "kl"
        ? studentTKlRegularizer(z, post.mu, post.logScale, this.config.nu, consts.n)
        : gammaRegularizerStep(post.mu, post.logScale, consts);
    return regularizer === "matched-variance"
      ? matchedVarianceRegularizer(post.mu, post.logScale, consts)
      : gaussianRegularizerStep(post.mu, post.logScale);
  }

  private samplePosterior(post: Expert, nS: number, rng: RandomStream): tf.Tensor2D {
    if (this.config.likelihood === "gaussian")
      return sampleGaussianPosterior(post.mu, post.logScale, rng.librarySeed());
    const c = this.constants(nS);
    return sampleStudentTPosteriorStep(post.mu, post.logScale, this.config.nu, c.n, {
      normal: rng.librarySeed(),
      chi2: rng.librarySeed(),
    });
  }

  /**
   * ‖x_i − x̂_i‖²/σ² per row of `decoderIn` (eq. R3), x̂_i decoded from it by modality i's decoder. Its rows are x's, x
   * tiled class-major (the unlabeled term), or several such blocks stacked (decoder-passes.ts): row r is x's row r mod
   * x's rows. The decoder's output layer is fused with the error where the backend can (fused-reconstruction.ts);
   * elsewhere x is tiled to the rows once per step and modality (`memo`).
   */
  private reconstruction(
    i: number,
    decoderIn: tf.Tensor2D,
    x: tf.Tensor2D,
    memo: Map<string, tf.Tensor2D> | undefined,
  ): tf.Tensor1D {
    const { product, bias } = applyMlpUntilBias(this.decoders[i]!, decoderIn);
    const output = this.shape.decoderOutputs[this.modalities[i]!]!;
    const copies = decoderIn.shape[0] / x.shape[0];
    const tiles = copies === 1 ? 0 : copies;
    return decodedReconstructionError(product, bias, x, output, this.config.sigma, () =>
      cached(memo, `x/${i}/${tiles}`, () => repeatRows(x, tiles)),
    );
  }

  /** Concatenation of the used modalities, zero-filled where a modality is outside S. */
  private concatInputs(xs: tf.Tensor2D[], S: number[]): tf.Tensor2D {
    const present = new Set(S);
    return tf.concat(
      xs.map((x, i) => (present.has(i) ? x : tf.zerosLike(x))),
      1,
    );
  }

  /** Frees every variable and constant tensor of the model. */
  dispose(): void {
    for (const m of [...this.encoders, ...this.decoders, ...this.classifierHeads]) disposeMlp(m);
    this.logClassPrior.dispose();
    this.classWeights.dispose();
    this.logitOffset?.dispose();
  }
}

function cached(
  memo: Map<string, tf.Tensor2D> | undefined,
  key: string,
  make: () => tf.Tensor2D,
): tf.Tensor2D {
  if (!memo) return make();
  let t = memo.get(key);
  if (!t) {
    t = make();
    memo.set(key, t);
  }
  return t;
}

/**
 * The batch stacked `times` times (class-major tiling); 0 leaves it as is. A concat of copies, because the wasm
 * backend's Tile kernel is ~50× slower than Concat on these shapes (measured: 50 ms vs 1 ms for 640×784).
 */
function repeatRows(t: tf.Tensor2D, times: number): tf.Tensor2D {
  return times > 0 ? tf.concat(new Array<tf.Tensor2D>(times).fill(t), 0) : t;
}

/** Labels 0…0, 1…1, …, (K−1)…(K−1), each repeated B times: the class-major order of a batch tiled K times. */
function classMajorLabels(K: number, B: number): Int32Array {
  const out = new Int32Array(K * B);
  for (let c = 0; c < K; c++) out.fill(c, c * B, (c + 1) * B);
  return out;
}
