import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import YAML from "yaml";
import { parseSweepFile } from "./sweep";
import { sweepFileOf } from "./sweep-file-of";
import { DEFAULT_DECIDE_TOP } from "./sweep-limits";

const examples = join(__dirname, "..", "..", "..", "examples");
const files = [
  ...readdirSync(examples).filter((f) => f.endsWith(".yaml")),
  ...readdirSync(join(examples, "study"))
    .filter((f) => f.endsWith(".yaml"))
    .map((f) => join("study", f)),
];

describe("sweepFileOf", () => {
  it.each(files)("gives back a file that parses to the same spec: examples/%s", (name) => {
    const spec = parseSweepFile(YAML.parse(readFileSync(join(examples, name), "utf8")));
    const file = sweepFileOf(spec);
    // the file form, not the spec's: a sequential design is seeds { initial, step, max } with decide beside them
    expect(file).not.toHaveProperty("sequential");
    expect(parseSweepFile(JSON.parse(JSON.stringify(file)))).toEqual(spec);
  });

  it("writes a sequential design as the file wrote it, and a TPE search's decision stage with its top", () => {
    const grid = sweepFileOf(
      parseSweepFile({
        name: "s",
        search: { variant: ["proposed", "gaussian"] },
        seeds: { initial: 3, step: 2, max: 11 },
        decide: { baseline: "variant=gaussian" },
      }),
    );
    expect(grid.seeds).toEqual({ initial: 3, step: 2, max: 11 });
    expect(grid.decide).toMatchObject({ baseline: "variant=gaussian", metric: "balancedAccuracy" });
    expect(grid.decide).not.toHaveProperty("top");
    const tpe = sweepFileOf(
      parseSweepFile({
        name: "t",
        method: "tpe",
        budget: 6,
        search: {
          variant: ["proposed", "gaussian"],
          "model.nu": { distribution: "loguniform", low: 2.5, high: 50 },
        },
        seeds: { initial: 2, step: 2, max: 6 },
        decide: { baseline: "variant=gaussian" },
      }),
    );
    expect(tpe.seeds).toEqual({ initial: 2, step: 2, max: 6 });
    expect(tpe.decide).toMatchObject({ top: DEFAULT_DECIDE_TOP });
  });

  it("leaves a stored sequential design's old calibration behind: a copy is calibrated as new", () => {
    const spec = parseSweepFile({
      name: "s",
      search: { variant: ["proposed", "gaussian"] },
      seeds: { initial: 3, step: 2, max: 7 },
      decide: { baseline: "variant=gaussian" },
    });
    const old = { ...spec, sequential: { ...spec.sequential!, calibration: 1 as const } };
    expect(parseSweepFile(sweepFileOf(old)).sequential?.calibration).toBe(2);
  });
});
