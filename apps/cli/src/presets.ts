import type { RunConfigInput } from "@tailsweep/schemas";

/**
 * Named starting points for `tailsweep train --preset`. Flags and config files override them.
 * `quick` is sized to finish in a few minutes on a 2-core machine; `paper` is the full setting
 * (the whole long-tailed MNIST training pool, wider networks, m = 64 as in t³VAE and MVAE, 50 epochs).
 */
export const PRESETS = {
  quick: {
    dataset: { headCount: 2000, testPerClass: 500 },
    model: { encoderWidths: [256], decoderWidths: [256], classifierWidths: [256], latentDim: 16 },
    train: { epochs: 5, labeledBatchSize: 64, unlabeledBatchSize: 64, learningRate: 1e-3 },
  },
  paper: {
    dataset: { headCount: 5000, testPerClass: 800 },
    model: { encoderWidths: [512, 512], decoderWidths: [512, 512], classifierWidths: [512], latentDim: 64 },
    train: { epochs: 50, labeledBatchSize: 128, unlabeledBatchSize: 128, learningRate: 1e-3 },
  },
} satisfies Record<string, RunConfigInput>;

/** Names of the presets. */
export type PresetName = keyof typeof PRESETS;
