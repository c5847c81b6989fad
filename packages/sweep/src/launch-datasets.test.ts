import { parseSweepFile } from "@tailsweep/schemas";
import { describe, expect, it } from "vitest";
import { launchDatasets } from "./launch-datasets";

describe("launchDatasets", () => {
  it("gives each distinct recipe once, at every seed a sequential design may run, with where its values come from", () => {
    const spec = parseSweepFile({
      name: "d",
      variant: "proposed",
      search: { variant: ["proposed", "gaussian"], "dataset.headCount": [300, 900], beta: [0.1] },
      seeds: { initial: 2, step: 2, max: 6 },
      decide: { baseline: "variant=gaussian dataset.headCount=300", metric: "balancedAccuracy" },
    });
    expect(spec.seeds).toEqual([1, 2]);
    const datasets = launchDatasets(spec);
    // 2 headCounts × 6 seeds; the two variants share each recipe
    expect(datasets).toHaveLength(12);
    expect(new Set(datasets.map((d) => d.recipe.seed))).toEqual(new Set([1, 2, 3, 4, 5, 6]));
    expect(datasets.find((d) => d.recipe.headCount === 900)).toMatchObject({
      field: "search.dataset.headCount[1]",
      searched: "dataset.labelRatio=0.1",
    });
    const fixed = launchDatasets(
      parseSweepFile({ name: "f", dataset: { headCount: 400, seed: 7 }, seeds: 3 }),
    );
    expect(fixed).toEqual([
      {
        recipe: expect.objectContaining({ headCount: 400, seed: 7 }),
        field: "dataset.headCount",
        searched: "",
        dataSeed: true,
      },
    ]);
  });

  it("plans a TPE search's decision-stage baseline at its fresh seeds, and a searched headCount at its range's high", () => {
    const spec = parseSweepFile({
      name: "t",
      dataset: { headCount: 6000 },
      method: "tpe",
      search: {
        variant: ["proposed", "gaussian"],
        "dataset.headCount": { distribution: "int", low: 3000, high: 5000 },
      },
      budget: 8,
      seeds: { initial: 2, step: 2, max: 4 },
      decide: { baseline: "variant=gaussian", top: 2 },
      tpe: { startup: 4, parallel: 2 },
    });
    const datasets = launchDatasets(spec);
    // the baseline names only the variant: its trials take the file's headCount, on the decision seeds 3–6
    expect(datasets.filter((d) => d.recipe.headCount === 6000).map((d) => [d.field, d.recipe.seed])).toEqual([
      ["dataset.headCount", 3],
      ["dataset.headCount", 4],
      ["dataset.headCount", 5],
      ["dataset.headCount", 6],
    ]);
    const high = datasets.filter((d) => d.recipe.headCount === 5000);
    expect(new Set(high.map((d) => d.recipe.seed))).toEqual(new Set([1, 2, 3, 4, 5, 6]));
    expect(high[0]!.field).toBe("search.dataset.headCount.high");
    // and the starting proposals' own draws
    expect(datasets.some((d) => d.recipe.headCount > 3000 && d.recipe.headCount < 5000)).toBe(true);
  });

  it("plans a TPE search's largest listed headCount with its smallest imbalanceRatio, which no starting draw may have", () => {
    const spec = parseSweepFile({
      name: "t",
      method: "tpe",
      search: {
        "dataset.headCount": [1000, 6000, 2000],
        rho: { distribution: "uniform", low: 1, high: 100 },
      },
      budget: 8,
      seeds: 2,
      tpe: { startup: 4, parallel: 1 },
    });
    const worst = launchDatasets(spec).filter(
      (d) => d.recipe.headCount === 6000 && d.recipe.imbalanceRatio === 1,
    );
    expect(worst.map((d) => [d.field, d.recipe.seed])).toEqual([
      ["search.dataset.headCount[1]", 1],
      ["search.dataset.headCount[1]", 2],
    ]);
  });

  it("plans a TPE search at every combination of the values bounding its dataset knobs, whatever it drew first", () => {
    const spec = parseSweepFile({
      name: "t",
      method: "tpe",
      dataset: { validation: { perClass: 10 } },
      search: {
        beta: { distribution: "loguniform", low: 0.02, high: 0.6 },
        "dataset.unlabeledImbalance": ["same", 5, "reversed", 3],
        "dataset.classOrder": ["natural", "random"],
        "dataset.seed": { distribution: "int", low: 1, high: 3 },
        "dataset.testPerClass": [100, 200],
        "train.learningRate": { distribution: "loguniform", low: 1e-4, high: 1e-2 },
      },
      budget: 8,
      seeds: 2,
      tpe: { startup: 2, parallel: 1 },
    });
    const key = (d: { recipe: Record<string, unknown> }) =>
      JSON.stringify([d.recipe.labelRatio, d.recipe.unlabeledImbalance, d.recipe.classOrder, d.recipe.seed]);
    const datasets = launchDatasets(spec);
    const planned = new Set(datasets.map(key));
    // both ends of β; the named profiles and the smallest number; each order; each data seed (an order is random)
    for (const labelRatio of [0.02, 0.6])
      for (const unlabeledImbalance of ["same", "reversed", 3])
        for (const classOrder of ["natural", "random"])
          for (const seed of [1, 2, 3])
            expect(planned).toContain(key({ recipe: { labelRatio, unlabeledImbalance, classOrder, seed } }));
    const bounds = datasets.filter((d) => d.proposal);
    // 2 × 3 × 2 × 3 corners, carried by one starting point: testPerClass and the learning rate shape no split
    expect(bounds).toHaveLength(36);
    // a starting point may draw ρ_u = 5, but no bound has it: 3 needs as many rows of every class
    expect(bounds.filter((d) => d.recipe.unlabeledImbalance === 5)).toEqual([]);
    // without a random order the data seed moves no count: not a bound
    const natural = parseSweepFile({
      name: "n",
      method: "tpe",
      search: { beta: [0.1, 0.3], "dataset.seed": { distribution: "int", low: 1, high: 50 } },
      budget: 8,
      seeds: 2,
      tpe: { startup: 2, parallel: 1 },
    });
    const plain = launchDatasets(natural);
    expect(new Set(plain.map((d) => d.recipe.labelRatio))).toEqual(new Set([0.1, 0.3]));
    expect(new Set(plain.map((d) => d.recipe.seed)).size).toBeLessThanOrEqual(2); // the starting points' draws
  });

  it("leaves the knob with the most values as drawn where the combinations would be too many", () => {
    const spec = parseSweepFile({
      name: "t",
      method: "tpe",
      search: {
        "dataset.headCount": { distribution: "int", low: 100, high: 4000 },
        "dataset.classOrder": ["natural", "random", [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]],
        "dataset.seed": { distribution: "int", low: 0, high: 99 },
        beta: { distribution: "uniform", low: 0.05, high: 0.5 },
      },
      budget: 8,
      seeds: 2,
      tpe: { startup: 2, parallel: 1 },
    });
    const bounds = launchDatasets(spec).filter((d) => d.proposal);
    // 3 orders × 100 data seeds × 2 β ends is past the limit: the data seeds are left as the starting points drew them,
    // the orders and β's ends bounded at the largest headCount, with each starting point's seed
    expect(new Set(bounds.map((d) => d.recipe.headCount))).toEqual(new Set([4000]));
    expect(new Set(bounds.map((d) => JSON.stringify(d.recipe.classOrder))).size).toBe(3);
    expect(new Set(bounds.map((d) => d.recipe.labelRatio))).toEqual(new Set([0.05, 0.5]));
    expect(new Set(bounds.map((d) => d.recipe.seed)).size).toBeLessThanOrEqual(2);
    // A tie (10 orders, 10 data seeds) is broken by path, whatever order the file writes its knobs in (a stored
    // spec's may differ): the orders are left as drawn, every data seed bounded.
    const rotations = Array.from({ length: 8 }, (_, r) =>
      Array.from({ length: 10 }, (_, c) => (c + r + 1) % 10),
    );
    const tie = parseSweepFile({
      name: "tie",
      method: "tpe",
      search: {
        "dataset.seed": { distribution: "int", low: 0, high: 9 },
        "dataset.classOrder": ["natural", "random", ...rotations],
        beta: [0.05, 0.2, 0.5],
      },
      budget: 8,
      seeds: 2,
      tpe: { startup: 2, parallel: 1 },
    });
    const reversed = { ...tie, search: Object.fromEntries(Object.entries(tie.search).reverse()) };
    const corners = (datasets: ReturnType<typeof launchDatasets>) =>
      new Set(
        datasets.filter((d) => d.proposal).map((d) => JSON.stringify([d.recipe.seed, d.recipe.labelRatio])),
      );
    expect(corners(launchDatasets(reversed))).toEqual(corners(launchDatasets(tie)));
    expect(new Set(launchDatasets(tie).map((d) => d.recipe.seed)).size).toBe(10);
  });

  it("never says a decision stage's baseline is a proposal: it runs whatever the search proposes", () => {
    const spec = parseSweepFile({
      name: "t",
      method: "tpe",
      search: {
        variant: ["proposed", "gaussian"],
        "dataset.headCount": { distribution: "int", low: 3000, high: 6000 },
      },
      budget: 8,
      seeds: { initial: 2, step: 2, max: 4 },
      decide: { baseline: "variant=gaussian dataset.headCount=6000", top: 2 },
      tpe: { startup: 4, parallel: 2 },
    });
    const high = launchDatasets(spec).filter((d) => d.recipe.headCount === 6000);
    expect(high.length).toBeGreaterThan(0);
    expect(high.filter((d) => d.proposal)).toEqual([]);
  });
});
