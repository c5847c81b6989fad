import { randomStream } from "@tailsweep/random";
import type { Distribution } from "@tailsweep/schemas";
import { describe, expect, it } from "vitest";
import { hypervolume, nonDominatedFronts, proposeTpe, type TpeObservation } from "./tpe";

const two = { direction: ["maximize", "maximize"] as const };

/** The volume of the union of boxes [p, ref] by inclusion–exclusion: exponential, an independent check for a few points. */
function inclusionExclusion(points: number[][], ref: number[]): number {
  let total = 0;
  for (let mask = 1; mask < 1 << points.length; mask++) {
    const chosen = points.filter((_, i) => mask & (1 << i));
    const corner = ref.map((_, j) => Math.max(...chosen.map((p) => p[j]!)));
    const volume = corner.reduce((v, x, j) => v * Math.max(0, ref[j]! - x), 1);
    total += chosen.length % 2 === 1 ? volume : -volume;
  }
  return total;
}

describe("multi-objective TPE: its parts", () => {
  it("sorts points into non-dominated fronts (minimisation), equal points sharing one", () => {
    const points = [
      [1, 5],
      [2, 2],
      [5, 1],
      [3, 3],
      [2, 2],
      [6, 6],
      [4, 4],
    ];
    expect(nonDominatedFronts(points)).toEqual([[0, 1, 2, 4], [3], [6], [5]]);
    expect(nonDominatedFronts([])).toEqual([]);
  });

  it("computes the hypervolume exactly, as inclusion–exclusion does, in 2 to 4 dimensions", () => {
    expect(
      hypervolume(
        [
          [1, 2],
          [2, 1],
        ],
        [3, 3],
      ),
    ).toBeCloseTo(3, 12);
    const rng = randomStream(5, "tpe-multi-test/hypervolume");
    for (const dims of [2, 3, 4])
      for (let rep = 0; rep < 20; rep++) {
        const points = Array.from({ length: 1 + rng.int(7) }, () =>
          Array.from({ length: dims }, () => rng.float() * 1.2 - 0.1),
        );
        const ref = Array.from({ length: dims }, () => 1);
        // points past the reference point add nothing, as their boxes are empty
        expect(hypervolume(points, ref)).toBeCloseTo(inclusionExclusion(points, ref), 10);
      }
  });
});

describe("multi-objective TPE: proposals", () => {
  const oneKnob: Record<string, Distribution> = { x: { distribution: "uniform", low: 0, high: 1 } };

  it("with the same objective twice, proposes what the single-objective TPE does", () => {
    const noise = randomStream(1, "tpe-multi-test/same");
    const single: TpeObservation[] = [];
    const double: TpeObservation<readonly number[]>[] = [];
    for (let t = 0; t < 30; t++) {
      const p = proposeTpe(oneKnob, single, [], 4, { direction: "maximize" });
      expect(proposeTpe(oneKnob, double, [], 4, two)).toEqual(p);
      const values = [1, 2, 3].map((seed) => ({
        seed,
        value: -((Number(p.x) - 0.3) ** 2) + 0.05 * noise.normal(),
      }));
      single.push({ params: p, values });
      double.push({ params: p, values: values.map((v) => ({ seed: v.seed, value: [v.value, v.value] })) });
    }
  });

  it("is unchanged by a shared seed effect on every objective (eq. T1 per objective), and deterministic", () => {
    const rng = randomStream(2, "tpe-multi-test/seed-effect");
    const history: TpeObservation<readonly number[]>[] = Array.from({ length: 20 }, () => {
      const x = rng.float();
      return {
        params: { x },
        values: [1, 2, 3].map((seed) => ({
          seed,
          value: [x + 0.1 * rng.normal(), 1 - x + 0.1 * rng.normal()],
        })),
      };
    });
    const shifted = history.map((o) => ({
      ...o,
      values: o.values.map((v) => ({
        seed: v.seed,
        value: [v.value[0]! + 3 * v.seed, v.value[1]! - 7 * v.seed],
      })),
    }));
    const proposal = proposeTpe(oneKnob, history, [], 9, two);
    expect(proposeTpe(oneKnob, shifted, [], 9, two)).toEqual(proposal);
    expect(proposeTpe(oneKnob, history, [], 9, two)).toEqual(proposal);
    // a seed missing one objective is left out rather than read as NaN
    const partial = [...history, { params: { x: 0.5 }, values: [{ seed: 1, value: [0.5] }] }];
    expect(proposeTpe(oneKnob, partial.slice(0, 20), [], 9, two)).toEqual(proposal);
  });

  it("concentrates near a known Pareto front more than random search, over 20 fixed sampler seeds", () => {
    // ZDT1-like, maximised: f1 = −a, f2 = −g·(1 − √(a/g)) with g = 1 + 9b. The front is b = 0 (every a ∈ [0, 1]
    // on it), so b is each proposal's distance from the front. 3 seeds each, a shared seed effect and run noise.
    const space: Record<string, Distribution> = {
      a: { distribution: "uniform", low: 0, high: 1 },
      b: { distribution: "uniform", low: 0, high: 1 },
    };
    const objectives = (a: number, b: number) => {
      const g = 1 + 9 * b;
      return [-a, -g * (1 - Math.sqrt(a / g))];
    };
    const run = (samplerSeed: number, random: boolean): number => {
      const noise = randomStream(samplerSeed, "tpe-multi-test/front-noise");
      const seedEffect = [1, 2, 3].map(() => [0.3 * noise.normal(), 0.3 * noise.normal()]);
      const observations: TpeObservation<readonly number[]>[] = [];
      for (let t = 0; t < 40; t++) {
        const p = proposeTpe(space, observations, [], samplerSeed, { ...two, startup: random ? 1e9 : 10 });
        const f = objectives(Number(p.a), Number(p.b));
        observations.push({
          params: p,
          values: [1, 2, 3].map((seed, s) => ({
            seed,
            value: f.map((v, j) => v + seedEffect[s]![j]! + 0.02 * noise.normal()),
          })),
        });
      }
      // the mean distance from the front of the proposals after the start-up
      const late = observations.slice(10).map((o) => Number(o.params.b));
      return late.reduce((s, b) => s + b, 0) / late.length;
    };
    const samplerSeeds = Array.from({ length: 20 }, (_, i) => i + 1);
    const tpe = samplerSeeds.map((s) => run(s, false));
    const random = samplerSeeds.map((s) => run(s, true));
    const wins = tpe.filter((d, i) => d < random[i]!).length;
    // A sign test: 16 or more of 20 has probability 0.006 under "no better than random".
    expect(wins).toBeGreaterThanOrEqual(16);
    const median = (xs: number[]) => [...xs].sort((p, q) => p - q)[Math.floor(xs.length / 2)]!;
    // Random draws of b average 0.5; TPE's are much nearer the front.
    expect(median(random)).toBeGreaterThan(0.4);
    expect(median(tpe)).toBeLessThan(0.3);
  });
});
