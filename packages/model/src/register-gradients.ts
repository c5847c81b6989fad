// tfjs-core's own Node bundle lacks the gradient functions and its ESM build uses directory imports that Node
// rejects; the union package's Node bundle registers them on the same tfjs-core instance. Import for the effect.
import "@tensorflow/tfjs";
import * as tf from "@tensorflow/tfjs-core";

/**
 * The gradient of a broadcasting binary op with respect to one input: `dy` (times `factor`), summed over the axes
 * that input was broadcast along, in the input's shape. As tfjs's own, minus the kernels that change nothing: a
 * reshape to the shape the tensor already has and a cast of a float32 tensor to float32. tfjs's gradients of add,
 * sub and mul run those on every call (≈ 250 of the ≈ 1,500 kernels in a training step of the proposed model),
 * and each kernel costs a trip through the engine. The numbers are the same bit for bit.
 */
function broadcastGradient(
  dy: tf.Tensor,
  input: tf.Tensor,
  outShape: number[],
  factor?: tf.Tensor,
): tf.Tensor {
  let res = factor ? tf.mul(dy, factor.dtype === "float32" ? factor : tf.cast(factor, "float32")) : dy;
  const axes = tf.backend_util.getReductionAxes(input.shape, outShape);
  if (axes.length > 0) res = tf.sum(res, axes);
  return tf.util.arraysEqual(res.shape, input.shape) ? res : tf.reshape(res, input.shape);
}

/**
 * Registers the gradient of a broadcasting binary kernel: `of(side)` gives the gradient with respect to input
 * `side` ("a" or "b") from `dy`, that input, the other one and the broadcast output shape.
 */
function registerBinaryGradient(
  kernelName: string,
  of: (side: "a" | "b", dy: tf.Tensor, input: tf.Tensor, other: tf.Tensor, outShape: number[]) => tf.Tensor,
): void {
  tf.registerGradient({
    kernelName,
    inputsToSave: ["a", "b"],
    gradFunc: (dy, saved) => {
      const [a, b] = saved as [tf.Tensor, tf.Tensor];
      const out = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
      return { a: () => of("a", dy as tf.Tensor, a, b, out), b: () => of("b", dy as tf.Tensor, b, a, out) };
    },
  });
}

registerBinaryGradient(tf.Add, (_, dy, input, __, out) => broadcastGradient(dy, input, out));
// tfjs negates b's gradient after summing; summing −dy instead would round differently.
registerBinaryGradient(tf.Sub, (side, dy, input, _, out) => {
  const g = broadcastGradient(dy, input, out);
  return side === "a" ? g : tf.neg(g);
});
registerBinaryGradient(tf.Multiply, (_, dy, input, other, out) => broadcastGradient(dy, input, out, other));
