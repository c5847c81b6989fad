import { describe, expect, it } from "vitest";
import { isInputError } from "./errors";
import { nextSeeds, parseSeedsArg, SeedRequestSchema, seedRanges } from "./seed-request";

describe("parseSeedsArg", () => {
  it("reads a range, a list and how many more", () => {
    expect(parseSeedsArg("6..10")).toEqual({ seeds: [6, 7, 8, 9, 10] });
    expect(parseSeedsArg(" 6, 7,9")).toEqual({ seeds: [6, 7, 9] });
    expect(parseSeedsArg("+5")).toEqual({ more: 5 });
    expect(parseSeedsArg("3")).toEqual({ seeds: [3] });
  });

  it("refuses anything else at the flag, saying what is allowed and what was given", () => {
    for (const bad of ["", "6-10", "10..6", "+0", "+x", "1.5", "6,6", "-1", "0..5000", "2147483648"]) {
      const e = (() => {
        try {
          parseSeedsArg(bad);
        } catch (err) {
          return err;
        }
      })();
      expect(isInputError(e), bad).toBe(true);
      expect((e as Error).message).toContain("--seeds");
      expect((e as Error).message).toContain("a range (6..10), a list (6,7,9) or how many more (+5)");
      expect((e as Error).message).toContain(JSON.stringify(bad));
    }
    // +0 is below the range, not above it
    expect(() => parseSeedsArg("+0")).toThrow(/\(\+1 to \+1000\), got "\+0"/);
  });
});

describe("SeedRequestSchema", () => {
  it("takes one of seeds, more or toPower, and caps toPower's seeds at 30 unless told", () => {
    expect(SeedRequestSchema.parse({ toPower: 0.8 })).toEqual({ toPower: 0.8, maxSeeds: 30 });
    expect(SeedRequestSchema.safeParse({ seeds: [1], more: 2 }).success).toBe(false);
    expect(SeedRequestSchema.safeParse({ toPower: 1 }).success).toBe(false);
    expect(SeedRequestSchema.safeParse({ seeds: [] }).success).toBe(false);
  });

  it("gives the next seeds after the highest", () => {
    expect(nextSeeds([1, 2, 7], 3)).toEqual([8, 9, 10]);
    expect(nextSeeds([], 2)).toEqual([1, 2]);
    // Up to the largest seed, and a refusal naming `seeds` past it (not the trainer's train.seed later).
    expect(nextSeeds([2 ** 31 - 3], 2)).toEqual([2 ** 31 - 2, 2 ** 31 - 1]);
    expect(() => nextSeeds([2 ** 31 - 1], 2)).toThrow(
      /^seeds: \+2 after seed 2147483647 goes past the largest a seed may be \(2147483647\); name seeds instead/,
    );
  });
});

describe("seedRanges", () => {
  it("joins runs of consecutive seeds with a dash, in order, once each", () => {
    expect(seedRanges([3, 1, 2, 5, 11, 12, 13, 5])).toBe("1–3, 5, 11–13");
    expect(seedRanges([7])).toBe("7");
    expect(seedRanges([])).toBe("");
  });
});
