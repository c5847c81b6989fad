import { ConfigError } from "@tailsweep/schemas";
import { lgamma } from "./lgamma";

/** The scalar constants of the closed-form γ-loss for one observed data dimension n (docs/model.md §3). */
export interface GammaConstants {
  nu: number;
  /** Observed data dimension n (n_S when modalities are missing). */
  n: number;
  /** Latent dimension m. */
  m: number;
  sigma: number;
  /** Power of the divergence actually used: tied −2/(ν+n+m), or the explicit value. */
  gamma: number;
  /** True when γ is the tied value (the closed form is then exact). */
  tied: boolean;
  /** log C(ν, n), the Student-t normaliser (eq. C2). */
  logC: number;
  /** log B, t³VAE's "log_tau_base" (eq. C3). */
  logB: number;
  /** C1, the coefficient of the determinant term (eq. C4). */
  C1: number;
  /** τ0, the regulariser's optimal scale in Σ_φ units (eq. C5). */
  tau0: number;
  /** τ²_alt = (ν/(ν+n))·τ0, the alternative prior's scale (eq. C6). */
  tauSqAlt: number;
  /** Exponent of |Σ_φ| in the regulariser, −γ/(2(1+γ)) (eq. C7). */
  detExp: number;
  /** Coefficient of tr Σ_φ, ν/(ν+n−2) (eq. R1). */
  traceCoef: number;
}

/** log C(ν, d) of the d-variate Student-t density with ν degrees of freedom (docs/model.md eq. C2). */
export function logStudentTNormaliser(nu: number, d: number): number {
  return lgamma((nu + d) / 2) - lgamma(nu / 2) - (d / 2) * (Math.log(nu) + Math.log(Math.PI));
}

/** The tied power γ = −2/(ν+n+m) under which the γ-loss has a closed form (docs/model.md eq. C0). */
export function tiedGamma(nu: number, n: number, m: number): number {
  return -2 / (nu + n + m);
}

/**
 * Computes the γ-loss constants in float64, entirely in log space (docs/model.md §3, eqs. C0–C7).
 *
 * An explicit `gamma` keeps the closed form and substitutes γ into the two γ-dependent pieces (C1 and the
 * determinant exponent): a tempering knob, exact only at the tied value; it must lie in (−1, 0).
 */
export function gammaConstants(p: {
  nu: number;
  n: number;
  m: number;
  sigma?: number;
  gamma?: number;
}): GammaConstants {
  const { nu, n, m } = p;
  const sigma = p.sigma ?? 1;
  // every bad value at once (`model constants --nu 1 --n 0` heard of nu, then of n)
  const problems = [
    ...(nu > 2 ? [] : [`nu: must be > 2 (the γ-loss needs a finite variance), got ${nu}`]),
    ...(Number.isInteger(n) && n >= 1 ? [] : [`n: must be an integer ≥ 1, got ${n}`]),
    ...(Number.isInteger(m) && m >= 1 ? [] : [`m: must be an integer ≥ 1, got ${m}`]),
    ...(sigma > 0 ? [] : [`sigma: must be > 0, got ${sigma}`]),
    ...(p.gamma === undefined || (p.gamma > -1 && p.gamma < 0)
      ? []
      : [`gamma: must lie in (-1, 0), got ${p.gamma}`]),
  ];
  if (problems.length > 0) throw new ConfigError(problems);
  const tiedValue = tiedGamma(nu, n, m);
  const gamma = p.gamma ?? tiedValue;
  // the tied value of valid inputs lies in (−1, 0) (docs/model.md); a bug, not bad input, if it did not
  if (!(gamma > -1 && gamma < 0)) throw new RangeError(`gamma must lie in (-1, 0), got ${gamma}`);

  const logC = logStudentTNormaliser(nu, n);
  const logB = -n * Math.log(sigma) + logC + Math.log(nu - 2) - Math.log(nu + n - 2);
  const C1 = (1 + m / (nu + n - 2)) * Math.exp((-gamma / (1 + gamma)) * logB);
  const tau0 = Math.exp((2 / (nu + n - 2)) * logB);
  return {
    nu,
    n,
    m,
    sigma,
    gamma,
    tied: p.gamma === undefined || Math.abs(gamma - tiedValue) <= 1e-15 * Math.abs(tiedValue),
    logC,
    logB,
    C1,
    tau0,
    tauSqAlt: (nu / (nu + n)) * tau0,
    detExp: -gamma / (2 * (1 + gamma)),
    traceCoef: nu / (nu + n - 2),
  };
}
