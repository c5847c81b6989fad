import { describe, expect, it } from "vitest";
import { bestClaim } from "./format";

describe("bestClaim", () => {
  const best = { config: "a", probabilityBest: 0.9 };
  it("says better than all only when every other was tested and beaten", () => {
    expect(bestClaim({ ...best, beatsAllOthers: true, untested: [], compared: 3 })).toBe(
      "significantly better than every other configuration",
    );
    expect(bestClaim({ ...best, beatsAllOthers: false, untested: [], compared: 3 })).toBe(
      "not significantly better than every other configuration",
    );
  });

  it("names what was not tested and why, and says when there was nothing to test against", () => {
    expect(
      bestClaim({
        ...best,
        beatsAllOthers: false,
        compared: 1,
        untested: [{ config: "b", reason: "1 seed: too few to test" }],
      }),
    ).toBe("not shown better than every other configuration: not tested against b (1 seed: too few to test)");
    expect(bestClaim({ ...best, beatsAllOthers: false, untested: [], compared: 0 })).toBe(
      "no other configuration with results to test it against",
    );
  });
});
