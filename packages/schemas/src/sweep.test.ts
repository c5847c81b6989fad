import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { ConfigError, isConfigError } from "./errors";
import { resolveRunConfig, StoredRunConfigSchema } from "./run-config";
import {
  baselinePoint,
  defaultParetoObjectives,
  parseSweepFile,
  StoredSweepSpecSchema,
  SweepSpecSchema,
  trialNeedsGpu,
} from "./sweep";
import { countTrials, DEFAULT_MAX_TRIALS, trialsSummary } from "./sweep-limits";

const minimal = { name: "s1", search: { nu: [5, 10] } };

function problemsOf(input: unknown): string[] {
  try {
    parseSweepFile(input);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error("expected a ConfigError");
}

describe("parseSweepFile", () => {
  it("resolves aliases, seeds and the method", () => {
    const s = parseSweepFile({
      ...minimal,
      search: { nu: [5, 10], beta: [0.1, 0.3], "model.priorExpert": [true, false] },
    });
    expect(Object.keys(s.search)).toEqual(["model.nu", "dataset.labelRatio", "model.priorExpert"]);
    expect(s.seeds).toEqual([1, 2, 3]);
    expect(s.method).toBe("grid");
    expect(s.project).toBe("default");
    const r = parseSweepFile({
      name: "r",
      search: { gamma: { distribution: "uniform", low: -0.02, high: -0.001 } },
      budget: 8,
      seeds: [7, 9],
    });
    expect(r.method).toBe("random");
    expect(r.seeds).toEqual([7, 9]);
  });

  it("names the offending entry with the knob's own rule", () => {
    const p = problemsOf({
      name: "s",
      search: { nu: [5, 10, 1.5], rho: [10, 0.5], variant: ["proposed", "best"] },
    });
    expect(p.some((x) => /^search\.nu\[2\]: must be > 2, got 1\.5$/.test(x))).toBe(true);
    expect(p.some((x) => /^search\.rho\[1\]: /.test(x))).toBe(true);
    expect(
      p.some((x) => /^search\.variant\[1\]: must be one of proposed, gaussian, .*, got 'best'$/.test(x)),
    ).toBe(true);
    expect(p.some((x) => x.startsWith("search.nu[0]"))).toBe(false);
  });

  it("names every bad field at once, the later checks' too (issue #20: one stage of errors at a time)", () => {
    expect(problemsOf({ name: "x", colour: "red", search: { nu: [5, 2] } })).toEqual([
      "(top level): unknown key 'colour'; allowed here: name, project, description, variant, dataset, model, train, search, budget, method, tpe, seeds, decide, samplerSeed, objective, objectives, execution",
      "search.nu[1]: must be > 2, got 2",
    ]);
    const p = problemsOf({ name: "x", seeds: 0, dataset: { labelRatio: 2 }, train: { epochs: 0 } });
    expect(p.map((x) => x.slice(0, x.indexOf(":")))).toEqual(["seeds", "train.epochs", "dataset.labelRatio"]);
    // checks that read a refused field are not run without it (no "budget: only used with distributions")
    expect(
      problemsOf({ name: "x", budget: 10, search: { nu: { distribution: "uniform", low: "a", high: 1 } } }),
    ).toEqual(["search.nu.low: must be a number, got 'a'"]);
    expect(
      problemsOf({
        name: "x",
        seeds: { initial: 0, step: 1, max: 10 },
        decide: { baseline: "variant=gaussian" },
        search: { variant: ["gaussian", "proposed"] },
      }),
    ).toEqual(["seeds.initial: must be ≥ 2, got 0"]);
    // a section refused in one setting keeps its others' checks: a bad decide.metric hid a baseline no search had
    expect(
      problemsOf({
        name: "x",
        search: { variant: ["gaussian", "proposed"] },
        seeds: { initial: 3, step: 2, max: 9 },
        decide: { baseline: "variant=studentt", metric: "balancedAcc" },
        execution: { maxAttempts: 0 },
      }),
    ).toEqual([
      "decide.metric: must be one of balancedAccuracy, accuracy, macroF1, gMean, minorityRecall, got 'balancedAcc'",
      "execution.maxAttempts: must be ≥ 1, got 0",
      "decide.baseline: variant=studentt is not one of search.variant's values (gaussian, proposed)",
    ]);
    // a grid's baseline that leaves a knob with several values open matches several configurations: no look could be
    // taken (the sweep once ran its first round and then waited for ever), so the file is refused at once
    expect(
      problemsOf({
        name: "x",
        search: { variant: ["gaussian", "proposed"], nu: [5, 10], beta: [0.1, 0.2, 0.3], gamma: [-0.001] },
        seeds: { initial: 3, step: 2, max: 5 },
        decide: { baseline: "variant=gaussian" },
      }),
    ).toEqual([
      "decide.baseline: 'variant=gaussian' names no value of model.nu (5, 10), dataset.labelRatio (0.1, 0.2, 0.3), so it matches 6 configurations of the grid; name one configuration, e.g. 'variant=gaussian model.nu=5 dataset.labelRatio=0.1'",
    ]);
    // said with a bad part of the baseline, not a run later; of the knobs the search could read, not a refused one
    expect(
      problemsOf({
        name: "x",
        search: { variant: ["gaussian", "proposed"], nu: [5, 10], foo: [1, 2], "model.nu": [3, 4] },
        seeds: { initial: 3, step: 2, max: 5 },
        decide: { baseline: "variant=studentt" },
      }),
    ).toEqual([
      expect.stringMatching(/^search\.foo: unknown knob/),
      "search.model.nu: model.nu is already searched under another name",
      "decide.baseline: variant=studentt is not one of search.variant's values (gaussian, proposed)",
      "decide.baseline: 'variant=studentt' names no value of model.nu (5, 10), so it matches 2 configurations of the grid; name one configuration, e.g. 'variant=studentt model.nu=5'",
    ]);
    expect(
      parseSweepFile({
        name: "x",
        search: { variant: ["gaussian", "proposed"], nu: [5, 10] },
        seeds: { initial: 3, step: 2, max: 5 },
        decide: { baseline: "variant=gaussian model.nu=10" },
      }).sequential?.decide.baseline,
    ).toBe("variant=gaussian model.nu=10");
    // ... but not a check of the section as a whole, which would judge the default standing in for the bad setting
    expect(
      problemsOf({
        name: "x",
        search: { nu: [5, 10] },
        objectives: [{ metric: "gMean" }, { metric: "minorityRecall" }],
        objective: { metric: "bad" },
      }),
    ).toEqual([expect.stringMatching(/^objective\.metric: must be one of /)]);
    // nor a GPU rule matched against the default variant that stood in for a refused one
    expect(
      problemsOf({
        name: "x",
        variant: "gausian",
        search: { nu: [5, 10] },
        execution: { maxAttempts: 0, gpu: { variant: ["gaussian"] } },
      }).map((p) => p.slice(0, p.indexOf(":"))),
    ).toEqual(["variant", "execution.maxAttempts"]);
    // a bad name is stood in for, not reported twice, and the rest still checked
    const named = problemsOf({ name: "a b", search: { nu: [1] } });
    expect(named.filter((x) => x.startsWith("name:"))).toHaveLength(1);
    expect(named.some((x) => x.startsWith("search.nu[0]:"))).toBe(true);
  });

  it("refuses a value listed twice, which would be one configuration twice (a crash at submit before)", () => {
    expect(problemsOf({ name: "x", search: { nu: [3, 5, 3], variant: ["gaussian", "gaussian"] } })).toEqual([
      "search.nu[2]: 3 is search.nu[0] already; list each value once",
      'search.variant[1]: "gaussian" is search.variant[0] already; list each value once',
    ]);
    expect(problemsOf({ name: "x", search: { "model.encoderWidths": [[8], [16], [8]] } })).toEqual([
      "search.model.encoderWidths[2]: [8] is search.model.encoderWidths[0] already; list each value once",
    ]);
  });

  it("refuses what a built-in data set searched beside a team's own cannot give, naming the pair", () => {
    const file = (model: object, dataset: object, search: object) => () =>
      parseSweepFile({
        name: "mixed",
        dataset: { name: "user", path: "m.json", ...dataset },
        model,
        search: { "dataset.name": ["user", "mnist-2view"], ...search },
      });
    expect(file({}, {}, { "model.modalities": [[0, 1], [2]] })).toThrow(
      /^invalid configuration:\n {2}- search\.model\.modalities\[1\]: with dataset\.name mnist-2view \(search\.dataset\.name\[1\]\), the built-in data sets have 2 modalities, .*; this one asks for 2$/,
    );
    expect(file({ modalities: [0, 2] }, { classOrder: [1, 0] }, {})).toThrow(
      /- model\.modalities: with dataset\.name mnist-2view \(search\.dataset\.name\[1\]\), .*this one asks for 2\n {2}- dataset\.classOrder: with dataset\.name mnist-2view \(search\.dataset\.name\[1\]\), must list each class 0 to 9 once .*; this one has 2 entries$/,
    );
    // what every data set it tries can give, it takes
    expect(file({}, {}, { "model.modalities": [[0, 1], [1]] })().search["model.modalities"]).toEqual([
      [0, 1],
      [1],
    ]);
  });

  it("names what else is wrong beside a key a section does not have: its unknown key hides nothing", () => {
    const sequential = {
      ...minimal,
      search: { variant: ["gaussian", "proposed"] },
      seeds: { initial: 3, step: 2, max: 7, stepp: 1 },
      decide: { baseline: "variant=gausian" },
    };
    expect(problemsOf(sequential)).toEqual([
      "seeds: unknown key 'stepp' (did you mean step?); allowed here: initial, step, max",
      "decide.baseline: variant=gausian is not one of search.variant's values (gaussian, proposed)",
    ]);
    const misordered = { initial: 5, step: 2, max: 3, stepp: 1 };
    expect(
      problemsOf({ ...sequential, seeds: misordered, decide: { baseline: "variant=gaussian" } }),
    ).toEqual([
      "seeds: unknown key 'stepp' (did you mean step?); allowed here: initial, step, max",
      "seeds.initial: must be at most seeds.max (3), got 5",
    ]);
  });

  it("judges decide against a sequential design short of a key, or with one refused, not once it is mended", () => {
    const sequential = { ...minimal, search: { variant: ["gaussian", "proposed"] } };
    const typo = { baseline: "variant=gausian" };
    const typoProblem =
      "decide.baseline: variant=gausian is not one of search.variant's values (gaussian, proposed)";
    expect(problemsOf({ ...sequential, seeds: { initial: 3, step: 2 }, decide: typo })).toEqual([
      "seeds.max: required",
      typoProblem,
    ]);
    expect(problemsOf({ ...sequential, seeds: { initial: 1, step: 2, max: 9 }, decide: typo })).toEqual([
      "seeds.initial: must be ≥ 2, got 1",
      typoProblem,
    ]);
    // decide left out is said with the missing key, not after it
    expect(problemsOf({ ...sequential, seeds: { initial: 3, step: 2 } })).toEqual([
      "seeds.max: required",
      expect.stringMatching(/^decide: required with seeds: \{ initial, step, max \}/),
    ]);
    // the rest of the file is judged as it is: a bad search value, initial past max when both are given
    expect(
      problemsOf({
        ...sequential,
        search: { variant: ["gaussian", "proposed"], nu: [1, 5] },
        seeds: { initial: 3, step: 0, max: 2 },
        decide: { baseline: "variant=gaussian nu=5" },
      }),
    ).toEqual([
      "seeds.step: must be ≥ 1, got 0",
      "search.nu[0]: must be > 2, got 1",
      "seeds.initial: must be at most seeds.max (2), got 3",
    ]);
    // but not the looks or the size its stand-ins make: a step of 1 up to 1000 seeds
    expect(problemsOf({ ...sequential, seeds: { initial: 2, max: 1000 }, decide: typo })).toEqual([
      "seeds.step: required",
      typoProblem,
    ]);
  });

  it("rejects unknown keys, unknown knobs, bad bounds and a missing budget", () => {
    expect(problemsOf({ ...minimal, sedes: 3 }).join()).toMatch(
      /^\(top level\): unknown key 'sedes' \(did you mean seeds\?\); allowed here: name, /,
    );
    expect(problemsOf({ ...minimal, search: { lr: [0.1] } })[0]).toMatch(/^search\.lr: unknown knob/);
    expect(problemsOf({ ...minimal, search: { "model.nuu": [3] } })[0]).toMatch(
      /^search\.model\.nuu: unknown knob \(did you mean model\.nu\?\); use /,
    );
    expect(problemsOf({ ...minimal, search: { varaint: ["gaussian"] } })[0]).toMatch(
      /^search\.varaint: unknown knob \(did you mean variant\?\); use /,
    );
    expect(problemsOf({ ...minimal, search: { zzz: [1] } })[0]).toMatch(/^search\.zzz: unknown knob; use /);
    expect(
      problemsOf({
        ...minimal,
        search: { gamma: { distribution: "uniform", low: -0.01, high: -0.1 } },
        budget: 3,
      }).join(),
    ).toMatch(/search\.gamma: low must be below high/);
    expect(
      problemsOf({
        ...minimal,
        search: { gamma: { distribution: "uniform", low: -0.02, high: -0.01 } },
      }).join(),
    ).toMatch(/budget: required/);
    expect(problemsOf({ ...minimal, seeds: [1, 1] })).toEqual([
      "seeds[1]: must not repeat a seed (1 is seeds[0] already)",
    ]);
    expect(problemsOf({ ...minimal, model: { nu: 1 } }).join()).toMatch(/^model\.nu: /);
    expect(problemsOf({ name: "has space" }).join()).toMatch(/^name: letters, digits/);
  });
});

describe("execution.gpu: which trials need a GPU worker", () => {
  const config = (variant: string, nu: number) => resolveRunConfig({ variant, model: { nu } });

  it("is false unless asked, true for every trial, or the trials matching every knob named", () => {
    const none = parseSweepFile(minimal);
    expect(none.execution.gpu).toBe(false);
    expect(trialNeedsGpu(none.execution, config("proposed", 5))).toBe(false);
    const all = parseSweepFile({ ...minimal, execution: { gpu: true } });
    expect(trialNeedsGpu(all.execution, config("gaussian", 5))).toBe(true);
    const some = parseSweepFile({
      ...minimal,
      search: { nu: [5, 10], variant: ["proposed", "gaussian"] },
      execution: { gpu: { variant: ["proposed"], nu: [10] } },
    });
    expect(some.execution.gpu).toEqual({ variant: ["proposed"], "model.nu": [10] });
    expect(trialNeedsGpu(some.execution, config("proposed", 10))).toBe(true);
    expect(trialNeedsGpu(some.execution, config("proposed", 5))).toBe(false);
    expect(trialNeedsGpu(some.execution, config("gaussian", 10))).toBe(false);
    // A sweep stored before the field existed.
    expect(trialNeedsGpu({}, config("proposed", 10))).toBe(false);
  });

  it("names a bad knob or value", () => {
    expect(problemsOf({ ...minimal, execution: { gpu: { lr: [1] } } })[0]).toMatch(
      /^execution\.gpu\.lr: unknown knob/,
    );
    expect(problemsOf({ ...minimal, execution: { gpu: { variant: ["best"] } } })[0]).toMatch(
      /^execution\.gpu\.variant\[0\]: must be one of /,
    );
    expect(problemsOf({ ...minimal, execution: { gpu: {} } })[0]).toMatch(
      /^execution\.gpu: name at least one knob/,
    );
    expect(problemsOf({ ...minimal, execution: { gpu: "yes" } }).join()).toMatch(/execution\.gpu/);
    expect(problemsOf({ ...minimal, execution: { gpu: { nu: [5], "model.nu": [10] } } })).toEqual([
      "execution.gpu.model.nu: model.nu is already named under another name",
    ]);
  });

  it("refuses a rule that matches no trial, and accepts one that matches some", () => {
    const grid = { name: "g", search: { nu: [5, 10], variant: ["proposed", "concat"] } };
    expect(problemsOf({ ...grid, execution: { gpu: { variant: ["gaussian"] } } })).toEqual([
      'execution.gpu.variant: none of ["gaussian"] is among the values search tries for variant (["proposed","concat"]), so this matches no trial',
    ]);
    expect(parseSweepFile({ ...grid, execution: { gpu: { nu: [5, 30] } } }).execution.gpu).toEqual({
      "model.nu": [5, 30],
    });
    // Left alone, a knob still takes the value each variant tried gives it.
    expect(
      parseSweepFile({ ...grid, execution: { gpu: { "model.fusion": ["concat"] } } }).execution.gpu,
    ).toEqual({
      "model.fusion": ["concat"],
    });
    expect(problemsOf({ ...grid, execution: { gpu: { "model.latentDim": [99] } } })[0]).toMatch(
      /^execution\.gpu\.model\.latentDim: none of \[99\] is among what the sweep fixes model\.latentDim at/,
    );
    const drawn = {
      name: "d",
      search: { gamma: { distribution: "uniform", low: -0.02, high: -0.01 } },
      budget: 4,
    };
    expect(problemsOf({ ...drawn, execution: { gpu: { gamma: [-0.015] } } })).toEqual([
      "execution.gpu.gamma: search draws model.gamma from a continuous distribution, which no listed value matches; mark trials by a grid or categorical knob",
    ]);
  });
});

describe("bad input: sizes, seeds, NUL", () => {
  /** A 5 kB-sized file that a grid turns into 10^6 trials: six knobs of ten values, one seed. */
  const million = {
    name: "huge",
    search: {
      nu: [3, 4, 5, 6, 7, 8, 9, 10, 20, 30],
      gamma: [-0.0001, -0.0002, -0.0003, -0.0004, -0.0005, -0.0006, -0.0007, -0.0008, -0.0009, -0.001],
      beta: [0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5],
      rho: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
      "model.latentDim": [1, 2, 4, 8, 16, 32, 64, 128, 256, 512],
      "train.learningRate": [1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 1e-2, 2e-2, 5e-2, 1e-1],
    },
    seeds: 1,
  };

  it("refuses a sweep above the trial limit in milliseconds, counting instead of expanding", () => {
    const started = performance.now();
    const problems = problemsOf(million);
    expect(performance.now() - started).toBeLessThan(500);
    expect(problems).toEqual([
      expect.stringMatching(
        /^search: this sweep expands to 1,000,000 trials \(10 nu × 10 gamma × 10 beta × 10 rho × 10 model\.latentDim × 10 train\.learningRate × 1 seed\), more than the limit of 100,000 per sweep; .*TAILSWEEP_MAX_TRIALS/,
      ),
    ]);
    // Random search: the budget times the seeds.
    expect(
      problemsOf({
        name: "r",
        search: { gamma: { distribution: "uniform", low: -0.02, high: -0.01 } },
        budget: 50_000,
        seeds: 3,
      }),
    ).toEqual([
      expect.stringMatching(/^budget: this sweep expands to 150,000 trials \(budget 50000 × 3 seeds\)/),
    ]);
    // The setting raises (or lowers) the limit.
    expect(parseSweepFile(million, { maxTrials: 1_000_000 }).method).toBe("grid");
    expect(() => parseSweepFile(minimal, { maxTrials: 5 })).toThrow(/expands to 6 trials .*limit of 5/);
    expect(DEFAULT_MAX_TRIALS).toBe(100_000);
    expect(countTrials({ search: million.search, seeds: 3 })).toBe(3_000_000);
  });

  it("refuses a huge value list at its first bound, fast", () => {
    const started = performance.now();
    const nu = Array.from({ length: 3_000_000 }, (_, i) => i + 3);
    expect(problemsOf({ name: "long", search: { nu } })).toEqual([
      "search.nu: must list at most 1000 values; for a wider range, draw from a distribution with a budget",
    ]);
    expect(problemsOf({ name: "s", search: { "dataset.path": ["x".repeat(5000)] } })).toEqual([
      "search.dataset.path[0]: must be at most 4096 characters",
    ]);
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it("refuses a seed in search or in the fixed train settings, which the trials' seeds would replace", () => {
    expect(problemsOf({ ...minimal, search: { nu: [5], "train.seed": [7, 8] } })).toEqual([
      expect.stringMatching(
        /^search\.train\.seed: seeds are not searched: list them in the sweep's seeds field/,
      ),
    ]);
    expect(problemsOf({ ...minimal, train: { seed: 5, epochs: 2 } })).toEqual([
      expect.stringMatching(
        /^train\.seed: each trial's seed comes from the sweep's seeds field \(e\.g\. seeds: \[5\]\)/,
      ),
    ]);
  });

  it("names the bad seed's index and what a seed may be, from YAML's .nan and .inf too", () => {
    const seedsOf = (yaml: string) => problemsOf({ ...minimal, seeds: parseYaml(yaml) });
    expect(seedsOf("[1, 2, .nan]")).toEqual([
      "seeds[2]: must be a whole number from 0 to 2147483647, got NaN",
    ]);
    expect(seedsOf("[1, 2, .inf]")).toEqual([
      "seeds[2]: must be a whole number from 0 to 2147483647, got Infinity",
    ]);
    expect(seedsOf("[1, 2, 1.5, -1]")).toEqual([
      "seeds[2]: must be a whole number from 0 to 2147483647, got 1.5",
      "seeds[3]: must be a whole number from 0 to 2147483647, got -1",
    ]);
    expect(seedsOf("1.5")).toEqual([
      "seeds: must be a whole number from 1 to 1000, meaning seeds 1..n, got 1.5",
    ]);
    expect(seedsOf("three")).toEqual([
      expect.stringMatching(/^seeds: must be a list of seeds .*, how many seeds .*, or a sequential design/),
    ]);
  });

  it("refuses NUL in any stored text, naming each field, and still checks the knobs of sound sections", () => {
    expect(
      problemsOf({
        name: "s",
        description: "a\u0000b",
        dataset: { name: "user", path: "data\u0000.json" },
        model: { nu: 1 },
      }),
    ).toEqual([
      "description: must not contain the NUL character (\\u0000), which the database cannot store",
      "model.nu: must be > 2, got 1",
      "dataset.path: must not contain the NUL character (\\u0000), which the database cannot store",
    ]);
    expect(problemsOf({ name: "s\u0000" })).toEqual([expect.stringMatching(/^name: letters, digits/)]);
    expect(problemsOf({ ...minimal, search: { "dataset.path": ["a", "b\u0000"] } })).toEqual([
      "search.dataset.path[1]: must not contain the NUL character (\\u0000), which the database cannot store",
    ]);
  });

  it("says what a union allows instead of 'Invalid input'", () => {
    expect(problemsOf({ ...minimal, model: { gamma: "x" } })).toEqual([
      "model.gamma: must be 'tied'; or must be a number, got 'x'",
    ]);
    expect(problemsOf({ ...minimal, search: { nu: [{}] } })).toEqual([
      "search.nu[0]: must be a number, a text, true/false, or a list of those",
    ]);
    expect(problemsOf({ ...minimal, search: { nu: 5 } })).toEqual([
      expect.stringMatching(/^search\.nu: must be a list of values to try, or a distribution/),
    ]);
  });

  it("takes no name inherited from Object.prototype for a knob (found by fuzzing: a TypeError before)", () => {
    expect(problemsOf({ ...minimal, search: { constructor: [1], toString: [2] } })).toEqual([
      expect.stringMatching(/^search\.constructor: unknown knob/),
      expect.stringMatching(/^search\.toString: unknown knob/),
    ]);
    expect(problemsOf({ ...minimal, search: { "constructor.x": [1] } })[0]).toMatch(/unknown knob/);
    expect(problemsOf({ ...minimal, execution: { gpu: { toString: [1] } } })[0]).toMatch(
      /^execution\.gpu\.toString: unknown knob/,
    );
  });

  it("names what a searched value breaks elsewhere, which only expansion found before", () => {
    expect(problemsOf({ ...minimal, search: { "dataset.name": ["mnist-2view", "user"] } })).toEqual([
      'search.dataset.name[1]: with this value, dataset.path: path is required when name is "user"',
    ]);
    // A searched path mends it in the trials that have one: no refusal.
    expect(
      parseSweepFile({ ...minimal, search: { "dataset.name": ["user"], "dataset.path": ["a.json"] } }).method,
    ).toBe("grid");
  });

  it("marks its refusals with a stable code", () => {
    try {
      parseSweepFile({});
    } catch (e) {
      expect(isConfigError(e)).toBe(true);
      expect((e as ConfigError).code).toBe("CONFIG_INVALID");
    }
    expect(isConfigError(new Error("x"))).toBe(false);
    expect(isConfigError({ code: "CONFIG_INVALID", problems: ["a: b"] })).toBe(true);
  });
});

describe("a sequential design: seeds: { initial, step, max } with decide", () => {
  const grid = { name: "seq", search: { variant: ["gaussian", "proposed"], nu: [5, 30] } };

  it("runs seeds 1..initial first, keeps 1..max for the later looks, and fills decide's defaults", () => {
    const spec = parseSweepFile({
      ...grid,
      seeds: { initial: 3, step: 2, max: 9 },
      decide: { baseline: "variant=gaussian nu=5" },
    });
    expect(spec.seeds).toEqual([1, 2, 3]);
    expect(spec.sequential).toEqual({
      initial: 3,
      step: 2,
      max: 9,
      seeds: [1, 2, 3, 4, 5, 6, 7, 8, 9],
      decide: {
        baseline: "variant=gaussian nu=5",
        metric: "balancedAccuracy",
        alpha: 0.05,
        correction: "holm",
        spending: "obrien-fleming",
      },
      calibration: 2,
    });
    // what is stored reads back
    expect(SweepSpecSchema.parse(JSON.parse(JSON.stringify(spec)))).toEqual(spec);
    expect(parseSweepFile({ ...grid, seeds: 3 }).sequential).toBeUndefined();
  });

  it("names every problem at once: shape, missing or misplaced decide, a baseline that is no configuration, BH", () => {
    expect(problemsOf({ ...grid, seeds: { initial: 5, step: 0, max: 4 } })).toEqual([
      "seeds.step: must be ≥ 1, got 0",
      "seeds.initial: must be at most seeds.max (4), got 5",
      expect.stringMatching(/^decide: required with seeds: \{ initial, step, max \}/),
    ]);
    expect(problemsOf({ ...grid, seeds: { initial: 5, step: 1, max: 4 } })).toEqual([
      "seeds.initial: must be at most seeds.max (4), got 5",
      expect.stringMatching(/^decide: required with seeds: \{ initial, step, max \}/),
    ]);
    expect(problemsOf({ ...grid, seeds: 3, decide: { baseline: "variant=gaussian" } })).toEqual([
      expect.stringMatching(/^decide: only for a sequential design/),
    ]);
    expect(
      problemsOf({
        ...grid,
        seeds: { initial: 2, step: 1, max: 4 },
        decide: { baseline: "variant=mixture lr=1" },
      }),
    ).toEqual([
      "decide.baseline: variant=mixture is not one of search.variant's values (gaussian, proposed)",
      expect.stringMatching(/^decide.baseline: 'lr=1' must be knob=value for a searched knob/),
      // and the knob it leaves open, in the same run
      expect.stringMatching(
        /^decide\.baseline: 'variant=mixture lr=1' names no value of model\.nu \(5, 30\)/,
      ),
    ]);
    expect(
      problemsOf({
        ...grid,
        seeds: { initial: 2, step: 1, max: 4 },
        decide: { baseline: "variant=gaussian nu=5", correction: "bh" },
      }),
    ).toEqual([expect.stringMatching(/^decide.correction: must be holm or bonferroni/)]);
  });
});

describe("method: grid | random | tpe", () => {
  const space = { nu: { distribution: "loguniform", low: 3, high: 100 }, variant: ["proposed", "gaussian"] };

  it("is inferred as before when absent, so every existing file means what it meant", () => {
    const grid = parseSweepFile({ name: "g", search: { nu: [5, 10] } });
    expect(grid.method).toBe("grid");
    expect(grid).not.toHaveProperty("tpe");
    // written as the inference would have it, the spec (and so the sweep's id) is the same
    expect(parseSweepFile({ name: "g", search: { nu: [5, 10] }, method: "grid" })).toEqual(grid);
    const random = parseSweepFile({ name: "r", search: space, budget: 4 });
    expect(parseSweepFile({ name: "r", search: space, budget: 4, method: "random" })).toEqual(random);
    // a random search over lists only: each list a categorical knob
    expect(
      parseSweepFile({ name: "r", search: { nu: [5, 10, 20] }, budget: 2, method: "random" }).method,
    ).toBe("random");
  });

  it("tpe: takes distributions and lists, needs a budget, writes its settings' defaults in, and reads back", () => {
    const spec = parseSweepFile({ name: "t", search: space, budget: 20, method: "tpe", seeds: 3 });
    expect(spec).toMatchObject({ method: "tpe", budget: 20, tpe: { startup: 10, parallel: 4 } });
    expect(SweepSpecSchema.parse(JSON.parse(JSON.stringify(spec)))).toEqual(spec);
    const set = parseSweepFile({
      name: "t",
      search: { nu: [5, 10, 30] },
      budget: 3,
      method: "tpe",
      tpe: { startup: 2, parallel: 1 },
    });
    expect(set.tpe).toEqual({ startup: 2, parallel: 1 });
    expect(countTrials({ search: space, seeds: 3, budget: 20, method: "tpe" })).toBe(60);
  });

  it("names every bad field at once: a grid with a distribution, tpe without a budget, misplaced or bad settings", () => {
    expect(problemsOf({ name: "g", search: space, method: "grid", budget: 4, seeds: [1, 1] })).toEqual([
      "method: grid runs every combination of listed values, but search.nu is a distribution; list its values, or use method: random or tpe with a budget",
      "seeds[1]: must not repeat a seed (1 is seeds[0] already)",
    ]);
    expect(problemsOf({ name: "t", search: space, method: "tpe", model: { nu: 1 } })).toEqual([
      expect.stringMatching(/^model\.nu: /),
      "budget: required with method: tpe (how many configurations to propose)",
    ]);
    expect(problemsOf({ name: "t", search: { nu: [5, 10] }, tpe: { startup: 3 } })).toEqual([
      "tpe: only used with method: tpe (this sweep's method is grid)",
    ]);
    expect(
      problemsOf({ name: "t", search: space, method: "tpe", budget: 5, tpe: { startup: 0, parallel: 2.5 } }),
    ).toEqual([expect.stringMatching(/^tpe\.startup: /), expect.stringMatching(/^tpe\.parallel: /)]);
    expect(problemsOf({ name: "t", search: {}, method: "tpe", budget: 5 })).toEqual([
      "search: method: tpe needs at least one knob to search",
    ]);
    // a bad method is named with the rest, and the checks that read it are not run without it
    expect(problemsOf({ name: "t", search: { nu: [5, 2] }, method: "bayes", budget: 3 })).toEqual([
      "method: must be grid, random or tpe, got 'bayes'",
      "search.nu[1]: must be > 2, got 2",
    ]);
  });

  it("composes tpe with a sequential design: search on seeds 1..initial, decide the top ones on fresh seeds", () => {
    const spec = parseSweepFile({
      name: "t",
      search: { variant: ["gaussian", "proposed"], nu: { distribution: "loguniform", low: 3, high: 50 } },
      method: "tpe",
      budget: 8,
      seeds: { initial: 2, step: 1, max: 4 },
      decide: { baseline: "variant=gaussian nu=30" },
    });
    expect(spec.seeds).toEqual([1, 2]);
    // the most it runs: 8 proposals on 2 search seeds, then the best 3 and the baseline on up to 4 fresh seeds
    expect(countTrials(spec)).toBe(8 * 2 + 4 * 4);
    expect(trialsSummary(spec)).toBe(
      "Up to 32 trials (tpe: 8 configurations × 2 seeds, then the best 3 and the baseline on up to 4 fresh seeds).",
    );
    // in words, one of a thing said as one
    expect(trialsSummary(parseSweepFile({ name: "one", search: { variant: ["proposed"] }, seeds: 1 }))).toBe(
      "1 trial (grid: 1 configuration × 1 seed).",
    );
    expect(
      countTrials({
        search: spec.search,
        method: "tpe",
        budget: 2,
        seeds: { initial: 2, max: 4 },
        decide: {},
      }),
    ).toBe(2 * 2 + 3 * 4);
    expect(spec.sequential).toMatchObject({
      initial: 2,
      step: 1,
      max: 4,
      seeds: [3, 4, 5, 6],
      decide: { baseline: "variant=gaussian nu=30", top: 3, metric: "balancedAccuracy" },
    });
    expect(SweepSpecSchema.parse(JSON.parse(JSON.stringify(spec)))).toEqual(spec);
    expect(baselinePoint(spec.search, "variant=gaussian nu=30").point).toEqual({
      variant: "gaussian",
      "model.nu": 30,
    });
    // a grid's design keeps its seeds and has no top
    const grid = parseSweepFile({
      name: "g",
      search: { variant: ["gaussian", "proposed"] },
      seeds: { initial: 2, step: 1, max: 4 },
      decide: { baseline: "variant=gaussian" },
    });
    expect(grid.sequential?.seeds).toEqual([1, 2, 3, 4]);
    expect(trialsSummary(grid)).toBe(
      "Up to 8 trials (grid: 2 configurations × 2 to 4 seeds, more where a comparison is open).",
    );
    // one look when it starts at its most
    expect(
      trialsSummary(
        parseSweepFile({
          name: "g",
          search: { variant: ["gaussian", "proposed"] },
          seeds: { initial: 3, step: 2, max: 3 },
          decide: { baseline: "variant=gaussian" },
        }),
      ),
    ).toBe("6 trials (grid: 2 configurations × 3 seeds, one look).");
    expect(
      trialsSummary(parseSweepFile({ name: "g", search: { variant: ["gaussian", "proposed"] }, seeds: 3 })),
    ).toBe("6 trials (grid: 2 configurations × 3 seeds).");
    expect(grid.sequential?.decide).not.toHaveProperty("top");
  });

  it("names every bad part of a TPE search's decision stage at once", () => {
    expect(
      problemsOf({
        name: "t",
        search: {
          variant: ["gaussian", "proposed"],
          nu: { distribution: "loguniform", low: 3, high: 50 },
          "train.epochs": { distribution: "int", low: 1, high: 4 },
        },
        method: "tpe",
        budget: 2,
        seeds: { initial: 2, step: 1, max: 4 },
        decide: { baseline: "variant=cauchy nu=abc nu=3 train.epochs=1.5 gamma=0.1", top: 4 },
      }),
    ).toEqual([
      "decide.top: at most budget (2): the decision stage takes its configurations from those the search proposed, got 4",
      "decide.baseline: variant=cauchy is not one of search.variant's values (gaussian, proposed)",
      "decide.baseline: nu=abc must be a number (search.nu is loguniform from 3 to 50)",
      "decide.baseline: names nu twice; give each knob one value",
      "decide.baseline: train.epochs=1.5 must be an integer (search.train.epochs is int from 1 to 4)",
      "decide.baseline: 'gamma=0.1' must be knob=value for a searched knob (variant, nu, train.epochs)",
    ]);
    // a baseline value the model refuses is named with the model's own rule
    expect(
      problemsOf({
        name: "t",
        search: { nu: { distribution: "loguniform", low: 3, high: 50 } },
        method: "tpe",
        budget: 4,
        seeds: { initial: 2, step: 1, max: 4 },
        decide: { baseline: "nu=-1" },
      }),
    ).toEqual([expect.stringMatching(/^decide\.baseline: model\.nu=-1: /)]);
    expect(
      problemsOf({
        name: "g",
        search: { variant: ["gaussian", "proposed"] },
        seeds: { initial: 2, step: 1, max: 4 },
        decide: { baseline: "variant=gaussian", top: 2 },
      }),
    ).toEqual([
      "decide.top: only with method: tpe, whose decision stage compares its best configurations with the baseline; a grid compares every configuration",
    ]);
    expect(
      problemsOf({
        name: "r",
        search: { nu: { distribution: "loguniform", low: 3, high: 50 } },
        budget: 4,
        seeds: { initial: 2, step: 1, max: 4 },
        decide: { baseline: "nu=3" },
      }),
    ).toEqual([expect.stringMatching(/^seeds: a sequential design needs a grid .*, or method: tpe/)]);
  });
});

describe("objectives: several metrics at once (issue #23)", () => {
  const two = [{ metric: "balancedAccuracy" }, { metric: "minorityRecall", direction: "maximize" }];

  it("writes directions in, makes objective its first entry, and reads back; absent, the spec is as before", () => {
    const spec = parseSweepFile({ name: "m", search: { nu: [5, 10] }, objectives: two });
    expect(spec.objectives).toEqual([
      { metric: "balancedAccuracy", direction: "maximize" },
      { metric: "minorityRecall", direction: "maximize" },
    ]);
    expect(spec.objective).toEqual({ metric: "balancedAccuracy", direction: "maximize" });
    expect(SweepSpecSchema.parse(JSON.parse(JSON.stringify(spec)))).toEqual(spec);
    expect(StoredSweepSpecSchema.parse(JSON.parse(JSON.stringify(spec)))).toEqual(spec);
    expect(defaultParetoObjectives(spec)).toEqual(spec.objectives);
    // a file without objectives has no such key: its spec, and so its sweep's id, is what it was
    const plain = parseSweepFile({ name: "m", search: { nu: [5, 10] } });
    expect(plain).not.toHaveProperty("objectives");
    expect(defaultParetoObjectives(plain)).toBeUndefined();
    // objective written the same as the first entry is accepted (a form that always writes it); the spec is the same
    expect(
      parseSweepFile({
        name: "m",
        search: { nu: [5, 10] },
        objectives: two,
        objective: { metric: "balancedAccuracy" },
      }),
    ).toEqual(spec);
    // the first objective decides a sequential design's metric when decide names none
    const sequential = parseSweepFile({
      name: "m",
      search: { variant: ["gaussian", "proposed"] },
      seeds: { initial: 2, step: 1, max: 3 },
      decide: { baseline: "variant=gaussian" },
      objectives: [{ metric: "minorityRecall" }, { metric: "gMean" }],
    });
    expect(sequential.sequential?.decide.metric).toBe("minorityRecall");
    // with method: tpe too
    const tpe = parseSweepFile({
      name: "t",
      search: { nu: { distribution: "loguniform", low: 3, high: 100 } },
      method: "tpe",
      budget: 6,
      objectives: two,
    });
    expect(tpe.objectives).toHaveLength(2);
  });

  it("names every bad field at once: a repeated metric, an unknown one, too few or many, a contradicting objective", () => {
    expect(
      problemsOf({
        name: "m",
        search: { nu: [5, 1] },
        objectives: [{ metric: "minorityRecall" }, { metric: "minorityRecall" }],
        objective: { metric: "gMean" },
      }),
    ).toEqual([
      "search.nu[1]: must be > 2, got 1",
      "objectives[1].metric: minorityRecall is objectives[0] already; list each metric once",
      "objective: with objectives, the first of them (minorityRecall, maximize) is the objective every single-metric view ranks by; leave objective out, or make it the same (got gMean, maximize)",
    ]);
    expect(
      problemsOf({
        name: "m",
        search: { nu: [5, 1] },
        objectives: [{ metric: "logLoss" }, { metric: "gMean", direction: "up" }],
      }),
    ).toEqual([
      expect.stringMatching(/^objectives\[0\]\.metric: /),
      expect.stringMatching(/^objectives\[1\]\.direction: /),
      "search.nu[1]: must be > 2, got 1",
    ]);
    expect(problemsOf({ name: "m", search: { nu: [5, 10] }, objectives: [{ metric: "gMean" }] })).toEqual([
      "objectives: must list at least 2 objectives (one is objective:)",
    ]);
    const five = ["balancedAccuracy", "accuracy", "macroF1", "gMean", "minorityRecall"].map((metric) => ({
      metric,
    }));
    expect(problemsOf({ name: "m", search: { nu: [5, 10] }, objectives: five })).toEqual([
      "objectives: must list at most 4 objectives",
    ]);
  });
});

describe("dataset recipe versions: what is stored keeps the generator it was built with", () => {
  it("a new sweep's spec names the current version, and its trials are resolved with it", () => {
    const spec = parseSweepFile({ name: "s", search: { nu: [5, 30] } });
    expect(spec.dataset).toEqual({ version: 2 });
    expect(resolveRunConfig({ dataset: spec.dataset }).dataset.version).toBe(2);
    expect(parseSweepFile({ name: "s", dataset: { version: 1 } }).dataset).toEqual({ version: 1 });
    expect(() => parseSweepFile({ name: "s", dataset: { version: 3 } })).toThrow(/dataset\.version/);
  });

  it("a spec or a trial config stored before versions existed reads back as version 1; a versioned one as stored", () => {
    const spec = parseSweepFile({ name: "s", dataset: { labelRatio: 0.2 } });
    const { version: _, ...legacyDataset } = spec.dataset as { version: number };
    expect(StoredSweepSpecSchema.parse({ ...spec, dataset: legacyDataset }).dataset).toEqual({
      labelRatio: 0.2,
      version: 1,
    });
    const { dataset: __, ...noDataset } = spec;
    expect(StoredSweepSpecSchema.parse(noDataset).dataset).toEqual({ version: 1 });
    expect(StoredSweepSpecSchema.parse(spec).dataset).toEqual({ labelRatio: 0.2, version: 2 });

    const config = resolveRunConfig({});
    const { version: ___, ...legacyRecipe } = config.dataset;
    expect(StoredRunConfigSchema.parse({ ...config, dataset: legacyRecipe }).dataset.version).toBe(1);
    expect(StoredRunConfigSchema.parse(config).dataset.version).toBe(2);
  });

  it("a sequential design is written with the current calibration, and one stored without reads back as calibration 1", () => {
    const spec = parseSweepFile({
      name: "seq",
      search: { variant: ["gaussian", "proposed"] },
      seeds: { initial: 3, step: 2, max: 9 },
      decide: { baseline: "variant=gaussian" },
    });
    expect(spec.sequential?.calibration).toBe(2);
    const { calibration: _, ...legacy } = spec.sequential!;
    expect(StoredSweepSpecSchema.parse({ ...spec, sequential: legacy }).sequential?.calibration).toBe(1);
    expect(StoredSweepSpecSchema.parse(spec).sequential?.calibration).toBe(2);
    expect(StoredSweepSpecSchema.parse(parseSweepFile({ name: "plain" })).sequential).toBeUndefined();
  });
});
