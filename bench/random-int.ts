/**
 * Why `@tailsweep/random` draws integers by Lemire's multiply-and-reject instead of pure-rand's `uniformInt`
 * (issue #24): the bootstrap's inner loop (`bootstrapMeanCi` in packages/stats/src/paired.ts: 10,000 resamples of
 * n values, one integer in [0, n) per value) timed with three ways of drawing the index from the same xoroshiro128+
 * stream:
 *
 * - `stream.int(n)`: what the package does (Lemire 2019, unbiased);
 * - pure-rand's `uniformInt(generator, 0, n − 1)` (unbiased by rejection, a division per call);
 * - `floor(float() · n)`: biased by up to n / 2^53, the cost floor of a float draw.
 *
 * The sides are interleaved per round in alternating order; printed per case: median and range over the rounds of
 * ms per bootstrap, and each side's median over Lemire's. Each side's resampled means are checked to average the
 * data's mean (an unbiased draw must). /proc/loadavg is printed before and after.
 *
 * Usage: node --import tsx bench/random-int.ts [--rounds 9] [--json]
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { parseArgs } from "node:util";
import { type RandomStream, randomStream } from "@tailsweep/random";

// pure-rand is a dependency of packages/random, not of the root: resolve it from there.
const requireFromRandom = createRequire(new URL("../packages/random/package.json", import.meta.url));
const { uniformInt } = (await import(
  requireFromRandom.resolve("pure-rand/distribution/uniformInt")
)) as typeof import("../packages/random/node_modules/pure-rand/lib/esm/distribution/uniformInt");
const { xoroshiro128plus } = (await import(
  requireFromRandom.resolve("pure-rand/generator/xoroshiro128plus")
)) as typeof import("../packages/random/node_modules/pure-rand/lib/esm/generator/xoroshiro128plus");

const { values: args } = parseArgs({
  options: { rounds: { type: "string", default: "9" }, json: { type: "boolean", default: false } },
});
const rounds = Number(args.rounds);
if (!(rounds >= 5)) throw new Error("--rounds: at least 5");
const loadavg = () => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
const RESAMPLES = 10_000;
const BATCH = 20;

type Draw = (n: number) => number;
const sides: Record<string, (seed: number) => Draw> = {
  lemire: (seed) => {
    const s: RandomStream = randomStream(seed, "bench");
    return (n) => s.int(n);
  },
  "pure-rand uniformInt": (seed) => {
    const g = xoroshiro128plus(seed);
    return (n) => uniformInt(g, 0, n - 1);
  },
  "floor(float·n)": (seed) => {
    const s = randomStream(seed, "bench");
    return (n) => Math.floor(s.float() * n);
  },
};

/** One bootstrap of `values`: the mean of the resampled means (≈ the data's mean when the draw is unbiased). */
function bootstrap(values: Float64Array, draw: Draw): number {
  const n = values.length;
  let total = 0;
  for (let r = 0; r < RESAMPLES; r++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += values[draw(n)]!;
    total += sum / n;
  }
  return total / RESAMPLES;
}

const before = loadavg();
const results: { n: number; side: string; median: number; min: number; max: number; ratio: number }[] = [];
for (const n of [5, 10, 20]) {
  const values = Float64Array.from({ length: n }, (_, i) => i / n);
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const names = Object.keys(sides);
  const times = new Map<string, number[]>(names.map((name) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? names : [...names].reverse();
    for (const name of order) {
      const draw = sides[name]!(round + 1);
      const start = performance.now();
      let check = 0;
      for (let b = 0; b < BATCH; b++) check += bootstrap(values, draw);
      times.get(name)!.push((performance.now() - start) / BATCH);
      if (Math.abs(check / BATCH - mean) > 0.01)
        throw new Error(`${name}: resampled means average ${check / BATCH}`);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const lemire = median(times.get("lemire")!);
  for (const name of names) {
    const t = times.get(name)!;
    results.push({
      n,
      side: name,
      median: median(t),
      min: Math.min(...t),
      max: Math.max(...t),
      ratio: median(t) / lemire,
    });
  }
}
const after = loadavg();
if (args.json)
  console.log(JSON.stringify({ loadavg: { before, after }, rounds, resamples: RESAMPLES, results }));
else {
  console.log(
    `bootstrap of n values, ${RESAMPLES} resamples, ${rounds} interleaved rounds of ${BATCH}; loadavg ${before}`,
  );
  for (const r of results)
    console.log(
      `n = ${String(r.n).padEnd(3)} ${r.side.padEnd(22)} ${r.median.toFixed(3)} ms [${r.min.toFixed(3)}–${r.max.toFixed(3)}]  ×${r.ratio.toFixed(2)}`,
    );
  console.log(`loadavg after: ${after}`);
}
