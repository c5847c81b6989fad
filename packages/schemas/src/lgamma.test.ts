import { describe, expect, it } from "vitest";
import { lgamma } from "./lgamma";

describe("lgamma", () => {
  it("matches factorials and Γ(1/2) = √π", () => {
    let logFactorial = 0;
    for (let n = 1; n <= 30; n++) {
      expect(lgamma(n)).toBeCloseTo(logFactorial, 10);
      logFactorial += Math.log(n);
    }
    expect(lgamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 13);
    expect(lgamma(1.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI) / 2), 13);
  });

  it("stays accurate for large arguments (Stirling series as reference)", () => {
    for (const x of [50.5, 397, 1537.5, 1e5]) {
      const stirling =
        (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + 1 / (12 * x) - 1 / (360 * x ** 3);
      expect(Math.abs(lgamma(x) - stirling) / Math.abs(stirling)).toBeLessThan(1e-13);
    }
  });

  it("uses reflection below 1/2", () => {
    // Γ(1/4)Γ(3/4) = π√2
    expect(lgamma(0.25) + lgamma(0.75)).toBeCloseTo(Math.log(Math.PI * Math.SQRT2), 12);
  });

  it("rejects non-positive and non-finite input", () => {
    expect(() => lgamma(0)).toThrow(/> 0/);
    expect(() => lgamma(-1)).toThrow(/> 0/);
    expect(() => lgamma(Number.NaN)).toThrow(/> 0/);
  });
});
