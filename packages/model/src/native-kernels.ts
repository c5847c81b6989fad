/**
 * Kernels in C for the wasm backends, compiled on this machine by its C compiler on first use and called through
 * koffi on the wasm heap, in place (issue #19: a step of these small models spends as much time around its matmuls
 * as in them). The library is cached under ~/.cache/tailsweep/native (else a folder of this user's own in the temp
 * folder), keyed by a hash of the source, the compiler's version and target, the platform and the flags, built under
 * a name of its own and renamed into place so that workers starting together never see a half-written file; a cached
 * file or folder another user could have written is refused, and a cached library that does not load is rebuilt.
 * Where there is no compiler, or it fails, `loadNativeKernels` says why and the backends keep their JavaScript and
 * wasm kernels: Adam's results are the same bit for bit either way (native-kernels.test.ts); the fused step's kernels
 * (fused-*.ts) round in their own way, so without them a run computes other bits, and the backend's `detail` says
 * which (a checkpoint is resumed only under the same `detail`).
 *
 * Flags: `-ffp-contract=off` keeps every multiply and add its own float32 rounding (no fused multiply-add), and
 * there is no `-ffast-math`, so Adam's C code rounds exactly as tfjs's float32 kernels do, and every kernel the same
 * on every vector width (`-march=native`, where the compiler has it; the product of experts calls libm's logf, whose
 * bits rest on the C library); `-fopenmp` runs the loops on the BLAS threads'
 * count (each output is one thread's, so the thread count does not change a bit).
 */
import { execFile, execFileSync } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { existsSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { assertOwn, cacheDirCandidates, ownDir } from "@tailsweep/schemas/own-cache";

const SOURCE = `
#include <math.h>
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

void ts_set_threads(int n) { omp_set_num_threads(n); }
int ts_get_threads(void) { return omp_get_max_threads(); }

/* Adam's update of one variable in tfjs's order of float32 operations (adam.ts, adamUpdateLoop). */
/* restrict: the tensors never overlap, and without it gcc does not vectorise the loop (it must assume aliasing). */
void ts_adam_update(int n, const float *restrict x, const float *restrict m, const float *restrict v,
                    const float *restrict g, float *restrict out_x, float *restrict out_m, float *restrict out_v,
                    float beta1, float one_minus_beta1, float beta2, float one_minus_beta2, float correction1,
                    float correction2, float epsilon, float negative_learning_rate) {
#pragma omp parallel for simd schedule(static) if (n >= 65536)
  for (int i = 0; i < n; i++) {
    float gi = g[i];
    float mi = m[i] * beta1 + gi * one_minus_beta1;
    float vi = v[i] * beta2 + (gi * gi) * one_minus_beta2;
    float m_hat = mi / correction1;
    float v_hat = vi / correction2;
    float step = (m_hat / (sqrtf(v_hat) + epsilon)) * negative_learning_rate;
    out_x[i] = step + x[i];
    out_m[i] = mi;
    out_v[i] = vi;
  }
}

/* tfjs's tf.randomNormal(shape, 0, 1, "float32", seed), value for value (fused-student-t.ts): seedrandom's Alea
   (Baagøe 2010), seeded by its Mash hash of the seed's decimal string, and Marsaglia's polar method, in double as tfjs
   computes them in JavaScript, each value rounded to float32. x >>> 0 of a non-negative double below 2^53 is its
   integer part modulo 2^32, and x | 0 its integer part here (t < 2^21). The one function not tfjs's own is log: the C
   library's and V8's Math.log are both within an ulp of the true value but not always the same double, so a value
   could, rarely, differ in its last float32 bit (none in 1.2 M checked). A sequential stream: no threads. */
static double ts_uint32_of(double x) { return (double)(uint32_t)(uint64_t)x; }

static double ts_mash(double *n, const char *data) {
  for (const char *ch = data; *ch; ch++) {
    *n += (double)(unsigned char)*ch;
    double h = 0.02519603282416938 * *n;
    *n = ts_uint32_of(h);
    h -= *n;
    h *= *n;
    *n = ts_uint32_of(h);
    h -= *n;
    *n += h * 4294967296.0;
  }
  return ts_uint32_of(*n) * 2.3283064365386963e-10;
}

void ts_tfjs_normal(int count, unsigned int seed, float *restrict out) {
  char text[16];
  snprintf(text, sizeof text, "%u", seed);
  double n = 4022871197.0; /* 0xefc8249d */
  double s0 = ts_mash(&n, " "), s1 = ts_mash(&n, " "), s2 = ts_mash(&n, " "), c = 1.0;
  s0 -= ts_mash(&n, text);
  if (s0 < 0) s0 += 1;
  s1 -= ts_mash(&n, text);
  if (s1 < 0) s1 += 1;
  s2 -= ts_mash(&n, text);
  if (s2 < 0) s2 += 1;
  for (int i = 0; i < count; i += 2) {
    double v1, v2, s;
    do {
      double t = 2091639.0 * s0 + c * 2.3283064365386963e-10;
      s0 = s1;
      s1 = s2;
      c = (double)(int32_t)t;
      s2 = t - c;
      v1 = 2 * s2 - 1;
      t = 2091639.0 * s0 + c * 2.3283064365386963e-10;
      s0 = s1;
      s1 = s2;
      c = (double)(int32_t)t;
      s2 = t - c;
      v2 = 2 * s2 - 1;
      s = v1 * v1 + v2 * v2;
    } while (s >= 1 || s == 0);
    double mul = sqrt(-2.0 * log(s) / s);
    out[i] = (float)(v1 * mul);
    if (i + 1 < count) out[i + 1] = (float)(v2 * mul);
  }
}

/* out = a + b for two float32 tensors of one shape (wasm-binary-ops.ts: the gradient sums of weights used more than
   once, on the OpenMP threads where the wasm backend's Add has one). */
void ts_add(int n, const float *restrict a, const float *restrict b, float *restrict out) {
#pragma omp parallel for simd schedule(static) if (n >= 65536)
  for (int i = 0; i < n; i++) out[i] = a[i] + b[i];
}

/* A hidden layer's bias and ReLU (fused-dense.ts): out = relu(p + b) per row of p (rows × cols), in tfjs's order
   (one float32 add, then the ReLU). The ReLU is the wasm backend's (XNNPACK's): 0 wherever the sign bit is set, so
   -0 and a NaN with its sign bit set give +0, and any other NaN passes on. */
void ts_bias_relu(int rows, int cols, const float *restrict p, const float *restrict b, float *restrict out) {
#pragma omp parallel for schedule(static) if ((long)rows * cols >= 65536)
  for (int r = 0; r < rows; r++) {
    const float *pr = p + (long)r * cols;
    float *o = out + (long)r * cols;
    for (int j = 0; j < cols; j++) {
      float a = pr[j] + b[j];
      unsigned int bits;
      memcpy(&bits, &a, sizeof bits);
      o[j] = bits >> 31 ? 0.0f : a;
    }
  }
}

/* Its gradient in p: dp = dy · step(p + b), tfjs's Relu gradient (dy · Step(x), Step(x) = x > 0 ? 1 : 0 and NaN for
   a NaN x, whatever its sign), with x = p + b made again rather than kept from the forward pass. dy · 0 keeps dy's
   sign on zero, as tfjs's Multiply does. */
void ts_bias_relu_grad(int rows, int cols, const float *restrict p, const float *restrict b, const float *restrict dy,
                       float *restrict dp) {
#pragma omp parallel for schedule(static) if ((long)rows * cols >= 65536)
  for (int r = 0; r < rows; r++) {
    const float *pr = p + (long)r * cols;
    const float *dyr = dy + (long)r * cols;
    float *o = dp + (long)r * cols;
    for (int j = 0; j < cols; j++) {
      float a = pr[j] + b[j];
      float s = a > 0.0f ? 1.0f : 0.0f;
      s = a != a ? a : s;
      o[j] = dyr[j] * s;
    }
  }
}

/* ClipByValue's gradient (fused-clip.ts): dx = lo <= x <= hi ? dy : 0, tfjs's where(x >= lo && x <= hi, dy,
   zerosLike(dy)) in one pass (a NaN x is outside, as there). */
void ts_clip_grad(int n, const float *restrict x, const float *restrict dy, float lo, float hi, float *restrict dx) {
#pragma omp parallel for simd schedule(static) if (n >= 65536)
  for (int i = 0; i < n; i++) dx[i] = (x[i] >= lo) & (x[i] <= hi) ? dy[i] : 0.0f;
}

/* exp(x) in float32 arithmetic that gcc vectorises, Cephes' expf: x = n·ln 2 + r with |r| ≤ ln 2 / 2 (n by the
   1.5·2^23 rounding trick, ln 2 in two parts), a degree-7 polynomial in r, 2^n from the exponent bits; ≈ 1 ulp on the
   clamped range. libm's expf vectorises only under -ffast-math, and a scalar expf per element of a [640 × 784]
   decoder output costs more than the tfjs kernels the fused kernels replace. */
static inline float ts_exp(float x) {
  x = x < -87.0f ? -87.0f : x;
  x = x > 88.0f ? 88.0f : x;
  const float shifter = 12582912.0f;
  float t = x * 1.44269504088896341f + shifter;
  float n = t - shifter;
  /* unsigned: a NaN's bits would overflow a signed int (the result is NaN either way) */
  unsigned int bits;
  memcpy(&bits, &t, sizeof bits);
  unsigned int exponent = (bits - 0x4B400000u + 127u) << 23;
  float scale;
  memcpy(&scale, &exponent, sizeof scale);
  float r = x - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  return (p * r * r + r + 1.0f) * scale;
}

/* The Student-t posterior's draw (docs/model.md eq. S1, fused-student-t.ts): z = μ + e^{ℓ/2}·ε·s, s = √(ν / v) one per
   row, in tfjs's order of float32 operations ((e^{ℓ·0.5}·ε)·s, then μ +), e^x by ts_exp. */
void ts_student_t_draw(int rows, int m, const float *restrict mu, const float *restrict l, const float *restrict eps,
                       const float *restrict shrink, float *restrict z) {
#pragma omp parallel for schedule(static) if ((long)rows * m >= 65536)
  for (int r = 0; r < rows; r++) {
    float s = shrink[r];
    long base = (long)r * m;
    for (int j = 0; j < m; j++) z[base + j] = mu[base + j] + (ts_exp(l[base + j] * 0.5f) * eps[base + j]) * s;
  }
}

/* Its gradient in ℓ for dz, in the order tfjs's gradients take: (((dz·s)·ε)·e^{ℓ·0.5})·0.5 (the gradient in μ is dz). */
void ts_student_t_draw_grad(int rows, int m, const float *restrict l, const float *restrict eps,
                            const float *restrict shrink, const float *restrict dz, float *restrict dl) {
#pragma omp parallel for schedule(static) if ((long)rows * m >= 65536)
  for (int r = 0; r < rows; r++) {
    float s = shrink[r];
    long base = (long)r * m;
    for (int j = 0; j < m; j++)
      dl[base + j] = (((dz[base + j] * s) * eps[base + j]) * ts_exp(l[base + j] * 0.5f)) * 0.5f;
  }
}

static inline float ts_sigmoid(float a) { return 1.0f / (1.0f + ts_exp(-a)); }
#define TS_IDENTITY(a) (a)

/* Lanes of a row sum: column j adds into lane j mod LANES and the lanes are added in order at the end, so the sum is
   the same bits whatever the vector width the compiler chose (SSE2 to AVX-512) and whatever the thread count. */
#define LANES 16
#define TS_ROW_SUM(DECODE, sum)                                                                                      \
  float lanes[LANES] = {0};                                                                                          \
  int j = 0;                                                                                                         \
  for (; j + LANES <= cols; j += LANES)                                                                              \
    for (int l = 0; l < LANES; l++) {                                                                                \
      float d = DECODE(pr[j + l] + b[j + l]) - xr[j + l];                                                            \
      lanes[l] += d * d;                                                                                             \
    }                                                                                                                \
  for (int l = 0; j + l < cols; l++) {                                                                               \
    float d = DECODE(pr[j + l] + b[j + l]) - xr[j + l];                                                              \
    lanes[l] += d * d;                                                                                               \
  }                                                                                                                  \
  float sum = 0.0f;                                                                                                  \
  for (int l = 0; l < LANES; l++) sum += lanes[l];

/* The reconstruction error of a decoder's output layer (docs/model.md eq. R3), per row r of a = p + b (rows × cols):
   Σ_j (x[r mod xrows, j] − out(a_rj))² / sigma2, with out the sigmoid or the identity. x has xrows rows and the
   rows of p are the batch tiled class-major (row r is x's row r mod xrows), so the tiled x is never made. The
   sigmoid test sits outside the inner loops: gcc vectorises only loops without branches. */
void ts_reconstruction(int rows, int cols, int xrows, const float *restrict p, const float *restrict b,
                       const float *restrict x, int sigmoid, float sigma2, float *restrict out) {
#pragma omp parallel for schedule(static) if ((long)rows * cols >= 65536)
  for (int r = 0; r < rows; r++) {
    const float *pr = p + (long)r * cols;
    const float *xr = x + (long)(r % xrows) * cols;
    if (sigmoid) {
      TS_ROW_SUM(ts_sigmoid, sum)
      out[r] = sum / sigma2;
    } else {
      TS_ROW_SUM(TS_IDENTITY, sum)
      out[r] = sum / sigma2;
    }
  }
}

/* Its gradient in p (and so in b, summed over rows): dy_r · 2·(out(a_rj) − x_rj) / sigma2, times the sigmoid's
   derivative out·(1 − out) when out is the sigmoid. */
void ts_reconstruction_grad(int rows, int cols, int xrows, const float *restrict p, const float *restrict b,
                            const float *restrict x, const float *restrict dy, int sigmoid, float sigma2,
                            float *restrict dp) {
#pragma omp parallel for schedule(static) if ((long)rows * cols >= 65536)
  for (int r = 0; r < rows; r++) {
    const float *pr = p + (long)r * cols;
    const float *xr = x + (long)(r % xrows) * cols;
    float *dr = dp + (long)r * cols;
    float g = 2.0f * (dy[r] / sigma2);
    if (sigmoid)
      for (int j = 0; j < cols; j++) {
        float s = ts_sigmoid(pr[j] + b[j]);
        dr[j] = (g * (s - xr[j])) * (s * (1.0f - s));
      }
    else
      for (int j = 0; j < cols; j++) dr[j] = g * ((pr[j] + b[j]) - xr[j]);
  }
}

/* The latent regularisers of the γ-loss and of the Gaussian model in one form (docs/model.md eqs. R1, R2), per row r
   of mu and l (rows × m): Σ_j mu² + a·Σ_j e^l − b·Σ_j l − c·exp(d·Σ_j l) + e. R1 is a = ν/(ν+n−2), b = 0, c = ν·C1,
   d = detExp, e = ν·τ0; R2 is a = 1, b = 1, c = 0, d = 0, e = −m. Each row is summed in column order. */
void ts_latent_regularizer(int rows, int m, const float *restrict mu, const float *restrict l, float a, float b,
                           float c, float d, float e, float *restrict out) {
#pragma omp parallel for schedule(static) if ((long)rows * m >= 65536)
  for (int r = 0; r < rows; r++) {
    const float *mr = mu + (long)r * m;
    const float *lr = l + (long)r * m;
    float squares = 0.0f, exps = 0.0f, logs = 0.0f;
    for (int j = 0; j < m; j++) {
      squares += mr[j] * mr[j];
      exps += ts_exp(lr[j]);
      logs += lr[j];
    }
    float det = c != 0.0f ? c * ts_exp(d * logs) : 0.0f;
    out[r] = (((squares + a * exps) - b * logs) - det) + e;
  }
}

/* Its gradients for the row gradients dy: dmu = 2·mu·dy_r, dl = dy_r·(a·e^l − b − c·d·exp(d·Σ_j l)). */
void ts_latent_regularizer_grad(int rows, int m, const float *restrict mu, const float *restrict l,
                                const float *restrict dy, float a, float b, float c, float d, float *restrict dmu,
                                float *restrict dl) {
#pragma omp parallel for schedule(static) if ((long)rows * m >= 65536)
  for (int r = 0; r < rows; r++) {
    const float *mr = mu + (long)r * m;
    const float *lr = l + (long)r * m;
    float logs = 0.0f;
    for (int j = 0; j < m; j++) logs += lr[j];
    float det = c != 0.0f ? (c * d) * ts_exp(d * logs) : 0.0f;
    float g = dy[r];
    for (int j = 0; j < m; j++) {
      dmu[(long)r * m + j] = (2.0f * mr[j]) * g;
      dl[(long)r * m + j] = ((a * ts_exp(lr[j]) - b) - det) * g;
    }
  }
}

/* T = Σ_k e^{−l_k} (the prior's p_prior last) and the product's mu = Σ_k e^{−l_k}·mu_k / T, for len values of k experts
   held stride apart in mus and ls, summed in the experts' order; one loop per expert, so that each vectorises. The
   forward pass and the gradient both start from these. */
static void ts_poe_sums(int len, int k, long stride, const float *restrict mus, const float *restrict ls, int prior,
                        float prior_p, float *restrict total, float *restrict mean) {
  for (int i = 0; i < len; i++) {
    total[i] = 0.0f;
    mean[i] = 0.0f;
  }
  for (int e = 0; e < k; e++) {
    const float *mu = mus + e * stride;
    const float *l = ls + e * stride;
    for (int i = 0; i < len; i++) {
      float p = ts_exp(-l[i]);
      total[i] += p;
      mean[i] += p * mu[i];
    }
  }
  if (prior)
    for (int i = 0; i < len; i++) total[i] += prior_p;
  for (int i = 0; i < len; i++) mean[i] = mean[i] / total[i];
}

/* The precision-weighted product of k diagonal experts (docs/model.md eq. P1), elementwise over n values: mus and ls
   hold the experts one after another (k × n); with prior = 1 a last expert at location 0 and log-scale prior_l joins
   them. mu and T as ts_poe_sums makes them, l = −log T. */
void ts_product_of_experts(int n, int k, const float *restrict mus, const float *restrict ls, int prior, float prior_l,
                           float *restrict out_mu, float *restrict out_l) {
  ts_poe_sums(n, k, n, mus, ls, prior, prior ? ts_exp(-prior_l) : 0.0f, out_l, out_mu);
  for (int i = 0; i < n; i++) out_l[i] = -logf(out_l[i]);
}

/* Its gradients for dmu and dl: with w_k = e^{−l_k} / T, d mu_k = dmu·w_k and d l_k = w_k·(dmu·(mu − mu_k) + dl)
   (mu and l the product's, T = e^{−l}; recomputed from the experts as the forward pass made them, a block at a time
   on the stack: no allocation that could fail). */
void ts_product_of_experts_grad(int n, int k, const float *restrict mus, const float *restrict ls, int prior,
                                float prior_l, const float *restrict dmu, const float *restrict dl,
                                float *restrict dmus, float *restrict dls) {
  enum { BLOCK = 1024 };
  float total[BLOCK], mean[BLOCK];
  float prior_p = prior ? ts_exp(-prior_l) : 0.0f;
  for (int base = 0; base < n; base += BLOCK) {
    int len = n - base < BLOCK ? n - base : BLOCK;
    ts_poe_sums(len, k, n, mus + base, ls + base, prior, prior_p, total, mean);
    for (int e = 0; e < k; e++) {
      const float *mu = mus + (long)e * n + base;
      const float *l = ls + (long)e * n + base;
      float *gmu = dmus + (long)e * n + base;
      float *gl = dls + (long)e * n + base;
      for (int i = 0; i < len; i++) {
        float w = ts_exp(-l[i]) / total[i];
        gmu[i] = dmu[base + i] * w;
        gl[i] = w * (dmu[base + i] * (mean[i] - mu[i]) + dl[base + i]);
      }
    }
  }
}
`;

const FLAGS = [
  "-O3",
  "-fPIC",
  "-shared",
  "-fopenmp",
  "-ffp-contract=off",
  "-fno-math-errno",
  // Values are the same; without it gcc does not turn the float comparisons of ts_exp's clamp into vector blends,
  // and the fused kernels' loops stay scalar (≈ 10× slower on [640 × 784]).
  "-fno-trapping-math",
];

/**
 * This machine's vector instructions (AVX2, AVX-512), where the compiler can name them: 2–4× the fused kernels' speed
 * of the x86-64 baseline's SSE2. The bits stay the same (no contraction into FMA, sums in fixed lanes), but a library
 * built for one CPU may not run on another, so the resolved target is part of the cache key ({@link nativeTarget}).
 */
const NATIVE_FLAG = "-march=native";

/** Runs the compiler (or any program) and resolves with its output; rejects when it cannot run or exits non-zero. */
const run = promisify(execFile);

/**
 * The compiler's expansion of {@link NATIVE_FLAG} (the words of its `-###` output: the resolved CPU and every
 * feature), or undefined where it has none. Paths are left out: they include temporary files named anew each time.
 */
async function nativeTarget(compiler: string): Promise<string | undefined> {
  try {
    const { stderr } = await run(compiler, [
      NATIVE_FLAG,
      "-###",
      "-x",
      "c",
      "-c",
      "/dev/null",
      "-o",
      "/dev/null",
    ]);
    return stderr
      .split(/\s+/)
      .map((word) => word.replaceAll('"', ""))
      .filter((word) => word !== "" && !word.includes("/"))
      .join(" ");
  } catch {
    return undefined;
  }
}

/** The compiled kernels. Array arguments are float32 views (of the wasm heap, or any Float32Array). */
export interface NativeKernels {
  /** Path of the shared library in use. */
  readonly library: string;
  /** The compiler's first line of `--version`. */
  readonly compiler: string;
  /** Sets the threads the kernels run on (OpenMP). */
  setThreads(threads: number): void;
  getThreads(): number;
  /** One Adam update of n weights (docs/model.md §8), the same bits as adam.ts's loop and tfjs's ops. */
  adamUpdate(
    n: number,
    x: Float32Array,
    m: Float32Array,
    v: Float32Array,
    g: Float32Array,
    outX: Float32Array,
    outM: Float32Array,
    outV: Float32Array,
    beta1: number,
    oneMinusBeta1: number,
    beta2: number,
    oneMinusBeta2: number,
    correction1: number,
    correction2: number,
    epsilon: number,
    negativeLearningRate: number,
  ): void;
  /**
   * Per row r of a = p + b (`rows × cols`), ‖x_{r mod xRows} − out(a_r)‖² / σ² into `out` (docs/model.md eq. R3),
   * out the sigmoid when `sigmoid` is 1, else the identity: a decoder's output layer and its reconstruction error in
   * one pass, with the batch tiled class-major read from its `xRows` rows.
   */
  reconstruction(
    rows: number,
    cols: number,
    xRows: number,
    p: Float32Array,
    b: Float32Array,
    x: Float32Array,
    sigmoid: 0 | 1,
    sigma2: number,
    out: Float32Array,
  ): void;
  /**
   * Per row of `mu` and `l` (`rows × m`): Σ mu² + a·Σ e^l − b·Σ l − c·exp(d·Σ l) + e into `out`, the γ-loss's latent
   * regulariser (docs/model.md eq. R1) or the Gaussian model's (eq. R2) by the coefficients.
   */
  latentRegularizer(
    rows: number,
    m: number,
    mu: Float32Array,
    l: Float32Array,
    a: number,
    b: number,
    c: number,
    d: number,
    e: number,
    out: Float32Array,
  ): void;
  /** The gradients of {@link NativeKernels.latentRegularizer} in mu and l for the row gradients `dy`. */
  latentRegularizerGrad(
    rows: number,
    m: number,
    mu: Float32Array,
    l: Float32Array,
    dy: Float32Array,
    a: number,
    b: number,
    c: number,
    d: number,
    dmu: Float32Array,
    dl: Float32Array,
  ): void;
  /**
   * The product of `k` diagonal experts over `n` values each (docs/model.md eq. P1), `mus` and `ls` holding them one
   * after another, with the prior expert (location 0, log-scale `priorL`) last when `prior` is 1.
   */
  productOfExperts(
    n: number,
    k: number,
    mus: Float32Array,
    ls: Float32Array,
    prior: 0 | 1,
    priorL: number,
    outMu: Float32Array,
    outL: Float32Array,
  ): void;
  /** The gradients of {@link NativeKernels.productOfExperts} in every expert's mu and l, for `dMu` and `dL`. */
  productOfExpertsGrad(
    n: number,
    k: number,
    mus: Float32Array,
    ls: Float32Array,
    prior: 0 | 1,
    priorL: number,
    dMu: Float32Array,
    dL: Float32Array,
    dMus: Float32Array,
    dLs: Float32Array,
  ): void;
  /**
   * `count` values of tfjs's `tf.randomNormal(shape, 0, 1, "float32", seed)` into `out`, the same numbers (its Alea
   * stream and polar method, in C).
   */
  tfjsNormal(count: number, seed: number, out: Float32Array): void;
  /** a + b into `out`, n values each. */
  add(n: number, a: Float32Array, b: Float32Array, out: Float32Array): void;
  /** relu(p + b) per row of p (`rows × cols`) into `out`: a hidden layer's bias and ReLU in one pass. */
  biasRelu(rows: number, cols: number, p: Float32Array, b: Float32Array, out: Float32Array): void;
  /** The gradient of {@link NativeKernels.biasRelu} in p: dy · step(p + b) into `dp`. */
  biasReluGrad(
    rows: number,
    cols: number,
    p: Float32Array,
    b: Float32Array,
    dy: Float32Array,
    dp: Float32Array,
  ): void;
  /**
   * The Student-t posterior's draw z = mu + e^{l/2}·eps·shrink (docs/model.md eq. S1) into `z`, `rows × m`, with
   * `shrink` one value per row.
   */
  studentTDraw(
    rows: number,
    m: number,
    mu: Float32Array,
    l: Float32Array,
    eps: Float32Array,
    shrink: Float32Array,
    z: Float32Array,
  ): void;
  /** The gradient of {@link NativeKernels.studentTDraw} in l for `dz`, into `dl` (the gradient in mu is dz). */
  studentTDrawGrad(
    rows: number,
    m: number,
    l: Float32Array,
    eps: Float32Array,
    shrink: Float32Array,
    dz: Float32Array,
    dl: Float32Array,
  ): void;
  /** ClipByValue's gradient: dy where lo ≤ x ≤ hi, else 0, into `dx` (n values). */
  clipGrad(n: number, x: Float32Array, dy: Float32Array, lo: number, hi: number, dx: Float32Array): void;
  /** The gradient of {@link NativeKernels.reconstruction} in p for the row gradients `dy`, into `dp`. */
  reconstructionGrad(
    rows: number,
    cols: number,
    xRows: number,
    p: Float32Array,
    b: Float32Array,
    x: Float32Array,
    dy: Float32Array,
    sigmoid: 0 | 1,
    sigma2: number,
    dp: Float32Array,
  ): void;
}

/** The kernels, or why there are none (for the backend's description; the caller falls back). */
export type NativeKernelsResult = { ok: true; kernels: NativeKernels } | { ok: false; reason: string };

/** Where and with what to build; the defaults are the machine's `cc` and ~/.cache/tailsweep/native. */
export interface NativeBuildOptions {
  compiler?: string;
  cacheDir?: string;
  /** false: build for the architecture's baseline (SSE2 on x86-64) rather than this CPU (to check the bits agree). */
  cpuSpecific?: boolean;
}

const loaded = new Map<string, Promise<NativeKernelsResult>>();

function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split("\n", 1)[0] ?? text;
}

/**
 * Builds (once per source, compiler and flags) and loads the native kernels. Never rejects: a machine without a
 * compiler, or one whose build fails, gets `{ ok: false, reason }`.
 */
export function loadNativeKernels(options: NativeBuildOptions = {}): Promise<NativeKernelsResult> {
  const key = `${options.compiler ?? ""}\0${options.cacheDir ?? ""}\0${options.cpuSpecific ?? true}`;
  let pending = loaded.get(key);
  if (!pending) {
    pending = build(options);
    loaded.set(key, pending);
  }
  return pending;
}

async function build(options: NativeBuildOptions): Promise<NativeKernelsResult> {
  const compiler = options.compiler ?? "cc";
  // Asked at once and without blocking: each asks the compiler in a process of its own (≈ 40 ms each), and a trial
  // thread that starts up meanwhile has its own modules and wasm to load.
  const firstLineOf = async (flag: string) => (await run(compiler, [flag])).stdout.split("\n", 1)[0]!.trim();
  const targetPending = options.cpuSpecific === false ? Promise.resolve(undefined) : nativeTarget(compiler);
  let version: string;
  let machine: string;
  try {
    [version, machine] = await Promise.all([firstLineOf("--version"), firstLineOf("-dumpmachine")]);
  } catch (err) {
    return { ok: false, reason: `no C compiler (${compiler}: ${firstLine(err)})` };
  }
  const target = await targetPending;
  const flags = target === undefined ? FLAGS : [...FLAGS, NATIVE_FLAG];
  // The target triple, its CPU features and the platform too: a home folder shared by machines of another kind must
  // not hand one machine's library to another.
  const hash = createHash("sha256")
    .update(
      [SOURCE, version, machine, target ?? "", process.platform, process.arch, flags.join(" ")].join("\0"),
    )
    .digest("hex")
    .slice(0, 16);
  const dirs = options.cacheDir ? [options.cacheDir] : cacheDirCandidates("native");
  const failures: string[] = [];
  for (const dir of dirs) {
    const library = join(dir, `kernels-${hash}.so`);
    try {
      ownDir(dir);
      if (existsSync(library)) {
        assertOwn(library, "file");
        try {
          return { ok: true, kernels: await bind(library, version) };
        } catch {
          // A library that does not load (cut short, or from before a change the key misses) is built again, once.
          rmSync(library, { force: true });
        }
      }
      compile(compiler, flags, dir, library);
      return { ok: true, kernels: await bind(library, version) };
    } catch (err) {
      failures.push(`${dir}: ${firstLine(err)}`);
    }
  }
  return { ok: false, reason: `the native kernels did not build (${failures.join("; ")})` };
}

/** Compiles the source into `target`, through files of this build's own (workers may build at once) and a rename. */
function compile(compiler: string, flags: string[], dir: string, target: string): void {
  const own = join(dir, `build-${randomUUID()}`);
  try {
    writeFileSync(`${own}.c`, SOURCE, { mode: 0o600 });
    execFileSync(compiler, [...flags, "-o", `${own}.so`, `${own}.c`, "-lm"], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    renameSync(`${own}.so`, target);
  } catch (err) {
    const stderr = err instanceof Error && "stderr" in err ? String(err.stderr).trim().split("\n", 1)[0] : "";
    // the compiler names this build's temporary file: the reason reads the same from every process
    throw new Error((stderr || firstLine(err)).replaceAll(own, "kernels"));
  } finally {
    rmSync(`${own}.c`, { force: true });
    rmSync(`${own}.so`, { force: true });
  }
}

/** Loads a built library through koffi and binds its functions. */
async function bind(library: string, compiler: string): Promise<NativeKernels> {
  // Imported lazily, as wasm-matmul-blas.ts does: a platform without koffi's prebuilt binary keeps the rest.
  const koffi = await import("koffi");
  const lib = koffi.load(library);
  const setThreads: (n: number) => void = lib.func("void ts_set_threads(int n)");
  const getThreads: () => number = lib.func("int ts_get_threads()");
  const adamUpdate: NativeKernels["adamUpdate"] = lib.func(
    "void ts_adam_update(int n, const float *x, const float *m, const float *v, const float *g, float *out_x, " +
      "float *out_m, float *out_v, float beta1, float one_minus_beta1, float beta2, float one_minus_beta2, " +
      "float correction1, float correction2, float epsilon, float negative_learning_rate)",
  );
  const reconstruction: NativeKernels["reconstruction"] = lib.func(
    "void ts_reconstruction(int rows, int cols, int xrows, const float *p, const float *b, const float *x, " +
      "int sigmoid, float sigma2, float *out)",
  );
  const reconstructionGrad: NativeKernels["reconstructionGrad"] = lib.func(
    "void ts_reconstruction_grad(int rows, int cols, int xrows, const float *p, const float *b, const float *x, " +
      "const float *dy, int sigmoid, float sigma2, float *dp)",
  );
  const latentRegularizer: NativeKernels["latentRegularizer"] = lib.func(
    "void ts_latent_regularizer(int rows, int m, const float *mu, const float *l, float a, float b, float c, " +
      "float d, float e, float *out)",
  );
  const latentRegularizerGrad: NativeKernels["latentRegularizerGrad"] = lib.func(
    "void ts_latent_regularizer_grad(int rows, int m, const float *mu, const float *l, const float *dy, float a, " +
      "float b, float c, float d, float *dmu, float *dl)",
  );
  const productOfExperts: NativeKernels["productOfExperts"] = lib.func(
    "void ts_product_of_experts(int n, int k, const float *mus, const float *ls, int prior, float prior_l, " +
      "float *out_mu, float *out_l)",
  );
  const productOfExpertsGrad: NativeKernels["productOfExpertsGrad"] = lib.func(
    "void ts_product_of_experts_grad(int n, int k, const float *mus, const float *ls, int prior, float prior_l, " +
      "const float *dmu, const float *dl, float *dmus, float *dls)",
  );
  const biasRelu: NativeKernels["biasRelu"] = lib.func(
    "void ts_bias_relu(int rows, int cols, const float *p, const float *b, float *out)",
  );
  const biasReluGrad: NativeKernels["biasReluGrad"] = lib.func(
    "void ts_bias_relu_grad(int rows, int cols, const float *p, const float *b, const float *dy, float *dp)",
  );
  const clipGrad: NativeKernels["clipGrad"] = lib.func(
    "void ts_clip_grad(int n, const float *x, const float *dy, float lo, float hi, float *dx)",
  );
  const studentTDraw: NativeKernels["studentTDraw"] = lib.func(
    "void ts_student_t_draw(int rows, int m, const float *mu, const float *l, const float *eps, const float *shrink, " +
      "float *z)",
  );
  const studentTDrawGrad: NativeKernels["studentTDrawGrad"] = lib.func(
    "void ts_student_t_draw_grad(int rows, int m, const float *l, const float *eps, const float *shrink, " +
      "const float *dz, float *dl)",
  );
  const add: NativeKernels["add"] = lib.func(
    "void ts_add(int n, const float *a, const float *b, float *out)",
  );
  const tfjsNormal: NativeKernels["tfjsNormal"] = lib.func(
    "void ts_tfjs_normal(int count, unsigned int seed, float *out)",
  );
  return {
    library,
    compiler,
    add,
    tfjsNormal,
    studentTDraw,
    studentTDrawGrad,
    clipGrad,
    biasRelu,
    biasReluGrad,
    reconstruction,
    reconstructionGrad,
    latentRegularizer,
    latentRegularizerGrad,
    productOfExperts,
    productOfExpertsGrad,
    setThreads(threads: number) {
      if (!Number.isInteger(threads) || threads < 1)
        throw new Error(`native kernel threads must be a positive integer, got ${threads}`);
      setThreads(threads);
    },
    getThreads,
    adamUpdate,
  };
}
