// The quick preset's sweep end to end (`tailsweep sweep run examples/quick.yaml`, embedded store, 8 trials) at an
// older commit against this checkout, in one script (issue #19: "at least 2× faster end to end than today; measure
// both in one run"). The older commit is checked out into a temporary git worktree and installed from the local pnpm
// store (offline); each run gets a fresh database and artifacts folder, the image cache is shared (warmed first).
// Rounds are interleaved, the order alternating, after one warm-up run per side; median and range of the wall time
// and the ratio, withheld when the 1-minute load before the bench is above --max-load or other processes took more
// than --max-foreign of the machine's CPU time during them (bench/cpu-load.ts).
// Usage: node --import tsx bench/quick-sweep.ts [--base <commit>] [--rounds 3] [--max-load 1] [--max-foreign 0.1]
//        [--keep] [--json]
// (default base: 0c55c0d, this checkout before issue #19's work on the training step). About 10 min.
import { execFileSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { z } from "zod";
import {
  baseCheckout,
  beforeAfterArgs,
  beforeAfterSchema,
  beforeAfterValues,
  benchOptions,
  withheldBecause,
} from "./base-checkout";
import { cpuReading, foreignCpuShare, loadAverage } from "./cpu-load";
import { summarise } from "./summary";

const { values } = parseArgs({ options: beforeAfterArgs({ base: "0c55c0d", rounds: 3 }) });
const options = benchOptions("quick-sweep", z.object(beforeAfterSchema), beforeAfterValues(values));
const checkout = baseCheckout("quick-sweep", options.base);
const { work, baseCommit, headCommit, dirty, sides } = checkout;
const [{ root: old }, { root: repo }] = sides;
const log = (line: string) => {
  if (!values.json) console.log(line);
};
const cacheDir = join(work, "cache");

/** One `sweep run` of the side's examples/quick.yaml on a fresh store; seconds of wall time. */
function sweepOnce(root: string, tag: string): number {
  const dbDir = join(work, `db-${tag}`);
  const artifactsDir = join(work, `artifacts-${tag}`);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TAILSWEEP_DB_DIR: dbDir,
    TAILSWEEP_ARTIFACTS_DIR: artifactsDir,
    TAILSWEEP_CACHE_DIR: cacheDir,
  };
  for (const key of ["DATABASE_URL", "NATS_URL"]) delete env[key];
  const t0 = performance.now();
  execFileSync(
    process.execPath,
    [join(root, "apps/cli/bin/tailsweep.mjs"), "sweep", "run", "examples/quick.yaml"],
    {
      cwd: root,
      env,
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  const seconds = (performance.now() - t0) / 1000;
  rmSync(dbDir, { recursive: true, force: true });
  rmSync(artifactsDir, { recursive: true, force: true });
  return seconds;
}

const loadBefore = loadAverage();
try {
  log(`checking out ${baseCommit} into ${old} and installing it offline…`);
  checkout.install();
  const yaml = (root: string) => readFileSync(join(root, "examples/quick.yaml"), "utf8");
  if (yaml(old) !== yaml(repo))
    log("note: examples/quick.yaml differs between the two sides; each runs its own");
  log(
    `1-min load ${loadBefore.toFixed(2)}; a warm-up run per side (image cache, native kernels), then ${options.rounds} rounds`,
  );
  for (const [i, side] of sides.entries()) sweepOnce(side.root, `warm-${i}`);
  const seconds: number[][] = sides.map(() => []);
  const started = cpuReading();
  for (let round = 0; round < options.rounds; round++) {
    const order = round % 2 === 0 ? [0, 1] : [1, 0];
    for (const i of order) seconds[i]!.push(sweepOnce(sides[i]!.root, `${round}-${i}`));
    log(
      `round ${round + 1}: ${sides.map((s, i) => `${s.name} ${seconds[i]!.at(-1)!.toFixed(1)} s`).join(", ")}`,
    );
  }
  const foreign = foreignCpuShare(started);
  const base = summarise(seconds[0]!);
  const head = summarise(seconds[1]!);
  const withheld = withheldBecause(options, loadBefore, foreign);
  const speedup = base.median / head.median;
  const result = {
    base: { commit: baseCommit, seconds: base },
    head: { commit: headCommit, dirty, seconds: head },
    loadBefore,
    foreignCpuShare: foreign,
    speedup: withheld ? null : speedup,
    withheld,
  };
  if (values.json) console.log(JSON.stringify(result));
  else {
    const fmt = (s: typeof base) => `${s.median.toFixed(1)} s [${s.min.toFixed(1)}–${s.max.toFixed(1)}]`;
    log(`\nquick sweep, 8 trials: ${sides[0]!.name} ${fmt(base)}; ${sides[1]!.name} ${fmt(head)}`);
    log(
      withheld
        ? `speed-up withheld: ${withheld} (measured ${speedup.toFixed(2)}×)`
        : `speed-up ${speedup.toFixed(2)}×`,
    );
  }
} finally {
  checkout.remove(values.keep);
}
