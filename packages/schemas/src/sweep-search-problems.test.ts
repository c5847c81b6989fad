// One answer names every bad knob of `search`: a knob whose shape is refused is left out of the later checks, not
// the whole section, and a later check that the knob left out could change waits rather than misjudges.
import { describe, expect, it } from "vitest";
import YAML from "yaml";
import { ConfigError } from "./errors";
import { parseSweepFile } from "./sweep";

/** examples/quick.yaml, with `search` as given. */
const quick = (search: string, more = "") =>
  YAML.parse(`
name: quick
project: examples
variant: proposed
dataset: { name: mnist-2view, imbalanceRatio: 100, labelRatio: 0.1, headCount: 500, testPerClass: 200 }
model: { encoderWidths: [128], decoderWidths: [128], classifierWidths: [128], latentDim: 16 }
train: { epochs: 2, labeledBatchSize: 64, unlabeledBatchSize: 64 }
search:
  variant: [proposed, gaussian]
  beta: [0.1, 0.3]
${search}
seeds: 2
objective: { metric: balancedAccuracy, direction: maximize }
execution: { maxAttempts: 3, heartbeatSeconds: 5, trialTimeoutSeconds: 600 }
${more}`);

function problemsOf(input: unknown): string[] {
  try {
    parseSweepFile(input);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error("expected a ConfigError");
}

const gaussianGamma =
  "search.gamma.distribution: must be one of uniform, loguniform, int, categorical, got 'gaussian'";

describe("parseSweepFile: every bad search knob in one answer", () => {
  it("says of a loguniform range below 0 that it draws positive numbers, and what a γ range takes instead", () => {
    const loguniform = "loguniform draws positive numbers (for a knob below 0, as model.gamma, use uniform)";
    expect(problemsOf(quick("  gamma: { distribution: loguniform, low: -0.01, high: -0.001 }"))).toEqual([
      `search.gamma.low: must be > 0, got -0.01: ${loguniform}`,
      `search.gamma.high: must be > 0, got -0.001: ${loguniform}`,
    ]);
  });

  it("names the other knobs' problems beside a knob whose shape is refused", () => {
    const file = quick(`
  gamma: { distribution: gaussian }
  nu: { distribution: loguniform, low: 10, high: 1 }
  rho: [0.5]
  model.nonsense: [1]`);
    file.search.beta = [0.1, 2];
    expect(() => parseSweepFile(file)).toThrow(
      new ConfigError([
        gaussianGamma,
        "search.beta[1]: must be ≤ 1, got 2",
        "search.nu: low must be below high (got 10 and 1)",
        "search.nu.high: must be > 2, got 1",
        "search.rho[0]: must be ≥ 1, got 0.5",
        "search.model.nonsense: unknown knob; use nu, gamma, labelRatio, beta, imbalanceRatio, rho, variant or model.<knob>, dataset.<knob>, train.<knob>",
        // nu is a distribution whatever gamma becomes
        "budget: required when the search space has a distribution",
      ]),
    );
  });

  it("judges a budget against a grid when the knob left out is a list, and waits when it may be a distribution", () => {
    expect(problemsOf(quick("  rho: []", "budget: 10"))).toEqual([
      "search.rho: must list at least one value",
      "budget: only used with distributions; a grid runs every combination",
    ]);
    expect(problemsOf(quick("  gamma: { distribution: gaussian }", "budget: 10"))).toEqual([gaussianGamma]);
    // nor is a grid named as the method it may not be
    expect(problemsOf(quick("  gamma: { distribution: gaussian }", "tpe: { startup: 2 }"))).toEqual([
      gaussianGamma,
    ]);
  });

  it("does not match a baseline against a search without the knob it names", () => {
    const sequential = (search: string, baseline: string) => ({
      ...quick(search, `decide: { baseline: "${baseline}" }`),
      seeds: { initial: 3, step: 2, max: 9 },
    });
    const file = sequential("", "variant=gaussian");
    file.search.variant = { distribution: "gaussian" };
    expect(problemsOf(file)).toEqual([
      "search.variant.distribution: must be one of uniform, loguniform, int, categorical, got 'gaussian'",
    ]);
    // ... nor under its long name; a part about a knob kept is still judged
    expect(problemsOf(sequential("  gamma: []", "model.gamma=-0.1 beta=0.2"))).toEqual([
      "search.gamma: must list at least one value",
      "decide.baseline: beta=0.2 is not one of search.beta's values (0.1, 0.3)",
    ]);
  });

  it("does not match a GPU rule against a search without the knob it names, or without variant", () => {
    const file = quick("  nu: [[[5]]]", "");
    file.execution.gpu = { nu: [7], "model.latentDim": [3], beta: [0.3, 5] };
    expect(problemsOf(file)).toEqual([
      "search.nu[0][0]: must be a number, a text or true/false",
      // with variant kept, a rule on a knob it fixes is judged
      "execution.gpu.model.latentDim: none of [3] is among what the sweep fixes model.latentDim at ([16,16]), so this matches no trial",
      "execution.gpu.beta[1]: must be ≤ 1, got 5",
    ]);
    // without variant, an unsearched knob's value under each variant is unknown; a bad value is still named
    file.search = { variant: "gaussian", nu: [5, 10] };
    file.execution.gpu = { "model.latentDim": [3], gamma: [1] };
    expect(problemsOf(file)).toEqual([
      "search.variant: must be a list of values to try, or a distribution ({ distribution: uniform | loguniform | int | categorical, … })",
      "execution.gpu.gamma[0]: must be < 0, got 1",
    ]);
  });

  it("does not judge a kept knob's value by a setting the knob left out may give every trial", () => {
    expect(
      problemsOf({ name: "x", search: { "dataset.name": ["user"], "dataset.path": "m.json", nu: [1] } }),
    ).toEqual([
      "search.dataset.path: must be a list of values to try, or a distribution ({ distribution: uniform | loguniform | int | categorical, … })",
      "search.nu[0]: must be > 2, got 1",
    ]);
    // nor pair the file's own model.modalities, which the knob left out replaces, with each data set searched
    expect(
      problemsOf({
        name: "x",
        dataset: { name: "user", path: "m.json" },
        model: { modalities: [0, 2] },
        search: { "dataset.name": ["user", "mnist-2view"], "model.modalities": "0" },
      }),
    ).toEqual([
      "search.model.modalities: must be a list of values to try, or a distribution ({ distribution: uniform | loguniform | int | categorical, … })",
    ]);
  });

  it("keeps a knob whose name begins with a refused one's", () => {
    expect(problemsOf(quick("  model: { distribution: x }\n  model.nonsense: [1]"))).toEqual([
      "search.model.distribution: must be one of uniform, loguniform, int, categorical, got 'x'",
      "search.model.nonsense: unknown knob; use nu, gamma, labelRatio, beta, imbalanceRatio, rho, variant or model.<knob>, dataset.<knob>, train.<knob>",
    ]);
  });

  it("still leaves search out whole when its shape as a whole is refused", () => {
    expect(
      problemsOf({ name: "x", budget: 10, search: [{ nu: [5] }] }).map((p) => p.slice(0, p.indexOf(":"))),
    ).toEqual(["search"]);
  });
});

describe("parseSweepFile: an explicit γ that cannot train", () => {
  // quick's model has latentDim 16; at ν = 5 and n = 1568, γ = −0.03 is past the bound −0.02775 (docs/model.md §3,
  // E3), at ν = 10 within −0.03341. quick searches variant [proposed, gaussian]: the Gaussian's KL has no γ in it.
  const at = (nu: number, search: string) => {
    const file = quick(search);
    file.model.nu = nu;
    return file;
  };
  const cannot = "-0.03 cannot train at ν = 5, n = 1568, latentDim 16, σ = 1: ";

  it("names each combination of the grid's γ knobs that cannot train, and only those", () => {
    expect(problemsOf(at(5, "  gamma: [tied, -0.03]"))).toEqual([
      expect.stringContaining(`search.gamma[1]: with variant "proposed" (search.variant[0]), ${cannot}`),
    ]);
    expect(problemsOf(at(5, "  gamma: [tied, -0.03]\n  nu: [5, 10]"))).toEqual([
      expect.stringContaining(
        `search.gamma[1]: with variant "proposed" (search.variant[0]), nu 5 (search.nu[0]), ${cannot}`,
      ),
    ]);
    expect(() => parseSweepFile(at(10, "  gamma: [tied, -0.03]"))).not.toThrow();
  });

  it("names a value that cannot train with the file's own γ, and the file's own γ", () => {
    const own = at(5, "");
    own.model.gamma = -0.03;
    expect(problemsOf(own)).toEqual([
      expect.stringContaining(`search.variant[0]: with this value, model.gamma: ${cannot}`),
    ]);
    own.search = { beta: [0.1] };
    expect(problemsOf(own)).toEqual([expect.stringContaining(`model.gamma: ${cannot}`)]);
  });

  it("says it once, where the search tries the value, not again at a GPU rule naming it", () => {
    const file = at(5, "  gamma: [tied, -0.03]");
    file.execution.gpu = { gamma: [-0.03] };
    expect(problemsOf(file)).toEqual([expect.stringContaining(`search.gamma[1]: with variant "proposed"`)]);
  });

  it("keeps a knob's own problem whatever its words, and checks no γ that does not parse", () => {
    const file = at(10, "  nu: { distribution: uniform, low: 3, high: 9 }\nbudget: 3");
    file.model.gamma = "x cannot train at y";
    expect(problemsOf(file)).toEqual([expect.stringMatching(/^model\.gamma: /)]);
  });

  it("names a combination a random or TPE search may draw that cannot train: listed values, a γ range's low end", () => {
    // any draw may pair them: each such trial could only fail, as a later TPE proposal would (2 of 6 did by hand)
    const listed = at(5, "  gamma: { distribution: categorical, values: [tied, -0.03] }\nbudget: 4");
    expect(problemsOf(listed)).toEqual([
      expect.stringContaining(
        `search.gamma.values[1]: with variant "proposed" (search.variant[0]), ${cannot}`,
      ),
    ]);
    // the γ that train form an interval (γ0, 0): the range's low end, the γ furthest from 0, is the one to check
    const range = at(
      10,
      "  gamma: { distribution: uniform, low: -0.044, high: -0.03 }\n  model.latentDim: [2, 16]\nbudget: 4",
    );
    range.method = "tpe";
    expect(problemsOf(range)).toEqual([
      expect.stringContaining(
        'search.gamma.low: with variant "proposed" (search.variant[0]), model.latentDim 16 (search.model.latentDim[1]), -0.044 cannot train at ν = 10, n = 1568, latentDim 16, σ = 1: ',
      ),
    ]);
    expect(problemsOf(range)[0]).toMatch(/must lie in \[-0\.03341, 0\) here, or use tied$/);
    const within = at(
      10,
      "  gamma: { distribution: uniform, low: -0.03, high: -0.001 }\n  model.latentDim: [2, 16]\nbudget: 4",
    );
    expect(() => parseSweepFile(within)).not.toThrow();
  });

  it("leaves a combination with a knob drawn from a range to its trials, which fail with the same words", () => {
    // ν drawn: which ν a trial gets is not listed; each trial's model refuses its γ when it is built (model.test.ts)
    const drawn = at(
      5,
      "  gamma: [tied, -0.03]\n  nu: { distribution: uniform, low: 5, high: 9 }\nbudget: 4",
    );
    expect(() => parseSweepFile(drawn)).not.toThrow();
  });
});
