// The two benchmark cases built with tailsweep's own code (packages/model layers, losses, MultimodalVae).
import {
  applyMlp,
  createMlp,
  gaussianRegularizer,
  type LossTerms,
  MultimodalVae,
  mlpVariables,
  oneHotFloat,
  productOfExperts,
  tf,
} from "@tailsweep/model";
import { randomStream } from "@tailsweep/random";
import { ModelConfigSchema } from "@tailsweep/schemas";
import { PROPOSED, proposedAt, REFERENCE } from "./cases";

const rng = randomStream(1, "bench-peer");
const uniform = (rows: number, cols: number) =>
  tf.tensor2d(
    Float32Array.from({ length: rows * cols }, () => rng.float()),
    [rows, cols],
  );

/** A case's trainable variables, its fixed batch (named as bench/peers/torch_step.py loads them) and its loss. */
export interface BenchCase {
  variables: tf.Variable[];
  data: Record<string, tf.Tensor2D>;
  loss: () => LossTerms;
}

/**
 * The reference network (compute notes): Gaussian PoE of two encoders, classifier, two decoders, KL + CE.
 * `posterior: "mean"` decodes z = μ, with no noise drawn (the peers' agreement check).
 */
function referenceCase(posterior: "sample" | "mean"): BenchCase {
  const { batch: B, inputDim: D, latentDim: Z, classes: K } = REFERENCE;
  const encA = createMlp("eA", D, [512, 256], 2 * Z, "relu", rng);
  const encB = createMlp("eB", D, [512, 256], 2 * Z, "relu", rng);
  const cls = createMlp("c", 2 * D, [256], K, "relu", rng);
  const decA = createMlp("dA", Z + K, [256, 512], D, "relu", rng);
  const decB = createMlp("dB", Z + K, [256, 512], D, "relu", rng);
  const xA = tf.tidy(() => tf.cast(tf.greater(uniform(B, D), 0.7), "float32")) as tf.Tensor2D;
  const xB = uniform(B, D);
  const y = tf.oneHot(
    tf.tensor1d(
      Int32Array.from({ length: B }, (_, i) => i % K),
      "int32",
    ),
    K,
  ) as tf.Tensor2D;
  const loss = (): LossTerms => {
    const [muA, lvA] = tf.split(applyMlp(encA, xA), 2, 1) as [tf.Tensor2D, tf.Tensor2D];
    const [muB, lvB] = tf.split(applyMlp(encB, xB), 2, 1) as [tf.Tensor2D, tf.Tensor2D];
    const logits = applyMlp(cls, tf.concat([xA, xB], 1));
    const ce = tf.neg(tf.sum(tf.mul(y, tf.logSoftmax(logits))));
    const prior = { mu: tf.zerosLike(muA), logScale: tf.zerosLike(lvA) };
    const post = productOfExperts([{ mu: muA, logScale: lvA }, { mu: muB, logScale: lvB }, prior]);
    const z =
      posterior === "mean"
        ? post.mu
        : tf.add(
            post.mu,
            tf.mul(
              tf.exp(tf.mul(post.logScale, 0.5)),
              tf.randomNormal([B, Z], 0, 1, "float32", rng.librarySeed()),
            ),
          );
    const kl = tf.mul(0.5, tf.sum(gaussianRegularizer(post.mu, post.logScale)));
    const zy = tf.concat([z, tf.softmax(logits)], 1) as tf.Tensor2D;
    const lA = applyMlp(decA, zy);
    const recA = tf.sum(tf.sub(tf.softplus(lA), tf.mul(xA, lA))); // Bernoulli NLL
    const recB = tf.sum(tf.squaredDifference(xB, tf.sigmoid(applyMlp(decB, zy)))); // Gaussian, unit variance
    const total = tf.div(tf.addN([recA, recB, kl, ce]), B) as tf.Scalar;
    return {
      total,
      labeled: tf.add(recA, recB) as tf.Scalar,
      unlabeled: kl as tf.Scalar,
      classification: ce as tf.Scalar,
    };
  };
  return { variables: mlpVariables([encA, encB, cls, decA, decB]), data: { xA, xB, y }, loss };
}

/** The proposed model at its defaults on a fixed labeled + unlabeled batch, through MultimodalVae.loss. */
function proposedCase(p: typeof PROPOSED, posterior: "sample" | "mean"): BenchCase {
  const config = ModelConfigSchema.parse({
    nu: p.nu,
    latentDim: p.latentDim,
    encoderWidths: p.widths,
    decoderWidths: p.widths,
    classifierWidths: p.classifierWidths,
  });
  const model = new MultimodalVae(
    config,
    {
      modalityDims: [p.inputDim, p.inputDim],
      numClasses: p.classes,
      decoderOutputs: ["sigmoid", "sigmoid"],
      labeledCounts: new Array(p.classes).fill(1),
    },
    rng,
  );
  const labeled = {
    xs: [uniform(p.labeledBatch, p.inputDim), uniform(p.labeledBatch, p.inputDim)],
    yOneHot: oneHotFloat(
      Int32Array.from({ length: p.labeledBatch }, (_, i) => i % p.classes),
      p.classes,
    ),
  };
  const unlabeled = { xs: [uniform(p.unlabeledBatch, p.inputDim), uniform(p.unlabeledBatch, p.inputDim)] };
  return {
    variables: model.variables(),
    data: {
      xl0: labeled.xs[0]!,
      xl1: labeled.xs[1]!,
      yl: labeled.yOneHot,
      xu0: unlabeled.xs[0]!,
      xu1: unlabeled.xs[1]!,
    },
    loss: () => model.loss(labeled, unlabeled, { regWeight: 1, alpha: 1, rng, posterior }),
  };
}

/** A case, seeded identically on every run (`batch`: the proposed case's; `posterior`: see referenceCase). */
export function buildCase(name: string, batch?: number, posterior: "sample" | "mean" = "sample"): BenchCase {
  if (name === "reference") return referenceCase(posterior);
  if (name === "proposed") return proposedCase(batch === undefined ? PROPOSED : proposedAt(batch), posterior);
  // examples/quick.yaml's model (widths 128, latent 16): tfjs only, to profile the quick sweep's step.
  if (name === "quick")
    return proposedCase(
      {
        ...(batch === undefined ? PROPOSED : proposedAt(batch)),
        widths: [128],
        classifierWidths: [128],
        latentDim: 16,
      },
      posterior,
    );
  throw new Error(`unknown benchmark case '${name}' (reference, proposed, quick)`);
}
