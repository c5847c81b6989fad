import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseSweepFile } from "@tailsweep/schemas";
import { expandSweep } from "@tailsweep/sweep";
import { describe, expect, it } from "vitest";
import YAML from "yaml";

const load = (name: string) =>
  parseSweepFile(YAML.parse(readFileSync(join(__dirname, "..", "examples", name), "utf8")));

describe("examples/", () => {
  it("quick.yaml: 2 variants × 2 β × 2 seeds", () => {
    const trials = expandSweep(load("quick.yaml"));
    expect(trials).toHaveLength(8);
    expect(new Set(trials.map((t) => t.config.variant))).toEqual(new Set(["proposed", "gaussian"]));
    expect(trials.find((t) => t.config.variant === "gaussian")!.config.model.likelihood).toBe("gaussian");
  });

  it("paper.yaml: 5 variants × 3 ρ × 2 β × 5 seeds", () => {
    const trials = expandSweep(load("paper.yaml"));
    expect(trials).toHaveLength(150);
    expect(new Set(trials.map((t) => t.config.dataset.imbalanceRatio))).toEqual(new Set([10, 50, 100]));
  });
});
