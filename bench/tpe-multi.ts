// Multi-objective TPE against random search on a synthetic two-objective problem with seed noise (issue #23;
// docs/statistics.md T4–T5). Self-contained: it shares nothing with bench/tpe.ts.
//
// The problem is ZDT1's shape (Zitzler, Deb & Thiele 2000) over two knobs a, b ∈ [0, 1], both maximised as a sweep's
// metrics are: f1 = −a, f2 = −g·(1 − √(a/g)) with g = 1 + 9b. Its Pareto front is b = 0 (f2 = −(1 − √−f1)), every a on
// it. Every configuration runs on the same 3 seeds; a run's values are f plus its seed's shared effect (sd 0.3 on each
// objective, the same for every configuration) plus its own noise (sd 0.02). After t configurations a method scores
// the hypervolume of the TRUE objective vectors of the configurations it ran, in the minimised form (−f1, −f2), up to
// the reference point (1, 1), as a share of the front's own (2/3): what it has found, not what the noise says.
//
// Printed: per method, the median over sampler seeds (≥ 20) of that share after 10, 20, 30, 40 and 60 configurations,
// and for how many seeds TPE's share after 60 is above random's. Pure computation: the load does not matter.
//
// Usage: node --import tsx bench/tpe-multi.ts [--json] [--reps 20] [--budget 60]
import { parseArgs } from "node:util";
import { randomStream } from "@tailsweep/random";
import type { Distribution } from "@tailsweep/schemas";
import { hypervolume, proposeTpe, type TpeObservation } from "@tailsweep/sweep";

const { values: args } = parseArgs({
  options: {
    json: { type: "boolean", default: false },
    reps: { type: "string", default: "20" },
    budget: { type: "string", default: "60" },
  },
});
const reps = Number(args.reps);
const budget = Number(args.budget);
const SEEDS = [1, 2, 3];
const space: Record<string, Distribution> = {
  a: { distribution: "uniform", low: 0, high: 1 },
  b: { distribution: "uniform", low: 0, high: 1 },
};
/** The two objectives, maximised. */
function truth(a: number, b: number): [number, number] {
  const g = 1 + 9 * b;
  return [-a, -g * (1 - Math.sqrt(a / g))];
}
/** The hypervolume of the front b = 0 up to (1, 1): ∫₀¹ √x dx. */
const FRONT_HV = 2 / 3;

/** The hypervolume share after each configuration of one run of a method on one sampler seed. */
function run(method: "tpe" | "random", samplerSeed: number): number[] {
  const noise = randomStream(samplerSeed, "bench-tpe-multi/noise");
  const seedEffect = SEEDS.map(() => [0.3 * noise.normal(), 0.3 * noise.normal()]);
  const observations: TpeObservation<readonly number[]>[] = [];
  const found: number[][] = [];
  const shares: number[] = [];
  const settings = { direction: ["maximize", "maximize"] as const, startup: method === "random" ? 1e9 : 10 };
  while (observations.length < budget) {
    const p = proposeTpe(space, observations, [], samplerSeed, settings);
    const f = truth(Number(p.a), Number(p.b));
    observations.push({
      params: p,
      values: SEEDS.map((seed, s) => ({
        seed,
        value: f.map((v, j) => v + seedEffect[s]![j]! + 0.02 * noise.normal()),
      })),
    });
    found.push(f.map((v) => -v));
    shares.push(hypervolume(found, [1, 1]) / FRONT_HV);
  }
  return shares;
}

const started = performance.now();
const median = (xs: number[]) => {
  const s = [...xs].sort((p, q) => p - q);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const runs = {
  tpe: Array.from({ length: reps }, (_, rep) => run("tpe", rep + 1)),
  random: Array.from({ length: reps }, (_, rep) => run("random", rep + 1)),
};
const checkpoints = [10, 20, 30, 40, 60].filter((t) => t <= budget);
const table = Object.fromEntries(
  Object.entries(runs).map(([m, rs]) => [m, checkpoints.map((t) => median(rs.map((r) => r[t - 1]!)))]),
);
const wins = runs.tpe.filter((r, i) => r[budget - 1]! > runs.random[i]![budget - 1]!).length;
const result = {
  reps,
  budget,
  checkpoints,
  medianShare: table,
  tpeAhead: wins,
  seconds: (performance.now() - started) / 1000,
};
if (args.json) console.log(JSON.stringify(result));
else {
  console.log(
    `hypervolume found / the front's, median over ${reps} sampler seeds (${result.seconds.toFixed(1)} s)`,
  );
  console.log(`  configurations: ${checkpoints.join("  ")}`);
  for (const [m, row] of Object.entries(table))
    console.log(`  ${m.padEnd(7)} ${row.map((v) => v.toFixed(3)).join("  ")}`);
  console.log(`  TPE ahead of random after ${budget} on ${wins} of ${reps} seeds`);
}
