import * as tf from "@tensorflow/tfjs-core";

/** What optimizerStep needs from an optimiser; tfjs's own optimisers satisfy it too. */
export interface GradientApplier {
  applyGradients(grads: tf.NamedTensorMap): void;
  dispose(): void;
}

/**
 * tfjs's Adam, run one variable at a time. `tf.train.adam` updates every variable inside one tidy, so its ~12
 * temporaries per variable stay alive until the last variable is done: on the WebAssembly backend, whose heap
 * never shrinks, that peak (≈ 12 × the parameter bytes) set the process's memory. One Adam per variable, each
 * applied in its own scope, gives the same update (same β, ε, bias correction per variable and step) with a
 * peak of 12 × the largest variable.
 */
export class LayerwiseAdam implements GradientApplier {
  private readonly perVariable = new Map<string, tf.Optimizer>();

  constructor(readonly learningRate: number) {}

  applyGradients(grads: tf.NamedTensorMap): void {
    for (const [name, gradient] of Object.entries(grads)) {
      let adam = this.perVariable.get(name);
      if (!adam) {
        adam = tf.train.adam(this.learningRate);
        this.perVariable.set(name, adam);
      }
      adam.applyGradients({ [name]: gradient });
    }
  }

  dispose(): void {
    for (const adam of this.perVariable.values()) adam.dispose();
    this.perVariable.clear();
  }
}
