import { describe, expect, it } from "vitest";
import { z } from "zod";
import { DatasetRecipeSchema, ValidationSplitSchema, withStoredDatasetVersion } from "./dataset";

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
