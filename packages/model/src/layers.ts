import type { RandomStream } from "@tailsweep/random";
import * as tf from "@tensorflow/tfjs-core";
import { biasRelu } from "./fused-dense";

/** Hidden-layer nonlinearity of every MLP in the model. */
export type Activation = "relu" | "elu" | "leakyrelu";

/** One affine layer y = act(xW + b) with its trainable variables. */
export interface Dense {
  W: tf.Variable;
  b: tf.Variable;
}

/** A stack of dense layers; the last one is linear. */
export interface Mlp {
  layers: Dense[];
  activation: Activation;
}

/** Glorot-uniform weights, zero biases; the seed comes from the trainer's random stream so runs repeat. */
function dense(name: string, inDim: number, outDim: number, rng: RandomStream): Dense {
  const limit = Math.sqrt(6 / (inDim + outDim));
  const w0 = tf.randomUniform([inDim, outDim], -limit, limit, "float32", rng.librarySeed());
  const b0 = tf.zeros([outDim]);
  // A variable shares its initial tensor's data; the initial tensor object itself must still be released.
  const layer = { W: tf.variable(w0, true, `${name}/W`), b: tf.variable(b0, true, `${name}/b`) };
  w0.dispose();
  b0.dispose();
  return layer;
}

/** Builds an MLP inDim → widths… → outDim (variables named `${name}/i/W`). */
export function createMlp(
  name: string,
  inDim: number,
  widths: number[],
  outDim: number,
  activation: Activation,
  rng: RandomStream,
): Mlp {
  const dims = [inDim, ...widths, outDim];
  const layers: Dense[] = [];
  for (let i = 0; i + 1 < dims.length; i++) layers.push(dense(`${name}/${i}`, dims[i]!, dims[i + 1]!, rng));
  return { layers, activation };
}

/**
 * Forward pass through the MLP; hidden layers use its activation, the last layer is linear.
 * A plain matMul + add rather than tfjs's fused kernel: the OpenBLAS route accelerates BatchMatMul only, and on
 * the other backends the two forms measured the same (bench/train-step.ts).
 */
export function applyMlp(mlp: Mlp, x: tf.Tensor2D): tf.Tensor2D {
  const { product, bias } = applyMlpUntilBias(mlp, x);
  return tf.add(product, bias) as tf.Tensor2D;
}

/**
 * {@link applyMlp} of `concat([tile(x), y], 1)`, without making that input: with the first layer's W split by rows
 * into W_x (x's columns) and W_y (y's), its product is tile(x·W_x) + y·W_y, so x·W_x, and its gradient in W_x, are
 * computed for x's rows once rather than for every tile. The same sum, rounded in another order. `tile` repeats rows
 * (the unlabeled term's class-major tiling: K copies of the batch, each beside another class's y).
 */
export function applyMlpToTiledWithLabels(
  mlp: Mlp,
  x: tf.Tensor2D,
  y: tf.Tensor2D,
  tile: (t: tf.Tensor2D) => tf.Tensor2D,
): tf.Tensor2D {
  const [first, ...rest] = mlp.layers;
  if (!first) throw new Error("applyMlpToTiledWithLabels: the MLP has no layers");
  const [wx, wy] = tf.split(first.W, [x.shape[1], y.shape[1]], 0) as [tf.Tensor2D, tf.Tensor2D];
  const firstProduct = tf.add(tile(tf.matMul(x, wx)), tf.matMul(y, wy)) as tf.Tensor2D;
  if (rest.length === 0) return tf.add(firstProduct, first.b) as tf.Tensor2D;
  const output = rest.pop()!;
  let h = hidden(firstProduct, first.b as tf.Tensor1D, mlp.activation);
  for (const layer of rest)
    h = hidden(tf.matMul(h, layer.W as tf.Tensor2D), layer.b as tf.Tensor1D, mlp.activation);
  return tf.add(tf.matMul(h, output.W as tf.Tensor2D), output.b) as tf.Tensor2D;
}

/**
 * The MLP up to its last matrix product, and its last bias: {@link applyMlp} is `add(product, bias)` of these, for a
 * caller that fuses the output layer's bias with what follows (fused-reconstruction.ts).
 */
export function applyMlpUntilBias(mlp: Mlp, x: tf.Tensor2D): { product: tf.Tensor2D; bias: tf.Tensor1D } {
  let h = x;
  const last = mlp.layers.length - 1;
  mlp.layers.forEach((layer, i) => {
    if (i === last) return;
    h = hidden(tf.matMul(h, layer.W as tf.Tensor2D), layer.b as tf.Tensor1D, mlp.activation);
  });
  const output = mlp.layers[last]!;
  return { product: tf.matMul(h, output.W as tf.Tensor2D), bias: output.b as tf.Tensor1D };
}

/** A hidden layer's output from its matrix product: act(product + bias), the ReLU's fused where the step is. */
function hidden(product: tf.Tensor2D, bias: tf.Tensor1D, activation: Activation): tf.Tensor2D {
  if (activation === "relu") return biasRelu(product, bias);
  const h = tf.add(product, bias) as tf.Tensor2D;
  return (activation === "elu" ? tf.elu(h) : tf.leakyRelu(h, 0.2)) as tf.Tensor2D;
}

/** All trainable variables of some MLPs. */
export function mlpVariables(mlps: Mlp[]): tf.Variable[] {
  return mlps.flatMap((m) => m.layers.flatMap((l) => [l.W, l.b]));
}

/** Frees an MLP's variables. */
export function disposeMlp(mlp: Mlp): void {
  for (const l of mlp.layers) {
    l.W.dispose();
    l.b.dispose();
  }
}
