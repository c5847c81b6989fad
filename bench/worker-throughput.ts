// Worker throughput: the same sweep of short real trials (the quick example's data, model and training, one variant,
// identical cost per trial) run by `tailsweep worker --concurrency 1` and then `--concurrency 2`, over NATS
// JetStream with a controller in this script and PostgreSQL as the store. Prints trials per minute for each and the
// ratio (target: 2 workers ≥ 1.8× one on a 2-core machine). Workers are started, ready and warmed up by one trial
// each before the clock starts. It also prints the CPU time the worker processes spend per trial: when that stays
// flat from 1 to 2 workers while the ratio falls short of 2, the cores are the limit, not dispatch. And the peak
// resident memory of a worker process (its trial thread included, on the wasm and cpu backends), the largest of the
// group's.
// Needs PostgreSQL (TEST_DATABASE_URL or the local trust default) and NATS with JetStream (NATS_URL or local).
// Usage: node --import tsx bench/worker-throughput.ts [trials=8] [--json]
import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Controller } from "@tailsweep/controller";
import { parseSweepFile } from "@tailsweep/schemas";
import { parse } from "yaml";
import { freshDeployment, natsServers } from "./deployment";

const args = process.argv.slice(2);
const json = args.includes("--json");
const trials = Number(args.find((a) => !a.startsWith("--")) ?? 8);
const root = join(import.meta.dirname, "..");
const bin = join(root, "apps", "cli", "bin", "tailsweep.mjs");
const prefix = `throughput${process.pid}`;

/** Starts `tailsweep worker --concurrency n` and resolves once all n processes say they are ready. */
async function startWorkers(n: number): Promise<ChildProcess> {
  const proc = spawn(process.execPath, [bin, "worker", "--concurrency", String(n)], {
    env: { ...process.env, NATS_URL: natsServers, TAILSWEEP_NATS_PREFIX: prefix },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let ready = 0;
  let output = "";
  await new Promise<void>((resolve, reject) => {
    proc.stderr!.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      ready = output.match(/ ready \(/g)?.length ?? 0;
      if (ready >= n) resolve();
    });
    proc.once("exit", (code) => reject(new Error(`tailsweep worker exited (${code}):\n${output}`)));
  });
  return proc;
}

async function stopWorkers(proc: ChildProcess): Promise<void> {
  const exited = new Promise((r) => proc.once("exit", r));
  proc.kill("SIGTERM");
  await exited;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const quick = parse(readFileSync(join(root, "examples", "quick.yaml"), "utf8")) as Record<string, unknown>;

const deployment = await freshDeployment("throughput", prefix);
const { opened, bus } = deployment;
const controller = new Controller(opened.store, bus, { reapEveryMs: 60_000 });
await controller.start();

/** Every live process from Linux /proc: command name, parent and CPU seconds so far (empty elsewhere). */
function processes(): Map<number, { name: string; ppid: number; cpu: number }> {
  const tick = 100; // USER_HZ on Linux
  const stats = new Map<number, { name: string; ppid: number; cpu: number }>();
  try {
    for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        // The command name is in parentheses and may itself hold spaces or parentheses.
        const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
        const f = stat.slice(stat.lastIndexOf(") ") + 2).split(" ");
        stats.set(Number(pid), { name, ppid: Number(f[1]), cpu: (Number(f[11]) + Number(f[12])) / tick });
      } catch {
        // the process ended meanwhile
      }
    }
  } catch {
    // no /proc
  }
  return stats;
}

/** A process and its descendants that are still alive, with their stats (none without /proc). */
function processTree(root: number): [number, { name: string; ppid: number; cpu: number }][] {
  const stats = processes();
  const inTree = (pid: number): boolean => pid === root || (pid > 1 && inTree(stats.get(pid)?.ppid ?? 0));
  return [...stats].filter(([pid]) => inTree(pid));
}

/** CPU seconds used so far by a process and its children that are still alive (0 without /proc). */
function treeCpuSeconds(root: number): number {
  return processTree(root).reduce((sum, [, s]) => sum + s.cpu, 0);
}

/** The largest peak resident set (VmHWM, MiB) among a process and its live children (NaN without /proc). */
function treePeakRssMiB(root: number): number {
  const peaks = processTree(root).map(([pid]) => {
    try {
      const kib = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
      return kib === undefined ? Number.NaN : Number(kib) / 1024;
    } catch {
      return Number.NaN; // the process ended meanwhile
    }
  });
  const read = peaks.filter(Number.isFinite);
  return read.length > 0 ? Math.max(...read) : Number.NaN;
}

/**
 * CPU seconds so far of everything else the sweep needs on this machine: this process (the controller), the
 * PostgreSQL backends and nats-server.
 */
function serviceCpuSeconds(): number {
  const own = process.cpuUsage();
  const services = [...processes().values()].filter((p) => p.name === "postgres" || p.name === "nats-server");
  return (own.user + own.system) / 1e6 + services.reduce((sum, p) => sum + p.cpu, 0);
}

async function runSweep(label: string, count: number): Promise<{ seconds: number; id: string }> {
  const spec = parseSweepFile({ ...quick, name: label, search: {}, seeds: count });
  const submittedAt = Date.now();
  const sweep = await controller.submit(spec);
  // Polling costs CPU the workers need, so poll seldom and time the sweep by its last trial's finish instead.
  while ((await opened.store.getSweep(sweep.id))?.status !== "completed") await sleep(1_000);
  const done = await opened.store.listTrials(sweep.id);
  const failed = done.filter((t) => t.state !== "succeeded");
  if (failed.length > 0) throw new Error(`${failed.length} trials did not succeed: ${failed[0]!.error}`);
  const lastFinish = Math.max(...done.map((t) => t.finishedAt!.getTime()));
  return { seconds: (lastFinish - submittedAt) / 1000, id: sweep.id };
}

interface Measured {
  trialsPerMinute: number;
  /** Mean seconds a trial took on its worker, from claim to result. */
  trialSeconds: number;
  /** CPU seconds the worker processes used per trial: constant if nothing but the machine's cores limits them. */
  workerCpuPerTrial: number;
  /** CPU seconds per trial of the controller (this process), PostgreSQL and NATS together. */
  serviceCpuPerTrial: number;
  /** The largest peak resident memory of one worker process, MiB: what a worker process costs a machine. */
  peakRssMiBPerProcess: number;
}

const results: Record<number, Measured> = {};
try {
  for (const n of [1, 2]) {
    const workers = await startWorkers(n);
    try {
      // One trial per worker first, so JIT and wasm tier-up are done (a real sweep runs many trials per worker).
      await runSweep(`warm-up-${n}`, n);
      const cpu0 = treeCpuSeconds(workers.pid!);
      const services0 = serviceCpuSeconds();
      const { seconds, id } = await runSweep(`throughput-${n}`, trials);
      const cpu = treeCpuSeconds(workers.pid!) - cpu0;
      const serviceCpu = serviceCpuSeconds() - services0;
      const done = await opened.store.listTrials(id);
      const busy = done.map((t) => (t.finishedAt!.getTime() - t.startedAt!.getTime()) / 1000);
      results[n] = {
        trialsPerMinute: (trials / seconds) * 60,
        trialSeconds: busy.reduce((a, b) => a + b, 0) / busy.length,
        workerCpuPerTrial: cpu / trials,
        serviceCpuPerTrial: serviceCpu / trials,
        peakRssMiBPerProcess: treePeakRssMiB(workers.pid!),
      };
      if (!json) console.error(`${n} worker(s): ${trials} trials in ${seconds.toFixed(1)} s`);
    } finally {
      await stopWorkers(workers);
    }
  }
} finally {
  await controller.stop();
  await deployment.drop();
}

const ratio = results[2]!.trialsPerMinute / results[1]!.trialsPerMinute;
if (json) {
  console.log(JSON.stringify({ trials, workers: results, ratio }, null, 2));
} else {
  console.log(
    `worker throughput, ${trials} quick-example trials after a warm-up trial per worker, NATS + PostgreSQL`,
  );
  console.log(
    `${"".padEnd(11)}${"trials/min".padStart(12)}${"s per trial".padStart(13)}${"worker CPU s/trial".padStart(20)}${"services CPU s/trial".padStart(22)}${"peak MiB/process".padStart(18)}`,
  );
  for (const n of [1, 2]) {
    const m = results[n]!;
    console.log(
      `${`${n} worker${n > 1 ? "s" : ""}`.padEnd(11)}${m.trialsPerMinute.toFixed(1).padStart(12)}${m.trialSeconds.toFixed(2).padStart(13)}${m.workerCpuPerTrial.toFixed(2).padStart(20)}${m.serviceCpuPerTrial.toFixed(3).padStart(22)}${m.peakRssMiBPerProcess.toFixed(0).padStart(18)}`,
    );
  }
  console.log(`ratio 2 : 1 = ${ratio.toFixed(2)}×   (target ≥ 1.80×)`);
}
process.exit(0);
