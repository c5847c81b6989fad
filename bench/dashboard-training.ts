// The sweep page while the dashboard's own process trains (issue #20: "sweep page server p95 ≤ 300 ms while a worker
// trains in the same process"). `tailsweep ui --workers 1` on a fresh embedded store (PGlite), the quick preset
// (examples/quick.yaml, 8 trials) launched through the dashboard's API, then the sweep's page fetched again and again
// until the sweep ends, each fetch timed from the request to the last byte of the streamed page (every section) and
// counted from the first trial's end (the first trial's start, a thread's included, is not training yet); after the
// sweep ends, as many fetches again with nothing training, for reference. Between fetches a status call (itself a
// request) tells whether the sweep is still running. An older commit (checked out into a
// temporary git worktree, installed offline, its dashboard built there) runs the same rounds, interleaved, the order
// alternating: the ratio of the p95s while training is this checkout's against it. Also printed: how long each sweep
// took from launch to its end, and that ratio: what pages first costs training when pages are fetched back to back.
// --seeded: the store starts with bench/dashboard-queries.ts's two sweeps (1,000 finished trials × 50 epochs each,
// seeded once and copied for every round) and the page fetched is the first of them (`/sweeps/sweep-a`: a large
// page whose statistics are CPU work of their own) while the quick sweep trains beside it.
// Ratios are withheld when the 1-minute load before the bench is above --max-load or other processes took more than
// --max-foreign of the machine's CPU time during the rounds (bench/cpu-load.ts).
// Usage: node --import tsx bench/dashboard-training.ts [--base <commit>] [--rounds 2] [--gap-ms 200] [--seeded]
//        [--max-load 1] [--max-foreign 0.1] [--keep] [--json]
// (default base: 2622ae5, before the dashboard trained on threads). About 10 min, more when a dashboard is built.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { cpSync, createWriteStream, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { openRunStore } from "@tailsweep/db";
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
import { seedDashboard } from "./dashboard-queries";
import { freePort } from "./free-port";
import { quantile, type Summary, summarise } from "./summary";

const { values } = parseArgs({
  options: {
    ...beforeAfterArgs({ base: "2622ae5", rounds: 2 }),
    "gap-ms": { type: "string", default: "200" },
    seeded: { type: "boolean", default: false },
  },
});
const options = benchOptions(
  "dashboard-training",
  z.object({ ...beforeAfterSchema, gapMs: z.number().int().min(0).max(10_000) }),
  { ...beforeAfterValues(values), gapMs: Number(values["gap-ms"]) },
);
const checkout = baseCheckout("dashboard-training", options.base);
const { work, baseCommit, headCommit, dirty, sides } = checkout;
const old = sides[0].root;
const log = (line: string) => {
  if (!values.json) console.log(line);
};
const cacheDir = join(work, "cache");
const seededStore = join(work, "seeded");

const Launched = z.object({ result: z.object({ data: z.object({ id: z.string() }) }) });
const Overview = z.object({
  result: z.object({ data: z.object({ status: z.string(), progress: z.object({ done: z.number() }) }) }),
});
const FINAL = new Set(["completed", "failed", "cancelled"]);

/** The dashboards running now, stopped (their process groups) when the bench is interrupted. */
const running = new Set<ChildProcess>();
const ended = (ui: ChildProcess) => ui.exitCode !== null || ui.signalCode !== null;

/** `tailsweep ui --workers 1` of the side on a fresh embedded store, in its own process group; resolves once it answers. */
async function startUi(root: string, tag: string): Promise<{ url: string; ui: ChildProcess }> {
  const port = await freePort();
  if (values.seeded) cpSync(seededStore, join(work, `db-${tag}`), { recursive: true });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TAILSWEEP_DB_DIR: join(work, `db-${tag}`),
    TAILSWEEP_ARTIFACTS_DIR: join(work, `artifacts-${tag}`),
    TAILSWEEP_CACHE_DIR: cacheDir,
    NEXT_TELEMETRY_DISABLED: "1",
  };
  for (const key of ["DATABASE_URL", "NATS_URL"]) delete env[key];
  const ui = spawn(
    process.execPath,
    [join(root, "apps/cli/bin/tailsweep.mjs"), "ui", "--port", String(port), "--workers", "1"],
    { cwd: root, env, detached: true, stdio: ["ignore", "ignore", "pipe"] },
  );
  running.add(ui);
  ui.stderr?.pipe(createWriteStream(join(work, `ui-${tag}.log`)));
  const url = `http://127.0.0.1:${port}`;
  // the first start of a side may build its dashboard (minutes)
  const end = Date.now() + 15 * 60_000;
  try {
    for (;;) {
      if (ended(ui))
        throw new Error(`tailsweep ui exited (${ui.exitCode ?? ui.signalCode}): see ${work}/ui-${tag}.log`);
      if (
        await fetch(url).then(
          (r) => r.ok,
          () => false,
        )
      )
        return { url, ui };
      if (Date.now() > end) throw new Error(`tailsweep ui did not answer: see ${work}/ui-${tag}.log`);
      await new Promise((r) => setTimeout(r, 250));
    }
  } catch (e) {
    await stopUi(ui);
    throw e;
  }
}

/** A signal to the dashboard's process group, which may have gone already. */
function signalGroup(ui: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (!ended(ui) && ui.pid !== undefined) process.kill(-ui.pid, signal);
  } catch {}
}

/** SIGTERM to the dashboard's process group, SIGKILL after a minute; resolves once it has exited. */
async function stopUi(ui: ChildProcess): Promise<void> {
  if (!ended(ui)) {
    const exited = once(ui, "exit");
    signalGroup(ui, "SIGTERM");
    const killer = setTimeout(() => signalGroup(ui, "SIGKILL"), 60_000);
    await exited;
    clearTimeout(killer);
  }
  running.delete(ui);
}

/** Milliseconds from the request to the last byte of the page. */
async function pageMs(url: string): Promise<number> {
  const t0 = performance.now();
  const response = await fetch(url);
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return performance.now() - t0;
}

async function status(url: string, id: string): Promise<{ status: string; done: number }> {
  const input = encodeURIComponent(JSON.stringify({ id }));
  const response = await fetch(`${url}/api/trpc/sweeps.get?input=${input}`);
  const { status, progress } = Overview.parse(await response.json()).result.data;
  return { status, done: progress.done };
}

interface Round {
  training: number[];
  idle: number[];
  sweepSeconds: number;
}

/** One side's round: launch the quick sweep, fetch its page until it ends, then as often with nothing training. */
async function round(root: string, tag: string): Promise<Round> {
  const { url, ui } = await startUi(root, tag);
  try {
    const launchedAt = performance.now();
    const response = await fetch(`${url}/api/trpc/sweeps.launch`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: url },
      body: JSON.stringify({ yaml: readFileSync(join(root, "examples/quick.yaml"), "utf8") }),
    });
    if (!response.ok) throw new Error(`launch: ${response.status} ${await response.text()}`);
    const { id } = Launched.parse(await response.json()).result.data;
    const page = `${url}/sweeps/${encodeURIComponent(values.seeded ? "sweep-a" : id)}`;
    const training: number[] = [];
    let sweepSeconds = 0;
    let trainedBefore = false;
    for (;;) {
      const ms = await pageMs(page);
      const now = await status(url, id);
      if (FINAL.has(now.status)) {
        sweepSeconds = (performance.now() - launchedAt) / 1000;
        if (now.status !== "completed")
          throw new Error(`sweep ${id} ended ${now.status}: see ${work}/ui-${tag}.log`);
        break;
      }
      // counted only when a trial had ended before the page was asked for and the sweep still ran after it was whole
      if (trainedBefore) training.push(ms);
      trainedBefore = now.done > 0;
      await new Promise((r) => setTimeout(r, options.gapMs));
    }
    const idle: number[] = [];
    for (let i = 0; i < Math.max(5, training.length); i++) {
      idle.push(await pageMs(page));
      await new Promise((r) => setTimeout(r, options.gapMs));
    }
    return { training, idle, sweepSeconds };
  } finally {
    await stopUi(ui);
    rmSync(join(work, `db-${tag}`), { recursive: true, force: true });
    rmSync(join(work, `artifacts-${tag}`), { recursive: true, force: true });
  }
}

/** Interrupted: the dashboards' process groups are stopped and the worktree and folder removed before exiting. */
function cleanUp(): void {
  for (const ui of running) signalGroup(ui, "SIGKILL");
  checkout.remove(values.keep);
}
for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.once(signal, () => {
    cleanUp();
    process.exit(signal === "SIGINT" ? 130 : 143);
  });

const loadBefore = loadAverage();
try {
  log(`checking out ${baseCommit} into ${old} and installing it offline…`);
  checkout.install();
  log(
    `1-min load ${loadBefore.toFixed(2)}; a warm-up round per side (its dashboard built where missing, the image cache), then ${options.rounds} rounds`,
  );
  if (values.seeded) {
    const t0 = performance.now();
    const opened = await openRunStore({ pgliteDir: seededStore });
    await seedDashboard(opened.store);
    await opened.close();
    log(
      `seeded 2,000 trials × 50 epochs into the embedded store in ${((performance.now() - t0) / 1000).toFixed(0)} s`,
    );
  }
  for (const [i, side] of sides.entries()) await round(side.root, `warm-${i}`);
  const rounds: Round[][] = sides.map(() => []);
  const started = cpuReading();
  for (let r = 0; r < options.rounds; r++) {
    const order = r % 2 === 0 ? [0, 1] : [1, 0];
    for (const i of order) rounds[i]!.push(await round(sides[i]!.root, `${r}-${i}`));
    log(
      `round ${r + 1}: ${sides
        .map((s, i) => {
          const last = rounds[i]!.at(-1)!;
          return `${s.name} p95 ${quantile(last.training, 0.95).toFixed(0)} ms training (${last.training.length} pages), ${quantile(last.idle, 0.95).toFixed(0)} ms idle, sweep ${last.sweepSeconds.toFixed(1)} s`;
        })
        .join("; ")}`,
    );
  }
  const foreign = foreignCpuShare(started);
  const summary = rounds.map((side) => {
    const training = side.flatMap((r) => r.training);
    const idle = side.flatMap((r) => r.idle);
    return {
      training: {
        pages: training.length,
        p50: quantile(training, 0.5),
        p95: quantile(training, 0.95),
        max: Math.max(...training),
      },
      idle: { pages: idle.length, p50: quantile(idle, 0.5), p95: quantile(idle, 0.95) },
      sweepSeconds: summarise(side.map((r) => r.sweepSeconds)),
    };
  });
  const withheld = withheldBecause(options, loadBefore, foreign);
  const ratio = summary[1]!.training.p95 / summary[0]!.training.p95;
  const sweepRatio = summary[1]!.sweepSeconds.median / summary[0]!.sweepSeconds.median;
  const TARGET_MS = 300;
  if (values.json)
    console.log(
      JSON.stringify({
        page: values.seeded ? "a seeded sweep of 1,000 trials" : "the training sweep's own",
        base: { commit: baseCommit, ...summary[0] },
        head: { commit: headCommit, dirty, ...summary[1] },
        loadBefore,
        foreignCpuShare: foreign,
        p95Ratio: withheld ? null : ratio,
        sweepTimeRatio: withheld ? null : sweepRatio,
        withheld,
      }),
    );
  else {
    const fmt = (s: Summary) => `${s.median.toFixed(1)} s [${s.min.toFixed(1)}–${s.max.toFixed(1)}]`;
    log(
      `\n${values.seeded ? "a seeded 1,000-trial sweep's page while `tailsweep ui --workers 1` trains the quick sweep" : "the quick sweep's page while `tailsweep ui --workers 1` trains it"} (whole page, every section), ms:`,
    );
    for (const [i, side] of sides.entries()) {
      const s = summary[i]!;
      log(
        `  ${side.name}: training p50 ${s.training.p50.toFixed(0)}, p95 ${s.training.p95.toFixed(0)}, max ${s.training.max.toFixed(0)} (${s.training.pages} pages; target p95 ≤ ${TARGET_MS}: ${(s.training.p95 / TARGET_MS).toFixed(2)}); idle p50 ${s.idle.p50.toFixed(0)}, p95 ${s.idle.p95.toFixed(0)}; sweep ${fmt(s.sweepSeconds)}`,
      );
    }
    log(
      withheld
        ? `ratios withheld: ${withheld} (measured p95 ${ratio.toFixed(2)}, sweep time ${sweepRatio.toFixed(2)})`
        : `this checkout / base: p95 while training ${ratio.toFixed(2)}, the sweep's time ${sweepRatio.toFixed(2)}`,
    );
  }
} finally {
  cleanUp();
}
