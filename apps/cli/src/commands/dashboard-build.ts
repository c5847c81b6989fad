import { accessSync, constants, existsSync, readdirSync, statSync, utimesSync } from "node:fs";
import { hostname } from "node:os";
import { join, relative } from "node:path";
import { tryLockFile } from "@tailsweep/db/lock-file";
import { AppError } from "@tailsweep/schemas";

/**
 * What lies among the dashboard's sources without being one: its build, installed packages, test output, and the
 * type declarations Next writes itself (next-env.d.ts), which would make every build out of date at once. Dot folders
 * (.turbo, a .tailsweep store) are no sources either.
 */
const NOT_SOURCES = new Set(["node_modules", ".next", "dist", "coverage", "next-env.d.ts"]);

const isSource = (name: string) =>
  !NOT_SOURCES.has(name) && !name.startsWith(".") && !name.endsWith(".tsbuildinfo");

/**
 * The files under `dir`, and the folders inside a `src` tree: a folder's time changes when a file in it is added,
 * renamed or deleted, which no remaining file's time shows. (Not the folders above src: a build or an install writes
 * beside those.)
 */
function* entriesUnder(dir: string, inSrc = false): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!isSource(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      const src = inSrc || entry.name === "src";
      if (src) yield path;
      yield* entriesUnder(path, src);
    } else if (entry.isFile()) yield path;
  }
}

/**
 * Why the dashboard's build is out of date, or undefined when it is not: no build yet, or something it is built from —
 * the dashboard's own files (apps/web), a workspace package it bundles (packages/*) or the lockfile — changed after
 * the build began (BUILD_ID carries that time: ensureDashboardBuild dates it so). A checkout pulled or edited since would otherwise
 * be served as it was built, without a word.
 */
export function staleBuildReason(web: string, packages: string, lockfile?: string): string | undefined {
  const buildId = join(web, ".next", "BUILD_ID");
  if (!existsSync(buildId)) return "no build yet";
  const builtAt = statSync(buildId).mtimeMs;
  const root = join(web, "..", "..");
  const changed = (path: string) => (statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? 0) > builtAt;
  if (lockfile && changed(lockfile)) return `${relative(root, lockfile)} changed since the last build`;
  for (const dir of [web, packages])
    for (const path of entriesUnder(dir))
      if (changed(path)) return `${relative(root, path)} changed since the last build`;
  return undefined;
}

/**
 * Runs `f` holding the build lock `path` ({@link tryLockFile}, as the embedded store's): two `tailsweep ui` started
 * together after a pull would otherwise both build into the same .next, one under the other's feet. A lock whose
 * process is gone is taken over; while its process lives, this waits, saying so once.
 */
export async function withBuildLock<T>(path: string, f: () => T, log: (line: string) => void): Promise<T> {
  let said = false;
  for (;;) {
    const taken = await tryLockFile(path);
    if (!("holder" in taken))
      try {
        return f();
      } finally {
        taken.release();
      }
    if (!said)
      log(
        `waiting for process ${taken.holder.pid}${taken.holder.host === hostname() ? "" : ` on ${taken.holder.host}`} (${taken.holder.command}), which is building the dashboard…`,
      );
    said = true;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** Whether this process may create files in `folder` (no on a read-only mount, or a tree another user owns). */
export function isWritable(folder: string): boolean {
  try {
    accessSync(folder, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** How the dashboard is built by hand (the build opens a store: one in memory, not the user's folder). */
export const DASHBOARD_BUILD_COMMAND =
  "cd apps/web && NEXT_TELEMETRY_DISABLED=1 TAILSWEEP_DB_DIR=memory node_modules/.bin/next build";

/**
 * Builds the dashboard (`build`) where its build is out of date ({@link staleBuildReason}) or `rebuild` asks, under
 * the build lock in its node_modules (ignored by git and by the staleness check, and there whenever next is), the
 * staleness checked again once the lock is held, in case another process built meanwhile. A current build is served
 * without the lock: an install built once and then made read-only (the systemd units' ProtectSystem=strict, the
 * Docker image's root-owned tree run as another user) could not create it, and `tailsweep ui` refused to start. One
 * out of date where this process may not write is refused, with the command that builds it.
 */
export async function ensureDashboardBuild(o: {
  web: string;
  rebuild: boolean;
  build: () => void;
  log: (line: string) => void;
  writable?: (folder: string) => boolean;
}): Promise<void> {
  const root = join(o.web, "..", "..");
  const staleness = () =>
    o.rebuild ? "--rebuild" : staleBuildReason(o.web, join(root, "packages"), join(root, "pnpm-lock.yaml"));
  const modules = join(o.web, "node_modules");
  const lock = join(modules, ".tailsweep-build.lock");
  const stale = staleness();
  // Next writes BUILD_ID before the pages: a build under way looks current, so a lock file there is waited for.
  if (!stale && !existsSync(lock)) return;
  if (stale && !(o.writable ?? isWritable)(modules))
    throw new AppError(
      "DASHBOARD_BUILD_STALE",
      "invalid",
      `${stale === "--rebuild" ? "--rebuild: the dashboard cannot be rebuilt here" : `the dashboard's build is out of date (${stale})`}: ${modules} is not writable by this process. Build it where it is installed, as its owner (infra/README.md): ${DASHBOARD_BUILD_COMMAND}`,
    );
  await withBuildLock(
    lock,
    () => {
      const still = staleness();
      if (!still) return;
      o.log(`building the dashboard (${still})…`);
      const started = new Date();
      o.build();
      // dated when the build began, so that an edit made while it ran counts as after it
      utimesSync(join(o.web, ".next", "BUILD_ID"), started, started);
    },
    o.log,
  );
}
