// The noncentral t CDF against jStat 1.9.6 (issue #24): a second implementation, independent of SciPy (the first
// check, stats.test.ts) and of ours — its own series, incomplete beta, log-gamma and erf — where its algorithm holds,
// and the points where it does not, which are why ours exists (docs/statistics.md, N1).
//
// Where jStat holds: |δ| < 20. It sums the series (N1) from j = 0 for at least 200 terms, then stops at the first
// term below 1e-14, so it is right while the Poisson weights e^(−λ) λʲ/j!, λ = δ²/2, have their mass there. Against
// SciPy 1.17 (a one-off scan of 16,754 points: df 1 to 2,999, δ −40 to 40 by ½, t around δ and up to ±1,000; and
// the fixtures' grid) it is within 1.2e-8 for 0 < |δ| ≤ 19.5 and 3.3e-8 at δ = 0 (its Student t); from |δ| = 20 on
// it fails (the last test).
//
// Tolerance 1e-7: jStat's incomplete beta is Numerical Recipes' continued fraction, which stops once a step changes
// it by less than 3e-7 (relative), and its log-gamma is Lanczos' to about 2e-10; 1e-7 is 2–3× the worst difference
// seen (4.4e-8, δ = 0, 999 df), below that stopping threshold, and 10⁴ times ours against SciPy (1e-11).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import jStat from "jstat";
import { describe, expect, it } from "vitest";
import { noncentralTCdf, pairedTTestPower } from "./power";

const ref = JSON.parse(readFileSync(join(__dirname, "..", "fixtures", "reference.json"), "utf8"));
const JSTAT_TOLERANCE = 1e-7;
/** jStat is right below this |δ| (λ = δ²/2 < 200, its minimum number of terms). */
const JSTAT_MAX_DELTA = 20;

describe("noncentral t against jStat", () => {
  it("agrees with jStat to 1e-7 on the SciPy grid where |δ| < 20, and on a denser grid between its points", () => {
    let grid = 0;
    for (const [t, df, delta] of ref.nctGrid as number[][]) {
      if (Math.abs(delta!) >= JSTAT_MAX_DELTA) continue;
      grid++;
      expect(Math.abs(noncentralTCdf(t!, df!, delta!) - jStat.noncentralt.cdf(t!, df!, delta!))).toBeLessThan(
        JSTAT_TOLERANCE,
      );
    }
    expect(grid).toBeGreaterThan(500); // every grid point but δ = 40
    // off SciPy's grid: other degrees of freedom and δ up to the edge of jStat's region, t around δ and far out
    let worst = 0;
    for (const df of [1, 2, 3, 5, 14, 19, 49, 99, 999, 2999]) {
      for (let delta = -19.5; delta <= 19.5; delta += 1.5) {
        for (const t of [
          delta - 3,
          delta - 1,
          delta,
          delta + 1,
          delta + 3,
          -1000,
          -100,
          -3,
          0,
          3,
          100,
          1000,
        ]) {
          worst = Math.max(
            worst,
            Math.abs(noncentralTCdf(t, df, delta) - jStat.noncentralt.cdf(t, df, delta)),
          );
        }
      }
    }
    expect(worst).toBeLessThan(JSTAT_TOLERANCE);
  });

  it("gives the paired t-test's power that jStat gives, from jStat's own t quantile", () => {
    let worst = 0;
    for (const n of [2, 3, 4, 5, 8, 10, 20, 50, 100]) {
      for (const dz of [0.05, 0.2, 0.5, 0.8, 1.2, 2, 5]) {
        for (const alpha of [0.05, 0.01, 0.005]) {
          const df = n - 1;
          const delta = dz * Math.sqrt(n);
          if (delta >= JSTAT_MAX_DELTA) continue;
          const critical = jStat.studentt.inv(1 - alpha / 2, df);
          const power =
            1 - jStat.noncentralt.cdf(critical, df, delta) + jStat.noncentralt.cdf(-critical, df, delta);
          worst = Math.max(worst, Math.abs(pairedTTestPower(dz, n, alpha) - power));
        }
      }
    }
    expect(worst).toBeLessThan(JSTAT_TOLERANCE);
  });

  it("records where jStat fails and ours agrees with SciPy: why the package has its own", () => {
    // δ = 30: the Poisson mode is j = 450; at j = 200 the terms are still below 1e-14, so jStat stops there
    // (SciPy: 1, the upper tail 2.4e-26)
    expect(jStat.noncentralt.cdf(1000, 19, 30)).toBeLessThan(1e-39);
    expect(noncentralTCdf(1000, 19, 30)).toBe(1);
    // δ = −20: the terms are negative, so jStat stops at its 200th, at the mode (SciPy: 1, the upper tail 1.6e-43)
    expect(jStat.noncentralt.cdf(1000, 19, -20)).toBeCloseTo(0.99295, 5);
    expect(noncentralTCdf(1000, 19, -20)).toBe(1);
    // δ = 40: e^(−λ) = e^(−800) underflows to 0, so every term of jStat's series is 0; SciPy's value is the fixture's
    const [, , , scipy] = (ref.nctGrid as number[][]).find(
      ([t, df, delta]) => t === 100 && df === 9 && delta === 40,
    )!;
    expect(scipy).toBeCloseTo(0.9975286562284195, 15);
    expect(jStat.noncentralt.cdf(100, 9, 40)).toBe(0);
    expect(Math.abs(noncentralTCdf(100, 9, 40) - scipy!)).toBeLessThan(1e-11);
  });
});
