import { z } from "zod";

const widths = z.array(z.number().int().min(1).max(8192)).min(1).max(8);

/**
 * The model's knobs. Every choice the paper leaves open is a named switch here with a documented default
 * (docs/model.md §7 lists them and why each default was picked).
 */
export const ModelConfigSchema = z
  .object({
    likelihood: z
      .enum(["student-t", "gaussian"])
      .default("student-t")
      .describe(
        "Latent family and objective: student-t = Student-t prior, encoder and decoder with the γ-power divergence (the proposed model); gaussian = Gaussian with the KL divergence. Usually set by variant.",
      ),
    fusion: z
      .enum(["poe", "concat", "mixture"])
      .default("poe")
      .describe(
        "How the modality experts are fused into q(z | x_S): poe = product of experts; concat = one encoder on the concatenated modalities (zeros for missing ones); mixture = a mixture of the experts, as in MMVAE. Usually set by variant.",
      ),
    classifier: z
      .enum(["poe", "concat"])
      .default("poe")
      .describe(
        "q(y | x_S): poe = a product of per-modality categorical experts, so a missing modality is left out; concat = one MLP on the zero-filled concatenation of the modalities.",
      ),
    objective: z
      .enum(["semi-supervised", "supervised-only"])
      .default("semi-supervised")
      .describe(
        "semi-supervised = the generative model on labeled and unlabeled rows; supervised-only = the classifier alone, trained on the labeled rows. Usually set by variant.",
      ),
    modalities: z
      .array(z.number().int().min(0))
      .default([])
      .describe(
        "Indices of the modalities the model sees; empty = all of them. In both benchmarks 0 is the MNIST digit and 1 the second view or the Fashion-MNIST image, so [0] is the digit alone (the single variant); a data set of your own has those its manifest lists.",
      ),
    nu: z
      .number()
      .gt(2)
      .max(1e6)
      .default(10)
      .describe(
        "ν, degrees of freedom of the Student-t prior (and so of the encoder and decoder): small = heavy tails, large = close to Gaussian. 2.5 (heavy tails) to 50 (nearly Gaussian) is the range studied; t³VAE uses 10.",
      ),
    gamma: z
      .union([z.literal("tied"), z.number().gt(-1).lt(0)])
      .default("tied")
      .describe(
        "γ of the γ-power divergence: tied = −2/(ν + n_S + m), the only value where its closed form is exact (about −0.001 for two 784-pixel modalities); or a number in (−1, 0) substituted into the closed form as a tempering knob. A launch refuses a value that cannot train (the loss unbounded or past float32 at this ν, n, latentDim: docs/model.md, Which explicit γ can train) and names the bound. Stay near the tied value: −0.01 broke training in the study.",
      ),
    gammaDimension: z
      .enum(["observed", "full"])
      .default("observed")
      .describe(
        "Which dimension n enters γ and its constants when only a subset S of the modalities is observed: observed = n_S (a subset's joint density has that dimension); full = always the full n.",
      ),
    latentDim: z
      .number()
      .int()
      .min(1)
      .max(1024)
      .default(32)
      .describe(
        "m, the dimension of the latent z that the modalities share: 16 in the study, 64 at the paper preset's size.",
      ),
    sigma: z
      .number()
      .gt(0)
      .max(1e3)
      .default(1)
      .describe(
        "σ, the decoder's scale: the reconstruction term is ‖x − x̂‖²/σ², so a smaller σ weighs reconstruction more against the regulariser. t³VAE uses 1.",
      ),
    regWeight: z
      .number()
      .min(0)
      .max(1e3)
      .default(1)
      .describe(
        "Weight of the regulariser against reconstruction (β in t³VAE, which uses 1; not the search alias beta, which is dataset.labelRatio).",
      ),
    regAnnealEpochs: z
      .number()
      .min(0)
      .max(1e4)
      .default(0)
      .describe(
        "Epochs over which the regulariser's weight ramps linearly from 0 up to regWeight; 0 = full weight from the first epoch (no annealing).",
      ),
    alpha: z
      .union([z.literal("auto"), z.number().min(0).max(1e6)])
      .default("auto")
      .describe(
        "α, the weight of the classification term. auto = 0.1 × (unlabeled batches per epoch ÷ labeled batches per epoch): M2's α = 0.1·N in batch units.",
      ),
    classWeighting: z
      .enum(["uniform", "balanced"])
      .default("uniform")
      .describe(
        "Per-class weights of the classification term: uniform = 1 for every class; balanced = inversely proportional to the class's labeled rows, with mean weight 1 over the labeled rows.",
      ),
    classPrior: z
      .enum(["uniform", "empirical"])
      .default("uniform")
      .describe("p(y), the class prior of the generative model: uniform, or the labeled class frequencies."),
    encoderTakesLabel: z
      .boolean()
      .default(true)
      .describe(
        "Whether the encoders see one-hot(y), as in M2's q(z | x_S, y); false = the cheaper q(z | x_S), whose encoders run once per row rather than once per class on unlabeled rows.",
      ),
    priorExpert: z
      .boolean()
      .default(true)
      .describe("Include the prior expert (location 0) in the product of experts, as MVAE always does."),
    priorExpertScale: z
      .enum(["tau0", "unit"])
      .default("tau0")
      .describe(
        "The prior expert's scale: tau0 = τ0(n_S)·I, where the regulariser is minimal (t³VAE's alternative prior); unit = I, as in MVAE.",
      ),
    subsets: z
      .enum(["joint-and-singles", "joint"])
      .default("joint-and-singles")
      .describe(
        "Modality subsets trained at each step: joint-and-singles = the full set plus every single modality (MVAE's sub-sampling, which makes one modality work alone at test time); joint = the full set only.",
      ),
    lossScale: z
      .enum(["paper", "code"])
      .default("paper")
      .describe(
        "Scale of the generative terms: paper = ½ of t³VAE's code loss, in nats like M2's other terms; code = as t³VAE's official code computes it.",
      ),
    encoderWidths: widths
      .default([256, 256])
      .describe(
        "Hidden-layer widths of each modality's encoder, one number per layer (1 to 8 layers): [128] in the study, [512, 512] at the paper preset's size.",
      ),
    decoderWidths: widths
      .default([256, 256])
      .describe("Hidden-layer widths of each modality's decoder, one number per layer (1 to 8 layers)."),
    classifierWidths: widths
      .default([256])
      .describe("Hidden-layer widths of the classifier's MLPs, one number per layer (1 to 8 layers)."),
    activation: z
      .enum(["relu", "elu", "leakyrelu"])
      .default("relu")
      .describe("Activation of every hidden layer of the encoders, decoders and classifier."),
    logScaleClip: z
      .number()
      .gt(0)
      .max(50)
      .default(10)
      .describe("The encoders' log-scale outputs ℓ are clipped to ±logScaleClip, for numerical stability."),
    // The long-tail baselines (docs/model.md §10) are optional without a default: absent = off, so the resolved configs,
    // trial keys, sweep ids and checkpoint fingerprints stored before they existed stay what they were.
    logitAdjustment: z
      .number()
      .min(0)
      .max(10)
      .optional()
      .describe(
        "τ of logit adjustment (Menon et al. 2021, ICLR; τ = 1 is Balanced Softmax, Ren et al. 2020, NeurIPS): the classification term on labeled rows reads the logits f_y(x) + τ·log π_y, π the labeled class frequencies, while prediction keeps the raw logits, so the classifier learns the class-balanced posterior. Empty = off; 1 is the papers' value (the logit-adjusted variant); 0 is the same as off.",
      ),
    distributionAlignment: z
      .enum(["labeled-prior"])
      .optional()
      .describe(
        "Distribution alignment of the pseudo-labels (ReMixMatch, Berthelot et al. 2020, ICLR, §3.2; for long tails see DARP, Kim et al. 2020, NeurIPS): in the unlabeled term the label guess q(y | x) is rescaled by p̃(y)/p̂(y) and renormalised, p̂ the classifier's mean prediction over the last 128 unlabeled batches and p̃ the target; the encoders and decoders learn from that aligned guess, held constant, the classifier as before. labeled-prior = p̃ is the labeled class frequencies, right when the unlabeled rows share the labeled imbalance (dataset.unlabeledImbalance: same). Prediction keeps the raw q. Empty = off (the aligned variant sets it); no effect with supervised-only.",
      ),
    // The ablations of docs/model.md §11, optional without a default for the same reason.
    regularizer: z
      .enum(["kl", "matched-variance"])
      .optional()
      .describe(
        "The latent regulariser, when not the likelihood's own (empty: the γ-power divergence for student-t, the KL for gaussian). kl with student-t = the KL divergence from the Student-t posterior to the Student-t prior, estimated at the posterior draw (the student-t-kl variant: Student-t without the γ-loss); matched-variance with gaussian = the Gaussian KL's variance part weighted and centred so that its minimum is the Student-t posterior's variance at the γ-regulariser's minimum and its curvature there the γ-regulariser's, with the same mean penalty and prior expert (the gaussian-matched variant: Gaussian with the proposed model's penalty). matched-variance needs likelihood gaussian.",
      ),
  })
  .strict();
export type ModelConfigInput = z.input<typeof ModelConfigSchema>;
export type ModelConfig = z.infer<typeof ModelConfigSchema>;

/** Optimisation settings: epochs, batch composition, Adam. */
export const TrainConfigSchema = z
  .object({
    epochs: z
      .number()
      .int()
      .min(1)
      .max(100_000)
      .default(10)
      .describe(
        "Passes over the unlabeled rows (over the labeled rows for supervised-only): 3 in the study, 50 at the paper preset's size. A larger label ratio leaves fewer unlabeled rows, so fewer steps per epoch.",
      ),
    labeledBatchSize: z
      .number()
      .int()
      .min(1)
      .max(65_536)
      .default(64)
      .describe(
        "Labeled rows per step; the labeled set is cycled, reshuffled at each pass, when it is the smaller.",
      ),
    unlabeledBatchSize: z
      .number()
      .int()
      .min(1)
      .max(65_536)
      .default(64)
      .describe("Unlabeled rows per step; one epoch is one pass over the unlabeled rows."),
    learningRate: z.number().gt(0).max(10).default(1e-3).describe("Adam's learning rate η."),
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 31 - 1)
      .default(1)
      .describe(
        "Seed of initialisation, batching, sampling and (unless the dataset recipe sets one) the data split. A sweep sets it to each trial's seed.",
      ),
    evalEvery: z
      .number()
      .int()
      .min(0)
      .default(1)
      .describe(
        "Evaluate the test metrics every this many epochs, for the learning curves; the last epoch is always evaluated (0 = only then).",
      ),
    maxStepsPerEpoch: z
      .number()
      .int()
      .min(0)
      .default(0)
      .describe("Stop each epoch after this many steps (0 = full epochs): for smoke tests and quick looks."),
    // Optional without a default: a resolved config that leaves it out means `last`, so the configs, trial keys and
    // sweep ids stored before it existed stay what they were.
    select: z
      .enum(["last", "best"])
      .optional()
      .describe(
        "Which epoch's weights the result is measured with: last = the last epoch's (empty means last); best = the epoch with the highest validation balanced accuracy among the evaluated ones (every evalEvery epochs and the last; the earliest on a tie), which needs dataset.validation. The test set is read once, at the end, with the chosen weights; the trial's artifacts keep those weights.",
      ),
  })
  .strict();
export type TrainConfigInput = z.input<typeof TrainConfigSchema>;
export type TrainConfig = z.infer<typeof TrainConfigSchema>;

/** Named model variants: the proposed method and the baselines/ablations built from the same code. */
export const VariantSchema = z.enum([
  "proposed",
  "gaussian",
  "concat",
  "mixture",
  "single",
  "supervised",
  "logit-adjusted",
  "aligned",
  "student-t-kl",
  "gaussian-matched",
  "concat-fusion",
]);
export type Variant = z.infer<typeof VariantSchema>;

/** The knob settings each named variant stands for (applied under the user's explicit settings). */
export const VARIANT_OVERRIDES: Record<Variant, ModelConfigInput> = {
  proposed: {},
  gaussian: { likelihood: "gaussian" },
  concat: { fusion: "concat", classifier: "concat" },
  mixture: { fusion: "mixture" },
  single: { modalities: [0] },
  supervised: { objective: "supervised-only" },
  // the long-tail baselines on the proposed model (docs/model.md §10); the knobs compose, e.g. both at once
  "logit-adjusted": { logitAdjustment: 1 },
  aligned: { distributionAlignment: "labeled-prior" },
  // the ablations that separate the paper's pieces (docs/model.md §11)
  "student-t-kl": { regularizer: "kl" },
  "gaussian-matched": { likelihood: "gaussian", regularizer: "matched-variance" },
  "concat-fusion": { fusion: "concat" },
};
