import { parseSweepFile, StoredSweepSpecSchema } from "@tailsweep/schemas";
import { describe, expect, it } from "vitest";
import { configLabel, paramValue } from "./config-label";
import {
  configIdentity,
  expandSweep,
  extensionTrials,
  gpuTrialCount,
  launchPlan,
  storedPoints,
} from "./expand";
import { configKey, trialKey } from "./trial-key";
import { assertTransition, canTransition } from "./trial-state";

describe("expandSweep", () => {
  it("crosses sorted knobs × values × seeds in a fixed order, each trial fully configured", () => {
    const spec = parseSweepFile({ name: "g", search: { nu: [5, 10], beta: [0.1, 0.3] }, seeds: [1, 2] });
    const trials = expandSweep(spec);
    expect(trials).toHaveLength(8);
    // dataset.labelRatio sorts before model.nu, so nu varies faster; seeds fastest of all.
    expect(
      trials.slice(0, 4).map((t) => [t.params["dataset.labelRatio"], t.params["model.nu"], t.seed]),
    ).toEqual([
      [0.1, 5, 1],
      [0.1, 5, 2],
      [0.1, 10, 1],
      [0.1, 10, 2],
    ]);
    expect(trials[3]!.config.model.nu).toBe(10);
    expect(trials[3]!.config.dataset.labelRatio).toBe(0.1);
    expect(trials[3]!.config.train.seed).toBe(2);
    expect(trials[3]!.config.dataset.seed).toBe(2);
    expect(new Set(trials.map((t) => t.key)).size).toBe(8);
    expect(trials.map((t) => t.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it("expands a stored sweep whose file a launch would now refuse, so that it can still be extended", () => {
    // Stored before the launch refused modalities a built-in data set lacks: its other configurations have results.
    const valid = parseSweepFile({ name: "old", search: { "model.modalities": [[0, 1]] }, seeds: [1] });
    const stored = StoredSweepSpecSchema.parse({ ...valid, search: { "model.modalities": [[0, 1], [2]] } });
    expect(() => parseSweepFile({ name: "old", search: { "model.modalities": [[0, 1], [2]] } })).toThrow(
      /search\.model\.modalities\[1\]: the built-in data sets have 2 modalities/,
    );
    expect(expandSweep(stored).map((t) => t.config.model.modalities)).toEqual([[0, 1], [2]]);
  });

  it("gives the same keys in the same order every time, independent of key order in the file", () => {
    const a = expandSweep(parseSweepFile({ name: "g", search: { nu: [5, 10], rho: [10, 100] } }));
    const b = expandSweep(parseSweepFile({ name: "g", search: { rho: [10, 100], nu: [5, 10] } }));
    expect(b.map((t) => t.key)).toEqual(a.map((t) => t.key));
    expect(trialKey({ "model.nu": 5 }, 1)).toBe(trialKey({ "model.nu": 5 }, 1));
    expect(trialKey({ "model.nu": 5 }, 1)).not.toBe(trialKey({ "model.nu": 5 }, 2));
  });

  it("gives each trial its configuration's key, label and kind, the same for every seed", () => {
    const spec = parseSweepFile({
      name: "g",
      search: { nu: [5, 10], "model.modalities": [[0, 1]] },
      seeds: [1, 2],
      execution: { gpu: { nu: [10] } },
    });
    const trials = expandSweep(spec);
    expect(trials.map((t) => [t.configLabel, t.kind])).toEqual([
      ["model.modalities=[0,1] model.nu=5", "cpu"],
      ["model.modalities=[0,1] model.nu=5", "cpu"],
      ["model.modalities=[0,1] model.nu=10", "gpu"],
      ["model.modalities=[0,1] model.nu=10", "gpu"],
    ]);
    expect(trials.map((t) => t.configKey)).toEqual([
      configKey({ "model.modalities": [0, 1], "model.nu": 5 }),
      configKey({ "model.nu": 5, "model.modalities": [0, 1] }),
      configKey({ "model.modalities": [0, 1], "model.nu": 10 }),
      configKey({ "model.modalities": [0, 1], "model.nu": 10 }),
    ]);
    expect(trials[0]!.configKey).not.toBe(trials[2]!.configKey);
    expect(configKey({ "model.nu": 5 })).not.toBe(trialKey({ "model.nu": 5 }, 1));
    for (const t of trials)
      expect(configIdentity(spec.execution, t.params, t.config)).toEqual({
        configKey: t.configKey,
        configLabel: t.configLabel,
        kind: t.kind,
      });
    expect(gpuTrialCount(spec)).toBe(2);
    const none = parseSweepFile({ name: "n", seeds: [1] });
    expect(expandSweep(none).map((t) => [t.configLabel, t.kind])).toEqual([["(no search)", "cpu"]]);
  });

  it("labels a configuration by its sorted params, lists as JSON", () => {
    expect(configLabel({ variant: "proposed", "model.nu": 5 })).toBe("model.nu=5 variant=proposed");
    expect(configLabel({})).toBe("(no search)");
    expect(paramValue([0, 1])).toBe("[0,1]");
    expect(paramValue(true)).toBe("true");
  });

  it("draws a random search reproducibly from its samplerSeed, within the bounds, without duplicates", () => {
    const file = {
      name: "r",
      search: {
        gamma: { distribution: "uniform", low: -0.2, high: -0.01 },
        "model.latentDim": { distribution: "int", low: 4, high: 64 },
        "train.learningRate": { distribution: "loguniform", low: 1e-4, high: 1e-2 },
        variant: ["proposed", "gaussian"],
      },
      budget: 12,
      seeds: 2,
      samplerSeed: 5,
    };
    const a = expandSweep(parseSweepFile(file));
    expect(a).toHaveLength(24);
    expect(expandSweep(parseSweepFile(file)).map((t) => t.key)).toEqual(a.map((t) => t.key));
    expect(expandSweep(parseSweepFile({ ...file, samplerSeed: 6 })).map((t) => t.key)).not.toEqual(
      a.map((t) => t.key),
    );
    for (const t of a) {
      expect(t.config.model.gamma).toBeGreaterThanOrEqual(-0.2);
      expect(t.config.model.gamma).toBeLessThan(-0.01);
      expect(Number.isInteger(t.config.model.latentDim)).toBe(true);
      expect(t.config.train.learningRate).toBeGreaterThanOrEqual(1e-4);
      expect(["proposed", "gaussian"]).toContain(t.config.variant);
    }
    expect(new Set(a.map((t) => t.key)).size).toBe(24);
    // A small space yields what it has.
    const small = expandSweep(
      parseSweepFile({
        name: "s",
        search: { variant: { distribution: "categorical", values: ["proposed", "single"] } },
        budget: 5,
        seeds: 1,
      }),
    );
    expect(small).toHaveLength(2);
  });
});

describe("the configurations a revision names", () => {
  it("takes every one for an empty list, and only those named otherwise, in storedPoints and extensionTrials alike", () => {
    const spec = parseSweepFile({ name: "r", search: { nu: [3, 5, 8] }, seeds: 2 });
    const trials = expandSweep(spec);
    const keys = [...new Set(trials.map((t) => t.configKey))];
    // stored out of order: points come back in the order they were planned, each once
    const stored = [...trials].reverse();
    expect(storedPoints(stored)).toEqual(storedPoints(stored, []));
    expect(storedPoints(stored, []).map((p) => p["model.nu"])).toEqual([3, 5, 8]);
    expect(storedPoints(stored, [keys[1]!]).map((p) => p["model.nu"])).toEqual([5]);
    const added = (configKeys: string[]) =>
      extensionTrials(spec, { seeds: [3], configKeys }).trials.map((t) => [t.params["model.nu"], t.seed]);
    expect(added([])).toEqual([
      [3, 3],
      [5, 3],
      [8, 3],
    ]);
    expect(added([keys[2]!])).toEqual([[8, 3]]);
  });
});

describe("trial state machine", () => {
  it("allows the lifecycle, and leaves a final state only by a retry, a resume or a late result", () => {
    expect(canTransition("waiting", "running")).toBe(true);
    expect(canTransition("running", "waiting")).toBe(true);
    expect(canTransition("waiting", "failed")).toBe(false);
    // an earlier attempt's result that arrives after the trial was handed back
    expect(canTransition("waiting", "succeeded")).toBe(true);
    expect(() => assertTransition("succeeded", "running")).toThrow(/succeeded is final/);
    expect(canTransition("failed", "succeeded")).toBe(true); // a late result of an attempt given up on
    expect(canTransition("failed", "waiting")).toBe(true); // retried
    expect(canTransition("cancelled", "waiting")).toBe(true); // resumed
    expect(() => assertTransition("failed", "running")).toThrow(/failed is final/);
    expect(() => assertTransition("cancelled", "succeeded")).toThrow(/cancelled is final/);
    expect(() => assertTransition("succeeded", "waiting")).toThrow(/succeeded is final/);
  });
});

describe("launchPlan's warnings", () => {
  it("names each explicit γ likely to train to chance once, with the first configurations that have it", () => {
    const spec = parseSweepFile({
      name: "w",
      model: { nu: 10, latentDim: 16 },
      search: {
        variant: ["proposed", "gaussian"],
        gamma: ["tied", -0.001, -0.005],
        beta: [0.1, 0.2, 0.3, 0.4],
      },
      seeds: 2,
    });
    const { warnings } = launchPlan(spec);
    // −0.001 stays narrower than the prior; −0.005 at 4 labelRatios, all named (a fourth rather than "1 more"). The
    // Gaussian's loss has no γ: at each labelRatio, its configurations with −0.001 and −0.005 copy the tied one's
    // trials, 8 copies, said as the 4 configurations without γ
    expect(warnings).toEqual([
      expect.stringMatching(
        /^dataset\.labelRatio=0\.1 model\.gamma=-0\.005 variant=proposed; dataset\.labelRatio=0\.2 model\.gamma=-0\.005 variant=proposed; dataset\.labelRatio=0\.3 model\.gamma=-0\.005 variant=proposed; dataset\.labelRatio=0\.4 model\.gamma=-0\.005 variant=proposed: γ = -0\.005 puts the regulariser's minimum \(M1\) at a posterior variance of 270 /,
      ),
      expect.stringMatching(
        /^dataset\.labelRatio=0\.1 variant=gaussian; dataset\.labelRatio=0\.2 variant=gaussian; dataset\.labelRatio=0\.3 variant=gaussian; dataset\.labelRatio=0\.4 variant=gaussian: model\.gamma is in no loss of these \(the Gaussian's KL, the Student-t KL, the classifier alone\), so 8 configurations with another γ train what the one with the first γ does, copies of its trials; /,
      ),
    ]);
    expect(warnings[1]).not.toMatch(/model\.gamma=/);
    // a second wide γ is said by its numbers, why once: not the whole note again
    const two = launchPlan(
      parseSweepFile({
        name: "w2",
        model: { nu: 10, latentDim: 16 },
        search: { gamma: [-0.005, -0.006] },
        seeds: 1,
      }),
    ).warnings;
    expect(two).toEqual([
      expect.stringMatching(
        /^model\.gamma=-0\.005: γ = -0\.005 puts the regulariser's minimum \(M1\) .*train to chance/,
      ),
      expect.stringMatching(
        /^model\.gamma=-0\.006: likewise: γ = -0\.006 puts it at a variance of [0-9.e+]+ at ν = 10, n = 1568, latentDim 16 \(the tied γ at [0-9.]+\)$/,
      ),
    ]);
    expect(
      launchPlan(parseSweepFile({ name: "t", search: { gamma: ["tied", -0.001] }, seeds: 1 })).warnings,
    ).toEqual([]);
    // γ the whole search of a model without it: no rest to name, and no second sweep to split into
    expect(
      launchPlan(
        parseSweepFile({
          name: "g",
          variant: "gaussian",
          search: { gamma: ["tied", -0.001, -0.002] },
          seeds: 1,
        }),
      ).warnings,
    ).toEqual([
      "model.gamma is the whole search, and it is in no loss of this model (the Gaussian's KL, the Student-t KL, the classifier alone), so 2 configurations with another γ train what the one with the first γ does, copies of its trials; search no γ with it to spend no seeds on copies",
    ]);
  });
});
