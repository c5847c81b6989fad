import { describe, expect, it } from "vitest";
import type { ConfigError } from "./run-config";
import { parseSweepFile } from "./sweep";
import { problemField, searchableKnobs, sweepFormSections } from "./sweep-form";

const fields = sweepFormSections().flatMap((s) => s.fields);
const byPath = (path: string) => fields.find((f) => f.path === path);

describe("sweepFormSections", () => {
  it("derives each field's widget, bounds and default from the sweep file's schema", () => {
    expect(byPath("model.nu")).toEqual({
      path: "model.nu",
      kind: "number",
      defaultValue: 10,
      allowed: "> 2, ≤ 1000000",
    });
    expect(byPath("model.likelihood")).toMatchObject({ kind: "enum", options: ["student-t", "gaussian"] });
    expect(byPath("model.gamma")).toMatchObject({ kind: "yaml", defaultValue: "tied" });
    expect(byPath("model.gamma")!.allowed).toMatch(/tied; or number > -1, < 0/);
    expect(byPath("train.epochs")).toMatchObject({ kind: "integer", defaultValue: 10 });
    expect(byPath("model.encoderTakesLabel")).toMatchObject({ kind: "boolean", defaultValue: true });
    expect(byPath("variant")).toMatchObject({ kind: "enum" });
    expect(byPath("execution.maxAttempts")).toMatchObject({ kind: "integer", allowed: "≥ 1, ≤ 20" });
    expect(byPath("train.evalEvery")).toMatchObject({ kind: "integer", allowed: "≥ 0" });
    expect(byPath("objective.metric")!.options).toContain("minorityRecall");
  });

  it("has a field for every knob the run config knows, so nothing is reachable only through YAML", () => {
    const knobs = searchableKnobs().filter((k) => k.includes("."));
    for (const knob of knobs) expect(byPath(knob), knob).toBeDefined();
    expect(searchableKnobs()).toEqual(expect.arrayContaining(["nu", "gamma", "beta", "rho", "variant"]));
  });
});

describe("problemField", () => {
  const paths = [...fields.map((f) => f.path), "search.nu", "search.n"];

  it("puts each validation problem at its field", () => {
    let problems: string[] = [];
    try {
      parseSweepFile({ name: "x", model: { nu: 1 }, train: { epochs: 0 }, search: { nu: [3, 1] } });
    } catch (e) {
      problems = (e as ConfigError).problems;
    }
    expect(problems.map((p) => problemField(p, paths))).toEqual(["train.epochs", "model.nu", "search.nu"]);
  });

  it("matches whole path segments only, and leaves whole-file problems unplaced", () => {
    expect(problemField("search.nu[2]: must be > 2", paths)).toBe("search.nu");
    expect(problemField("search.n: unknown knob", paths)).toBe("search.n");
    expect(problemField("(root): Unrecognized key (sedes)", paths)).toBeUndefined();
    expect(problemField("modelx: nope", paths)).toBeUndefined();
  });
});
