import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DURATIONS_FILE, slowestFirst, TestDurationsSchema } from "./slowest-first-sequencer";

const root = join(import.meta.dirname, "..");

describe("the test files' order", () => {
  it("runs the longest first and those without a duration after them, in the order given", () => {
    const seconds: Record<string, number> = { a: 5, b: 300, d: 5, e: 40 };
    const timing = (failed: string[]) => (f: string) => ({ seconds: seconds[f], failed: failed.includes(f) });
    const files = ["u", "a", "b", "v", "d", "e"];
    expect(slowestFirst(files, timing([]))).toEqual(["b", "e", "a", "d", "u", "v"]);
    // what failed last time comes first, as in vitest's own order
    expect(slowestFirst(files, timing(["d", "v"]))).toEqual(["d", "v", "b", "e", "a", "u"]);
  });

  it("times only test files that exist, so that a renamed one fails here rather than run last unnoticed", () => {
    const recorded = TestDurationsSchema.parse(JSON.parse(readFileSync(join(root, DURATIONS_FILE), "utf8")));
    const missing = Object.keys(recorded).filter(
      (path) => !/\.test\.ts$/.test(path) || !existsSync(join(root, path)),
    );
    expect(missing).toEqual([]);
    // the slowest files, which decide when the run ends, are timed
    expect(Object.keys(recorded).length).toBeGreaterThan(10);
  });
});
