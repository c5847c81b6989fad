import { type DatasetRecipeInput, seedRanges } from "@tailsweep/schemas";
import { beforeAll, describe, expect, it } from "vitest";
import { buildMnistTwoView } from "./benchmarks";
import {
  builtInSplitProblems,
  builtInTrainClassRows,
  type LaunchRecipe,
  splitFailsAtLoad,
} from "./built-in-capacity";
import type { ImageDataset } from "./image-set";
import { resolveDatasetRecipe } from "./load-dataset";
import { resolveClassOrder } from "./long-tail";
import { loadMnist } from "./mnist";

const OTHERS = [0, 1, 2, 3, 4, 6, 7, 8, 9];

function launch(recipe: DatasetRecipeInput, seed: number, searched = ""): LaunchRecipe {
  return { recipe: resolveDatasetRecipe({ ...recipe, seed }), field: "dataset.headCount", searched };
}

describe("builtInSplitProblems", () => {
  it("names the short class, what it needs and has, and what to change", () => {
    const problems = builtInSplitProblems([
      launch({ headCount: 6000, labelRatio: 0.1, imbalanceRatio: 100, classOrder: "natural" }, 1),
      launch({ headCount: 6000, labelRatio: 0.1, imbalanceRatio: 100, classOrder: "natural" }, 2),
    ]);
    expect(problems).toEqual([
      'dataset.headCount: 6000 on mnist-2view is more than its data allows: class 0 ("0") would need 6000 training ' +
        "rows (600 labeled + 5400 unlabeled) and mnist-2view has 5923; lower headCount or pick another classOrder",
    ]);
  });

  it("lists the seeds whose random class order puts a class too small for headCount at the head", () => {
    const seeds = Array.from({ length: 40 }, (_, i) => i + 1);
    const recipe = { headCount: 5500, labelRatio: 0.1, imbalanceRatio: 10, classOrder: "random" } as const;
    const [problem, ...rest] = builtInSplitProblems(
      seeds.map((s) => launch(recipe, s, "dataset.labelRatio=0.1")),
    );
    // MNIST's class 5 has 5,421 images, every other class more than 5,500; the second rank needs 5500·10^(−1/9).
    const headIsFive = seeds.filter((s) => resolveClassOrder("random", 10, s, 2)[0] === 5);
    expect(headIsFive.length).toBeLessThan(seeds.length);
    expect(rest).toEqual([]);
    expect(headIsFive.length).toBeGreaterThan(1);
    expect(problem).toBe(
      `dataset.headCount: 5500 on mnist-2view with dataset.labelRatio=0.1 is more than its data allows at seeds ` +
        `${seedRanges(headIsFive)} (${headIsFive.length} of the 40 seeds it may run), as at seed ${headIsFive[0]}: class 5 ("5") would ` +
        "need 5500 training rows (550 labeled + 4950 unlabeled) and mnist-2view has 5421; lower headCount or pick " +
        "another classOrder",
    );
  });

  it("advises labelRatio only where it moves the short class's total, and which way", () => {
    // reversed: the tail class gets the most unlabeled rows and few labeled ones, so a higher β lowers its total
    const tail = {
      headCount: 6700,
      labelRatio: 0.1,
      imbalanceRatio: 10,
      unlabeledImbalance: "reversed",
    } as const;
    expect(builtInSplitProblems([launch(tail, 1)])).toEqual([
      'dataset.headCount: 6700 on mnist-2view is more than its data allows: class 9 ("9") would need 6097 training ' +
        "rows (67 labeled + 6030 unlabeled) and mnist-2view has 5949; lower headCount, raise labelRatio or pick " +
        "another classOrder",
    ]);
    // and the head class its fewest unlabeled rows, so a lower β lowers its total
    const head = { ...tail, headCount: 5500, labelRatio: 1, classOrder: [5, ...OTHERS] };
    expect(builtInSplitProblems([launch(head, 1)])).toEqual([
      'dataset.headCount: 5500 on mnist-2view is more than its data allows: class 5 ("5") would need 5500 training ' +
        "rows (5500 labeled + 0 unlabeled) and mnist-2view has 5421; lower headCount, lower labelRatio or pick " +
        "another classOrder",
    ]);
  });

  it("does not advise raising a labelRatio that is 1 already", () => {
    const all = {
      headCount: 6000,
      imbalanceRatio: 1.1,
      labelRatio: 1,
      unlabeledImbalance: "uniform",
    } as const;
    const order = [1, 3, 0, 4, 8, 6, 2, 9, 7, 5];
    expect(builtInSplitProblems([launch({ ...all, classOrder: order }, 1)])).toEqual([
      expect.stringMatching(
        /class 5 \("5"\) would need 5454 .*; lower headCount or pick another classOrder$/,
      ),
    ]);
    // nor one whose labeled rows round to all of the head class's already
    expect(builtInSplitProblems([launch({ ...all, classOrder: order, labelRatio: 0.99995 }, 1)])).toEqual([
      expect.stringMatching(/; lower headCount or pick another classOrder$/),
    ]);
    expect(builtInSplitProblems([launch({ ...all, classOrder: order, labelRatio: 0.9 }, 1)])).toEqual([
      expect.stringMatching(/; lower headCount, raise labelRatio or pick another classOrder$/),
    ]);
  });

  it("says a shortage once where values a TPE search may propose repeat it", () => {
    const at = (labelRatio: number, proposal: boolean) => ({
      ...launch(
        { headCount: 6000, labelRatio, classOrder: "natural" },
        1,
        `dataset.labelRatio=${labelRatio}`,
      ),
      proposal,
    });
    // class 0 needs 6000 rows at every β: the starting point says it, the bounds do not again
    const problems = builtInSplitProblems([at(0.2, false), at(0.05, true), at(0.5, true)]);
    expect(problems).toEqual([expect.stringContaining("with dataset.labelRatio=0.2 is more than")]);
    // a bound alone is said, as one
    const bounds = builtInSplitProblems([at(0.05, true), at(0.5, true)]);
    expect(bounds).toEqual([
      expect.stringContaining(
        "with dataset.labelRatio=0.05 (values its TPE search may propose) is more than",
      ),
    ]);
    // but each data seed that puts a short class at the head is said: leaving out one would be refused at the next
    const seeded = (seed: number, labelRatio: number) => ({
      ...launch({ headCount: 5500, labelRatio, classOrder: "random" }, seed, `dataset.seed=${seed}`),
      dataSeed: true,
      proposal: true,
    });
    const short = [3, 12, 28].filter((seed) => resolveClassOrder("random", 10, seed, 2)[0] === 5);
    expect(short).toEqual([12, 28]);
    const perSeed = builtInSplitProblems([
      seeded(12, 0.05),
      seeded(12, 0.5),
      seeded(28, 0.05),
      seeded(28, 0.5),
      seeded(3, 0.05),
    ]);
    expect(perSeed).toEqual([
      expect.stringContaining("at dataset.seed 12: class 5"),
      expect.stringContaining("at dataset.seed 28: class 5"),
    ]);
  });

  it("counts validation rows and takes mnist-fashion's smaller pool", () => {
    const validation = { perClass: 100, shape: "balanced" } as const;
    const five = { headCount: 5400, classOrder: [5, ...OTHERS], imbalanceRatio: 10, labelRatio: 0.1 };
    expect(builtInSplitProblems([launch(five, 1)])).toEqual([]);
    expect(builtInSplitProblems([launch({ ...five, validation }, 1)])).toEqual([
      // 5400 alone fits class 5's 5421 rows: the 100 validation rows tip it, and are named beside it
      'dataset.headCount: 5400 with validation.perClass 100 on mnist-2view is more than its data allows: class 5 ("5") would need 5500 training ' +
        "rows (540 labeled + 4860 unlabeled + 100 validation) and mnist-2view has 5421; lower headCount, lower " +
        "validation.perClass or pick another classOrder",
    ]);
    // short without its validation rows too: headCount alone is named
    expect(builtInSplitProblems([launch({ ...five, headCount: 5500, validation }, 1)])).toEqual([
      expect.stringMatching(/^dataset\.headCount: 5500 on mnist-2view is more than its data allows: /),
    ]);
    // Class 1: MNIST has 6,742 images, Fashion-MNIST 6,000, so mnist-fashion has 6,000 of it.
    const one = { headCount: 6100, classOrder: [1, 0, 2, 3, 4, 5, 6, 7, 8, 9], imbalanceRatio: 10 };
    expect(builtInSplitProblems([launch(one, 1)])).toEqual([]);
    expect(builtInSplitProblems([launch({ ...one, name: "mnist-fashion" }, 1)])).toEqual([
      expect.stringContaining('class 1 ("1 & Trouser") would need 6100 training rows'),
    ]);
    expect(builtInTrainClassRows("mnist-fashion")).toEqual([
      5923, 6000, 5958, 6000, 5842, 5421, 5918, 6000, 5851, 5949,
    ]);
  });

  it("says one problem per recipe, whatever else its trials differ in, and skips user data", () => {
    const short = { headCount: 6000, classOrder: "natural" } as const;
    const problems = builtInSplitProblems([
      launch(short, 1),
      launch(short, 1),
      launch({ ...short, labelRatio: 0.3 }, 1, "dataset.labelRatio=0.3"),
      launch({ ...short, headCount: 100 }, 1),
      launch({ ...short, name: "user", path: "m.json" }, 1),
    ]);
    // a class order that is no permutation (a sweep stored before launches checked it) is the trial's to say
    const stored = launch({ ...short, classOrder: [0, 1, 2] }, 1);
    expect(() => resolveDatasetRecipe(stored.recipe)).not.toThrow();
    expect(builtInSplitProblems([stored, launch({ ...short, classOrder: [] }, 1)])).toEqual([]);
    expect(problems).toHaveLength(2);
    expect(problems[1]).toContain("with dataset.labelRatio=0.3");
  });

  it("says seeds being added under seeds, leaving recipes whose stored trials could never run", () => {
    const random = { headCount: 5500, classOrder: "random", imbalanceRatio: 10 } as const;
    const fits = { ...random, headCount: 5000 };
    // seeds 12 and 28 put class 5 (5,421 images) at the head; 1–3 do not
    const added = [12, 13, 28].flatMap((s) => [launch(random, s), launch(fits, s)]);
    const refused = [
      "seeds: headCount 5500 on mnist-2view (dataset.headCount) is more than its data allows at seeds 12, 28 (2 of " +
        'the 3 seeds to add), as at seed 12: class 5 ("5") would need 5500 training rows (550 labeled + 4950 ' +
        "unlabeled) and mnist-2view has 5421; add other seeds: with classOrder random each seed puts another class " +
        "at the head",
    ];
    expect(
      builtInSplitProblems(added, { adding: { stored: [1, 2, 3].map((s) => launch(random, s)) } }),
    ).toEqual(refused);
    // short at one stored seed only: the others ran, and these seeds can be chosen otherwise
    expect(
      builtInSplitProblems(added, { adding: { stored: [1, 12].map((s) => launch(random, s)) } }),
    ).toEqual(refused);
    // short at every stored seed (stored before launches checked this): its new trials fail as those did, and the
    // sweep's other configurations can still grow
    const doomed = { headCount: 6000, classOrder: "natural" } as const;
    expect(
      builtInSplitProblems([launch(doomed, 4), launch(fits, 4)], {
        adding: { stored: [1, 2].map((s) => launch(doomed, s)) },
      }),
    ).toEqual([]);
    // every seed: said with them, where the order is random
    expect(builtInSplitProblems([7, 8].map((s) => launch({ ...random, headCount: 7000 }, s)))).toEqual([
      expect.stringContaining("at every one of the seeds it may run (7–8), as at seed 7: class"),
    ]);
    // one seed: said as the only one, not "every one of the seeds it may run (7)"
    expect(builtInSplitProblems([launch({ ...random, headCount: 7000 }, 7)])).toEqual([
      expect.stringContaining("at seed 7, the only one of the seeds it may run: class"),
    ]);
    // a fixed dataset.seed: that seed, and another to pick
    expect(builtInSplitProblems([{ ...launch(random, 12), dataSeed: true }])).toEqual([
      expect.stringMatching(
        /allows at dataset\.seed 12: class 5 .*, pick another classOrder or another dataset\.seed$/,
      ),
    ]);
  });

  describe("against the split a trial draws", () => {
    let mnist: ImageDataset;
    beforeAll(async () => {
      mnist = await loadMnist();
    });

    it("refuses exactly where building the data set would fail", () => {
      const edge = { headCount: 5421, classOrder: [5, ...OTHERS], imbalanceRatio: 100, testPerClass: 5 };
      for (const headCount of [5421, 5422]) {
        const recipe = resolveDatasetRecipe({ ...edge, headCount, seed: 3 });
        const problems = builtInSplitProblems([{ recipe, field: "dataset.headCount", searched: "" }]);
        const build = () => buildMnistTwoView(mnist, recipe);
        expect(splitFailsAtLoad(recipe)).toBe(headCount === 5422);
        if (headCount === 5421) {
          expect(problems).toEqual([]);
          const { counts } = build();
          expect(counts.labeled[5]! + counts.unlabeled[5]!).toBe(5421);
        } else {
          expect(problems).toHaveLength(1);
          expect(build).toThrow(/class 5 \("5"\) needs 5422 training rows .* but only 5421 are available/);
        }
      }
    }, 60_000);

    it("counts a class order that is not a permutation as failing at load, not as a shortage to say", () => {
      // stored before launches refused it (a sweep extended now): its trials fail when they build their data
      for (const classOrder of [
        [5, 5, ...OTHERS.slice(1)],
        [0, 1, 2],
        [...OTHERS, 10],
      ]) {
        const recipe = resolveDatasetRecipe({ headCount: 100, classOrder, testPerClass: 5, seed: 1 });
        expect(splitFailsAtLoad(recipe)).toBe(true);
        expect(builtInSplitProblems([{ recipe, field: "dataset.headCount", searched: "" }])).toEqual([]);
        expect(() => buildMnistTwoView(mnist, recipe)).toThrow(RangeError);
      }
      const fits = resolveDatasetRecipe({
        headCount: 100,
        classOrder: [...OTHERS, 5],
        testPerClass: 5,
        seed: 1,
      });
      expect(splitFailsAtLoad(fits)).toBe(false);
    }, 60_000);
  });
});
