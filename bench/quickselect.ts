/**
 * Our hand-written quickselect (packages/stats/src/select.ts) against d3-array's `quickselect` (Floyd–Rivest), with
 * its default comparator (`ascending`) and with a numeric one ((a, b) => a − b), on the arrays the stats package
 * selects in (issue #24):
 *
 * - the sequential design's calibration: Float32Array of 2^19 simulated null |t| values (`nullTPaths` of the
 *   schedule 3, 5, 7, …, 20 seeds: the first look, 2 df and heavy-tailed, and the last, 19 df), k = n − n/16 (the cut
 *   of each look's top 16th) and k = n/2;
 * - the bootstrap's percentiles: Float64Array of 2,000 and 10,000 resampled means of 10 values (ties: the means of
 *   10 draws from 10 values repeat), k at the 2.5 % and 97.5 % points as `selectQuantile` asks.
 *
 * Every call gets a fresh copy of the input (copied before the clock starts). The three sides are interleaved per
 * round, in an order that alternates between rounds, and each round times a batch of calls per side; printed per
 * case: median and range over the rounds of µs per call, and d3's median over ours. Each call's k-th value is checked
 * equal between the sides. /proc/loadavg is printed before and after, since this machine is shared.
 *
 * All sides run in one process, so d3's call site for the comparator sees both comparators and our function sees
 * both array types — as it does in the package, where one process may calibrate and bootstrap.
 *
 * Usage: node --import tsx bench/quickselect.ts [--rounds 9] [--json]
 */

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { parseArgs } from "node:util";

import { quickselect } from "../packages/stats/src/select";
import { nullTPaths } from "../packages/stats/src/sequential-boundaries";

// The root package has no d3-array dependency (pnpm keeps it private to packages/stats, a dev dependency there for
// the property tests), so resolve it from there.
const requireFromStats = createRequire(new URL("../packages/stats/package.json", import.meta.url));
type D3 = typeof import("../packages/stats/node_modules/@types/d3-array");
const d3 = (await import(requireFromStats.resolve("d3-array"))) as D3;

const { values: args } = parseArgs({
  options: { rounds: { type: "string", default: "9" }, json: { type: "boolean", default: false } },
});
const rounds = Number(args.rounds);
if (!(rounds >= 7)) throw new Error("--rounds: at least 7");

type Numbers = Float32Array | Float64Array;
interface Side {
  label: string;
  select: (a: Numbers, k: number) => number;
}
// d3-array's types take a comparator of any primitive; these arrays hold numbers only
const numeric = (a: unknown, b: unknown) => (a as number) - (b as number);
const sides: Side[] = [
  { label: "ours", select: (a, k) => quickselect(a, k) },
  {
    label: "d3 ascending",
    select: (a, k) => {
      d3.quickselect(a, k);
      return a[k]!;
    },
  },
  {
    label: "d3 (a,b)=>a-b",
    select: (a, k) => {
      d3.quickselect(a, k, 0, a.length - 1, numeric);
      return a[k]!;
    },
  },
];

interface Case {
  label: string;
  data: Numbers;
  k: number;
  /** Calls per side per round. */
  batch: number;
}

function loadavg(): string {
  try {
    return readFileSync("/proc/loadavg", "utf8").trim();
  } catch {
    return "n/a";
  }
}

/** Bootstrap means of `values` as `bootstrapMeanCi` draws them, with an inline LCG in place of its generator. */
function bootstrapMeans(values: readonly number[], resamples: number, seed: number): Float64Array {
  let state = seed >>> 0;
  const next = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  const n = values.length;
  const means = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += values[Math.floor(next() * n)]!;
    means[r] = sum / n;
  }
  return means;
}

const before = loadavg();
const schedule = [3, 5, 7, 9, 11, 13, 15, 17, 19, 20];
const paths = nullTPaths(schedule, 2).values;
const first = paths[0]!;
const last = paths[paths.length - 1]!;
const n = first.length;
const scores = [0.912, 0.905, 0.918, 0.899, 0.921, 0.908, 0.915, 0.902, 0.911, 0.917];
const boot2k = bootstrapMeans(scores, 2_000, 24);
const boot10k = bootstrapMeans(scores, 10_000, 25);
const lowK = (m: number) => Math.floor((m - 1) * 0.025);
const highK = (m: number) => Math.floor((m - 1) * 0.975);
const cases: Case[] = [
  { label: "f32 2^19 |t| df 2, k = n − n/16", data: first, k: n - n / 16, batch: 4 },
  { label: "f32 2^19 |t| df 2, k = n/2", data: first, k: n / 2, batch: 4 },
  { label: "f32 2^19 |t| df 19, k = n − n/16", data: last, k: n - n / 16, batch: 4 },
  { label: "f32 2^19 |t| df 19, k = n/2", data: last, k: n / 2, batch: 4 },
  { label: "f64 2,000 means, k at 2.5 %", data: boot2k, k: lowK(2_000), batch: 400 },
  { label: "f64 2,000 means, k at 97.5 %", data: boot2k, k: highK(2_000), batch: 400 },
  { label: "f64 10,000 means, k at 2.5 %", data: boot10k, k: lowK(10_000), batch: 100 },
  { label: "f64 10,000 means, k at 97.5 %", data: boot10k, k: highK(10_000), batch: 100 },
];

/** µs per call of `side` on `batch` fresh copies; throws when a k-th value differs from `expected`. */
function timeBatch(side: Side, c: Case, expected: number): number {
  const copies = Array.from({ length: c.batch }, () => c.data.slice());
  const start = process.hrtime.bigint();
  let mismatch = -1;
  for (let i = 0; i < copies.length; i++) if (side.select(copies[i]!, c.k) !== expected) mismatch = i;
  const elapsed = Number(process.hrtime.bigint() - start) / 1e3;
  if (mismatch >= 0)
    throw new Error(`${side.label} on ${c.label}: k-th value differs from the sorted array's`);
  return elapsed / c.batch;
}

const expected = cases.map((c) => c.data.slice().sort()[c.k]!);
const times = cases.map(() => sides.map(() => [] as number[]));
// one unrecorded round warms the JIT on every case and side
for (const [ci, c] of cases.entries()) for (const side of sides) timeBatch(side, c, expected[ci]!);
for (let r = 0; r < rounds; r++) {
  const order = r % 2 === 0 ? sides.map((_, i) => i) : sides.map((_, i) => sides.length - 1 - i);
  for (const [ci, c] of cases.entries()) {
    for (const si of order) times[ci]![si]!.push(timeBatch(sides[si]!, c, expected[ci]!));
  }
}
const after = loadavg();

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const results = cases.map((c, ci) => ({
  case: c.label,
  k: c.k,
  value: expected[ci]!,
  sides: sides.map((side, si) => {
    const t = times[ci]![si]!;
    const m = median(t);
    return {
      side: side.label,
      medianUs: m,
      minUs: Math.min(...t),
      maxUs: Math.max(...t),
      ratio: m / median(times[ci]![0]!),
    };
  }),
}));

if (args.json) {
  console.log(JSON.stringify({ rounds, loadavgBefore: before, loadavgAfter: after, results }, null, 2));
} else {
  console.log(
    `quickselect: ${rounds} rounds, interleaved; µs per call, median [min–max]; ratio = side / ours`,
  );
  console.log(`loadavg before: ${before}`);
  for (const r of results) {
    console.log(`\n${r.case} (k = ${r.k}, value ${r.value.toPrecision(6)}, same on every side)`);
    for (const s of r.sides) {
      const range = `[${s.minUs.toFixed(1)}–${s.maxUs.toFixed(1)}]`;
      console.log(
        `  ${s.side.padEnd(14)} ${s.medianUs.toFixed(1).padStart(9)} ${range.padEnd(20)} ×${s.ratio.toFixed(2)}`,
      );
    }
  }
  console.log(`\nloadavg after: ${after}`);
}
