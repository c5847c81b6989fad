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

const outShapeOf = (a: tf.Tensor, b: tf.Tensor) =>
  tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);

tf.registerGradient({
  kernelName: tf.Add,
  inputsToSave: ["a", "b"],
  gradFunc: (dy, saved) => {
    const [a, b] = saved as [tf.Tensor, tf.Tensor];
    const out = outShapeOf(a, b);
    return {
      a: () => broadcastGradient(dy as tf.Tensor, a, out),
      b: () => broadcastGradient(dy as tf.Tensor, b, out),
    };
  },
});

tf.registerGradient({
  kernelName: tf.Sub,
  inputsToSave: ["a", "b"],
  gradFunc: (dy, saved) => {
    const [a, b] = saved as [tf.Tensor, tf.Tensor];
    const out = outShapeOf(a, b);
    // tfjs negates after summing; summing −dy instead would round differently.
    return {
      a: () => broadcastGradient(dy as tf.Tensor, a, out),
      b: () => {
        const sum = broadcastGradient(dy as tf.Tensor, b, out);
        return tf.neg(sum);
      },
    };
  },
});

tf.registerGradient({
  kernelName: tf.Multiply,
  inputsToSave: ["a", "b"],
  gradFunc: (dy, saved) => {
    const [a, b] = saved as [tf.Tensor, tf.Tensor];
    const out = outShapeOf(a, b);
    return {
      a: () => broadcastGradient(dy as tf.Tensor, a, out, b),
      b: () => broadcastGradient(dy as tf.Tensor, b, out, a),
    };
  },
});
