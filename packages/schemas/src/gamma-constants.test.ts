import { describe, expect, it } from "vitest";
import {
  explicitGammaProblem,
  gammaConstants,
  logStudentTNormaliser,
  regularizerMinimumVariance,
  tiedGamma,
} from "./gamma-constants";

// The reference rows of docs/model.md §3, computed independently in float64, as printed there (strings keep the
// printed precision).
const rows = [
  {
    nu: 10,
    n: 784,
    m: 64,
    gamma: "-0.00233100",
    logC: "622.02436",
    logB: "617.42924",
    C1: "4.573600",
    tau0: "4.754848",
    nuTau0: "47.548481",
    tauSqAlt: "0.0598847",
    detExp: "0.00116822",
  },
  {
    nu: 5,
    n: 2,
    m: 1,
    gamma: "-0.25",
    logC: "-1.8378771",
    logB: "-2.3487027",
    C1: "0.5484938",
    tau0: "0.3908306",
    nuTau0: "1.9541530",
    tauSqAlt: "0.2791647",
    detExp: String(1 / 6),
  },
  {
    nu: 3,
    n: 1,
    m: 1,
    gamma: "-0.4",
    logC: "-1.0008889",
    logB: "-1.6940360",
    C1: "0.4848614",
    tau0: "0.1837763",
    nuTau0: "0.5513289",
    tauSqAlt: "0.1378322",
    detExp: String(1 / 3),
  },
  {
    nu: 10,
    n: 3072,
    m: 64,
    gamma: "-0.00063573",
    logC: "4469.22295",
    logB: "4463.26971",
    C1: "17.457972",
    tau0: "18.141953",
    nuTau0: "181.419527",
    tauSqAlt: "0.0588642",
    detExp: "0.00031807",
  },
];

/**
 * Relative error against a printed reference, net of its rounding: a value printed with d decimals is only
 * known to ±0.5·10^−d, so that part of the difference is forgiven and the rest is held to 1e-6.
 */
function relErr(actual: number, printed: string): number {
  const expected = Number(printed);
  const decimals = printed.includes(".") ? printed.split(".")[1]!.length : 0;
  const rounding = decimals >= 15 ? 0 : 0.5 * 10 ** -decimals;
  return Math.max(0, Math.abs(actual - expected) - rounding) / Math.abs(expected);
}

describe("gammaConstants", () => {
  it.each(rows)("reproduces the reference row ν=$nu n=$n m=$m", (row) => {
    const c = gammaConstants({ nu: row.nu, n: row.n, m: row.m, sigma: 1 });
    expect(relErr(c.logC, row.logC)).toBeLessThan(1e-6);
    expect(relErr(c.logB, row.logB)).toBeLessThan(1e-6);
    expect(relErr(c.C1, row.C1)).toBeLessThan(1e-6);
    expect(relErr(c.tau0, row.tau0)).toBeLessThan(1e-6);
    expect(relErr(c.nu * c.tau0, row.nuTau0)).toBeLessThan(1e-6);
    expect(relErr(c.tauSqAlt, row.tauSqAlt)).toBeLessThan(1e-6);
    expect(relErr(c.detExp, row.detExp)).toBeLessThan(1e-6);
    expect(relErr(c.gamma, row.gamma)).toBeLessThan(1e-6);
    expect(c.tied).toBe(true);
  });

  it("gives −ln 2π for the bivariate t normaliser at ν=5 (a closed form)", () => {
    // C(5,2) = Γ(3.5)/(Γ(2.5)·5π) = 2.5/(5π) = 1/(2π)
    expect(logStudentTNormaliser(5, 2)).toBeCloseTo(-Math.log(2 * Math.PI), 13);
  });

  it("treats an explicit γ equal to the tied value as tied", () => {
    const g = tiedGamma(10, 784, 64);
    const explicit = gammaConstants({ nu: 10, n: 784, m: 64, gamma: g });
    const tied = gammaConstants({ nu: 10, n: 784, m: 64 });
    expect(explicit.tied).toBe(true);
    expect(explicit.C1).toBe(tied.C1);
    expect(explicit.detExp).toBe(tied.detExp);
  });

  it("substitutes an explicit γ into C1 and the determinant exponent only", () => {
    const tied = gammaConstants({ nu: 10, n: 20, m: 4 });
    const other = gammaConstants({ nu: 10, n: 20, m: 4, gamma: -0.2 });
    expect(other.tied).toBe(false);
    expect(other.detExp).toBeCloseTo(0.2 / (2 * 0.8), 14);
    expect(other.C1).not.toBeCloseTo(tied.C1, 6);
    expect(other.tau0).toBe(tied.tau0);
  });

  it("rejects values outside their ranges with the field's name", () => {
    expect(() => gammaConstants({ nu: 2, n: 3, m: 1 })).toThrow(/nu: must be > 2/);
    expect(() => gammaConstants({ nu: 5, n: 0, m: 1 })).toThrow(/n: must be/);
    expect(() => gammaConstants({ nu: 5, n: 3, m: 1, gamma: 0.1 })).toThrow(/gamma: must lie in \(-1, 0\)/);
    expect(() => gammaConstants({ nu: 5, n: 3, m: 1, sigma: 0 })).toThrow(/sigma: must be > 0/);
    // every bad value in one error, coded as bad input
    expect(() => gammaConstants({ nu: 1, n: 0, m: -3, sigma: 0, gamma: 2 })).toThrow(
      expect.objectContaining({
        code: "CONFIG_INVALID",
        problems: [
          "nu: must be > 2 (the γ-loss needs a finite variance), got 1",
          "n: must be an integer ≥ 1, got 0",
          "m: must be an integer ≥ 1, got -3",
          "sigma: must be > 0, got 0",
          "gamma: must lie in (-1, 0), got 2",
        ],
      }),
    );
  });
});

describe("explicitGammaProblem", () => {
  const twoViews = [784, 1568];

  it("(E1) refuses γ ≤ −2/(m+2), where (R1) has no minimum, whatever n", () => {
    for (const m of [4, 16, 32]) {
      const edge = -2 / (m + 2);
      const problem = explicitGammaProblem({ nu: 10, ns: [], m, sigma: 1, gamma: edge * 1.001 });
      expect(problem).toMatch(/the regulariser \(R1\) has no minimum: detExp·m = 1\.00\d* ≥ 1/);
      expect(Number(problem?.match(/must lie in \[(-[\d.e-]+), 0\)/)?.[1])).toBeCloseTo(edge, 4);
      expect(explicitGammaProblem({ nu: 10, ns: [], m, sigma: 1, gamma: edge * 0.999 })).toBeUndefined();
    }
  });

  it("(E2) refuses γ whose ν·C1 is past float32's largest value, and names the bound that holds", () => {
    const problem = explicitGammaProblem({ nu: 5, ns: twoViews, m: 16, sigma: 1, gamma: -0.1 });
    expect(problem).toMatch(
      /^-0\.1 cannot train at ν = 5, n = 1568, latentDim 16, σ = 1: ν·C1 = 1\.496e\+111 is past float32's largest value/,
    );
    const bound = Number(problem?.match(/must lie in \[(-[\d.e-]+), 0\)/)?.[1]);
    // float32 (Math.fround) overflows, as the trials' tensors do
    const nuC1 = (gamma: number) => 5 * gammaConstants({ nu: 5, n: 1568, m: 16, gamma }).C1;
    expect(Math.fround(nuC1(-0.1))).toBe(Number.POSITIVE_INFINITY);
    // the bound said is allowed, and just past it some condition fails (here E3, before E2)
    expect(explicitGammaProblem({ nu: 5, ns: twoViews, m: 16, sigma: 1, gamma: bound })).toBeUndefined();
    expect(explicitGammaProblem({ nu: 5, ns: twoViews, m: 16, sigma: 1, gamma: bound * 1.001 })).toMatch(
      /e\^ℓ\*/,
    );
    expect(Number.isFinite(Math.fround(nuC1(bound)))).toBe(true);
  });

  it("(E3) refuses γ whose regulariser is minimal at a scale past float32's largest value", () => {
    const problem = explicitGammaProblem({ nu: 5, ns: [100], m: 16, sigma: 1, gamma: -0.11 });
    expect(problem).toMatch(
      /e\^ℓ\* = e\^318\.9, is past float32's largest value.*must lie in \[-0\.1071, 0\)/,
    );
    expect(explicitGammaProblem({ nu: 5, ns: [100], m: 16, sigma: 1, gamma: -0.1071 })).toBeUndefined();
  });

  it("passes the tied value and the study's explicit values on the built-in data", () => {
    for (const nu of [2.5, 3, 5, 10, 20, 50])
      for (const m of [16, 32, 64]) {
        for (const n of twoViews)
          expect(
            explicitGammaProblem({ nu, ns: [n], m, sigma: 1, gamma: tiedGamma(nu, n, m) }),
          ).toBeUndefined();
        for (const gamma of [-0.0005, -0.002, -0.01])
          expect(explicitGammaProblem({ nu, ns: twoViews, m, sigma: 1, gamma })).toBeUndefined();
      }
  });
});

describe("explicitGammaProblem's bound", () => {
  it("names a bound that itself trains, for every latent size, even where E1's edge is round", () => {
    for (const m of [2, 3, 8, 16, 32, 64, 158, 318, 623]) {
      for (const ns of [[], [784, 1568]]) {
        const problem = explicitGammaProblem({ nu: 10, ns, m, sigma: 1, gamma: -0.9 });
        const bound = Number(problem?.match(/must lie in \[(-[\d.e-]+), 0\)/)?.[1]);
        expect(Number.isFinite(bound), `m = ${m}`).toBe(true);
        expect(
          explicitGammaProblem({ nu: 10, ns, m, sigma: 1, gamma: bound }),
          `m = ${m}: ${bound}`,
        ).toBeUndefined();
      }
    }
  });
});

describe("regularizerMinimumVariance", () => {
  it("is docs/model.md's s² ≈ 0.06 at the tied γ (n = 1568, ν = 10), and grows fast as γ leaves it", () => {
    const at = (gamma: number) => regularizerMinimumVariance({ nu: 10, n: 1568, m: 16, sigma: 1, gamma });
    const tied = at(tiedGamma(10, 1568, 16));
    expect(tied.variance).toBeCloseTo(tied.tiedVariance, 12);
    expect(tied.tiedVariance).toBeCloseTo(0.059, 3);
    // it is where (R1) along an isotropic ℓ, a·m·e^ℓ − ν·C1·e^{d·m·ℓ}, is least: the scale ℓ* = ln(s²/a)
    const c = gammaConstants({ nu: 10, n: 1568, m: 16, gamma: -0.005 });
    const reg = (l: number) => c.traceCoef * 16 * Math.exp(l) - 10 * c.C1 * Math.exp(c.detExp * 16 * l);
    const least = Math.log(at(-0.005).variance / c.traceCoef);
    for (const step of [0.01, -0.01, 0.5, -0.5]) expect(reg(least + step)).toBeGreaterThan(reg(least));
    expect(at(-0.005).variance).toBeGreaterThan(100);
    expect(at(-0.001).variance).toBeLessThan(1);
  });
});
