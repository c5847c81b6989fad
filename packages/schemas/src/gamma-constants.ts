import { ConfigError } from "./errors";
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

/** ℓ*, the isotropic log-scale where (R1) is minimal: ln(ν·C1·d/a)/(1 − d·m) (docs/model.md eq. M1), for d·m < 1. */
function logScaleAtMinimum(c: GammaConstants): number {
  return (Math.log(c.nu * c.C1 * c.detExp) - Math.log(c.traceCoef)) / (1 - c.detExp * c.m);
}

/** float32's largest finite value: every backend trains in float32, so each term of the γ-loss must stay below it. */
const FLOAT32_MAX = 3.4028234663852886e38;

/**
 * Why one explicit γ cannot train at one observed dimension n, or undefined: the conditions of
 * {@link explicitGammaProblem}; without n (a data set whose dimensions are not known yet), E1 alone.
 */
function explicitGammaFault(
  p: { nu: number; m: number; sigma: number },
  gamma: number,
  n: number | undefined,
): string | undefined {
  const { nu, m, sigma } = p;
  const d = -gamma / (2 * (1 + gamma));
  // (E1) with d·m ≥ 1 the determinant term of (R1) outgrows the trace term as the scales grow
  if (d * m >= 1)
    return `the regulariser (R1) has no minimum: detExp·m = ${significant(d * m)} ≥ 1, so it falls without bound as the posterior's scales grow`;
  if (n === undefined) return undefined;
  const c = gammaConstants({ nu, n, m, sigma, gamma });
  // (E2) the coefficient of the determinant term itself
  if (!(nu * c.C1 <= FLOAT32_MAX))
    return `ν·C1 = ${significant(nu * c.C1)} is past float32's largest value (3.4e38), so the loss is infinite at step 1`;
  // (E3) the scale where (R1) is minimal, ℓ* of (M1)
  const atMinimum = logScaleAtMinimum(c);
  if (!(atMinimum <= Math.log(FLOAT32_MAX)))
    return `the scale where the regulariser is minimal (M1), e^ℓ* = e^${significant(atMinimum)}, is past float32's largest value, so training drives the posterior's scales to overflow`;
  return undefined;
}

/** 4 significant digits, rounded toward zero. */
function significant(x: number): string {
  if (x === 0 || !Number.isFinite(x)) return String(x);
  const scale = 10 ** (Math.floor(Math.log10(Math.abs(x))) - 3);
  return String(Number((Math.trunc(x / scale) * scale).toPrecision(4)));
}

/**
 * A γ that holds (`holds` of it), said in 4 significant digits toward zero: where rounding lands on the edge of a
 * strict condition (E1's −2/(m+2) for m = 8 is −0.2 exactly), one unit of the last digit nearer zero.
 */
function boundText(good: number, holds: (gamma: number) => boolean): string {
  let said = significant(good);
  for (let tries = 0; tries < 10 && !holds(Number(said)); tries++) {
    const unit = 10 ** (Math.floor(Math.log10(Math.abs(Number(said)))) - 3);
    said = significant(Number(said) + unit);
  }
  return said;
}

/** An explicit γ and where it is checked: ν, the observed dimensions n_S a model may see, latentDim m and σ. */
export interface ExplicitGammaAt {
  nu: number;
  ns: readonly number[];
  m: number;
  sigma: number;
  gamma: number;
}

/**
 * Why an explicit γ cannot train a model at the observed dimensions `ns` it would see, or undefined (docs/model.md
 * §3, "Which explicit γ can train"): (E1) (R1) must keep a minimum, detExp·m < 1, i.e. γ > −2/(m + 2), whatever n;
 * (E2) ν·C1 and (E3) the scale e^ℓ* where (R1) is minimal (M1) must be finite in float32. Otherwise every trial
 * fails at its first steps, so a launch refuses it. The answer names the bound on γ that holds at every n in `ns`;
 * an empty `ns` (a data set whose dimensions are not known yet) checks E1 alone.
 */
export function explicitGammaProblem(p: ExplicitGammaAt): string | undefined {
  const ns = p.ns.length > 0 ? [...new Set(p.ns)].sort((x, y) => y - x) : [undefined];
  const faultAt = (gamma: number) => {
    for (const n of ns) {
      const fault = explicitGammaFault(p, gamma, n);
      if (fault) return { n, fault };
    }
    return undefined;
  };
  const failing = faultAt(p.gamma);
  if (!failing) return undefined;
  // The γ that pass form an interval ending at 0 (docs/model.md §3, "Which explicit γ can train"): its end by
  // bisection between the refused γ and one close enough to 0 to hold.
  let bad = p.gamma;
  let good = p.gamma / 2;
  while (faultAt(good)) [bad, good] = [good, good / 2];
  for (let i = 0; i < 60; i++) {
    const mid = (bad + good) / 2;
    if (faultAt(mid)) bad = mid;
    else good = mid;
  }
  const at =
    failing.n === undefined
      ? `latentDim ${p.m}`
      : `ν = ${p.nu}, n = ${failing.n}, latentDim ${p.m}, σ = ${p.sigma}`;
  return `${p.gamma} cannot train at ${at}: ${failing.fault}; an explicit γ must lie in [${boundText(good, (g) => !faultAt(g))}, 0) here, or use tied`;
}

/**
 * The posterior variance s² = a·e^ℓ* at which (R1) is minimal (docs/model.md eq. M1), for an explicit γ that can train
 * (explicitGammaProblem says none), beside the tied γ's at the same ν, n, m, σ. An s² past 1, the prior's variance,
 * means the regulariser pulls every posterior wider than the prior: the latent carries little, and such γ trained to
 * chance in the study's γ × ν grid (docs/model.md §3, "Which explicit γ can train").
 */
export function regularizerMinimumVariance(p: {
  nu: number;
  n: number;
  m: number;
  sigma: number;
  gamma: number;
}): { variance: number; tiedVariance: number } {
  const at = (c: GammaConstants) => c.traceCoef * Math.exp(logScaleAtMinimum(c));
  const { gamma: _, ...tied } = p;
  return { variance: at(gammaConstants(p)), tiedVariance: at(gammaConstants(tied)) };
}
