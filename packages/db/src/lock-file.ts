import { randomUUID } from "node:crypto";
import { closeSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import path from "node:path";
import { codeOf } from "@tailsweep/schemas";
import { z } from "zod";

/**
 * A lock file that one process at a time holds: the embedded store's (store-lock.ts) and the dashboard build's
 * (`tailsweep ui`). Its own module, without Prisma or PGlite, so that a command which only builds loads neither.
 */

/** Who holds a lock file: what it says. */
/** A lock file's record as another process wrote it: its command and time may be missing (an older version's). */
const LockHolderSchema = z.object({
  pid: z.number().int(),
  host: z.string(),
  command: z.string().catch("?"),
  since: z.string().catch("?"),
  token: z.string(),
});

export interface LockHolder {
  pid: number;
  host: string;
  /** The holder's command line, shortened (`tailsweep.mjs ui --port 3000`). */
  command: string;
  /** When it took the lock (ISO 8601). */
  since: string;
  /** This taking's own mark, so that a holder removes only its own lock. */
  token: string;
}

/** A lock file held by this process; `release` (idempotent) removes it if it is still this one's. */
export interface HeldLock {
  readonly file: string;
  release(): void;
}

/** The lock files this process holds, shared by every copy of this module (Next bundles packages into each route). */
const HELD_KEY = Symbol.for("tailsweep.store-locks");
const registry = globalThis as { [HELD_KEY]?: Set<string> };
registry[HELD_KEY] ??= new Set();
const held: Set<string> = registry[HELD_KEY];

/** How long a takeover guard, or a lock file being written, may look unfinished before it counts as abandoned. */
const ABANDONED_MS = 10_000;

/**
 * Takes the lock file `file` (in an existing folder) for this process, creating it atomically (O_EXCL) with this
 * process's pid, host and a token of its own; a lock whose process is gone (it was killed) is taken over, under a guard
 * that keeps two processes taking over at once from removing each other's new lock. Returns the held lock, or
 * `{ holder }` where a live process — or this one already — has it. The lock goes on `release()`, and at exit if the
 * process ends without it.
 */
export async function tryLockFile(
  file: string,
  now = new Date(),
): Promise<HeldLock | { holder: LockHolder }> {
  const resolved = path.resolve(file);
  const me: LockHolder = {
    pid: process.pid,
    host: hostname(),
    command: commandLine(),
    since: now.toISOString(),
    token: randomUUID(),
  };
  // Bounded: a lock left half-written is stale after ABANDONED_MS; a takeover guard left behind too.
  const deadline = Date.now() + 2 * ABANDONED_MS;
  for (;;) {
    if (create(resolved, `${JSON.stringify(me)}\n`)) break;
    const holder = readHolder(resolved);
    if (holder === "gone") continue;
    if (holder !== "unfinished" && alive(holder, resolved)) return { holder };
    if (Date.now() > deadline) return { holder: holder === "unfinished" ? unknownHolder() : holder };
    // Unfinished: another process is writing its lock right now, readable in a moment. Stale: its process is gone,
    // so it is removed, under a guard that keeps two processes taking over from removing each other's new lock.
    if (holder === "unfinished" || !removeStale(resolved, holder)) await pause(20);
  }
  held.add(resolved);
  const atExit = () => release();
  process.once("exit", atExit);
  let released = false;
  function release(): void {
    if (released) return;
    released = true;
    process.removeListener("exit", atExit);
    held.delete(resolved);
    const current = readHolder(resolved);
    if (typeof current === "object" && current.token === me.token) unlinkQuietly(resolved);
  }
  return { file: resolved, release };
}

/** Creates `file` with `content` unless it exists (O_CREAT | O_EXCL): true when this call made it. */
function create(file: string, content: string): boolean {
  let fd: number;
  try {
    fd = openSync(file, "wx", 0o644);
  } catch (e) {
    if (codeOf(e) === "EEXIST") return false;
    throw e;
  }
  try {
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
  return true;
}

/**
 * What a lock file says: its holder; "gone" when it vanished meanwhile; "unfinished" while it does not parse and is
 * new (its writer is between open and write). One that stays unreadable for {@link ABANDONED_MS} is stale: its
 * holder is reported as pid 0, which no process has.
 */
function readHolder(file: string): LockHolder | "gone" | "unfinished" {
  let text: string;
  let age: number;
  try {
    age = Date.now() - statSync(file).mtimeMs;
    text = readFileSync(file, "utf8");
  } catch (e) {
    if (codeOf(e) === "ENOENT") return "gone";
    throw e;
  }
  let record: unknown;
  try {
    record = JSON.parse(text);
  } catch {
    // not (yet) a whole holder record
  }
  const holder = LockHolderSchema.safeParse(record);
  if (holder.success) return holder.data;
  return age < ABANDONED_MS ? "unfinished" : { ...unknownHolder(), token: `unreadable:${text}` };
}

const unknownHolder = (): LockHolder => ({
  pid: 0,
  host: hostname(),
  command: "?",
  since: "?",
  token: "?",
});

/**
 * Whether the holder may still hold the lock: a live process on this machine (EPERM: alive, another user's), or any
 * process on another machine (a shared folder; its processes cannot be checked from here). This process counts when
 * it holds the file now; an older lock with this pid is a dead process's whose pid came round again.
 */
function alive(holder: LockHolder, file: string): boolean {
  if (holder.host !== hostname()) return true;
  if (holder.pid <= 0) return false;
  if (holder.pid === process.pid) return held.has(file);
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (e) {
    return codeOf(e) === "EPERM";
  }
}

/**
 * Removes the lock of a process that is gone, if the file still holds that lock once this process holds the takeover
 * guard (`<file>.takeover`, O_EXCL): a process that took the lock over meanwhile keeps its new one. False when another
 * process holds the guard (try again shortly).
 */
function removeStale(file: string, stale: LockHolder): boolean {
  const guard = `${file}.takeover`;
  if (!create(guard, `${process.pid}\n`)) {
    try {
      if (Date.now() - statSync(guard).mtimeMs > ABANDONED_MS) unlinkQuietly(guard);
    } catch {
      // gone already
    }
    return false;
  }
  try {
    const current = readHolder(file);
    if (typeof current === "object" && current.token === stale.token && current.pid === stale.pid)
      unlinkQuietly(file);
    return true;
  } finally {
    unlinkQuietly(guard);
  }
}

function unlinkQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch (e) {
    if (codeOf(e) !== "ENOENT") throw e;
  }
}

/** This process's command line as people know it: the script's file name and its arguments. */
function commandLine(): string {
  const [script, ...args] = process.argv.slice(1);
  const text = [script ? path.basename(script) : path.basename(process.execPath), ...args].join(" ");
  return text.length > 160 ? `${text.slice(0, 157)}…` : text;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
