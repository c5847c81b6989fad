import * as tf from "@tensorflow/tfjs-core";
import { type NormalDraws, sampleStudentTPosterior, studentTNoise } from "./distributions";
import { fusedKernels, fusedStepActive } from "./fused-reconstruction";
import { nativeOutput } from "./wasm-heap-copy";

/**
 * The Student-t posterior's reparameterised draw (docs/model.md eq. S1) as one kernel each way in the fused step
 * (fused-reconstruction.ts). Each trained subset and batch draws once: as tfjs ops a multiply, an exp and two more
 * multiplies and an add forwards and five kernels backwards, on [rows × m] tensors far too small for their cost to be
 * anything but the engine's. The noise is tfjs's, from the same seeds: √(ν / v) drawn by tfjs, and ε, the same
 * numbers as tf.randomNormal's, made in C (`NORMAL_KERNEL`): tfjs makes them one at a time in JavaScript, ≈ 26 ns each,
 * ≈ 1.8 ms of a proposed step. The exp is the native kernels' (ts_exp, whose clamp to [−87, 88] lies beyond the
 * ℓ/2 ≈ ±26 that log-scales clipped at the schema's largest ±50 can reach), so the bits of z are not tfjs's: the
 * fused step's `detail` names the draw.
 */
export const STUDENT_T_DRAW_KERNEL = "TailsweepStudentTDraw";
const STUDENT_T_DRAW_GRAD_KERNEL = "TailsweepStudentTDrawGrad";
/** tf.randomNormal(shape, 0, 1, "float32", seed)'s numbers, made in C (native-kernels.ts, ts_tfjs_normal). */
export const NORMAL_KERNEL = "TailsweepRandomNormal";

/**
 * tf.randomNormal(shape, 0, 1, "float32", seed), value for value (but for a rare last bit where the C library's log
 * and V8's differ: native-kernels.ts), from the native kernels on wasm where the fused step runs. A seed that is not a
 * whole number in [1, 2³²) goes to tfjs itself (tfjs reads 0 as "no seed" and draws from Math.random, and writes
 * other numbers as text the C code does not).
 */
export const nativeNormals: NormalDraws = (shape, seed) =>
  fusedStepActive() && Number.isInteger(seed) && seed >= 1 && seed < 2 ** 32
    ? (tf.engine().runKernel(NORMAL_KERNEL, {}, { shape, seed } as unknown as tf.NamedAttrMap) as tf.Tensor2D)
    : (tf.randomNormal(shape, 0, 1, "float32", seed) as tf.Tensor2D);

/** {@link sampleStudentTPosterior} (eq. S1), as the fused kernel where the fused step runs. */
export function sampleStudentTPosteriorStep(
  mu: tf.Tensor2D,
  logScale: tf.Tensor2D,
  nu: number,
  n: number,
  seeds: { normal: number; chi2: number },
): tf.Tensor2D {
  if (!fusedStepActive()) return sampleStudentTPosterior(mu, logScale, nu, n, seeds);
  return tf.tidy(() => {
    const { eps, shrink } = studentTNoise(mu.shape[0], mu.shape[1], nu, n, seeds, nativeNormals);
    return tf.engine().runKernel(STUDENT_T_DRAW_KERNEL, {
      mu,
      logScale,
      eps,
      shrink,
    } as unknown as tf.NamedTensorMap) as tf.Tensor2D;
  });
}

interface DrawInputs {
  mu: tf.TensorInfo;
  logScale: tf.TensorInfo;
  eps: tf.TensorInfo;
  shrink: tf.TensorInfo;
}

/** Rows and m, checked (mu only forwards: the gradient kernel does not read it): the C loops trust them. */
function shapes({
  mu,
  logScale,
  eps,
  shrink,
}: Omit<DrawInputs, "mu"> & { mu?: tf.TensorInfo }): [number, number] {
  const [rows, m] = logScale.shape as [number, number];
  const same = (t: tf.TensorInfo) => t.shape.length === 2 && t.shape[0] === rows && t.shape[1] === m;
  const all = [...(mu ? [mu] : []), logScale, eps];
  if (
    !all.every(same) ||
    shrink.shape.length !== 2 ||
    shrink.shape[0] !== rows ||
    shrink.shape[1] !== 1 ||
    [...all, shrink].some((t) => t.dtype !== "float32")
  ) {
    throw new Error(
      `${STUDENT_T_DRAW_KERNEL}: needs float32 ${mu ? "mu, " : ""}logScale and eps of one shape [rows, m] and shrink ` +
        `[rows, 1]; got ${[...all, shrink].map((t) => `[${t.shape}]`).join(", ")}`,
    );
  }
  return [rows, m];
}

const forward: tf.KernelFunc = ({ inputs, backend }) => {
  const named = inputs as unknown as DrawInputs;
  const [rows, m] = shapes(named);
  const size = rows * m;
  return nativeOutput(backend, [rows, m], (view, z) =>
    fusedKernels(STUDENT_T_DRAW_KERNEL).studentTDraw(
      rows,
      m,
      view(named.mu, size),
      view(named.logScale, size),
      view(named.eps, size),
      view(named.shrink, rows),
      z,
    ),
  );
};

const gradient: tf.KernelFunc = ({ inputs, backend }) => {
  const { dz, ...named } = inputs as unknown as Omit<DrawInputs, "mu"> & { dz: tf.TensorInfo };
  const [rows, m] = shapes(named);
  if (!tf.util.arraysEqual(dz.shape, [rows, m]) || dz.dtype !== "float32")
    throw new Error(
      `${STUDENT_T_DRAW_GRAD_KERNEL}: dz must be float32 [${rows},${m}], got ${dz.dtype} [${dz.shape}]`,
    );
  const size = rows * m;
  return nativeOutput(backend, [rows, m], (view, dl) =>
    fusedKernels(STUDENT_T_DRAW_KERNEL).studentTDrawGrad(
      rows,
      m,
      view(named.logScale, size),
      view(named.eps, size),
      view(named.shrink, rows),
      view(dz, size),
      dl,
    ),
  );
};

const normals: tf.KernelFunc = ({ backend, attrs }) => {
  const { shape, seed } = attrs as unknown as { shape: number[]; seed: number };
  return nativeOutput(backend, shape, (_, out) =>
    fusedKernels(NORMAL_KERNEL).tfjsNormal(out.length, seed, out),
  );
};

/** Registers the three wasm kernels and the draw's gradient (idempotent). */
export function installFusedStudentTDraw(): void {
  if (tf.getKernel(STUDENT_T_DRAW_KERNEL, "wasm") !== undefined) return;
  tf.registerKernel({ kernelName: NORMAL_KERNEL, backendName: "wasm", kernelFunc: normals });
  tf.registerKernel({ kernelName: STUDENT_T_DRAW_KERNEL, backendName: "wasm", kernelFunc: forward });
  tf.registerKernel({ kernelName: STUDENT_T_DRAW_GRAD_KERNEL, backendName: "wasm", kernelFunc: gradient });
  tf.registerGradient({
    kernelName: STUDENT_T_DRAW_KERNEL,
    // mu's value is not needed backwards: the gradient kernel checks its shapes on logScale, which has mu's
    inputsToSave: ["logScale", "eps", "shrink"],
    gradFunc: (dz, saved) => {
      const [logScale, eps, shrink] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
      const noNoiseGradient = () => {
        // tfjs asks only for the gradients of inputs that lead from a variable, and the noise is always drawn.
        throw new Error(`${STUDENT_T_DRAW_KERNEL}: the noise ε and √(ν / v) carry no gradient`);
      };
      return {
        // tfjs's Add passes dz on as it is to the location, whose shape is z's
        mu: () => dz as tf.Tensor2D,
        logScale: () =>
          tf.engine().runKernel(STUDENT_T_DRAW_GRAD_KERNEL, {
            dz,
            logScale,
            eps,
            shrink,
          } as unknown as tf.NamedTensorMap),
        eps: noNoiseGradient,
        shrink: noNoiseGradient,
      };
    },
  });
}
