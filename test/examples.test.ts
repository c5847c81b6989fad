import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseSweepFile } from "@tailsweep/schemas";
import { expandSweep } from "@tailsweep/sweep";
import { describe, expect, it } from "vitest";
import YAML from "yaml";

const load = (name: string) =>
  parseSweepFile(YAML.parse(readFileSync(join(__dirname, "..", "examples", name), "utf8")));

describe("examples/", () => {
  it("quick.yaml: 2 variants × 2 β × 2 seeds", () => {
    const trials = expandSweep(load("quick.yaml"));
    expect(trials).toHaveLength(8);
    expect(new Set(trials.map((t) => t.config.variant))).toEqual(new Set(["proposed", "gaussian"]));
    expect(trials.find((t) => t.config.variant === "gaussian")!.config.model.likelihood).toBe("gaussian");
  });

  it("sequential.yaml: 3 variants on seeds 1-3 first, up to 11 in steps of 2, decided against gaussian", () => {
    const spec = load("sequential.yaml");
    expect(expandSweep(spec)).toHaveLength(9);
    expect(spec.sequential).toMatchObject({
      initial: 3,
      step: 2,
      max: 11,
      decide: { baseline: "variant=gaussian" },
    });
  });

  it("tpe-sequential.yaml: a TPE search on seeds 1-2, then its best 2 against gaussian on fresh seeds 3-8", () => {
    const spec = load("tpe-sequential.yaml");
    expect(spec).toMatchObject({ method: "tpe", budget: 12, seeds: [1, 2] });
    expect(spec.sequential).toMatchObject({
      initial: 2,
      step: 2,
      max: 6,
      seeds: [3, 4, 5, 6, 7, 8],
      decide: { baseline: "variant=gaussian", top: 2 },
    });
    expect(new Set(expandSweep(spec).map((t) => t.seed))).toEqual(new Set([1, 2]));
  });

  it("tpe.yaml: 12 configurations proposed by TPE on 2 seeds, the first 2 queued at once", () => {
    const spec = load("tpe.yaml");
    expect(spec).toMatchObject({
      method: "tpe",
      budget: 12,
      seeds: [1, 2],
      tpe: { startup: 4, parallel: 2 },
    });
    const first = expandSweep(spec);
    expect(first).toHaveLength(4);
    expect(new Set(first.map((t) => t.configKey)).size).toBe(2);
  });

  it("tpe-two-objectives.yaml: 12 configurations proposed toward the front of two objectives, the first one ranking", () => {
    const spec = load("tpe-two-objectives.yaml");
    expect(spec).toMatchObject({
      method: "tpe",
      budget: 12,
      seeds: [1, 2],
      tpe: { startup: 4, parallel: 2 },
      objective: { metric: "balancedAccuracy", direction: "maximize" },
      objectives: [
        { metric: "balancedAccuracy", direction: "maximize" },
        { metric: "minorityRecall", direction: "maximize" },
      ],
    });
    const first = expandSweep(spec);
    expect(first).toHaveLength(4);
    expect(new Set(first.map((t) => t.configKey)).size).toBe(2);
  });

  it("paper.yaml: 5 variants × 3 ρ × 2 β × 5 seeds", () => {
    const trials = expandSweep(load("paper.yaml"));
    expect(trials).toHaveLength(150);
    expect(new Set(trials.map((t) => t.config.dataset.imbalanceRatio))).toEqual(new Set([10, 50, 100]));
  });

  it("study/first-edition/: the three sweeps at study size, and each at the paper preset's size with 10 seeds", () => {
    const counts: Record<string, [number, number]> = {
      main: [540, 1080],
      "gamma-nu": [100, 400],
      "missing-modality": [20, 40],
    };
    for (const [name, [study, paper]] of Object.entries(counts)) {
      const small = load(`study/first-edition/${name}.yaml`);
      const big = load(`study/first-edition/${name}.paper.yaml`);
      expect(expandSweep(small), name).toHaveLength(study);
      expect(expandSweep(big), name).toHaveLength(paper);
      expect(small.seeds).toHaveLength(5);
      expect(big.seeds).toHaveLength(10);
      // the paper versions are the paper preset's sizes
      const config = expandSweep(big)[0]!.config;
      expect(config.train.epochs).toBe(50);
      expect(config.model.encoderWidths).toEqual([512, 512]);
      expect(config.dataset.headCount).toBe(5000);
      // and search the same knobs (the γ × ν grid adds the second data set)
      for (const knob of Object.keys(small.search))
        expect(big.search[knob], `${name}: ${knob}`).toEqual(small.search[knob]);
    }
    const main = expandSweep(load("study/first-edition/main.yaml"));
    expect(new Set(main.map((t) => t.config.variant))).toEqual(
      new Set(["proposed", "gaussian", "concat", "mixture", "single", "supervised"]),
    );
  });

  it("study/decide-*: the second edition's sequential sweeps meet issue #22's floor, and the paper files differ only in size", () => {
    for (const dataset of ["mnist-2view", "mnist-fashion"]) {
      const small = load(`study/decide-${dataset}.yaml`);
      const big = load(`study/decide-${dataset}.paper.yaml`);
      // every variant, including the long-tail baselines and the three ablations, against the proposed model
      expect(small.search.variant).toEqual([
        "proposed",
        "gaussian",
        "gaussian-matched",
        "student-t-kl",
        "concat-fusion",
        "concat",
        "logit-adjusted",
        "aligned",
        "supervised",
        "single",
      ]);
      expect(small.sequential).toMatchObject({ initial: 5, step: 5, max: 20 });
      expect(small.sequential!.decide).toMatchObject({
        baseline: "variant=proposed",
        alpha: 0.025,
        correction: "holm",
      });
      const config = expandSweep(small)[0]!.config;
      expect(config.dataset).toMatchObject({
        name: dataset,
        classOrder: "random",
        validation: { shape: "long-tailed" },
      });
      expect(config.model.encoderWidths).toEqual([256, 256]);
      expect(config.model.latentDim).toBeGreaterThanOrEqual(32);
      expect(config.train).toMatchObject({ epochs: 15, select: "best" });
      const paper = expandSweep(big)[0]!.config;
      expect(paper.train.epochs).toBe(50);
      expect(paper.dataset.headCount).toBe(5000);
      expect(big.search).toEqual(small.search);
      expect(big.sequential).toEqual(small.sequential);
    }
  });
});
