import { gammaConstants, lgamma } from "@tailsweep/schemas";
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { sampleStudentTPosterior, studentTLogDensity } from "./distributions";
import {
  alignedUnlabeledRows,
  classificationLoss,
  gammaLossTerms,
  gammaRegularizer,
  gaussianRegularizer,
  matchedVariance,
  matchedVarianceRegularizer,
  reconstructionError,
  studentTKlRegularizer,
} from "./losses";
import { useCpuBackend } from "./test-backend";

beforeAll(useCpuBackend);

const value = (t: tf.Tensor) => {
  const v = Array.from(t.dataSync());
  t.dispose();
  return v;
};

describe("gammaRegularizer", () => {
  it("is 0 at its minimum μ = 0, Σ = τ0·I and positive elsewhere", () => {
    for (const [nu, n, m] of [
      [10, 784, 64],
      [5, 2, 1],
      [3, 1, 1],
    ] as const) {
      const c = gammaConstants({ nu, n, m });
      const logTau0 = Math.log(c.tau0);
      const [atMin, offMean, offScale] = value(
        gammaRegularizer(
          tf.tensor2d([new Array(m).fill(0), new Array(m).fill(0.1), new Array(m).fill(0)]),
          tf.tensor2d([
            new Array(m).fill(logTau0),
            new Array(m).fill(logTau0),
            new Array(m).fill(logTau0 + 0.3),
          ]),
          c,
        ),
      );
      // float32 evaluation of terms of size ν·τ0 (≈ 48 at n = 784): allow a few ulps of that.
      expect(Math.abs(atMin!)).toBeLessThan(1e-5 * c.nu * c.tau0 + 1e-6);
      expect(offMean!).toBeGreaterThan(atMin! + 1e-3);
      expect(offScale!).toBeGreaterThan(atMin! + 1e-3);
    }
  });

  it("tends to 2·KL(q‖N(0,I)) plus a constant as ν → ∞", () => {
    const c = gammaConstants({ nu: 1e4, n: 2, m: 2 });
    const mu = tf.tensor2d([
      [0, 0],
      [0.5, -1],
      [1.5, 0.2],
    ]);
    const logScale = tf.tensor2d([
      [0, 0],
      [-0.5, 0.4],
      [0.8, -1.2],
    ]);
    const gap = value(tf.sub(gammaRegularizer(mu, logScale, c), gaussianRegularizer(mu, logScale)));
    // The constant is the same for every (μ, Σ): differences between rows vanish.
    expect(Math.abs(gap[1]! - gap[0]!)).toBeLessThan(5e-3);
    expect(Math.abs(gap[2]! - gap[0]!)).toBeLessThan(5e-3);
    // …while at moderate ν they do not.
    const c5 = gammaConstants({ nu: 5, n: 2, m: 2 });
    const gap5 = value(tf.sub(gammaRegularizer(mu, logScale, c5), gaussianRegularizer(mu, logScale)));
    expect(Math.abs(gap5[2]! - gap5[0]!)).toBeGreaterThan(0.05);
  });
});

describe("matchedVarianceRegularizer (docs/model.md eqs. M1–M3)", () => {
  /** One row's regulariser as a function of one ℓ_j, the others at `at`, μ = 0 (m = 4). */
  const along = (reg: (mu: tf.Tensor2D, l: tf.Tensor2D) => tf.Tensor1D, at: number) => (lj: number) =>
    value(reg(tf.zeros([1, 4]), tf.tensor2d([[lj, at, at, at]])))[0]!;

  it.each([
    [10, 1568, undefined],
    [10, 784, undefined],
    [3, 20, undefined],
    [50, 8, undefined],
    [10, 1568, -0.01],
    [5, 20, -0.2],
  ])(
    "has the γ-regulariser's minimum and curvature in ℓ, and its mean penalty (ν = %d, n = %d, γ = %s)",
    (nu, n, explicit) => {
      const c = gammaConstants({ nu, n, m: 4, ...(explicit !== undefined && { gamma: explicit }) });
      const { logVariance, weight } = matchedVariance(c);
      // (M1) (R1)'s isotropic stationary point, (ν/(ν+n−2))·e^ℓ = ν·C1·detExp·e^{detExp·m·ℓ}: at ℓ = ln τ0 for the tied γ,
      // elsewhere for an explicit one; the Student-t posterior's variance there is where the matched penalty is minimal
      const logScale = logVariance - Math.log(c.traceCoef);
      const lhs = c.traceCoef * Math.exp(logScale);
      expect(Math.abs(lhs - nu * c.C1 * c.detExp * Math.exp(c.detExp * 4 * logScale)) / lhs).toBeLessThan(
        1e-9,
      );
      if (explicit === undefined) expect(logScale).toBeCloseTo(Math.log(c.tau0), 10);
      else expect(Math.abs(logScale - Math.log(c.tau0))).toBeGreaterThan(0.01);
      const logTau0 = logScale;
      const gamma = along((mu, l) => gammaRegularizer(mu, l, c), logTau0);
      const matched = along((mu, l) => matchedVarianceRegularizer(mu, l, c), logVariance);
      // central differences over float32 values of size ≈ ν·τ0: h large enough that their rounding stays below 1 % of
      // the curvature, small enough that the fourth-order term (≈ w·h²/12) does too
      const h = 0.2;
      const slope = (f: (x: number) => number, at: number) => (f(at + h) - f(at - h)) / (2 * h);
      const curvature = (f: (x: number) => number, at: number) =>
        (f(at + h) - 2 * f(at) + f(at - h)) / (h * h);
      // ≈ w·h²/6 from the cubic term; away from the minimum the slope is of the order of w
      expect(Math.abs(slope(gamma, logTau0))).toBeLessThan(0.02 * weight);
      expect(Math.abs(slope(matched, logVariance))).toBeLessThan(0.02 * weight);
      expect(Math.abs(curvature(matched, logVariance) - weight) / weight).toBeLessThan(0.02);
      expect(Math.abs(curvature(gamma, logTau0) - weight) / weight).toBeLessThan(0.02);
      // (M3) at its minimum the penalty is 0, and it penalises μ as (R1) does: ‖μ‖²
      const mu = tf.tensor2d([[0.5, -1, 0, 2]]);
      const l = tf.fill([1, 4], logVariance) as tf.Tensor2D;
      expect(value(matchedVarianceRegularizer(tf.zeros([1, 4]), l, c))[0]).toBeCloseTo(0, 5);
      expect(value(matchedVarianceRegularizer(mu, l, c))[0]).toBeCloseTo(0.25 + 1 + 4, 4);
      tf.dispose([mu, l]);
    },
  );

  it("is ≈ 17× weaker than the Gaussian KL at two 784-pixel modalities and holds the variance near 0.06: the confound", () => {
    const c = gammaConstants({ nu: 10, n: 1568, m: 32 });
    const { logVariance, weight } = matchedVariance(c);
    expect(c.tau0).toBeGreaterThan(5);
    expect(Math.exp(logVariance)).toBeLessThan(0.1); // the Student-t posterior's variance there, (ν/(ν+n−2))·τ0 ≈ 0.06
    expect(1 / weight).toBeGreaterThan(10); // against a curvature of 1 for 2·KL at its minimum
    expect(1 / weight).toBeLessThan(25);
  });
});

describe("studentTKlRegularizer (docs/model.md eq. K1)", () => {
  it("averages to 2·KL of the Gaussians when ν is large, over draws from the posterior", () => {
    const [rows, m, nu, n] = [20_000, 3, 1e6, 4];
    const muRow = [0.5, -1, 0.2];
    const lRow = [-0.5, 0.3, 0];
    const estimate = tf.tidy(() => {
      const mu = tf.tensor2d(Array.from({ length: rows }, () => muRow));
      const l = tf.tensor2d(Array.from({ length: rows }, () => lRow));
      const z = tf.add(mu, tf.mul(tf.exp(tf.mul(l, 0.5)), tf.randomNormal([rows, m], 0, 1, "float32", 11)));
      const draws = studentTKlRegularizer(z as tf.Tensor2D, mu, l, nu, n);
      return [tf.mean(draws).dataSync()[0]!, tf.moments(draws).variance.dataSync()[0]!];
    });
    const exact = value(gaussianRegularizer(tf.tensor2d([muRow]), tf.tensor2d([lRow])))[0]!;
    const [mean, variance] = estimate as [number, number];
    expect(Math.abs(mean - exact)).toBeLessThan(4 * Math.sqrt(variance / rows) + 1e-3);
  });

  it("averages to 2·KL(q ‖ p) at a small ν, over draws from the Student-t posterior (S1), by numerical integration", () => {
    // m = 1, ν = 5, n = 10: q = t(μ, (ν/(ν+n))·e^ℓ, ν+n) — a third of e^ℓ, 15 degrees of freedom — against t(0, 1, 5)
    const [rows, nu, n, mu0, l0] = [200_000, 5, 10, 0.8, 0.6];
    const logT = (x: number, mu: number, scale2: number, dof: number) =>
      lgamma((dof + 1) / 2) -
      lgamma(dof / 2) -
      0.5 * Math.log(dof * Math.PI * scale2) -
      ((dof + 1) / 2) * Math.log1p((x - mu) ** 2 / (dof * scale2));
    const qScale2 = (nu / (nu + n)) * Math.exp(l0);
    let kl = 0;
    const h = 1e-3;
    for (let x = mu0 - 40; x <= mu0 + 40; x += h) {
      const lq = logT(x, mu0, qScale2, nu + n);
      kl += Math.exp(lq) * (lq - logT(x, 0, 1, nu)) * h;
    }
    const [mean, variance, unscaled] = tf.tidy(() => {
      const mu = tf.fill([rows, 1], mu0) as tf.Tensor2D;
      const l = tf.fill([rows, 1], l0) as tf.Tensor2D;
      const z = sampleStudentTPosterior(mu, l, nu, n, { normal: 3, chi2: 4 });
      const moments = tf.moments(studentTKlRegularizer(z, mu, l, nu, n));
      // the same estimate with the posterior's scale factor ν/(ν+n) left out: what the test must be able to tell apart
      const prior = studentTLogDensity(z, tf.zerosLike(z), tf.zerosLike(z), nu);
      const wrong = tf.mean(tf.mul(2, tf.sub(studentTLogDensity(z, mu, l, nu + n), prior)));
      return [moments.mean.dataSync()[0]!, moments.variance.dataSync()[0]!, wrong.dataSync()[0]!];
    });
    const se = Math.sqrt(variance! / rows);
    expect(Math.abs(mean! - 2 * kl)).toBeLessThan(4 * se);
    expect(Math.abs(unscaled! - 2 * kl)).toBeGreaterThan(20 * se);
  });

  it("is larger for a posterior further from the prior, on average", () => {
    const kl = (shift: number) =>
      tf.tidy(() => {
        const mu = tf.fill([5000, 2], shift) as tf.Tensor2D;
        const l = tf.zeros([5000, 2]) as tf.Tensor2D;
        const z = tf.add(mu, tf.randomNormal([5000, 2], 0, 1, "float32", 5)) as tf.Tensor2D;
        return tf.mean(studentTKlRegularizer(z, mu, l, 5, 10)).dataSync()[0]!;
      });
    expect(kl(2)).toBeGreaterThan(kl(0) + 4);
  });
});

describe("gaussianRegularizer and reconstructionError", () => {
  it("gives 2·KL in closed form and squared error over σ²", () => {
    const [kl2] = value(gaussianRegularizer(tf.tensor2d([[1, 0]]), tf.tensor2d([[Math.log(2), 0]])));
    // ‖μ‖² + Σe^ℓ − Σℓ − m = 1 + 3 − ln 2 − 2
    expect(kl2).toBeCloseTo(2 - Math.log(2), 5);
    const [rec] = value(reconstructionError(tf.tensor2d([[1, 2, 3]]), tf.tensor2d([[1, 0, 0]]), 2));
    expect(rec).toBeCloseTo(13 / 4, 6);
  });
});

describe("gammaLossTerms", () => {
  it("returns reg = β·mean(reg_i), recon = Σ(x̂ − x)²/(Bσ²), total = reg + recon", () => {
    const before = tf.memory().numTensors;
    const c = gammaConstants({ nu: 5, n: 2, m: 1, sigma: 0.5 });
    const input = {
      mu: [[0.3], [-0.2]],
      logvar: [[0.1], [-0.4]],
      x: [
        [0, 1],
        [1, 1],
      ],
      xRecon: [
        [0.5, 1],
        [1, 0],
      ],
    };
    const t = gammaLossTerms(input, c, 2);
    const regRow = (mu: number, l: number) =>
      mu * mu + c.traceCoef * Math.exp(l) - c.nu * c.C1 * Math.exp(c.detExp * l) + c.nu * c.tau0;
    const expectedReg = (2 * (regRow(0.3, 0.1) + regRow(-0.2, -0.4))) / 2;
    expect(t.reg).toBeCloseTo(expectedReg, 5);
    expect(t.recon).toBeCloseTo((0.25 + 1) / (2 * 0.25), 5);
    expect(t.total).toBeCloseTo(t.reg + t.recon, 6);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe("classificationLoss with logit adjustment (docs/model.md eq. LA)", () => {
  // Two labeled rows of three classes, labels 0 and 2; labeled counts 6, 3, 1, so π = (0.6, 0.3, 0.1).
  const logits = [
    [1, 0, -1],
    [0.5, 2, 0],
  ];
  const y = [
    [1, 0, 0],
    [0, 0, 1],
  ];
  const logPi = [0.6, 0.3, 0.1].map(Math.log);
  const loss = (tau: number | undefined, weights = [1, 1, 1]) =>
    tf.tidy(() => {
      const offset = tau === undefined ? undefined : tf.tensor1d(logPi.map((l) => tau * l));
      return classificationLoss(
        tf.tensor2d(logits),
        tf.tensor2d(y),
        tf.tensor1d(weights),
        offset,
      ).dataSync()[0]!;
    });

  it("is −log(π_y e^{f_y} / Σ_c π_c e^{f_c}) averaged over the rows at τ = 1, by hand", () => {
    const e = Math.E;
    // row 1: −ln(0.6e / (0.6e + 0.3 + 0.1/e)) = 0.18772; row 2: −ln(0.1 / (0.6e^½ + 0.3e² + 0.1)) = 3.49831
    const row1 = -Math.log((0.6 * e) / (0.6 * e + 0.3 + 0.1 / e));
    const row2 = -Math.log(0.1 / (0.6 * Math.exp(0.5) + 0.3 * e * e + 0.1));
    expect(row1).toBeCloseTo(0.18772, 5);
    expect(row2).toBeCloseTo(3.49831, 5);
    expect(loss(1)).toBeCloseTo((row1 + row2) / 2, 5);
    expect(loss(1)).toBeCloseTo(1.843014, 5);
    // …the tail class's row costs more and the head class's less than the plain cross-entropy's (1.356981 on average)
    expect(loss(undefined)).toBeCloseTo(1.356981, 5);
  });

  it("scales the offset by τ and composes with class weights, and τ = 0 is the plain loss", () => {
    const w = [10 / 18, 10 / 9, 10 / 3]; // balanced weights N/(K·N_c)
    const ce = (row: number[], label: number, tau: number) => {
      const z = row.map((f, c) => f + tau * logPi[c]!);
      return -(z[label]! - Math.log(z.reduce((s, v) => s + Math.exp(v), 0)));
    };
    expect(loss(0.5, w)).toBeCloseTo(
      (w[0]! * ce(logits[0]!, 0, 0.5) + w[2]! * ce(logits[1]!, 2, 0.5)) / 2,
      5,
    );
    expect(loss(0)).toBe(loss(undefined));
  });

  it("leaks no tensor", () => {
    const before = tf.memory().numTensors;
    loss(1);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe("alignedUnlabeledRows (docs/model.md eq. DA)", () => {
  // Two unlabeled rows, three classes: q = (0.5, 0.3, 0.2) and (0.2, 0.2, 0.6), w = (0.75, 2, 2).
  const q = [
    [0.5, 0.3, 0.2],
    [0.2, 0.2, 0.6],
  ];
  const lab = [
    [1, 2, 4],
    [3, 1.5, 0.5],
  ];
  const w = [0.75, 2, 2];
  /** Σ_c r_c·Lab_c + Σ_c r_c·log r_c: the bound (U1) at the distribution r. */
  const bound = (r: number[], l: number[]) => r.reduce((s, rc, c) => s + rc * l[c]! + rc * Math.log(rc), 0);
  const plainU1 = (f: tf.Tensor2D, l: tf.Tensor2D) => {
    const logQ = tf.logSoftmax(f);
    return tf.sum(tf.add(tf.mul(tf.exp(logQ), l), tf.mul(tf.exp(logQ), logQ)), 1);
  };

  it("is the bound at the aligned guess normalise(q·w), by hand", () => {
    const values = tf.tidy(() =>
      Array.from(
        alignedUnlabeledRows(
          tf.tensor2d(q.map((r) => r.map(Math.log))),
          tf.tensor2d(lab),
          tf.tensor1d(w.map(Math.log)),
        ).dataSync(),
      ),
    );
    // row 1: q·w = (0.375, 0.6, 0.4) / 1.375; row 2: q·w = (0.15, 0.4, 1.2) / 1.75
    const guess1 = [0.375, 0.6, 0.4].map((v) => v / 1.375);
    const guess2 = [0.15, 0.4, 1.2].map((v) => v / 1.75);
    expect(values[0]).toBeCloseTo(bound(guess1, lab[0]!), 5);
    expect(values[1]).toBeCloseTo(bound(guess2, lab[1]!), 5);
  });

  it("sends the guess to Lab and M2's own gradient to the classifier, none to the weights", () => {
    const f = tf.variable(tf.tensor2d(q.map((r) => r.map(Math.log))));
    const l = tf.variable(tf.tensor2d(lab));
    const logW = tf.variable(tf.tensor1d(w.map(Math.log)));
    const aligned = tf.variableGrads(
      () => tf.mean(alignedUnlabeledRows(f, l, logW)) as tf.Scalar,
      [f, l, logW],
    );
    // M2's term with Lab held fixed: what the classifier's gradient must be
    const m2 = tf.variableGrads(() => tf.mean(plainU1(f, tf.tensor2d(lab))) as tf.Scalar, [f]);
    const read = (t: tf.Tensor) => Array.from(t.dataSync());
    const fGrad = read(aligned.grads[f.name]!);
    for (const [i, v] of read(m2.grads[f.name]!).entries()) expect(fGrad[i]).toBeCloseTo(v, 6);
    // ∂/∂Lab(x, c) of the batch mean is q̃_c / B
    const guesses = [
      [0.375, 0.6, 0.4].map((v) => v / 1.375 / 2),
      [0.15, 0.4, 1.2].map((v) => v / 1.75 / 2),
    ].flat();
    for (const [i, v] of read(aligned.grads[l.name]!).entries()) expect(v).toBeCloseTo(guesses[i]!, 6);
    expect(read(aligned.grads[logW.name]!)).toEqual([0, 0, 0]);
    tf.dispose([
      aligned.value,
      m2.value,
      ...Object.values(aligned.grads),
      ...Object.values(m2.grads),
      f,
      l,
      logW,
    ]);
  });

  it("is (U1) itself, value and gradients, when the weights are 1", () => {
    const f = tf.variable(
      tf.tensor2d([
        [0.3, -1, 2],
        [1, 1, 0],
      ]),
    );
    const l = tf.variable(tf.tensor2d(lab));
    const aligned = tf.variableGrads(
      () => tf.sum(alignedUnlabeledRows(f, l, tf.zeros([3]) as tf.Tensor1D)) as tf.Scalar,
      [f, l],
    );
    const plain = tf.variableGrads(() => tf.sum(plainU1(f, l)) as tf.Scalar, [f, l]);
    expect(aligned.value.dataSync()[0]).toBeCloseTo(plain.value.dataSync()[0]!, 6);
    for (const v of [f, l]) {
      const a = aligned.grads[v.name]!.dataSync();
      for (const [i, g] of plain.grads[v.name]!.dataSync().entries()) expect(a[i]).toBeCloseTo(g, 6);
    }
    tf.dispose([
      aligned.value,
      plain.value,
      ...Object.values(aligned.grads),
      ...Object.values(plain.grads),
      f,
      l,
    ]);
  });
});
