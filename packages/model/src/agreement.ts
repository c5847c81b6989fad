import { randomStream } from "@tailsweep/random";
import { type ModelConfigInput, ModelConfigSchema } from "@tailsweep/schemas";
import * as tf from "@tensorflow/tfjs-core";
import { type BackendInfo, type BackendName, initBackend } from "./backend";
import { MultimodalVae } from "./model";

/** Largest relative loss difference from the cpu backend that still counts as float32 rounding. */
export const LOSS_TOLERANCE = 1e-5;
/** Largest gradient difference, relative to the variable's largest gradient, that still counts as rounding. */
export const GRADIENT_TOLERANCE = 1e-4;

/** One training step of the proposed model: its loss and the gradient of every variable, in variable order. */
export interface StepValues {
  loss: number;
  grads: Float32Array[];
}

const CLASSES = 4;
const DIMS = [20, 12];

/**
 * One training step of a small proposed model on the current backend, from fixed weights, batch and noise: tfjs
 * samples random numbers in JS on every backend, so two backends see the same inputs bit for bit. `overrides` are
 * model knobs set on top (a variant's, e.g. `{ logitAdjustment: 1 }`), to check the paths a variant adds.
 */
export async function proposedStepValues(overrides: ModelConfigInput = {}): Promise<StepValues> {
  const config = ModelConfigSchema.parse({
    encoderWidths: [16, 16],
    decoderWidths: [16],
    classifierWidths: [8],
    latentDim: 6,
    ...overrides,
  });
  const model = new MultimodalVae(
    config,
    {
      modalityDims: DIMS,
      numClasses: CLASSES,
      decoderOutputs: ["sigmoid", "sigmoid"],
      labeledCounts: [9, 5, 3, 1],
    },
    randomStream(42, "agreement"),
  );
  const data = randomStream(7, "agreement");
  const x = (rows: number, d: number) =>
    tf.tensor2d(
      Float32Array.from({ length: rows * d }, () => data.float()),
      [rows, d],
    );
  const { value, grads } = tf.tidy(() => {
    const labeled = {
      xs: DIMS.map((d) => x(6, d)),
      yOneHot: tf.oneHot(tf.tensor1d([0, 1, 2, 3, 0, 1], "int32"), CLASSES) as tf.Tensor2D,
    };
    const unlabeled = { xs: DIMS.map((d) => x(5, d)) };
    return tf.variableGrads(
      () =>
        model.loss(labeled, unlabeled, { regWeight: 1, alpha: 0.7, rng: randomStream(3, "agreement") }).total,
      model.variables(),
    );
  });
  try {
    // Read asynchronously: a GPU backend cannot download synchronously in Node.
    return {
      loss: (await value.data())[0]!,
      grads: await Promise.all(
        model.variables().map(async (v) => (await grads[v.name]!.data()) as Float32Array),
      ),
    };
  } finally {
    tf.dispose([value, ...Object.values(grads)]);
    model.dispose();
  }
}

/** How far one backend's training step is from the cpu backend's. */
export interface Agreement {
  backend: BackendInfo;
  /** |loss − cpu loss| / |cpu loss|. */
  lossError: number;
  /** The worst variable's largest |gradient − cpu gradient|, over that variable's largest |cpu gradient|. */
  gradientError: number;
  variables: number;
  /** Both errors within LOSS_TOLERANCE and GRADIENT_TOLERANCE. */
  agrees: boolean;
}

/** Compares two steps' values: see {@link Agreement}. */
export function compareSteps(
  reference: StepValues,
  other: StepValues,
): Omit<Agreement, "backend" | "agrees"> {
  if (other.grads.length !== reference.grads.length)
    throw new Error(`${other.grads.length} gradients against the reference's ${reference.grads.length}`);
  let gradientError = 0;
  for (const [i, g] of reference.grads.entries()) {
    // A floor on the scale, so a variable whose gradient is all but zero does not turn rounding into a large ratio.
    const scale = Math.max(1e-3, ...Array.from(g, Math.abs));
    let worst = 0;
    for (let j = 0; j < g.length; j++) worst = Math.max(worst, Math.abs(other.grads[i]![j]! - g[j]!));
    gradientError = Math.max(gradientError, worst / scale);
  }
  const lossError = Math.abs(other.loss - reference.loss) / Math.abs(reference.loss);
  return { lossError, gradientError, variables: reference.grads.length };
}

/**
 * The correctness guard of a fast path: one training step of the proposed model (with `overrides` on top) on `name`
 * against the reference `cpu` backend (same weights, batch and noise). Leaves `name` the current backend; throws
 * BackendInitError when it does not initialise here.
 */
export async function checkAgreement(
  name: BackendName,
  overrides: ModelConfigInput = {},
): Promise<Agreement> {
  await initBackend({ prefer: "cpu" });
  const reference = await proposedStepValues(overrides);
  const backend = await initBackend({ prefer: name });
  const errors = compareSteps(reference, await proposedStepValues(overrides));
  return {
    backend,
    ...errors,
    agrees: errors.lossError < LOSS_TOLERANCE && errors.gradientError < GRADIENT_TOLERANCE,
  };
}
