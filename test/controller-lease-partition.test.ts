// A controller's host cut off the network for real, the failure the lease's keepalive settings are for
// (packages/db/src/controller-lease.ts): no FIN, no RST, every packet between it and PostgreSQL silently dropped.
// The holder runs in a network namespace of its own, linked to the root namespace by a veth pair whose root side
// PostgreSQL (a cluster of this test's) listens on; a standby waits in the root namespace. The cut is a blackhole
// route on each side. What must hold: the holder says it lost the lease within its own check (5 s, each check given
// 5 s), the server drops its session within its keepalive (10 s idle, then 3 probes 5 s apart, or 25 s unacknowledged)
// so the standby takes over, and the holder has stopped before the standby starts: never two writers.
//
// Needs root (ip netns, veth); scripts/test-setup.sh says so before the suite starts. What is made here is named after
// this process (tsl<pid>…), torn down in afterAll, and a run killed before its afterAll is cleaned up by the next one.
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { acquireControllerLease, type ControllerLease } from "@tailsweep/db";
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest";
import { freePort, startPostgres, stopAll, waitFor } from "./harness";
import { alive, freeLinkNet, ip } from "./netns";

const root = join(__dirname, "..");
const tag = `tsl${process.pid}`;
const ns = `${tag}-h`;
const link = `${tag}a`;
const cleanups: (() => void)[] = [];

/** Namespaces and links of runs that died before their afterAll. */
function removeStale(): void {
  for (const line of ip("netns", "list").split("\n")) {
    const m = /^(tsl(\d+))-h\b/.exec(line);
    if (!m || alive(Number(m[2]))) continue;
    for (const args of [
      ["netns", "del", `${m[1]}-h`],
      ["link", "del", `${m[1]}a`],
    ])
      try {
        ip(...args);
      } catch {
        // already gone
      }
  }
}

let server = "";
let holderAddress = "";
let port = 0;

beforeAll(async () => {
  removeStale();
  const [rootSide, holderSide] = freeLinkNet(64, 4096);
  server = rootSide;
  holderAddress = holderSide;
  ip("netns", "add", ns);
  cleanups.push(() => ip("netns", "del", ns));
  ip("link", "add", "name", link, "type", "veth", "peer", "name", "eth0", "netns", ns);
  cleanups.push(() => {
    if (ip("-o", "link", "show").includes(` ${link}@`)) ip("link", "del", link);
  });
  ip("addr", "add", `${rootSide}/30`, "dev", link);
  ip("link", "set", link, "up");
  ip("-n", ns, "addr", "add", `${holderSide}/30`, "dev", "eth0");
  ip("-n", ns, "link", "set", "eth0", "up");
  ip("-n", ns, "link", "set", "lo", "up");
  port = await freePort();
  await startPostgres(port, { address: rootSide, clients: `${holderSide}/32` });
}, 60_000);

afterAll(async () => {
  await stopAll();
  for (const undo of cleanups.reverse())
    try {
      undo();
    } catch {
      // torn down already
    }
});

interface HolderEvent {
  event: "held" | "lost";
  at: number;
  reason?: string;
}

describe("a controller lease holder cut off the network", () => {
  it("gives the lease up itself, and the standby takes it over within the server's keepalive, after", async () => {
    const events: HolderEvent[] = [];
    let output = "";
    const holder: ChildProcess = spawn(
      "ip",
      [
        "netns",
        "exec",
        ns,
        process.execPath,
        "--import",
        "tsx",
        join(root, "test", "lease-holder.ts"),
        `postgresql://postgres@${server}:${port}/postgres`,
      ],
      { cwd: root, stdio: ["ignore", "pipe", "pipe"] },
    );
    cleanups.push(() => holder.kill("SIGKILL"));
    // by whole lines: a chunk may end mid-line
    let pending = "";
    holder.stdout?.on("data", (d: Buffer) => {
      output += d;
      const lines = (pending + String(d)).split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines.filter(Boolean)) events.push(JSON.parse(line));
    });
    holder.stderr?.on("data", (d: Buffer) => {
      output += d;
    });
    const waits: string[] = [];
    onTestFailed(() => {
      console.error(`holder:\n${output}\nstandby saw: ${JSON.stringify(waits)}`);
    });
    await waitFor(async () => events.some((e) => e.event === "held"), "the holder to take the lease", 30_000);

    const aborting = new AbortController();
    cleanups.push(() => aborting.abort());
    let tookOver = 0;
    const standby = acquireControllerLease(`postgresql://postgres@127.0.0.1:${port}/postgres`, {
      holder: "tailsweep controller standby",
      retryMs: 250,
      onWait: (h) => waits.push(h),
      signal: aborting.signal,
    }).then((lease) => {
      tookOver = Date.now();
      return lease;
    });
    await waitFor(async () => waits.length > 0, "the standby to wait", 15_000);
    // it names the holder on the other host
    expect(waits[0]).toContain(`tailsweep controller partition-test`);
    expect(waits[0]).toContain(`from ${holderAddress}`);

    // the cut: whatever either side sends to the other is dropped without a word
    const cut = Date.now();
    ip("route", "add", "blackhole", `${holderAddress}/32`);
    cleanups.push(() => ip("route", "del", "blackhole", `${holderAddress}/32`));
    ip("-n", ns, "route", "add", "blackhole", `${server}/32`);

    let lease: ControllerLease | undefined;
    try {
      lease = await Promise.race([
        standby,
        new Promise<undefined>((r) => setTimeout(() => r(undefined), 90_000).unref()),
      ]);
      expect(lease, "the standby took the lease over within 90 s").toBeDefined();
      const lost = events.find((e) => e.event === "lost");
      expect(lost, "the holder said it lost the lease").toBeDefined();
      const holderGaveUp = lost!.at - cut;
      const standbyTookOver = tookOver - cut;
      console.log(
        `cut at 0: holder gave up at ${(holderGaveUp / 1000).toFixed(1)} s (${lost!.reason}), standby took over at ${(standbyTookOver / 1000).toFixed(1)} s`,
      );
      // its own check: one interval and one check's timeout, with a second of slack
      expect(holderGaveUp).toBeLessThan(11_000);
      // the server's keepalive: not before its idle time, within its probes (and the standby's retry) with slack
      expect(standbyTookOver).toBeGreaterThan(10_000);
      expect(standbyTookOver).toBeLessThan(45_000);
      // never two writers: the holder had stopped before the standby started
      expect(lost!.at).toBeLessThan(tookOver);
    } finally {
      aborting.abort();
      await lease?.release();
    }
  }, 150_000);
});
