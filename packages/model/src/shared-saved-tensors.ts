import * as tf from "@tensorflow/tfjs-core";

/** The parts of tfjs's engine that saving a tensor for the backward pass touches. */
interface EngineInternals {
  state: {
    gradientDepth: number;
    tensorInfo: { get(dataId: tf.DataId): { backend: { incRef?(dataId: tf.DataId): void } } | undefined };
  };
  keep<T extends tf.Tensor>(t: T): T;
  makeTensorFromTensorInfo(info: tf.TensorInfo, backend?: unknown): tf.Tensor;
  saveTensorsForBackwardMode(tensors: tf.Tensor[]): tf.Tensor[];
}

const STOCK = Symbol.for("tailsweep.engine.stockSaveTensorsForBackwardMode");

/**
 * Makes tfjs keep the tensors a kernel saves for its gradient as new references to the same data, instead of
 * running an `Identity` kernel per tensor and recording that clone on the gradient tape. A training step of the
 * proposed model saves ~710 tensors; each clone cost a full trip through the engine (scopes, kernel dispatch, a
 * tape node that backpropagation then walks) — about 5 % of a quick trial, and much of the garbage its worker
 * makes. The saved tensors are never inputs of forward ops, so no gradient flows through the clones' tape nodes
 * at first order; under a gradient of a gradient (tape depth > 1) the stock path runs. Backends without
 * `incRef` also keep the stock path. Idempotent.
 */
export function shareSavedTensors(): void {
  const engine = tf.engine() as unknown as EngineInternals & {
    [STOCK]?: EngineInternals["saveTensorsForBackwardMode"];
  };
  if (engine[STOCK]) return;
  const stock = engine.saveTensorsForBackwardMode;
  engine[STOCK] = stock;
  engine.saveTensorsForBackwardMode = function (this: EngineInternals, tensors: tf.Tensor[]): tf.Tensor[] {
    if (this.state.gradientDepth > 1) return stock.call(this, tensors);
    const backends = tensors.map((t) => this.state.tensorInfo.get(t.dataId)?.backend);
    if (backends.some((b) => typeof b?.incRef !== "function")) return stock.call(this, tensors);
    return tensors.map((t, i) => {
      backends[i]!.incRef!(t.dataId);
      return this.keep(
        this.makeTensorFromTensorInfo({ dataId: t.dataId, shape: t.shape, dtype: t.dtype }, backends[i]),
      );
    });
  };
}
