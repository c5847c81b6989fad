import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  classOrderProblem,
  DatasetRecipeSchema,
  ValidationSplitSchema,
  withStoredDatasetVersion,
} from "./dataset";
import { resolveRunConfig } from "./run-config";

describe("DatasetRecipeSchema.validation", () => {
  it("is absent by default, so a recipe without it parses to the same object as before it existed", () => {
    const parsed = DatasetRecipeSchema.parse({});
    expect("validation" in parsed).toBe(false);
    expect(JSON.stringify(parsed)).toBe(
      '{"name":"mnist-2view","imbalanceRatio":100,"labelRatio":0.1,"unlabeledImbalance":"same","headCount":5000,"testPerClass":800,"classOrder":"natural","version":2}',
    );
    expect("validation" in DatasetRecipeSchema.parse(withStoredDatasetVersion({ headCount: 600 }))).toBe(
      false,
    );
  });

  it("takes an explicit class order only when it is a permutation of the classes, saying what is wrong", () => {
    const problemOf = (recipe: object) => classOrderProblem(DatasetRecipeSchema.parse(recipe));
    const reversed = [9, 8, 7, 6, 5, 4, 3, 2, 1, 0];
    expect(problemOf({ classOrder: reversed })).toBeUndefined();
    expect(problemOf({ classOrder: "random" })).toBeUndefined();
    expect(problemOf({ name: "mnist-fashion", classOrder: [0, 1, 2] })).toBe(
      "must list each class 0 to 9 once (the built-in data sets have 10 classes); this one has 3 entries",
    );
    expect(problemOf({ classOrder: [0, 1, 2, 3, 4, 5, 6, 7, 8, 8] })).toBe(
      "must list each class 0 to 9 once (the built-in data sets have 10 classes); this one repeats 8",
    );
    expect(problemOf({ classOrder: [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 10] })).toBe(
      "must list each class 0 to 9 once (the built-in data sets have 10 classes); this one has 11 entries and repeats 10 and has 10 (above 9)",
    );
    // a user data set's class count comes from its manifest: here only that the order is a permutation of itself
    const user = { name: "user", path: "/data/m.json" };
    expect(problemOf({ ...user, classOrder: [2, 0, 1] })).toBeUndefined();
    for (const [order, what] of [
      [[0, 2], "has 2 (above 1)"],
      [[], "has 0 entries"],
    ] as const)
      expect(problemOf({ ...user, classOrder: order })).toBe(
        `must list each of your data set's classes once, numbered from 0: a permutation of 0 to K − 1 for K classes, at least 2; this one ${what}`,
      );
    // said where a recipe comes in; a stored one is read, and resolved, as it was stored
    expect(() => resolveRunConfig({ dataset: { classOrder: [0, 0] } }, { launch: true })).toThrow(
      /dataset\.classOrder: must list each class 0 to 9 once/,
    );
    expect(resolveRunConfig({ dataset: { classOrder: [0, 0] } }).dataset.classOrder).toEqual([0, 0]);
    expect(DatasetRecipeSchema.parse({ classOrder: [0, 0] }).classOrder).toEqual([0, 0]);
  });

  it("takes perClass, with shape balanced unless told", () => {
    expect(DatasetRecipeSchema.parse({ validation: { perClass: 50 } }).validation).toEqual({
      perClass: 50,
      shape: "balanced",
    });
    expect(
      DatasetRecipeSchema.parse({ validation: { perClass: 1, shape: "long-tailed" } }).validation,
    ).toEqual({ perClass: 1, shape: "long-tailed" });
    expect(ValidationSplitSchema.parse({ perClass: 100_000 }).perClass).toBe(100_000);
  });

  it("rejects a missing, fractional or out-of-range perClass, an unknown shape and unknown keys", () => {
    const problemsOf = (validation: unknown) => {
      const result = DatasetRecipeSchema.safeParse({ validation });
      return result.success ? [] : result.error.issues.map((i) => i.path.join("."));
    };
    expect(problemsOf({})).toEqual(["validation.perClass"]);
    expect(problemsOf({ perClass: 0 })).toEqual(["validation.perClass"]);
    expect(problemsOf({ perClass: 2.5 })).toEqual(["validation.perClass"]);
    expect(problemsOf({ perClass: 100_001 })).toEqual(["validation.perClass"]);
    expect(problemsOf({ perClass: 5, shape: "uniform" })).toEqual(["validation.shape"]);
    expect(problemsOf({ perClass: 5, size: 3 })).toEqual(["validation"]);
    expect(problemsOf(50)).toEqual(["validation"]);
  });

  it("says what it is in its help, and what each part means", () => {
    const schema = z.toJSONSchema(DatasetRecipeSchema, { io: "input" }) as {
      properties: Record<
        string,
        { description?: string; properties?: Record<string, { description?: string }> }
      >;
    };
    const validation = schema.properties.validation!;
    expect(validation.description).toMatch(/training never sees them/);
    expect(validation.description).toMatch(/train\.select: best/);
    expect(validation.description).toMatch(/test set is read once/);
    expect(validation.properties!.perClass!.description).toMatch(/Training never sees them/);
    expect(validation.properties!.shape!.description).toMatch(
      /balanced = perClass rows of every class; long-tailed = .*max\(1, floor\(perClass·ρ\^\(−r\/\(K−1\)\)\)\)/,
    );
  });
});
