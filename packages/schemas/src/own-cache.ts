// Caches that a process loads from (a compiled library, a database template) must be this user's own: on a machine
// with a shared /tmp, another user could otherwise plant a file there. Node-only: the `./own-cache` entry, never the
// package's main one, which the dashboard's browser code imports.
import { lstatSync, mkdirSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";

/** The process's user id, where the platform has one. */
const uid = typeof process.getuid === "function" ? process.getuid() : undefined;

/**
 * Refuses a path another user could have written: it must be what `kind` says (no symlink), owned by this user, and
 * writable by no group or other user.
 */
export function assertOwn(path: string, kind: "directory" | "file"): void {
  const stat = lstatSync(path);
  if (kind === "directory" ? !stat.isDirectory() : !stat.isFile())
    throw new Error(`${path} is not a ${kind} (a link or something else)`);
  if (uid !== undefined && stat.uid !== uid) throw new Error(`${path} belongs to another user`);
  if ((stat.mode & 0o022) !== 0) throw new Error(`${path} is writable by others`);
}

/** Where a cache named `name` may live, in order: the user's ~/.cache/tailsweep, then the temporary folder. */
export function cacheDirCandidates(name: string): string[] {
  return [join(homedir(), ".cache", "tailsweep", name), join(tmpdir(), `tailsweep-${name}-${uid ?? "user"}`)];
}

/** `dir` made if absent (this user's only) and checked as {@link assertOwn}; throws when it is not this user's own. */
export function ownDir(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  assertOwn(dir, "directory");
  return dir;
}
