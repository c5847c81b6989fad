import { describe, expect, it } from "vitest";
import { countByState } from "./trial-state";

describe("countByState", () => {
  it("counts every state, zero where none", () => {
    expect(countByState([{ state: "running" }, { state: "succeeded" }, { state: "succeeded" }])).toEqual({
      waiting: 0,
      running: 1,
      succeeded: 2,
      failed: 0,
      cancelled: 0,
    });
  });
});
