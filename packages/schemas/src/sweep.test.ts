import { describe, expect, it } from "vitest";
import { ConfigError, resolveRunConfig } from "./run-config";
import { parseSweepFile, trialNeedsGpu } from "./sweep";

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
      search: { gamma: { distribution: "uniform", low: -0.1, high: -0.001 } },
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
    expect(p.some((x) => /^search\.nu\[2\]: .*>2/.test(x))).toBe(true);
    expect(p.some((x) => /^search\.rho\[1\]: /.test(x))).toBe(true);
    expect(p.some((x) => /^search\.variant\[1\]: Invalid option/.test(x))).toBe(true);
    expect(p.some((x) => x.startsWith("search.nu[0]"))).toBe(false);
  });

  it("rejects unknown keys, unknown knobs, bad bounds and a missing budget", () => {
    expect(problemsOf({ ...minimal, sedes: 3 }).join()).toMatch(/Unrecognized key.*sedes/);
    expect(problemsOf({ ...minimal, search: { lr: [0.1] } })[0]).toMatch(/^search\.lr: unknown knob/);
    expect(problemsOf({ ...minimal, search: { "model.nuu": [3] } })[0]).toMatch(
      /^search\.model\.nuu: unknown knob/,
    );
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
        search: { gamma: { distribution: "uniform", low: -0.1, high: -0.01 } },
      }).join(),
    ).toMatch(/budget: required/);
    expect(problemsOf({ ...minimal, seeds: [1, 1] }).join()).toMatch(/seeds: must not repeat/);
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
      /^execution\.gpu\.variant\[0\]: Invalid option/,
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
      search: { gamma: { distribution: "uniform", low: -0.1, high: -0.01 } },
      budget: 4,
    };
    expect(problemsOf({ ...drawn, execution: { gpu: { gamma: [-0.05] } } })).toEqual([
      "execution.gpu.gamma: search draws model.gamma from a continuous distribution, which no listed value matches; mark trials by a grid or categorical knob",
    ]);
  });
});
