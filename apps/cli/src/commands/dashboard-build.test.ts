import { spawn } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { hostname, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { ensureDashboardBuild, staleBuildReason, withBuildLock } from "./dashboard-build";

/** A checkout's layout: apps/web with its build, and a workspace package, every file dated `at` (seconds). */
function checkout(at: number) {
  const root = mkdtempSync(join(tmpdir(), "tailsweep-build-"));
  const web = join(root, "apps", "web");
  const packages = join(root, "packages");
  const files = [
    join(web, "src", "app", "page.tsx"),
    join(web, "node_modules", "next", "index.js"),
    join(web, "next-env.d.ts"),
    join(packages, "schemas", "src", "sweep.ts"),
    join(packages, "schemas", "node_modules", "zod", "index.js"),
  ];
  for (const file of files) {
    mkdirSync(join(file, ".."), { recursive: true });
    writeFileSync(file, "");
  }
  // every file and folder dated `at`, as a checkout made then
  for (const file of files)
    for (let path = file; path.length > root.length; path = dirname(path)) utimesSync(path, at, at);
  return { root, web, packages };
}

const build = (web: string, at: number) => {
  mkdirSync(join(web, ".next"), { recursive: true });
  writeFileSync(join(web, ".next", "BUILD_ID"), "x");
  utimesSync(join(web, ".next", "BUILD_ID"), at, at);
};

describe("staleBuildReason", () => {
  it("asks for a build where there is none, and none where the build is newer than every source", () => {
    const { web, packages } = checkout(1000);
    expect(staleBuildReason(web, packages)).toBe("no build yet");
    build(web, 2000);
    expect(staleBuildReason(web, packages)).toBeUndefined();
  });

  it("names the dashboard's or a bundled package's source changed since, and not installed packages or Next's own files", () => {
    const { web, packages } = checkout(1000);
    build(web, 2000);
    for (const written of [
      join(web, "node_modules", "next", "index.js"),
      join(web, "next-env.d.ts"),
      join(packages, "schemas", "node_modules", "zod", "index.js"),
    ])
      utimesSync(written, 3000, 3000);
    expect(staleBuildReason(web, packages)).toBeUndefined();
    utimesSync(join(packages, "schemas", "src", "sweep.ts"), 3000, 3000);
    expect(staleBuildReason(web, packages)).toBe(
      "packages/schemas/src/sweep.ts changed since the last build",
    );
    build(web, 4000);
    utimesSync(join(web, "src", "app", "page.tsx"), 5000, 5000);
    expect(staleBuildReason(web, packages)).toBe("apps/web/src/app/page.tsx changed since the last build");
  });
});

describe("staleBuildReason, for what no file's time shows", () => {
  it("sees a source deleted since the build (its folder's time), the lockfile, and no dot folder", () => {
    const { web, packages, root } = checkout(1000);
    build(web, 2000);
    mkdirSync(join(web, ".turbo"));
    writeFileSync(join(web, ".turbo", "log"), "");
    expect(staleBuildReason(web, packages)).toBeUndefined();
    rmSync(join(packages, "schemas", "src", "sweep.ts"));
    expect(staleBuildReason(web, packages)).toBe("packages/schemas/src changed since the last build");
    build(web, Date.now() / 1000 + 10);
    const lockfile = join(root, "pnpm-lock.yaml");
    writeFileSync(lockfile, "");
    utimesSync(lockfile, Date.now() / 1000 + 20, Date.now() / 1000 + 20);
    expect(staleBuildReason(web, packages, lockfile)).toBe("pnpm-lock.yaml changed since the last build");
  });
});

describe("withBuildLock", () => {
  it("takes over the lock of a process that is gone, and waits for one that lives", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tailsweep-lock-"));
    const lock = join(dir, "build.lock");
    const holding = (pid: number, command: string) =>
      writeFileSync(lock, JSON.stringify({ pid, host: hostname(), command, since: "", token: "theirs" }));
    holding(2147483646, "gone"); // no such process
    const said: string[] = [];
    expect(
      await withBuildLock(
        lock,
        () => "built",
        (line) => said.push(line),
      ),
    ).toBe("built");
    expect(existsSync(lock)).toBe(false);
    // an earlier version's lock (its holder's pid alone), left long ago
    writeFileSync(lock, "2147483646");
    utimesSync(lock, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    expect(
      await withBuildLock(
        lock,
        () => "again",
        (line) => said.push(line),
      ),
    ).toBe("again");
    expect(said).toEqual([]);
    // held by a live process until it lets go
    const other = spawn("sleep", ["30"]);
    try {
      holding(other.pid!, "tailsweep.mjs ui");
      setTimeout(() => rmSync(lock), 300);
      const whileHeld = await withBuildLock(
        lock,
        () => JSON.parse(readFileSync(lock, "utf8")).pid,
        (line) => said.push(line),
      );
      expect(whileHeld).toBe(process.pid);
      expect(said).toEqual([
        `waiting for process ${other.pid} (tailsweep.mjs ui), which is building the dashboard…`,
      ]);
      expect(existsSync(lock)).toBe(false);
    } finally {
      other.kill();
    }
  });
});

describe("ensureDashboardBuild", () => {
  it("serves a current build without the lock, where node_modules cannot even hold one (a read-only install)", async () => {
    const { web } = checkout(1000);
    build(web, 2000);
    // a lock file cannot be made in a node_modules that is a file: taking the lock, as it always did, fails
    rmSync(join(web, "node_modules"), { recursive: true });
    writeFileSync(join(web, "node_modules"), "");
    let builds = 0;
    const said: string[] = [];
    await ensureDashboardBuild({ web, rebuild: false, build: () => builds++, log: (l) => said.push(l) });
    expect([builds, said]).toEqual([0, []]);
  });

  it("refuses a build out of date where it may not write, with the command that builds it", async () => {
    const { web } = checkout(1000);
    let builds = 0;
    const attempt = ensureDashboardBuild({
      web,
      rebuild: false,
      build: () => builds++,
      log: () => {},
      writable: () => false,
    });
    await expect(attempt).rejects.toMatchObject({
      code: "DASHBOARD_BUILD_STALE",
      message: expect.stringMatching(
        /^the dashboard's build is out of date \(no build yet\): .*node_modules is not writable by this process\. Build it where it is installed, as its owner \(infra\/README\.md\): cd apps\/web && NEXT_TELEMETRY_DISABLED=1 TAILSWEEP_DB_DIR=memory node_modules\/\.bin\/next build$/,
      ),
    });
    expect(builds).toBe(0);
  });

  it("builds once what is out of date, under the lock, dating the build from when it began", async () => {
    const { web } = checkout(1000);
    const said: string[] = [];
    const before = Date.now();
    await ensureDashboardBuild({ web, rebuild: false, build: () => build(web, 1), log: (l) => said.push(l) });
    expect(said).toEqual(["building the dashboard (no build yet)…"]);
    const builtAt = statSync(join(web, ".next", "BUILD_ID")).mtimeMs;
    expect(builtAt).toBeGreaterThanOrEqual(before - 1000);
    // current now: no build, and --rebuild builds again
    await ensureDashboardBuild({
      web,
      rebuild: false,
      build: () => said.push("built"),
      log: (l) => said.push(l),
    });
    await ensureDashboardBuild({
      web,
      rebuild: true,
      build: () => said.push("built"),
      log: (l) => said.push(l),
    });
    expect(said.slice(1)).toEqual(["building the dashboard (--rebuild)…", "built"]);
    expect(existsSync(join(web, "node_modules", ".tailsweep-build.lock"))).toBe(false);
  });
});
