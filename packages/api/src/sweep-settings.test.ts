import { SettingsError } from "@tailsweep/schemas";
import { describe, expect, it } from "vitest";
import { sweepLimitsFromEnv } from "./sweep-settings";

describe("sweepLimitsFromEnv", () => {
  it("is 100,000 trials unless TAILSWEEP_MAX_TRIALS says otherwise", () => {
    expect(sweepLimitsFromEnv({})).toEqual({ maxTrials: 100_000 });
    expect(sweepLimitsFromEnv({ TAILSWEEP_MAX_TRIALS: "" })).toEqual({ maxTrials: 100_000 });
    expect(sweepLimitsFromEnv({ TAILSWEEP_MAX_TRIALS: " 250000 " })).toEqual({ maxTrials: 250_000 });
  });

  it("refuses a bad value, naming the variable and what it may be", () => {
    expect(() => sweepLimitsFromEnv({ TAILSWEEP_MAX_TRIALS: "lots" })).toThrow(SettingsError);
    expect(() => sweepLimitsFromEnv({ TAILSWEEP_MAX_TRIALS: "lots" })).toThrow(
      'TAILSWEEP_MAX_TRIALS: must be a whole number from 1 to 1000000, got "lots"',
    );
    expect(() => sweepLimitsFromEnv({ TAILSWEEP_MAX_TRIALS: "1.5" })).toThrow(/must be a whole number/);
    expect(() => sweepLimitsFromEnv({ TAILSWEEP_MAX_TRIALS: "0" })).toThrow(
      'TAILSWEEP_MAX_TRIALS: must be at least 1, got "0"',
    );
    expect(() => sweepLimitsFromEnv({ TAILSWEEP_MAX_TRIALS: "5000000" })).toThrow(
      'TAILSWEEP_MAX_TRIALS: must be at most 1000000, got "5000000"',
    );
  });
});
