import { parseSweepFile } from "@tailsweep/schemas";
import { describe, expect, it } from "vitest";
import { frontObjective } from "./front-objective";

describe("frontObjective", () => {
  it("asks for a metric in the sweep's direction where it is one of its objectives, else leaves it to the API", () => {
    const { objectives } = parseSweepFile({
      name: "t",
      search: { nu: [5, 10] },
      objectives: [{ metric: "balancedAccuracy" }, { metric: "minorityRecall", direction: "minimize" }],
    });
    expect(frontObjective("minorityRecall", objectives)).toEqual({
      metric: "minorityRecall",
      direction: "minimize",
    });
    expect(frontObjective("balancedAccuracy", objectives)).toEqual({
      metric: "balancedAccuracy",
      direction: "maximize",
    });
    expect(frontObjective("pseudoClassShift", objectives)).toEqual({ metric: "pseudoClassShift" });
    expect(frontObjective("minorityRecall", undefined)).toEqual({ metric: "minorityRecall" });
  });
});
