import * as tf from "@tensorflow/tfjs-core";
import type { NativeKernels } from "./native-kernels";
import { nativeOutputs } from "./wasm-heap-copy";

/** What optimizerStep needs from an optimiser; tfjs's own optimisers satisfy it too. */
export interface GradientApplier {
  applyGradients(grads: tf.NamedTensorMap): void;
  dispose(): void;
}

/** Name of the one-kernel Adam update registered for the `cpu` and `wasm` backends. */
export const ADAM_UPDATE_KERNEL = "TailsweepAdamUpdate";

/**
 * The constants of one Adam update (docs/model.md §8), each already a float32 value, as tfjs's scalar
 * tensors would hold them.
 */
interface AdamUpdateAttrs {
  beta1: number;
  oneMinusBeta1: number;
  beta2: number;
  oneMinusBeta2: number;
  /** 1 − β₁ᵗ and 1 − β₂ᵗ, the bias corrections. */
  correction1: number;
  correction2: number;
  epsilon: number;
  negativeLearningRate: number;
}

const f32 = Math.fround;

/**
 * Adam's update of one variable, element by element, in exactly tfjs's order of float32 operations: every
 * intermediate is rounded to float32 as its own kernel would store it, so the result is the same bit for bit as
 * tfjs's 14-kernel chain (double rounding of +, −, ×, ÷ and √ is exact for float32 through float64).
 */
function adamUpdateLoop(
  x: Float32Array,
  m: Float32Array,
  v: Float32Array,
  g: Float32Array,
  outX: Float32Array,
  outM: Float32Array,
  outV: Float32Array,
  a: AdamUpdateAttrs,
): void {
  // Constants in locals: attrs arrive as a dictionary-mode object whose loads V8 does not hoist out of the loop.
  const { beta1, oneMinusBeta1, beta2, oneMinusBeta2, correction1, correction2, epsilon } = a;
  const negativeLearningRate = a.negativeLearningRate;
  const n = x.length;
  for (let i = 0; i < n; i++) {
    const gi = g[i]!;
    const mi = f32(f32(m[i]! * beta1) + f32(gi * oneMinusBeta1));
    const vi = f32(f32(v[i]! * beta2) + f32(f32(gi * gi) * oneMinusBeta2));
    const mHat = f32(mi / correction1);
    const vHat = f32(vi / correction2);
    const step = f32(f32(mHat / f32(f32(Math.sqrt(vHat)) + epsilon)) * negativeLearningRate);
    outX[i] = f32(step + x[i]!);
    outM[i] = mi;
    outV[i] = vi;
  }
}

interface AdamInputs {
  x: tf.TensorInfo;
  m: tf.TensorInfo;
  v: tf.TensorInfo;
  g: tf.TensorInfo;
}

/** The parts of the cpu backend the kernel uses. */
interface CpuBackend {
  data: { get(dataId: tf.DataId): { values: Float32Array } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo;
}

/** The native kernels the wasm kernel runs on, when the backend loaded them (see {@link useNativeAdam}). */
let native: NativeKernels | undefined;

/**
 * Runs the wasm backend's one-kernel Adam update as native code (native-kernels.ts) — for every variable, as it
 * outruns tfjs's ops at any size — or, with `undefined`, as the JavaScript loop for small variables only.
 * The bits are the same either way.
 */
export function useNativeAdam(kernels: NativeKernels | undefined): void {
  native = kernels;
}

/** The wasm kernel: reads and writes the tensors where they live, in the wasm heap, through views. */
const wasmAdamUpdate: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, m, v, g } = inputs as unknown as AdamInputs;
  const n = tf.util.sizeFromShape(x.shape);
  const a = attrs as unknown as AdamUpdateAttrs;
  return nativeOutputs(backend, [x.shape, x.shape, x.shape], (heapView, [newX, newM, newV]) => {
    const view = (t: tf.TensorInfo) => heapView(t, n);
    const views = [view(x), view(m), view(v), view(g), newX!, newM!, newV!] as const;
    if (native)
      native.adamUpdate(
        n,
        ...views,
        a.beta1,
        a.oneMinusBeta1,
        a.beta2,
        a.oneMinusBeta2,
        a.correction1,
        a.correction2,
        a.epsilon,
        a.negativeLearningRate,
      );
    else adamUpdateLoop(...views, a);
  });
};

/** The cpu kernel: the same loop over the backend's typed arrays. */
const cpuAdamUpdate: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, m, v, g } = inputs as unknown as AdamInputs;
  const b = backend as unknown as CpuBackend;
  const n = tf.util.sizeFromShape(x.shape);
  const out = [new Float32Array(n), new Float32Array(n), new Float32Array(n)] as const;
  const values = (t: tf.TensorInfo) => b.data.get(t.dataId).values;
  adamUpdateLoop(
    values(x),
    values(m),
    values(v),
    values(g),
    out[0],
    out[1],
    out[2],
    attrs as unknown as AdamUpdateAttrs,
  );
  return out.map((values) => b.makeTensorInfo(x.shape, "float32", values));
};

for (const [backendName, kernelFunc] of [
  ["wasm", wasmAdamUpdate],
  ["cpu", cpuAdamUpdate],
] as const) {
  if (tf.getKernel(ADAM_UPDATE_KERNEL, backendName) == null)
    tf.registerKernel({ kernelName: ADAM_UPDATE_KERNEL, backendName, kernelFunc });
}

/** One variable's saved Adam state (see {@link LayerwiseAdam.saveState}). */
export interface AdamVariableState {
  m: Float32Array;
  v: Float32Array;
  beta1Power: number;
  beta2Power: number;
}

/** One variable's Adam state: the moment estimates and β₁ᵗ, β₂ᵗ (float32, as tfjs keeps them). */
interface Moments {
  m: tf.Variable;
  v: tf.Variable;
  beta1Power: number;
  beta2Power: number;
}

/**
 * Variables up to this many elements take the one-kernel update; larger ones take tfjs's ops. The loop is plain
 * JS over float64 with a rounding per operation, ≈ 4× slower per element than the wasm backend's SIMD kernels,
 * so it only pays where the 14 kernels' fixed cost (≈ 10 µs each through the engine) dominates: biases and
 * small layers.
 */
const FUSED_MAX_ELEMENTS = 16_384;

/**
 * tfjs's Adam (β₁ = 0.9, β₂ = 0.999, ε = the backend's epsilon), run one variable at a time, with the same
 * numbers bit for bit.
 *
 * One variable at a time: `tf.train.adam` updates every variable inside one tidy, so its ~12 temporaries per
 * variable stay alive until the last variable is done; on the WebAssembly backend, whose heap never shrinks, that
 * peak (≈ 12 × the parameter bytes) set the process's memory.
 *
 * Cheaper per step than tfjs's: a training step of these small models is bound by the per-kernel cost of the
 * tfjs engine, not by arithmetic. β₁ᵗ and β₂ᵗ are tracked in JS (tfjs runs 4 kernels per variable and step for
 * them), the constant scalars are made once, and small variables take one kernel, {@link ADAM_UPDATE_KERNEL}
 * (`cpu`, `wasm`), instead of 14.
 */
export class LayerwiseAdam implements GradientApplier {
  private readonly moments = new Map<string, Moments>();
  private readonly beta1 = 0.9;
  private readonly beta2 = 0.999;
  /** Scalar tensors of the constants, kept across steps. */
  private readonly constants = new Map<number, tf.Scalar>();

  /** `fused: false` runs tfjs's chain of ops for every variable (to compare the two). */
  constructor(
    readonly learningRate: number,
    private readonly options: { fused?: boolean } = {},
  ) {}

  applyGradients(grads: tf.NamedTensorMap): void {
    const fused = this.options.fused !== false && tf.getKernel(ADAM_UPDATE_KERNEL, tf.getBackend()) != null;
    // Bias-correction scalars of this step, shared by the variables that are at the same step.
    const perStep = new Map<number, tf.Scalar>();
    const scalar = (value: number, cache: Map<number, tf.Scalar>) => {
      const cached = cache.get(value);
      if (cached) return cached;
      const made = tf.keep(tf.scalar(value));
      cache.set(value, made);
      return made;
    };
    try {
      for (const [name, gradient] of Object.entries(grads)) {
        const variable = tf.engine().registeredVariables[name];
        if (variable == null) throw new Error(`LayerwiseAdam: no variable named ${name}`);
        const state = this.momentsOf(name, variable);
        // β^t in float32, as tfjs's accumulated-β variables hold it; the update uses the power before this step's.
        const attrs: AdamUpdateAttrs = {
          beta1: f32(this.beta1),
          oneMinusBeta1: f32(1 - this.beta1),
          beta2: f32(this.beta2),
          oneMinusBeta2: f32(1 - this.beta2),
          correction1: f32(1 - state.beta1Power),
          correction2: f32(1 - state.beta2Power),
          epsilon: f32(tf.backend().epsilon()),
          negativeLearningRate: f32(-this.learningRate),
        };
        tf.tidy(() => {
          const [x, m, v] =
            fused &&
            (variable.size <= FUSED_MAX_ELEMENTS || (native !== undefined && tf.getBackend() === "wasm"))
              ? (tf
                  .engine()
                  .runKernel(
                    ADAM_UPDATE_KERNEL,
                    { x: variable, m: state.m, v: state.v, g: gradient },
                    attrs as unknown as tf.NamedAttrMap,
                  ) as tf.Tensor[])
              : adamUpdateOps(variable, state, gradient, (key) =>
                  scalar(attrs[key], key.startsWith("correction") ? perStep : this.constants),
                );
          variable.assign(x!);
          state.m.assign(m!);
          state.v.assign(v!);
        });
        state.beta1Power = f32(state.beta1Power * attrs.beta1);
        state.beta2Power = f32(state.beta2Power * attrs.beta2);
      }
    } finally {
      tf.dispose([...perStep.values()]);
    }
  }

  /**
   * The moments and β powers of each of `variables`, in their order, as plain arrays (null for a variable not yet
   * updated): with {@link restoreState} a checkpoint continues the optimiser bit for bit.
   */
  async saveState(variables: readonly tf.Variable[]): Promise<(AdamVariableState | null)[]> {
    return Promise.all(
      variables.map(async (variable) => {
        const state = this.moments.get(variable.name);
        if (!state) return null;
        const [m, v] = await Promise.all([state.m.data(), state.v.data()]);
        if (!(m instanceof Float32Array && v instanceof Float32Array)) {
          throw new Error(`LayerwiseAdam: the moments of ${variable.name} are not float32`);
        }
        return { m, v, beta1Power: state.beta1Power, beta2Power: state.beta2Power };
      }),
    );
  }

  /** Puts back what {@link saveState} returned for the same variables, in the same order. */
  restoreState(variables: readonly tf.Variable[], states: readonly (AdamVariableState | null)[]): void {
    if (states.length !== variables.length) {
      throw new RangeError(`LayerwiseAdam: ${states.length} saved states for ${variables.length} variables`);
    }
    variables.forEach((variable, i) => {
      const saved = states[i];
      const existing = this.moments.get(variable.name);
      if (existing) {
        tf.dispose([existing.m, existing.v]);
        this.moments.delete(variable.name);
      }
      if (!saved) return;
      if (saved.m.length !== variable.size || saved.v.length !== variable.size) {
        throw new RangeError(
          `LayerwiseAdam: the saved moments of variable ${i} do not fit its ${variable.size} values`,
        );
      }
      this.moments.set(variable.name, {
        m: tf.tidy(() => tf.tensor(saved.m, variable.shape, "float32").variable(false)),
        v: tf.tidy(() => tf.tensor(saved.v, variable.shape, "float32").variable(false)),
        beta1Power: saved.beta1Power,
        beta2Power: saved.beta2Power,
      });
    });
  }

  dispose(): void {
    for (const { m, v } of this.moments.values()) tf.dispose([m, v]);
    this.moments.clear();
    tf.dispose([...this.constants.values()]);
    this.constants.clear();
  }

  private momentsOf(name: string, variable: tf.Variable): Moments {
    let state = this.moments.get(name);
    if (!state) {
      state = {
        m: tf.tidy(() => tf.zerosLike(variable).variable(false)),
        v: tf.tidy(() => tf.zerosLike(variable).variable(false)),
        beta1Power: f32(this.beta1),
        beta2Power: f32(this.beta2),
      };
      this.moments.set(name, state);
    }
    return state;
  }
}

/** docs/model.md §8's update as tfjs's Adam writes them, op by op, with the constants as scalar tensors. */
function adamUpdateOps(
  x: tf.Tensor,
  s: Moments,
  g: tf.Tensor,
  c: (key: keyof AdamUpdateAttrs) => tf.Scalar,
): tf.Tensor[] {
  const m = tf.add(tf.mul(s.m, c("beta1")), tf.mul(g, c("oneMinusBeta1")));
  const v = tf.add(tf.mul(s.v, c("beta2")), tf.mul(tf.square(g), c("oneMinusBeta2")));
  const step = tf.mul(
    tf.div(tf.div(m, c("correction1")), tf.add(tf.sqrt(tf.div(v, c("correction2"))), c("epsilon"))),
    c("negativeLearningRate"),
  );
  return [tf.add(step, x), m, v];
}
