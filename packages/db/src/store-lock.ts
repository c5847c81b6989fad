import { hostname } from "node:os";
import path from "node:path";
import { UnavailableError } from "@tailsweep/schemas";
import { type HeldLock, type LockHolder, tryLockFile } from "./lock-file";

/** The lock file an open embedded store keeps in its folder while one process has it open. */
export const STORE_LOCK_FILE = "tailsweep.lock";

/** The stable code of {@link StoreLockedError}. */
export const STORE_LOCKED_CODE = "STORE_LOCKED";

/** Who holds an embedded store: what its lock file says. */
export type StoreLockHolder = LockHolder;

/**
 * The embedded store (PGlite) is open in another process — or already in this one. PGlite serves one process: a
 * second one writing the same folder would corrupt it. Unavailable (exit 7, HTTP 503): the same command works once
 * the holder stops.
 */
export class StoreLockedError extends UnavailableError {
  constructor(
    readonly dir: string,
    readonly holder: StoreLockHolder,
  ) {
    const who =
      holder.pid === process.pid && holder.host === hostname()
        ? `this process (pid ${holder.pid}) has it open already`
        : `process ${holder.pid}${holder.host === hostname() ? "" : ` on ${holder.host}`} (${holder.command}) has it open since ${holder.since}`;
    super(
      STORE_LOCKED_CODE,
      `the embedded store ${dir} is in use: ${who}. PGlite serves one process at a time: wait for that process ` +
        "to end or stop it (while it runs, tailsweep commands that read or launch through the API — sweep status, " +
        "watch, compare, and submit through tailsweep ui — reach the store through it); for several " +
        `processes on one store, use PostgreSQL (DATABASE_URL). If no such process runs, delete ${path.join(dir, STORE_LOCK_FILE)}.`,
    );
    this.name = "StoreLockedError";
  }
}

/** An embedded store held by this process; `release` (idempotent) removes the lock if it is still this one's. */
export type StoreLock = HeldLock;

/**
 * Takes the embedded store in `dir` (an existing folder) for this process through its lock file `dir/tailsweep.lock`
 * ({@link tryLockFile}: a lock whose process is gone is taken over); one held by a live process — or by this process
 * already — is refused with {@link StoreLockedError}.
 */
export async function lockStore(dir: string, now = new Date()): Promise<StoreLock> {
  const taken = await tryLockFile(path.join(dir, STORE_LOCK_FILE), now);
  if ("holder" in taken) throw new StoreLockedError(dir, taken.holder);
  return taken;
}
