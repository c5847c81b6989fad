import { describe, expect, it } from "vitest";
import { z } from "zod";
import { envVariable, parseEnv } from "./env-settings";
import { describeIssues } from "./run-config";

/** What describeIssues says of `value` under `schema`: every problem, as the CLI, form and API show it. */
const problems = (schema: z.ZodType, value: unknown) => {
  const parsed = schema.safeParse(value);
  return parsed.success ? [] : describeIssues(parsed.error);
};

describe("zod's refusals in words (plainIssueMessage)", () => {
  const Settings = z
    .object({
      name: z.string().min(1),
      seeds: z.number().int().min(1).max(1000),
      alpha: z.number().gt(0).lt(1),
      widths: z.array(z.number()).min(1).max(3),
      correction: z.enum(["holm", "bonferroni"]),
      label: z.string().max(5),
      on: z.boolean(),
    })
    .strict();
  const good = { name: "a", seeds: 3, alpha: 0.05, widths: [8], correction: "holm", label: "x", on: true };

  it("says what each field must be and what it got, a missing one 'required'", () => {
    expect(
      problems(Settings, {
        seeds: 0,
        alpha: 1,
        widths: [],
        correction: "bh",
        label: "longer",
        on: "yes",
      }),
    ).toEqual([
      "name: required",
      "seeds: must be ≥ 1, got 0",
      "alpha: must be < 1, got 1",
      "widths: must have at least 1 entry",
      "correction: must be one of holm, bonferroni, got 'bh'",
      "label: must be at most 5 characters",
      "on: must be true or false, got 'yes'",
    ]);
    expect(problems(Settings, { ...good, name: "", seeds: 2.5, alpha: "x", widths: "8" })).toEqual([
      "name: must not be empty",
      "seeds: must be a whole number, got 2.5",
      "alpha: must be a number, got 'x'",
      "widths: must be a list, got '8'",
    ]);
    expect(problems(Settings, { ...good, seeds: 5000, widths: [1, 2, 3, 4] })).toEqual([
      "seeds: must be ≤ 1000, got 5000",
      "widths: must have at most 3 entries",
    ]);
  });

  it("names an unknown key with the keys allowed there, and the one it is likely a typo of", () => {
    expect(problems(Settings, { ...good, sedes: 3 })).toEqual([
      "(top level): unknown key 'sedes' (did you mean seeds?); allowed here: name, seeds, alpha, widths, correction, label, on",
    ]);
    // no guess where none is near, or two are as near, or a short key is as far from another as 'min' from 'max'
    expect(problems(z.object({ ab: z.number(), ac: z.number() }).strict(), { ab: 1, ac: 2, ad: 3 })).toEqual([
      "(top level): unknown key 'ad'; allowed here: ab, ac",
    ]);
    expect(problems(z.object({ max: z.number() }).strict(), { max: 1, min: 0 })).toEqual([
      "(top level): unknown key 'min'; allowed here: max",
    ]);
  });

  it("names a tagged union's tags and the tag given, and a union's rules with the value once", () => {
    const Spec = z.discriminatedUnion("distribution", [
      z.object({ distribution: z.literal("uniform"), low: z.number() }),
      z.object({ distribution: z.literal("int"), low: z.number().int() }),
    ]);
    expect(problems(Spec, { distribution: "normal", low: 1 })).toEqual([
      "distribution: must be one of uniform, int, got 'normal'",
    ]);
    // no tag at all: it is missing, not a mapping given in its place
    expect(problems(Spec, { low: 1 })).toEqual(["distribution: required: one of uniform, int"]);
    expect(problems(z.union([z.literal("tied"), z.number()]), "x")).toEqual([
      "(top level): must be 'tied'; or must be a number, got 'x'",
    ]);
  });

  it("leaves a schema's own message as written", () => {
    expect(problems(z.number().min(3, "must list at least 3 seeds"), 1)).toEqual([
      "(top level): must list at least 3 seeds",
    ]);
  });
});

describe("settings from the environment", () => {
  it("name the value once, and never a secret's", () => {
    const spec = {
      TAILSWEEP_X: envVariable(z.coerce.number().int().min(1), { help: "", default: "1" }),
      TAILSWEEP_KEY: envVariable(z.string().min(40), { help: "", default: "none", secret: true }),
    };
    expect(() => parseEnv(spec, { TAILSWEEP_X: "0", TAILSWEEP_KEY: "hunter2" })).toThrow(
      expect.objectContaining({
        problems: ['TAILSWEEP_X: must be ≥ 1, got "0"', "TAILSWEEP_KEY: must be at least 40 characters"],
      }),
    );
  });
});
