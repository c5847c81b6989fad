import { describe, expect, it } from "vitest";
import { z } from "zod";
import { DatasetRecipeSchema } from "./dataset";
import type { ConfigError } from "./errors";
import { ModelConfigSchema, TrainConfigSchema } from "./model-config";
import { parseSweepFile, SweepFileSchema } from "./sweep";
import { COMMON_FIELDS, problemField, searchableKnobs, sweepFormSections } from "./sweep-form";

const sections = sweepFormSections();
const fields = sections.flatMap((s) => s.fields);
const byPath = (path: string) => fields.find((f) => f.path === path);

describe("sweepFormSections", () => {
  it("derives each field's widget, bounds and default from the sweep file's schema", () => {
    expect(byPath("model.nu")).toEqual({
      path: "model.nu",
      kind: "number",
      defaultValue: 10,
      allowed: "> 2, ≤ 1000000",
      description: expect.stringMatching(
        /^ν, degrees of freedom of the Student-t prior.*2\.5 \(heavy tails\) to 50/,
      ),
      common: true,
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
    // the search method (absent: inferred from the knobs) and TPE's settings, in the Search section
    expect(sections.find((s) => s.title === "Search")!.fields.map((f) => f.path)).toEqual([
      "method",
      "budget",
      "samplerSeed",
      "tpe.startup",
      "tpe.parallel",
    ]);
    expect(byPath("method")).toMatchObject({
      kind: "enum",
      options: ["grid", "random", "tpe"],
      common: true,
    });
    expect(byPath("tpe.parallel")).toMatchObject({ kind: "integer", allowed: "≥ 1, ≤ 1000", common: false });
  });

  it("has a field for every knob the run config knows, so nothing is reachable only through YAML", () => {
    const knobs = searchableKnobs().filter((k) => k.includes("."));
    // a knob that is an object of its own has a field for each of its parts instead
    for (const knob of knobs)
      expect(byPath(knob) ?? fields.find((f) => f.path.startsWith(`${knob}.`)), knob).toBeDefined();
    expect(searchableKnobs()).toEqual(expect.arrayContaining(["nu", "gamma", "beta", "rho", "variant"]));
  });
});

describe("the sweep file's own settings", () => {
  it("each has a field (search has its rows), so nothing a sweep file says is reachable only through YAML", () => {
    const top = Object.keys(SweepFileSchema.shape).filter(
      (k) => !["search", "dataset", "model", "train"].includes(k),
    );
    for (const key of top)
      expect(byPath(key) ?? fields.find((f) => f.path.startsWith(`${key}.`)), key).toBeDefined();
  });

  it("has a Decide section for a sequential design: its baseline in sight, the error rate's settings folded with their defaults", () => {
    const decide = sections.find((s) => s.title === "Decide")!.fields;
    expect(decide.map((f) => [f.path, f.common])).toEqual([
      ["decide.baseline", true],
      ["decide.top", false],
      ["decide.metric", false],
      ["decide.alpha", false],
      ["decide.correction", false],
      ["decide.spending", false],
    ]);
    expect(byPath("decide.alpha")).toMatchObject({
      kind: "number",
      defaultValue: 0.05,
      allowed: "> 0, ≤ 0.2",
    });
    expect(byPath("decide.correction")).toMatchObject({ kind: "enum", options: ["holm", "bonferroni"] });
    for (const f of decide) expect(f.description, f.path).not.toBe("");
    expect(byPath("objectives")).toMatchObject({ kind: "yaml" });
  });
});

describe("an optional object knob (dataset.validation)", () => {
  it("shows one field per part, with its own widget, bounds and default, and no field for the object", () => {
    expect(byPath("dataset.validation")).toBeUndefined();
    expect(byPath("dataset.validation.perClass")).toMatchObject({
      kind: "integer",
      allowed: "≥ 1, ≤ 100000",
      defaultValue: undefined,
      common: false,
    });
    expect(byPath("dataset.validation.shape")).toMatchObject({
      kind: "enum",
      options: ["balanced", "long-tailed"],
      defaultValue: "balanced",
    });
    expect(byPath("dataset.validation.shape")!.description).toMatch(/max\(1, floor\(perClass·ρ/);
    const dataset = sections.find((s) => s.title === "Dataset")!.fields.map((f) => f.path);
    expect(dataset).toEqual(
      expect.arrayContaining(["dataset.validation.perClass", "dataset.validation.shape"]),
    );
    // an object knob is set in the fixed settings, not searched: a grid value cannot be an object
    expect(searchableKnobs()).not.toContain("dataset.validation");
    expect(searchableKnobs()).toContain("dataset.labelRatio");
  });

  it("puts a problem with a part at that part's field", () => {
    let problems: string[] = [];
    try {
      parseSweepFile({ name: "x", dataset: { validation: { perClass: 0 } } });
    } catch (e) {
      problems = (e as ConfigError).problems;
    }
    expect(problems.length).toBeGreaterThan(0);
    expect(
      problemField(
        problems[0]!,
        fields.map((f) => f.path),
      ),
    ).toBe("dataset.validation.perClass");
  });
});

describe("the form's help", () => {
  it("describes every field of every section", () => {
    for (const f of fields) expect(f.description.trim().length, f.path).toBeGreaterThan(20);
    // and the knob the form leaves out (each trial's seed comes from seeds)
    for (const schema of [DatasetRecipeSchema, ModelConfigSchema, TrainConfigSchema])
      for (const [key, s] of Object.entries(z.toJSONSchema(schema, { io: "input" }).properties ?? {}))
        expect((s as { description?: string }).description, key).toBeTruthy();
  });

  it("shows each section's common fields first, and knows every field it calls common", () => {
    for (const section of sections) {
      const firstUncommon = section.fields.findIndex((f) => !f.common);
      if (firstUncommon >= 0)
        expect(
          section.fields.slice(firstUncommon).filter((f) => f.common),
          section.title,
        ).toEqual([]);
    }
    expect(fields.filter((f) => f.common).map((f) => f.path)).toEqual(
      expect.arrayContaining([...COMMON_FIELDS]),
    );
    expect(fields.filter((f) => f.common)).toHaveLength(COMMON_FIELDS.length);
    // what the study sweeps is in sight; what the variant sets, or only a smoke test changes, folds away
    for (const path of ["variant", "seeds", "model.nu", "model.gamma", "dataset.labelRatio", "train.epochs"])
      expect(byPath(path)!.common, path).toBe(true);
    for (const path of ["model.likelihood", "model.logScaleClip", "train.maxStepsPerEpoch", "samplerSeed"])
      expect(byPath(path)!.common, path).toBe(false);
    expect(sections.find((s) => s.title === "Model")!.fields[0]!.common).toBe(true);
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
    expect(problemField("(top level): unknown key 'sedes' (did you mean seeds?)", paths)).toBeUndefined();
    expect(problemField("modelx: nope", paths)).toBeUndefined();
  });
});
