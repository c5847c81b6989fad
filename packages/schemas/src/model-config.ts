import { z } from "zod";

const widths = z.array(z.number().int().min(1).max(8192)).min(1).max(8);

/**
 * The model's knobs. Every choice the paper leaves open is a named switch here with a documented default
 * (docs/model.md §7 lists them and why each default was picked).
 */
export const ModelConfigSchema = z
  .object({
    /** Latent family and objective: Student-t prior/encoder/decoder with the γ-loss, or Gaussian with KL. */
    likelihood: z.enum(["student-t", "gaussian"]).default("student-t"),
    /** How modality experts are fused into q(z | x_S): product, one encoder on the concatenation, or mixture. */
    fusion: z.enum(["poe", "concat", "mixture"]).default("poe"),
    /** q(y | x_S): product of per-modality categorical experts, or one MLP on the concatenated inputs. */
    classifier: z.enum(["poe", "concat"]).default("poe"),
    /** Objective: the semi-supervised generative model, or the classifier alone on labeled rows. */
    objective: z.enum(["semi-supervised", "supervised-only"]).default("semi-supervised"),
    /** Indices of the modalities the model sees; empty = all of them. */
    modalities: z.array(z.number().int().min(0)).default([]),
    /** ν > 2, degrees of freedom of the prior. */
    nu: z.number().gt(2).max(1e6).default(10),
    /** γ: "tied" = −2/(ν+n_S+m), or an explicit value in (−1, 0) substituted into the closed form. */
    gamma: z.union([z.literal("tied"), z.number().gt(-1).lt(0)]).default("tied"),
    /** Which n enters the constants when a subset S is observed: n_S, or always the full n. */
    gammaDimension: z.enum(["observed", "full"]).default("observed"),
    /** m, the latent dimension. */
    latentDim: z.number().int().min(1).max(1024).default(32),
    /** σ, the decoder scale. */
    sigma: z.number().gt(0).max(1e3).default(1),
    /** Weight of the regulariser (β in t³VAE). */
    regWeight: z.number().min(0).max(1e3).default(1),
    /** Epochs over which the regulariser weight ramps linearly from 0 (0 = no annealing). */
    regAnnealEpochs: z.number().min(0).max(1e4).default(0),
    /** α: weight of the classification term; "auto" = 0.1·(unlabeled batches / labeled batches)·… see docs. */
    alpha: z.union([z.literal("auto"), z.number().min(0).max(1e6)]).default("auto"),
    /** Per-class weights of the classification term: uniform, or inverse labeled frequency (normalised). */
    classWeighting: z.enum(["uniform", "balanced"]).default("uniform"),
    /** p(y): uniform, or the labeled class frequencies. */
    classPrior: z.enum(["uniform", "empirical"]).default("uniform"),
    /** Whether the encoders see one-hot(y) (M2); false = the cheaper q(z | x_S). */
    encoderTakesLabel: z.boolean().default(true),
    /** Include the prior expert in the product of experts. */
    priorExpert: z.boolean().default(true),
    /** Prior expert's scale in Σ_φ units: τ0(n_S)·I (matches t³VAE's alternative prior) or I (MVAE). */
    priorExpertScale: z.enum(["tau0", "unit"]).default("tau0"),
    /** Subsets trained each step: the full set plus every single modality (MVAE), or the full set only. */
    subsets: z.enum(["joint-and-singles", "joint"]).default("joint-and-singles"),
    /** Scale of the generative terms: "paper" = ½·(t³VAE code loss), matching M2's nats; "code" = as coded. */
    lossScale: z.enum(["paper", "code"]).default("paper"),
    encoderWidths: widths.default([256, 256]),
    decoderWidths: widths.default([256, 256]),
    classifierWidths: widths.default([256]),
    activation: z.enum(["relu", "elu", "leakyrelu"]).default("relu"),
    /** Encoder log-scale outputs are clipped to ±logScaleClip for stability. */
    logScaleClip: z.number().gt(0).max(50).default(10),
  })
  .strict();
export type ModelConfigInput = z.input<typeof ModelConfigSchema>;
export type ModelConfig = z.infer<typeof ModelConfigSchema>;

/** Optimisation settings: epochs, batch composition, Adam. */
export const TrainConfigSchema = z
  .object({
    epochs: z.number().int().min(1).max(100_000).default(10),
    /** Labeled rows per step (the labeled set is cycled when it is the smaller). */
    labeledBatchSize: z.number().int().min(1).max(65_536).default(64),
    /** Unlabeled rows per step; one epoch is one pass over the unlabeled rows (labeled for supervised-only). */
    unlabeledBatchSize: z.number().int().min(1).max(65_536).default(64),
    learningRate: z.number().gt(0).max(10).default(1e-3),
    /** Seed of initialisation, batching, sampling and (unless the recipe sets one) the data split. */
    seed: z
      .number()
      .int()
      .min(0)
      .max(2 ** 31 - 1)
      .default(1),
    /** Evaluate the test metrics every this many epochs (0 = only at the end). */
    evalEvery: z.number().int().min(0).default(1),
    /** Stop after this many steps per epoch (0 = full epochs); for smoke tests and quick looks. */
    maxStepsPerEpoch: z.number().int().min(0).default(0),
  })
  .strict();
export type TrainConfigInput = z.input<typeof TrainConfigSchema>;
export type TrainConfig = z.infer<typeof TrainConfigSchema>;

/** Named model variants: the proposed method and the baselines/ablations built from the same code. */
export const VariantSchema = z.enum(["proposed", "gaussian", "concat", "mixture", "single", "supervised"]);
export type Variant = z.infer<typeof VariantSchema>;

/** The knob settings each named variant stands for (applied under the user's explicit settings). */
export const VARIANT_OVERRIDES: Record<Variant, ModelConfigInput> = {
  proposed: {},
  gaussian: { likelihood: "gaussian" },
  concat: { fusion: "concat", classifier: "concat" },
  mixture: { fusion: "mixture" },
  single: { modalities: [0] },
  supervised: { objective: "supervised-only" },
};
