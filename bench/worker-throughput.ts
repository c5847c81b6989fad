// Worker throughput: the same sweep of short real trials (the quick example's data, model and training, one variant,
// identical cost per trial) run by `tailsweep worker --concurrency 1` and then `--concurrency 2`, over NATS
// JetStream with a controller in this script and PostgreSQL as the store. Prints trials per minute for each and the
// ratio (target: 2 workers ≥ 1.8× one on a 2-core machine). Workers are started and ready before the clock starts.
// Needs PostgreSQL (TEST_DATABASE_URL or the local trust default) and NATS with JetStream (NATS_URL or local).
// Usage: node --import tsx bench/worker-throughput.ts [trials=8] [--json]
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { NatsBus } from "@tailsweep/bus";
import { Controller } from "@tailsweep/controller";
import { openRunStore } from "@tailsweep/db";
import { parseSweepFile } from "@tailsweep/schemas";
import pg from "pg";
import { parse } from "yaml";

const args = process.argv.slice(2);
const json = args.includes("--json");
const trials = Number(args.find((a) => !a.startsWith("--")) ?? 8);
const server = process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
const servers = process.env.NATS_URL ?? "127.0.0.1:4222";
const root = join(import.meta.dirname, "..");
const bin = join(root, "apps", "cli", "bin", "tailsweep.mjs");
const prefix = `throughput${process.pid}`;

async function admin(sql: string) {
  const c = new pg.Client({ connectionString: server });
  await c.connect();
  await c.query(sql);
  await c.end();
}

/** Starts `tailsweep worker --concurrency n` and resolves once all n processes say they are ready. */
async function startWorkers(n: number): Promise<ChildProcess> {
  const proc = spawn(process.execPath, [bin, "worker", "--concurrency", String(n)], {
    env: { ...process.env, NATS_URL: servers, TAILSWEEP_NATS_PREFIX: prefix },
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

const quick = parse(
  (await import("node:fs")).readFileSync(join(root, "examples", "quick.yaml"), "utf8"),
) as Record<string, unknown>;

const name = `tailsweep_throughput_${process.pid}`;
await admin(`DROP DATABASE IF EXISTS ${name}`);
await admin(`CREATE DATABASE ${name}`);
const url = new URL(server);
url.pathname = `/${name}`;
const opened = await openRunStore({ databaseUrl: url.toString() });
const bus = await NatsBus.connect({ servers, prefix });
const controller = new Controller(opened.store, bus, { reapEveryMs: 60_000 });
await controller.start();

const perMinute: Record<number, number> = {};
try {
  for (const n of [1, 2]) {
    const workers = await startWorkers(n);
    try {
      const spec = parseSweepFile({ ...quick, name: `throughput-${n}`, search: {}, seeds: trials });
      const t0 = performance.now();
      const sweep = await controller.submit(spec);
      for (;;) {
        const s = await opened.store.getSweep(sweep.id);
        if (s?.status === "completed") break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const seconds = (performance.now() - t0) / 1000;
      const failed = (await opened.store.listTrials(sweep.id)).filter((t) => t.state !== "succeeded");
      if (failed.length > 0) throw new Error(`${failed.length} trials did not succeed: ${failed[0]!.error}`);
      perMinute[n] = (trials / seconds) * 60;
      if (!json) console.error(`${n} worker(s): ${trials} trials in ${seconds.toFixed(1)} s`);
    } finally {
      await stopWorkers(workers);
    }
  }
} finally {
  await controller.stop();
  await bus.deleteStreams();
  await bus.close();
  await opened.close();
  await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}

const ratio = perMinute[2]! / perMinute[1]!;
if (json) {
  console.log(JSON.stringify({ trials, trialsPerMinute: perMinute, ratio }, null, 2));
} else {
  console.log(`worker throughput, ${trials} quick-example trials, NATS + PostgreSQL`);
  console.log(`1 worker    ${perMinute[1]!.toFixed(1).padStart(6)} trials/min`);
  console.log(`2 workers   ${perMinute[2]!.toFixed(1).padStart(6)} trials/min   ratio ${ratio.toFixed(2)}×`);
}
process.exit(0);
