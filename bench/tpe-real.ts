// Model-based search against random and grid search on the real model (issue #23): a tabular benchmark, as HPOBench
// and NAS-Bench do it. The table is a real sweep (bench/tpe-real.yaml): the Student-t VAE on a small long-tailed
// mnist-2view split over a 6 × 6 grid of ν and the learning rate (both log-spaced), every cell on 4 seeds, run once by
// `tailsweep sweep run` into an embedded store that later runs reuse (`--db`; the same file again resumes the sweep).
//
// The searches are replayed on the table. Each knob is its grid index, an int knob to the sampler: on log-spaced
// values that is a loguniform knob seen at the grid's resolution. What a search sees of a configuration is its
// balanced accuracy on seeds 1–2; what it is scored by is the held-out mean over seeds 3–4 of the configuration it
// would pick (its best mean on seeds 1–2 so far): what a researcher gets on re-running the winner on fresh seeds, not
// the winner's curse of the seeds it was chosen on.
//   random: configurations drawn uniformly, without repeats;
//   grid:   the coarse 4 × 4 sub-grid (indices 0, 2, 3, 5 of each knob: a user's grid at this budget), in random order;
//   tpe:    the platform's own proposer (`nextTpeProposals`, what the controller calls), startup 5, one at a time;
//   tpe×2:  the same with 2 configurations in flight (the constant liar), as with 2 workers.
// Printed: the table's spread (best and median held-out mean, and the Pearson correlation between a configuration's
// seeds 1–2 mean and its seeds 3–4 mean: how much a search can learn at all), then per method the median over sampler
// seeds (≥ 20) of the picked configuration's held-out value after 4, 8, 12 and 16 configurations, and the
// configurations each method needs to reach random search's value after the budget (per sampler seed: median,
// range; random's own row says how soon random itself gets there).
// Pure computation once the table exists: the load does not matter.
//
// Usage: node --import tsx bench/tpe-real.ts [--db DIR] [--reps 20] [--budget 16] [--json]
// (default DIR: ~/.cache/tailsweep/bench-tpe-real; building the table takes about 10 min on 2 cores).
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { openRunStore } from "@tailsweep/db";
import { randomStream } from "@tailsweep/random";
import { metricOf, parseSweepFile, type SweepSpec } from "@tailsweep/schemas";
import { configKey, nextTpeProposals, sweepIdFor, type TpeConfiguration } from "@tailsweep/sweep";
import { parse as parseYaml } from "yaml";
import { z } from "zod";

const { values } = parseArgs({
  options: {
    db: { type: "string", default: join(homedir(), ".cache", "tailsweep", "bench-tpe-real") },
    reps: { type: "string", default: "20" },
    budget: { type: "string", default: "16" },
    json: { type: "boolean", default: false },
  },
});
const parsed = z
  // at most the 4 × 4 grid's 16 configurations, so that every method runs the whole budget
  .object({ reps: z.number().int().min(1).max(1000), budget: z.number().int().min(5).max(16) })
  .safeParse({ reps: Number(values.reps), budget: Number(values.budget) });
if (!parsed.success) {
  process.stderr.write(
    `tpe-real: ${parsed.error.issues.map((i) => `--${String(i.path[0])}: ${i.message}`).join("; ")}\n`,
  );
  process.exit(2);
}
const { reps, budget } = parsed.data;
const repo = join(dirname(fileURLToPath(import.meta.url)), "..");
const tableFile = join(repo, "bench", "tpe-real.yaml");
const SEARCH_SEEDS = [1, 2];
const HELD_OUT_SEEDS = [3, 4];
const STARTUP = 5;
const log = (line: string) => {
  if (!values.json) console.log(line);
};

// 1. The table: run (or resume) the sweep, then read every cell's balanced accuracy per seed.
const spec = parseSweepFile(parseYaml(readFileSync(tableFile, "utf8")));
const nus = z.array(z.number()).parse(spec.search["model.nu"]);
const rates = z.array(z.number()).parse(spec.search["train.learningRate"]);
log(`table: ${tableFile} in ${values.db} (runs or resumes the sweep; about 10 min the first time)`);
const ran = spawnSync(
  process.execPath,
  [join(repo, "apps", "cli", "bin", "tailsweep.mjs"), "sweep", "run", tableFile],
  {
    env: { ...process.env, TAILSWEEP_DB_DIR: values.db, DATABASE_URL: "", NATS_URL: "" },
    stdio: ["ignore", values.json ? "ignore" : "inherit", "inherit"],
  },
);
if (ran.status !== 0) {
  process.stderr.write(`tpe-real: tailsweep sweep run ${tableFile} exited ${ran.status}\n`);
  process.exit(1);
}
const opened = await openRunStore({ pgliteDir: values.db, databaseUrl: "" });
/** cell[i][j]: seed → balanced accuracy, at ν = nus[i] and learning rate = rates[j]. */
const cell = nus.map(() => rates.map(() => new Map<number, number>()));
try {
  // The sweep this file makes (its id is the hash of its resolved spec): an edited file is a new table, never the old.
  const sweep = await opened.store.getSweep(sweepIdFor(spec));
  if (sweep?.status !== "completed")
    throw new Error(`the sweep of ${tableFile} did not complete in ${values.db}`);
  const trials = await opened.store.listTrials(sweep.id);
  for (const t of trials) {
    const result = t.state === "succeeded" ? await opened.store.getResult(t.id) : undefined;
    const value = result && metricOf(result.metrics, "balancedAccuracy");
    if (value === undefined) continue;
    const i = nus.indexOf(Number(t.params["model.nu"]));
    const j = rates.indexOf(Number(t.params["train.learningRate"]));
    cell[i]![j]!.set(t.seed, value);
  }
} finally {
  await opened.close();
}
const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
const cellMean = (i: number, j: number, seeds: readonly number[]) =>
  mean(seeds.map((s) => cell[i]![j]!.get(s)!));
const cells = nus.flatMap((_, i) => rates.map((_, j) => ({ i, j })));
const missing = cells.filter(({ i, j }) =>
  [...SEARCH_SEEDS, ...HELD_OUT_SEEDS].some((s) => !cell[i]![j]!.has(s)),
);
if (missing.length > 0) {
  process.stderr.write(
    `tpe-real: ${missing.length} cells lack a seed's result (a failed trial); rerun to retry\n`,
  );
  process.exit(1);
}
const heldOut = (i: number, j: number) => cellMean(i, j, HELD_OUT_SEEDS);

// 2. The replays: each returns, after every configuration, the held-out value of the configuration it would pick.
type Method = "random" | "grid" | "tpe" | "tpe×2";
const methods: Method[] = ["random", "grid", "tpe", "tpe×2"];
const indexSpec: Pick<SweepSpec, "search" | "budget" | "samplerSeed" | "objective" | "objectives" | "tpe"> = {
  search: {
    nu: { distribution: "int", low: 0, high: nus.length - 1 },
    lr: { distribution: "int", low: 0, high: rates.length - 1 },
  },
  budget,
  samplerSeed: 0,
  objective: { metric: "balancedAccuracy", direction: "maximize" },
  objectives: undefined,
  tpe: { startup: STARTUP, parallel: 1 },
};
const at = (p: Record<string, unknown>) => ({ i: Number(p.nu), j: Number(p.lr) });

function replay(method: Method, rep: number): number[] {
  const picks: number[] = [];
  let best = { seen: Number.NEGATIVE_INFINITY, heldOut: Number.NaN };
  const observe = ({ i, j }: { i: number; j: number }) => {
    const seen = cellMean(i, j, SEARCH_SEEDS);
    if (seen > best.seen) best = { seen, heldOut: heldOut(i, j) };
    picks.push(best.heldOut);
  };
  if (method === "random" || method === "grid") {
    const pool =
      method === "random"
        ? cells
        : cells.filter(({ i, j }) => [0, 2, 3, 5].includes(i) && [0, 2, 3, 5].includes(j));
    const order = randomStream(rep, `bench-tpe-real/${method}`).permutation(pool.length);
    for (const k of order.slice(0, budget)) observe(pool[k]!);
    return picks;
  }
  // The controller's loop in miniature: configurations finish in the order they were proposed, and after each one
  // finishes the proposer is asked for as many as keep `parallel` in flight.
  const parallel = method === "tpe" ? 1 : 2;
  const settings = { ...indexSpec, samplerSeed: rep, tpe: { startup: STARTUP, parallel } };
  const configurations: TpeConfiguration[] = [];
  let clock = 0;
  for (;;) {
    const { proposals } = nextTpeProposals(settings, configurations);
    for (const params of proposals)
      configurations.push({
        configKey: configKey(params), // the key the proposer compares with: a repeat is then seen as one
        params,
        index: configurations.length,
        open: true,
        finishedAt: 0,
        values: [],
      });
    const next = configurations.find((c) => c.open);
    if (!next) return picks;
    const { i, j } = at(next.params);
    next.open = false;
    next.finishedAt = ++clock;
    next.values = SEARCH_SEEDS.map((seed) => ({ seed, value: cell[i]![j]!.get(seed)! }));
    observe({ i, j });
  }
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const curves: Record<Method, number[][]> = {
  random: [],
  grid: [],
  tpe: [],
  "tpe×2": [],
};
for (const m of methods) curves[m] = Array.from({ length: reps }, (_, rep) => replay(m, rep + 1));
const checkpoints = [4, 8, 12, budget].filter((t, k, a) => t <= budget && a.indexOf(t) === k);
const medianPick = Object.fromEntries(
  methods.map((m) => [
    m,
    Object.fromEntries(checkpoints.map((t) => [t, median(curves[m].map((c) => c[t - 1]!))])),
  ]),
);
const toReachRandomFinal = Object.fromEntries(
  (["random", "tpe", "tpe×2", "grid"] as const).map((m) => {
    const ts = curves[m].map((c, rep) => {
      const t = c.findIndex((v) => v >= curves.random[rep]![budget - 1]! - 1e-12);
      return t < 0 ? Number.POSITIVE_INFINITY : t + 1;
    });
    return [
      m,
      {
        median: median(ts),
        min: Math.min(...ts),
        max: Math.max(...ts),
        never: ts.filter((t) => !Number.isFinite(t)).length,
        share: median(ts) / budget,
      },
    ];
  }),
);
const tpeAhead = curves.tpe.filter((c, rep) => c[budget - 1]! > curves.random[rep]![budget - 1]!).length;
const tpeBehind = curves.tpe.filter((c, rep) => c[budget - 1]! < curves.random[rep]![budget - 1]!).length;

// The table's spread, and how far seeds 1–2 predict seeds 3–4 (Pearson's r over the 36 cells).
const seen = cells.map(({ i, j }) => cellMean(i, j, SEARCH_SEEDS));
const held = cells.map(({ i, j }) => heldOut(i, j));
const [ms, mh] = [mean(seen), mean(held)];
const r =
  seen.reduce((s, x, k) => s + (x - ms) * (held[k]! - mh), 0) /
  Math.sqrt(seen.reduce((s, x) => s + (x - ms) ** 2, 0) * held.reduce((s, y) => s + (y - mh) ** 2, 0));
const table = {
  cells: cells.length,
  bestHeldOut: Math.max(...held),
  medianHeldOut: median(held),
  worstHeldOut: Math.min(...held),
  pearsonSeenHeldOut: r,
};
const result = {
  settings: { reps, budget, startup: STARTUP, SEARCH_SEEDS, HELD_OUT_SEEDS },
  table,
  medianPick,
  toReachRandomFinal,
  tpeAhead,
  tpeBehind,
};
if (values.json) console.log(JSON.stringify(result, null, 2));
else {
  const pct = (x: number) => (100 * x).toFixed(1);
  log(
    `table: ${cells.length} cells (ν ${nus.join(", ")} × learning rate ${rates.join(", ")}); held-out balanced accuracy best ${pct(table.bestHeldOut)} %, median ${pct(table.medianHeldOut)} %, worst ${pct(table.worstHeldOut)} %; seeds 1–2 vs 3–4 Pearson r = ${r.toFixed(2)}`,
  );
  log(
    `median over ${reps} sampler seeds of the picked configuration's held-out balanced accuracy (%) after t configurations`,
  );
  log(`  ${"t".padEnd(8)}${checkpoints.map((t) => String(t).padStart(8)).join("")}`);
  for (const m of methods)
    log(`  ${m.padEnd(8)}${checkpoints.map((t) => pct(medianPick[m]![t]!).padStart(8)).join("")}`);
  const count = (t: number) => (Number.isFinite(t) ? String(t) : "never");
  for (const [m, v] of Object.entries(toReachRandomFinal))
    log(
      `  ${m}: configurations to reach random search's value after ${budget}: median ${count(v.median)} (range ${count(v.min)}–${count(v.max)}; not within ${budget} on ${v.never} of ${reps} sampler seeds)${Number.isFinite(v.share) ? ` = ${(100 * v.share).toFixed(0)} % of ${budget}` : ""}`,
    );
  log(
    `  after ${budget}: TPE ahead of random on ${tpeAhead}, behind on ${tpeBehind}, tied on ${reps - tpeAhead - tpeBehind} of ${reps} sampler seeds`,
  );
}
