import { describe, expect, it } from "vitest";
import { ConfigError } from "./errors";
import { explicitGammaLaunchWarning, explicitGammaWarning, resolveRunConfig } from "./run-config";

describe("resolveRunConfig", () => {
  it("fills every default and seeds the data split with the training seed", () => {
    const c = resolveRunConfig({ train: { seed: 3 } });
    expect(c.variant).toBe("proposed");
    expect(c.model.nu).toBe(10);
    expect(c.model.gamma).toBe("tied");
    expect(c.dataset.name).toBe("mnist-2view");
    expect(c.dataset.seed).toBe(3);
  });

  it("applies the variant under the user's explicit knobs", () => {
    expect(resolveRunConfig({ variant: "gaussian" }).model.likelihood).toBe("gaussian");
    expect(resolveRunConfig({ variant: "single" }).model.modalities).toEqual([0]);
    expect(resolveRunConfig({ variant: "single", model: { modalities: [1] } }).model.modalities).toEqual([1]);
  });

  it("uses a team's own data as labeled unless told otherwise", () => {
    const user = resolveRunConfig({ dataset: { name: "user", path: "data/manifest.json" } }).dataset;
    expect([user.imbalanceRatio, user.labelRatio]).toEqual([1, 1]);
    expect(
      resolveRunConfig({ dataset: { name: "user", path: "m.json", labelRatio: 0.2 } }).dataset.labelRatio,
    ).toBe(0.2);
  });

  it("names every bad field at once", () => {
    try {
      resolveRunConfig({ model: { nu: 1.5, gamma: 0.2 }, train: { epochs: 0 }, dataset: { labelRatio: 2 } });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const text = (e as Error).message;
      for (const field of ["model.nu", "model.gamma", "train.epochs", "dataset.labelRatio"])
        expect(text).toContain(field);
    }
    expect(() => resolveRunConfig({ model: { widths: [3] } })).toThrow(
      /model: unknown key 'widths'; allowed here: likelihood, /,
    );
    // what training used to re-check: it now takes the resolved config as given
    expect(() => resolveRunConfig({ model: { nu: 2 } })).toThrow(/model\.nu/);
    expect(() => resolveRunConfig({ model: { fusion: "sum" } })).toThrow(/model\.fusion/);
    expect(() => resolveRunConfig({ variant: "best" })).toThrow(
      /variant: must be one of proposed, .*, got 'best'/,
    );
    expect(() => resolveRunConfig({ dataset: { name: "user" } })).toThrow(/dataset.path: path is required/);
    // a bad variant is said with the sections' problems, not before them
    const all = (() => {
      try {
        resolveRunConfig({
          variant: "bogus",
          model: { nu: 1 },
          train: { epochs: -2 },
          dataset: { name: "nope" },
        });
      } catch (e) {
        return e instanceof ConfigError ? e.problems : [];
      }
      return [];
    })();
    expect(all).toEqual([
      expect.stringMatching(/^variant: must be one of proposed, /),
      expect.stringMatching(/^train\.epochs: /),
      expect.stringMatching(/^model\.nu: /),
      expect.stringMatching(/^dataset\.name: /),
    ]);
    // a check that hangs on the variant is left out when the variant is bad: the one meant may satisfy it
    expect(() =>
      resolveRunConfig({ variant: "gausian-matched", model: { regularizer: "matched-variance" } }),
    ).toThrow(/^invalid configuration:\n {2}- variant: must be one of [^\n]*$/);
    // a section that is no object is still the one problem it was
    expect(() => resolveRunConfig({ variant: "bogus", model: 3 })).toThrow(/variant[\s\S]*model/);
  });

  it("refuses at launch modalities a built-in data set does not have, with the other problems", () => {
    const launch = { launch: true };
    expect(() => resolveRunConfig({ model: { modalities: [2], nu: 1 } }, launch)).toThrow(
      /model\.nu[\s\S]*model\.modalities: the built-in data sets have 2 modalities, 0 the MNIST digit and 1 the second view or the Fashion-MNIST image: list 0, 1 or both, or none for both; this one asks for 2$/,
    );
    expect(() =>
      resolveRunConfig({ dataset: { name: "mnist-fashion" }, model: { modalities: [3, 1, 2, 3] } }, launch),
    ).toThrow(/this one asks for 3 and 2$/);
    expect(resolveRunConfig({ model: { modalities: [1, 0] } }, launch).model.modalities).toEqual([1, 0]);
    // a team's own data set may have more: its manifest says, when a trial loads it
    const user = { name: "user", path: "m.json" };
    expect(resolveRunConfig({ dataset: user, model: { modalities: [2] } }, launch).model.modalities).toEqual([
      2,
    ]);
    // a stored sweep's configs resolve as they were stored, so that it can still be extended and reported on
    expect(resolveRunConfig({ model: { modalities: [2] } }).model.modalities).toEqual([2]);
  });

  it("refuses at launch an explicit γ that cannot train on the data, where γ is in the loss", () => {
    const launch = { launch: true };
    // ν·C1 overflows float32 at n = 1568 (both 784-pixel views), with the other problems
    expect(() =>
      resolveRunConfig({ model: { gamma: -0.1, nu: 5, latentDim: 16 }, train: { epochs: -1 } }, launch),
    ).toThrow(
      /train\.epochs[\s\S]*- model\.gamma: -0\.1 cannot train at ν = 5, n = 1568, latentDim 16, σ = 1: ν·C1 = [^\n]* is past float32's largest value[^\n]*; an explicit γ must lie in \[-0\.02\d+, 0\) here, or use tied$/,
    );
    // one view alone is n = 784
    expect(() =>
      resolveRunConfig({ model: { gamma: -0.1, nu: 5, latentDim: 16, modalities: [0] } }, launch),
    ).toThrow(/n = 784/);
    // γ is in no loss of these: the Gaussian (its KL), the Student-t KL ablation, the classifier alone
    for (const variant of ["gaussian", "student-t-kl", "supervised"])
      expect(
        resolveRunConfig({ variant, model: { gamma: -0.1, nu: 5, latentDim: 16 } }, launch).model.gamma,
      ).toBe(-0.1);
    // the matched-variance Gaussian's penalty has γ in it (M1)
    expect(() =>
      resolveRunConfig({ variant: "gaussian-matched", model: { gamma: -0.1, nu: 5, latentDim: 16 } }, launch),
    ).toThrow(/model\.gamma: -0\.1 cannot train/);
    // a team's own data: its n is in its manifest, so only what holds whatever n (E1: γ > −2/(m+2))
    const user = { name: "user", path: "m.json" };
    expect(
      resolveRunConfig({ dataset: user, model: { gamma: -0.1, latentDim: 16 } }, launch).model.gamma,
    ).toBe(-0.1);
    expect(() => resolveRunConfig({ dataset: user, model: { gamma: -0.1, latentDim: 32 } }, launch)).toThrow(
      /model\.gamma: -0\.1 cannot train at latentDim 32: the regulariser \(R1\) has no minimum/,
    );
    // the study's values pass, and a stored sweep's configs resolve as they were stored
    expect(resolveRunConfig({ model: { gamma: -0.01, latentDim: 16 } }, launch).model.gamma).toBe(-0.01);
    expect(resolveRunConfig({ model: { gamma: -0.1, nu: 5, latentDim: 16 } }).model.gamma).toBe(-0.1);
  });

  it("warns of an explicit γ that can train but puts the regulariser's minimum wider than the prior", () => {
    const model = (over: Record<string, unknown>) =>
      resolveRunConfig({ model: { nu: 10, latentDim: 16, ...over } }).model;
    expect(explicitGammaLaunchWarning(model({ gamma: -0.005 }), "mnist-2view")).toBe(
      "γ = -0.005 puts the regulariser's minimum (M1) at a posterior variance of 270 at ν = 10, n = 1568, latentDim 16 (the tied γ puts it at 0.059), wider than the prior's 1: expect it to train to chance, as such γ did in the study; stay near tied (docs/model.md §3)",
    );
    // just past the prior's 1, the variance shows the digits that say so, not a bare "1"
    expect(explicitGammaWarning({ nu: 10, ns: [2], m: 2, sigma: 1, gamma: -0.2465 })).toMatch(
      /a posterior variance of 1\.0002 at ν = 10, n = 2, latentDim 2 \(the tied γ puts it at 0\.66\)/,
    );
    // near tied, tied, not in the loss, on a user's data (n unknown), or refused outright: nothing to warn of
    expect(explicitGammaLaunchWarning(model({ gamma: -0.001 }), "mnist-2view")).toBeUndefined();
    expect(explicitGammaLaunchWarning(model({}), "mnist-2view")).toBeUndefined();
    expect(
      explicitGammaLaunchWarning(model({ gamma: -0.005, likelihood: "gaussian" }), "mnist-2view"),
    ).toBeUndefined();
    expect(explicitGammaLaunchWarning(model({ gamma: -0.005 }), "user")).toBeUndefined();
    expect(explicitGammaLaunchWarning(model({ gamma: -0.1, nu: 5 }), "mnist-2view")).toBeUndefined();
  });

  it("asks for a validation set when the epoch is chosen on one, with the other problems", () => {
    expect(() => resolveRunConfig({ train: { select: "best", epochs: 0 }, model: { nu: 1 } })).toThrow(
      /train\.epochs[\s\S]*model\.nu[\s\S]*train\.select: best needs a validation set/,
    );
    const chosen = resolveRunConfig({ train: { select: "best" }, dataset: { validation: { perClass: 20 } } });
    expect(chosen.train.select).toBe("best");
    expect(chosen.dataset.validation).toEqual({ perClass: 20, shape: "balanced" });
    expect(() =>
      resolveRunConfig({ dataset: { name: "user", path: "m.json", validation: { perClass: 5 } } }),
    ).toThrow(/dataset\.validation: your own data gives validation rows only when the recipe subsamples it/);
    expect(
      resolveRunConfig({
        dataset: { name: "user", path: "m.json", labelRatio: 0.5, validation: { perClass: 5 } },
      }).dataset.validation,
    ).toEqual({ perClass: 5, shape: "balanced" });
    // left out, it stays out: the resolved configs (and so trial keys and sweep ids) of before are unchanged
    expect(resolveRunConfig({}).train).not.toHaveProperty("select");
    expect(resolveRunConfig({}).dataset).not.toHaveProperty("validation");
  });
});
