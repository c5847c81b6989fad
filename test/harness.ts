// Real infrastructure for the fault tests: NATS servers and a PostgreSQL cluster of a test's own on loopback ports,
// tailsweep processes (controller, workers, CLI), and small sweep files. Everything started here is stopped by
// `stopAll` (call it in afterAll), whatever the outcome.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { appendFileSync, chownSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { connect, createServer as createNetServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { freshDatabase as freshTestDatabase } from "./fresh-database";

const root = join(__dirname, "..");
export const bin = join(root, "apps", "cli", "bin", "tailsweep.mjs");
const children = new Set<ChildProcess>();
/** The tailsweep processes still running, for the story a timed-out wait tells. */
const running = new Set<Tailsweep>();
const cleanups: (() => Promise<void>)[] = [];

/**
 * Undoes what was set up, newest first (in-process workers and connections while their servers still run; each
 * step given 15 s), then kills every process started here.
 */
export async function stopAll(): Promise<void> {
  for (const f of cleanups.reverse())
    await Promise.race([f().catch(() => {}), new Promise((r) => setTimeout(r, 15_000).unref())]);
  cleanups.length = 0;
  for (const c of children) c.kill("SIGKILL");
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, "127.0.0.1");
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

export async function waitFor(
  check: () => Promise<boolean>,
  what: string,
  timeoutMs = 120_000,
): Promise<void> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}${processTails()}`);
    await sleep(250);
  }
}

/**
 * The last lines each running tailsweep process wrote: a drill that times out on a loaded CI machine is seldom
 * reproduced by hand, so the failure itself must say what the controller and workers were doing.
 */
function processTails(lines = 30): string {
  return [...running]
    .map((p) => {
      const tail = p.log().trimEnd().split("\n").slice(-lines).join("\n    ");
      return `\n--- tailsweep ${p.spawnargs.slice(2).join(" ")} (pid ${p.pid}), last lines:\n    ${tail}`;
    })
    .join("");
}

async function stopProcess(p: ChildProcess | undefined, signal: NodeJS.Signals): Promise<void> {
  if (!p || p.exitCode !== null || p.signalCode !== null) return;
  const exited = new Promise((r) => p.once("exit", r));
  p.kill(signal);
  await exited;
  children.delete(p);
}

/** A NATS server with JetStream on a port of its own: stop, start again, or wipe its storage (a lost disk). */
export async function startNats(port: number) {
  const store = mkdtempSync(join(tmpdir(), "tailsweep-nats-"));
  let proc: ChildProcess | undefined;
  const start = async () => {
    proc = spawn("nats-server", ["-a", "127.0.0.1", "-p", String(port), "-js", "-sd", store], {
      stdio: "ignore",
    });
    children.add(proc);
    await waitFor(() => portOpen(port), "nats-server", 20_000);
  };
  const stop = () => stopProcess(proc, "SIGTERM");
  const wipe = () => {
    for (const entry of readdirSync(store)) rmSync(join(store, entry), { recursive: true, force: true });
  };
  await start();
  cleanups.push(stop);
  return { url: `nats://127.0.0.1:${port}`, start, stop, wipe };
}

/**
 * A PostgreSQL cluster of the test's own (the machine's server is not ours to stop): initdb in a temporary
 * folder, run as the postgres user, on `port`. `stop` is an immediate shutdown (what a crash or a failover looks
 * like to clients); `start` brings the same data back. `network`: it also listens on `address` (a test's own, in
 * 10.200.0.0/16) and trusts clients from `clients` (CIDR), for hosts in network namespaces.
 */
export async function startPostgres(port: number, network?: { address: string; clients: string }) {
  const version = readdirSync("/usr/lib/postgresql")
    .sort((a, b) => Number(a) - Number(b))
    .at(-1)!;
  const pgBin = `/usr/lib/postgresql/${version}/bin`;
  const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
  const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
  const dir = mkdtempSync(join(tmpdir(), "tailsweep-pg-"));
  chownSync(dir, uid, gid);
  const data = join(dir, "data");
  execFileSync(join(pgBin, "initdb"), ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync"], {
    uid,
    gid,
    stdio: "ignore",
  });
  if (network) appendFileSync(join(data, "pg_hba.conf"), `host all all ${network.clients} trust\n`);
  const listen = ["127.0.0.1", ...(network ? [network.address] : [])].join(",");
  let proc: ChildProcess | undefined;
  const url = `postgresql://postgres@127.0.0.1:${port}/postgres`;
  const start = async () => {
    proc = spawn(
      join(pgBin, "postgres"),
      ["-D", data, "-p", String(port), "-k", dir, "-c", `listen_addresses=${listen}`, "-c", "fsync=off"],
      { uid, gid, stdio: "ignore" },
    );
    children.add(proc);
    await waitFor(() => portOpen(port), "postgres", 30_000);
    // The port opens before recovery ends: ready when a query answers.
    await waitFor(
      async () => {
        const c = new pg.Client({ connectionString: url });
        try {
          await c.connect();
          await c.query("SELECT 1");
          return true;
        } catch {
          return false;
        } finally {
          await c.end().catch(() => {});
        }
      },
      "postgres to answer",
      30_000,
    );
  };
  const stop = () => stopProcess(proc, "SIGQUIT");
  await start();
  cleanups.push(async () => {
    await stop();
    rmSync(dir, { recursive: true, force: true });
  });
  return { url, start, stop };
}

/** A fresh database on the machine's PostgreSQL server, dropped at the end. */
export async function freshDatabase(label = "faults"): Promise<string> {
  const db = await freshTestDatabase(label);
  cleanups.push(db.drop);
  return db.url;
}

export type Tailsweep = ChildProcess & { log: () => string };

/** Starts `tailsweep …` as a process of its own; its stderr (and stdout) are kept for `log()`. */
export function tailsweep(
  args: string[],
  env: Record<string, string | undefined>,
  options: { detached?: boolean } = {},
): Tailsweep {
  const p = spawn(process.execPath, [bin, ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: options.detached ?? false,
  }) as Tailsweep;
  let out = "";
  const keep = (d: Buffer) => {
    out += d;
    if (out.length > 40_000) out = out.slice(-20_000);
  };
  p.stdout!.on("data", keep);
  p.stderr!.on("data", keep);
  p.log = () => out;
  children.add(p);
  running.add(p);
  p.once("exit", () => {
    children.delete(p);
    running.delete(p);
  });
  return p;
}

/**
 * The process's exit code once it has exited and its output has all been read: "exit" can come before the last
 * chunks of a pipe are delivered (a CLI that writes its answer and exits at once), "close" comes after them.
 */
export function exited(p: ChildProcess): Promise<number | null> {
  const drained = [p.stdout, p.stderr].every((s) => !s || s.closed);
  if ((p.exitCode !== null || p.signalCode !== null) && drained) return Promise.resolve(p.exitCode);
  return new Promise((r) => p.once("close", (code) => r(code)));
}

/** Waits until `count` workers have said they are ready in the logs of `procs` (a parent logs for its children). */
export async function workersReady(procs: Tailsweep[], count: number): Promise<void> {
  const ready = () => procs.reduce((n, p) => n + p.log().split(" ready (").length - 1, 0);
  await waitFor(async () => ready() >= count, `${count} workers to be ready`, 60_000);
}

/** Runs a tailsweep command to its end; throws with its output unless it exits 0. Returns its output. */
export async function run(args: string[], env: Record<string, string | undefined>): Promise<string> {
  const p = tailsweep(args, env);
  const code = await exited(p);
  if (code !== 0) throw new Error(`tailsweep ${args.join(" ")} exited ${code}: ${p.log()}`);
  return p.log();
}

/**
 * Batches of 8 rather than 64: the tests exercise what happens to trials, not what they learn, and a step of the
 * semi-supervised model on 784-pixel views takes about a quarter of the time (0.5 s against 1.8 s on one core).
 */
export const SMALL_BATCHES = { labeledBatchSize: 8, unlabeledBatchSize: 8 } as const;

/**
 * A small sweep file (100 images per head class, tiny layers) in project `faults`: `steps` steps per epoch set how
 * long a trial takes. `execution` overrides the 2 s heartbeats (stale after 6 s) and 3 attempts.
 */
export function sweepFile(
  name: string,
  search: Record<string, unknown>,
  seeds: number,
  steps: number,
  execution: Record<string, unknown> = {},
  epochs = 3,
  /** More top-level fields (method, budget, tpe). */
  more: Record<string, unknown> = {},
): string {
  const file = join(mkdtempSync(join(tmpdir(), "tailsweep-sweep-")), `${name}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      name,
      project: "faults",
      dataset: { name: "mnist-2view", headCount: 100, testPerClass: 20, imbalanceRatio: 10, labelRatio: 0.2 },
      model: { encoderWidths: [32], decoderWidths: [32], classifierWidths: [32], latentDim: 4 },
      train: { epochs, maxStepsPerEpoch: steps, evalEvery: 1, ...SMALL_BATCHES },
      search,
      seeds,
      execution: { maxAttempts: 3, heartbeatSeconds: 2, trialTimeoutSeconds: 600, ...execution },
      ...more,
    }),
  );
  return file;
}

/** Registers a cleanup to run in `stopAll`. */
export function onStop(f: () => Promise<void>): void {
  cleanups.push(f);
}

/**
 * A loopback TCP port nothing listens on now (the kernel's pick), for a server a test starts: fixed ports collide when
 * two suites run at once on one machine (a CI run beside a developer's).
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error("no port from the kernel"))));
    });
  });
}
