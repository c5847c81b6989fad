import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { gammaConstants } from "./gamma-constants";
import { gammaLossTerms, gammaRegularizer, gaussianRegularizer, reconstructionError } from "./losses";
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
