import { randomStream } from "@tailsweep/random";
import type { Distribution } from "@tailsweep/schemas";
import { describe, expect, it } from "vitest";
import { proposeTpe, type TpeObservation, tpeGoodCount } from "./tpe";

const space: Record<string, Distribution> = {
  "model.nu": { distribution: "loguniform", low: 2, high: 100 },
  "model.gamma": { distribution: "uniform", low: 0, high: 1 },
  "model.latentDim": { distribution: "int", low: 4, high: 64 },
  variant: { distribution: "categorical", values: ["proposed", "gaussian", "concat"] },
};
const maximize = { direction: "maximize" as const };

describe("proposeTpe", () => {
  it("uses Optuna's good-group size min(⌈0.1 n⌉, 25)", () => {
    expect([1, 10, 11, 100, 250, 251, 1000].map(tpeGoodCount)).toEqual([1, 1, 2, 10, 25, 25, 25]);
  });

  it("draws the start-up configurations from the space, deterministically in the sampler seed", () => {
    const drawn = Array.from({ length: 50 }, (_, i) =>
      proposeTpe(
        space,
        [],
        Array.from({ length: i }, () => ({})),
        7,
        maximize,
      ),
    );
    for (const p of drawn) {
      expect(p["model.nu"]).toBeGreaterThanOrEqual(2);
      expect(p["model.nu"]).toBeLessThanOrEqual(100);
      expect(Number.isInteger(p["model.latentDim"])).toBe(true);
      expect(["proposed", "gaussian", "concat"]).toContain(p.variant);
    }
    // loguniform: about half the draws below the geometric middle √200 ≈ 14
    const below = drawn.filter((p) => Number(p["model.nu"]) < Math.sqrt(200)).length;
    expect(below).toBeGreaterThan(15);
    expect(below).toBeLessThan(35);
    expect(proposeTpe(space, [], [], 7, maximize)).toEqual(proposeTpe(space, [], [], 7, maximize));
    expect(proposeTpe(space, [], [], 8, maximize)).not.toEqual(proposeTpe(space, [], [], 7, maximize));
  });

  it("concentrates on the optimum of a noisy function after the start-up, and beats random search there", () => {
    const oneKnob: Record<string, Distribution> = { x: { distribution: "uniform", low: 0, high: 1 } };
    const noise = randomStream(3, "tpe-test-noise");
    const seeds = [1, 2, 3];
    const seedEffect = seeds.map(() => 0.5 * noise.normal());
    const f = (x: number) => -((x - 0.73) ** 2);
    const observations: TpeObservation[] = [];
    for (let t = 0; t < 40; t++) {
      const p = proposeTpe(oneKnob, observations, [], 11, maximize);
      const x = Number(p.x);
      observations.push({
        params: p,
        values: seeds.map((seed, s) => ({ seed, value: f(x) + seedEffect[s]! + 0.01 * noise.normal() })),
      });
    }
    const distances = observations.slice(20).map((o) => Math.abs(Number(o.params.x) - 0.73));
    const median = [...distances].sort((a, b) => a - b)[10]!;
    // uniform draws on [0, 1] are at a median distance of ≈ 0.25 from 0.73
    expect(median).toBeLessThan(0.08);
  });

  it("ranks by the seed-centred values, so a strong seed effect does not pull the proposal", () => {
    const oneKnob: Record<string, Distribution> = { x: { distribution: "uniform", low: 0, high: 1 } };
    // Three configurations on four seeds; x = 0.9 is best on every seed by 0.1.
    const observations = (seedEffect: number[]) =>
      [
        [0.1, 0],
        [0.5, 0.1],
        [0.9, 0.2],
      ].map(([x, gain]) => ({
        params: { x },
        values: seedEffect.map((e, s) => ({ seed: s + 1, value: e + gain! + 0.001 * s })),
      }));
    const proposals = (seedEffect: number[]) =>
      Array.from({ length: 20 }, (_, i) =>
        Number(proposeTpe(oneKnob, observations(seedEffect), [], i, { ...maximize, startup: 0 }).x),
      );
    // Seed 1 adds 10 to everything: raw values would put the seed-1 points of 0.9 and 0.5 in the good group of
    // 2 (of 12 points); centred, both are points of 0.9, exactly as without the seed effect.
    const shifted = proposals([10, 0, -3, 0]);
    expect(shifted).toEqual(proposals([0, 0, 0, 0]));
    expect([...shifted].sort((a, b) => a - b)[10]).toBeGreaterThan(0.7);
  });

  it("treats pending configurations as bad (constant liar), so parallel proposals spread", () => {
    const oneKnob: Record<string, Distribution> = { x: { distribution: "uniform", low: 0, high: 1 } };
    const observations: TpeObservation[] = Array.from({ length: 12 }, (_, i) => {
      const x = (i + 0.5) / 12;
      return {
        params: { x },
        values: [1, 2].map((seed) => ({ seed, value: -((x - 0.6) ** 2) + 0.001 * seed })),
      };
    });
    const settings = { ...maximize, startup: 0 };
    const alone = Number(proposeTpe(oneKnob, observations, [], 5, settings).x);
    // Pending configurations that say nothing of x use the same random draws as the ones that do (the stream is keyed
    // by their count): only the liar can tell the two proposals apart.
    const ignored = Number(proposeTpe(oneKnob, observations, [{ y: 1 }, { y: 2 }, { y: 3 }], 5, settings).x);
    const pending = [{ x: ignored }, { x: ignored }, { x: ignored }];
    const beside = Number(proposeTpe(oneKnob, observations, pending, 5, settings).x);
    expect(Math.abs(alone - 0.6)).toBeLessThan(0.15);
    expect(Math.abs(beside - ignored)).toBeGreaterThan(0.05);
  });

  it("matches list values of a categorical knob by value, as they come back from the store", () => {
    const widths: Record<string, Distribution> = {
      "model.encoderWidths": { distribution: "categorical", values: [[16], [64], [256]] },
    };
    // [64] is best on every seed; the observations hold copies, as a stored trial's params do
    const observations: TpeObservation[] = [[16], [64], [256], [16], [64], [256]].map((w, i) => ({
      params: { "model.encoderWidths": JSON.parse(JSON.stringify(w)) },
      values: [1, 2].map((seed) => ({ seed, value: (w[0] === 64 ? 0.8 : 0.6) + 0.001 * i + 0.01 * seed })),
    }));
    const proposals = Array.from({ length: 30 }, (_, i) =>
      JSON.stringify(
        proposeTpe(widths, observations, [], i, { ...maximize, startup: 0 })["model.encoderWidths"],
      ),
    );
    expect(proposals.filter((p) => p === "[64]").length).toBeGreaterThan(24);
  });

  it("minimises when asked", () => {
    const oneKnob: Record<string, Distribution> = { x: { distribution: "int", low: 0, high: 20 } };
    const observations: TpeObservation[] = Array.from({ length: 21 }, (_, x) => ({
      params: { x },
      values: [{ seed: 1, value: (x - 3) ** 2 }],
    }));
    const proposals = Array.from({ length: 15 }, (_, i) =>
      Number(proposeTpe(oneKnob, observations, [], i, { direction: "minimize", startup: 0 }).x),
    );
    expect([...proposals].sort((a, b) => a - b)[7]).toBeLessThanOrEqual(6);
  });
});
