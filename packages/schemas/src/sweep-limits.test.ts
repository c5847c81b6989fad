import { describe, expect, it } from "vitest";
import { inBrief, namesInBrief } from "./sweep-limits";

describe("namesInBrief", () => {
  it("lists up to one name more than it shows, and counts the rest", () => {
    expect(namesInBrief([])).toBe("");
    expect(namesInBrief(["a", "b", "c", "d"])).toBe("a, b, c, d");
    expect(namesInBrief(["a", "b", "c", "d", "e"])).toBe("a, b, c and 2 more");
    expect(namesInBrief(["a", "b", "c"], { shown: 1 })).toBe("a and 2 more");
    expect(namesInBrief(["a; x", "b", "c"], { shown: 1, separator: "; " })).toBe("a; x and 2 more");
  });

  it("counts the names a caller holds only the first few of (total)", () => {
    // an API answered the first two of 40 failed trials
    expect(namesInBrief(["a", "b"], { shown: 2, separator: "; ", total: 40 })).toBe("a; b and 38 more");
    // all of them held: no count
    expect(namesInBrief(["a", "b"], { shown: 2, total: 2 })).toBe("a, b");
    // one past the first few held is counted, as it cannot be named
    expect(namesInBrief(["a", "b"], { shown: 2, total: 3 })).toBe("a, b and 1 more");
    expect(namesInBrief(["a"], { total: 1_234_567 })).toBe("a and 1,234,566 more");
  });

  it("shows the same items as the names it words, for a list of links (inBrief)", () => {
    const trials = [{ id: 1 }, { id: 2 }, { id: 3 }, { id: 4 }];
    expect(inBrief(trials, { total: 4 })).toEqual({ shown: trials, more: 0 });
    expect(inBrief(trials, { total: 5 })).toEqual({ shown: trials.slice(0, 3), more: 2 });
    expect(inBrief(trials.slice(0, 2), { shown: 2, total: 3 })).toEqual({
      shown: trials.slice(0, 2),
      more: 1,
    });
    expect(inBrief([], { total: 0 })).toEqual({ shown: [], more: 0 });
  });
});
