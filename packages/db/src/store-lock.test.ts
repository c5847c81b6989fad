// Issue #20: two processes could open the same embedded store, and PGlite serves one. Real processes here: one holds
// the store, another is refused with a coded error naming the folder and the holder; a killed holder's lock is taken
// over; a clean close frees the store.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openRunStore } from "./open-run-store";
import { STORE_LOCK_FILE, StoreLockedError } from "./store-lock";

const scratch = mkdtempSync(join(tmpdir(), "tailsweep-lock-"));
const openRunStorePath = join(__dirname, "open-run-store.ts");

/** `node --import tsx` on a script that opens the store in `dir`, says "open" and holds it until stdin ends. */
const HOLDER = `
import { openRunStore } from ${JSON.stringify(openRunStorePath)};
const opened = await openRunStore({ pgliteDir: process.argv[2] });
if (process.argv[3]) await opened.access.createUser({ email: process.argv[3], name: "holder" });
process.stdout.write("open\\n");
process.stdin.resume();
process.stdin.once("end", async () => { await opened.close(); process.exit(0); });
`;
/** The same, but it reports what opening did as one JSON line and closes at once. */
const OPENER = `
import { openRunStore } from ${JSON.stringify(openRunStorePath)};
try {
  const opened = await openRunStore({ pgliteDir: process.argv[2] });
  const user = process.argv[3] ? await opened.access.getUserByEmail(process.argv[3]) : undefined;
  await opened.close();
  console.log(JSON.stringify({ opened: true, found: user?.email ?? null }));
} catch (e) {
  console.log(JSON.stringify({ opened: false, name: e.name, code: e.code, category: e.category, message: e.message }));
}
`;
const holderScript = join(scratch, "hold.mts");
const openerScript = join(scratch, "open.mts");
writeFileSync(holderScript, HOLDER);
writeFileSync(openerScript, OPENER);

const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
});

/** A process holding the store in `dir` (resolved once it says so). */
async function hold(dir: string, email?: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", holderScript, dir, ...(email ? [email] : [])], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (d: Buffer) => d.toString().includes("open") && resolve());
    child.once("exit", (code) => reject(new Error(`the holder exited (${code}) before opening the store`)));
  });
  return child;
}

const exited = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise<void>((resolve) => child.once("exit", () => resolve()));

/** What another process's openRunStore on `dir` did. */
function openElsewhere(dir: string, email?: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) =>
    execFile(
      process.execPath,
      ["--import", "tsx", openerScript, dir, ...(email ? [email] : [])],
      (error, stdout, stderr) =>
        error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(JSON.parse(stdout.trim())),
    ),
  );
}

describe("the embedded store serves one process (issue #20)", { timeout: 240_000 }, () => {
  it("refuses a second process while one holds it, naming the folder, the holder and what to do; frees it on close", async () => {
    const dir = join(scratch, "shared", "db");
    const holder = await hold(dir);
    const lock = JSON.parse(readFileSync(join(dir, STORE_LOCK_FILE), "utf8")) as { pid: number };
    expect(lock.pid).toBe(holder.pid);

    const refused = await openElsewhere(dir);
    expect(refused).toMatchObject({
      opened: false,
      name: "StoreLockedError",
      code: "STORE_LOCKED",
      category: "unavailable",
    });
    expect(refused.message).toContain(
      `the embedded store ${dir} is in use: process ${holder.pid} (hold.mts `,
    );
    expect(refused.message).toContain("PGlite serves one process at a time");
    expect(refused.message).toContain("tailsweep ui");
    expect(refused.message).toContain("PostgreSQL (DATABASE_URL)");
    // This process too: it is another process than the holder.
    await expect(openRunStore({ pgliteDir: dir })).rejects.toMatchObject({
      code: "STORE_LOCKED",
      category: "unavailable",
    });

    holder.stdin!.end();
    await exited(holder);
    expect(existsSync(join(dir, STORE_LOCK_FILE))).toBe(false);
    expect(await openElsewhere(dir)).toEqual({ opened: true, found: null });
  });

  it("takes over the lock of a holder that was killed, and finds what it stored", async () => {
    const dir = join(scratch, "killed", "db");
    const holder = await hold(dir, "ada@example.org");
    holder.kill("SIGKILL");
    await exited(holder);
    // The lock is still there, naming a process that is gone.
    expect(JSON.parse(readFileSync(join(dir, STORE_LOCK_FILE), "utf8"))).toMatchObject({ pid: holder.pid });
    expect(await openElsewhere(dir, "ada@example.org")).toEqual({ opened: true, found: "ada@example.org" });
    expect(existsSync(join(dir, STORE_LOCK_FILE))).toBe(false);
  });

  it("refuses a second opening in the same process, and opens again after close", async () => {
    const dir = join(scratch, "same", "db");
    const first = await openRunStore({ pgliteDir: dir });
    const second = await openRunStore({ pgliteDir: dir }).catch((e: unknown) => e);
    expect(second).toBeInstanceOf(StoreLockedError);
    expect((second as Error).message).toContain(`this process (pid ${process.pid}) has it open already`);
    await first.close();
    const again = await openRunStore({ pgliteDir: dir });
    await again.close();
  });

  it("takes over a lock left by an earlier process with this pid, or left unreadable", async () => {
    const dir = join(scratch, "leftover", "db");
    mkdirSync(dir, { recursive: true });
    const file = join(dir, STORE_LOCK_FILE);
    writeFileSync(file, JSON.stringify({ pid: process.pid, host: hostname(), token: "old" }));
    const opened = await openRunStore({ pgliteDir: dir });
    expect(JSON.parse(readFileSync(file, "utf8")).token).not.toBe("old");
    await opened.close();
    expect(existsSync(file)).toBe(false);
    // A lock its writer never finished (killed between creating and writing it), older than a moment.
    writeFileSync(file, "");
    const minuteAgo = new Date(Date.now() - 60_000);
    utimesSync(file, minuteAgo, minuteAgo);
    const reopened = await openRunStore({ pgliteDir: dir });
    await reopened.close();
    expect(existsSync(file)).toBe(false);
  });
});
