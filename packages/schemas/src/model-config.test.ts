import { describe, expect, it } from "vitest";
import { ModelConfigSchema, VARIANT_OVERRIDES, VariantSchema } from "./model-config";
import { resolveRunConfig } from "./run-config";
import { sweepFormSections } from "./sweep-form";

describe("the long-tail baselines' knobs (docs/model.md §10)", () => {
  it("are absent from a resolved config unless set, so stored configs, keys and fingerprints stay as they were", () => {
    const resolved = ModelConfigSchema.parse({});
    expect("logitAdjustment" in resolved).toBe(false);
    expect("distributionAlignment" in resolved).toBe(false);
    expect(JSON.stringify(resolved)).not.toMatch(/logitAdjustment|distributionAlignment/);
    // every variant that was there before resolves to the config it always did
    for (const v of ["proposed", "gaussian", "concat", "mixture", "single", "supervised"] as const)
      expect(JSON.stringify(resolveRunConfig({ variant: v }).model)).not.toMatch(
        /logitAdjustment|distributionAlignment/,
      );
  });

  it("take τ ≥ 0 (up to 10) and the labeled-prior target, nothing else", () => {
    expect(ModelConfigSchema.parse({ logitAdjustment: 1.5 }).logitAdjustment).toBe(1.5);
    expect(ModelConfigSchema.parse({ distributionAlignment: "labeled-prior" }).distributionAlignment).toBe(
      "labeled-prior",
    );
    for (const bad of [
      { logitAdjustment: -0.1 },
      { logitAdjustment: 11 },
      { distributionAlignment: "uniform" },
    ])
      expect(ModelConfigSchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
  });

  it("are named variants of the proposed model, under the user's own settings", () => {
    expect(VariantSchema.options).toEqual(expect.arrayContaining(["logit-adjusted", "aligned"]));
    expect(VARIANT_OVERRIDES["logit-adjusted"]).toEqual({ logitAdjustment: 1 });
    expect(VARIANT_OVERRIDES.aligned).toEqual({ distributionAlignment: "labeled-prior" });
    const la = resolveRunConfig({ variant: "logit-adjusted" }).model;
    expect(la).toEqual({ ...resolveRunConfig({}).model, logitAdjustment: 1 });
    expect(
      resolveRunConfig({ variant: "logit-adjusted", model: { logitAdjustment: 2 } }).model.logitAdjustment,
    ).toBe(2);
    // the knobs compose: both on at once
    const both = resolveRunConfig({ variant: "aligned", model: { logitAdjustment: 1 } }).model;
    expect([both.logitAdjustment, both.distributionAlignment]).toEqual([1, "labeled-prior"]);
  });

  it("include the ablations that separate the family, the regulariser and the fusion (docs/model.md §11)", () => {
    const base = resolveRunConfig({}).model;
    expect(resolveRunConfig({ variant: "student-t-kl" }).model).toEqual({ ...base, regularizer: "kl" });
    expect(resolveRunConfig({ variant: "gaussian-matched" }).model).toEqual({
      ...base,
      likelihood: "gaussian",
      regularizer: "matched-variance",
    });
    // fusion alone: the classifier stays the proposed model's
    expect(resolveRunConfig({ variant: "concat-fusion" }).model).toEqual({ ...base, fusion: "concat" });
    expect(resolveRunConfig({ variant: "concat" }).model.classifier).toBe("concat");
    expect(base.regularizer).toBeUndefined(); // absent, so configs stored before it keep their keys
  });

  it("refuse a matched-variance penalty on the Student-t model, with the file's other problems", () => {
    expect(() =>
      resolveRunConfig({ model: { regularizer: "matched-variance", nu: 1 }, train: { epochs: 0 } }),
    ).toThrow(/train\.epochs[\s\S]*model\.nu[\s\S]*model\.regularizer: matched-variance is the Gaussian/);
    expect(() => resolveRunConfig({ model: { regularizer: "gamma" } })).toThrow(/model\.regularizer/);
    expect(resolveRunConfig({ variant: "gaussian", model: { regularizer: "kl" } }).model.regularizer).toBe(
      "kl",
    );
  });

  it("explain themselves, citing their papers, in the launch form", () => {
    const fields = sweepFormSections().flatMap((s) => s.fields);
    const la = fields.find((f) => f.path === "model.logitAdjustment")!;
    const da = fields.find((f) => f.path === "model.distributionAlignment")!;
    expect(la).toMatchObject({ kind: "number", defaultValue: undefined, allowed: "≥ 0, ≤ 10" });
    expect(la.description).toMatch(/Menon et al\. 2021/);
    expect(la.description).toMatch(/Balanced Softmax, Ren et al\. 2020/);
    expect(da).toMatchObject({ kind: "enum", options: ["labeled-prior"], defaultValue: undefined });
    expect(da.description).toMatch(/ReMixMatch, Berthelot et al\. 2020/);
    expect(da.description).toMatch(/DARP, Kim et al\. 2020/);
    const variant = fields.find((f) => f.path === "variant")!;
    expect(variant.options).toEqual(expect.arrayContaining(["logit-adjusted", "aligned"]));
    expect(variant.description).toMatch(/logit-adjusted .*aligned/);
  });
});
