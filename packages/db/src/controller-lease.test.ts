import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { acquireControllerLease, CONTROLLER_LEASE_LOST_CODE, type ControllerLease } from "./controller-lease";
import type { OpenedRunStore } from "./open-run-store";
import { openFreshStore } from "./test-databases";

const opened: OpenedRunStore[] = [];
const leases: ControllerLease[] = [];
afterAll(async () => {
  for (const l of leases) await l.release();
  for (const o of opened) await o.close();
});

async function freshPostgres() {
  const o = await openFreshStore("postgres");
  opened.push(o);
  const take = o.controllerLease;
  if (!take) throw new Error("a PostgreSQL store has a controller lease");
  return {
    serving: (sweepId?: string) => o.controllerServing!(sweepId),
    take: async (
      holder: string,
      more: {
        onWait?: (h: string) => void;
        signal?: AbortSignal;
        shared?: boolean;
        once?: boolean;
        sweepId?: string;
        deferTo?: string;
      } = {},
    ) => {
      const lease = await take({ holder, retryMs: 50, checkMs: 200, ...more });
      if (lease) leases.push(lease);
      return lease;
    },
  };
}

describe("the controller lease on PostgreSQL", () => {
  it("makes a second controller wait, naming the holder, until the first releases it", async () => {
    const store = await freshPostgres();
    const first = await store.take("controller A");
    expect(first).toBeDefined();
    const waits: string[] = [];
    let secondHeld = false;
    const second = store.take("controller B", { onWait: (h) => waits.push(h) }).then((l) => {
      secondHeld = true;
      return l;
    });
    await new Promise((r) => setTimeout(r, 500));
    expect(secondHeld).toBe(false);
    // Said once, not on every try.
    expect(waits).toHaveLength(1);
    expect(waits[0]).toMatch(/^controller A \(database session \d+/);
    await first!.release();
    expect(await second).toBeDefined();
  });

  it("is lost when its session is ended, and the standby takes it", async () => {
    const store = await freshPostgres();
    const first = await store.take("controller A");
    const second = store.take("controller B");
    // Another session ends the holder's, as a database restart or a dropped connection would.
    const admin = new pg.Client({ connectionString: opened.at(-1)!.location });
    await admin.connect();
    await admin.query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'controller A'",
    );
    await admin.end();
    const lost = await first!.lost;
    expect(lost.code).toBe(CONTROLLER_LEASE_LOST_CODE);
    expect(lost.category).toBe("unavailable");
    expect(await second).toBeDefined();
  });

  it("stays held across its liveness checks while other sessions come and go", async () => {
    const store = await freshPostgres();
    const first = await store.take("controller A");
    const admin = new pg.Client({ connectionString: opened.at(-1)!.location });
    await admin.connect();
    // Releases only this other session's advisory locks: the holder's stays.
    await admin.query("SELECT pg_advisory_unlock_all()");
    await admin.end();
    const outcome = await Promise.race([
      first!.lost.then(() => "lost"),
      new Promise((r) => setTimeout(() => r("held"), 1_000)),
    ]);
    expect(outcome).toBe("held");
  });

  it("is held shared by controllers of one sweep each, and refused to one that serves every sweep", async () => {
    const store = await freshPostgres();
    const runA = await store.take("sweep run A", { shared: true, once: true });
    const runB = await store.take("sweep run B", { shared: true, once: true });
    expect(runA).toBeDefined();
    expect(runB).toBeDefined();
    const waits: string[] = [];
    expect(await store.take("controller", { once: true, onWait: (h) => waits.push(h) })).toBeUndefined();
    expect(waits).toEqual([expect.stringMatching(/^sweep run A \(database session \d+.*\) and 1 more$/)]);
    await runA!.release();
    await runB!.release();
    const alone = await store.take("controller", { once: true });
    expect(alone).toBeDefined();
    expect(await store.take("sweep run C", { shared: true, once: true })).toBeUndefined();
  });

  it("says who serves the store's sweeps: the controller alone, or a sweep run for its own sweep only", async () => {
    const store = await freshPostgres();
    expect(await store.serving()).toBeUndefined();
    const run = await store.take("sweep run A", { shared: true, once: true, sweepId: "sweep-a" });
    // a run serves its sweep, not a sweep submitted beside it
    expect(await store.serving("sweep-a")).toMatch(/^sweep run A \(database session \d+/);
    expect(await store.serving("sweep-b")).toBeUndefined();
    expect(await store.serving()).toBeUndefined();
    await run!.release();
    const controller = await store.take("tailsweep controller h pid 1", { once: true });
    expect(await store.serving("sweep-b")).toMatch(/^tailsweep controller h pid 1 \(database session \d+/);
    await controller!.release();
    expect(await store.serving("sweep-b")).toBeUndefined();
  });

  it("lets one shared holder serve a sweep: a second run of the same sweep is refused, naming the first", async () => {
    const store = await freshPostgres();
    // "b" hashes to a negative int4 (−68821088): pg_locks shows it as an unsigned oid, which the lookup must match
    expect(await store.take("sweep run A", { shared: true, once: true, sweepId: "b" })).toBeDefined();
    expect(await store.take("sweep run B", { shared: true, once: true, sweepId: "s2" })).toBeDefined();
    const waits: string[] = [];
    const again = await store.take("sweep run C", {
      shared: true,
      once: true,
      sweepId: "b",
      onWait: (h) => waits.push(h),
    });
    expect(again).toBeUndefined();
    expect(waits).toEqual([expect.stringMatching(/^sweep run A \(database session \d+/)]);
    // and it let go of the shared lease it had taken on the way: one controller could still be refused only by A, B
    const admin = new pg.Client({ connectionString: opened.at(-1)!.location });
    await admin.connect();
    const { rows } = await admin.query(
      "SELECT count(*)::int AS n FROM pg_locks l JOIN pg_stat_activity a USING (pid) WHERE a.application_name = 'sweep run C' AND l.locktype = 'advisory'",
    );
    await admin.end();
    expect(rows[0].n).toBe(0);
  });

  it("gives way, as a shared holder, to a controller that waits for the lease (only while someone holds it)", async () => {
    const store = await freshPostgres();
    const first = await store.take("sweep run A", { shared: true, once: true });
    const controller = store.take("tailsweep controller h pid 1");
    await new Promise((r) => setTimeout(r, 300));
    const waits: string[] = [];
    const overlapping = await store.take("sweep run B", {
      shared: true,
      once: true,
      deferTo: "tailsweep controller ",
      onWait: (h) => waits.push(h),
    });
    expect(overlapping).toBeUndefined();
    // a session of that name with no holder to wait on (a frozen standby) keeps no one out
    const idle = new pg.Client({
      connectionString: opened.at(-1)!.location,
      application_name: "tailsweep controller frozen",
    });
    await idle.connect();
    expect(waits).toEqual([
      expect.stringMatching(/^tailsweep controller h pid 1 \(database session \d+.*\), waiting to serve it$/),
    ]);
    await first!.release();
    const served = await controller;
    expect(served).toBeDefined();
    await served!.release();
    expect(
      await store.take("sweep run D", { shared: true, once: true, deferTo: "tailsweep controller " }),
    ).toBeDefined();
    await idle.end();
  });

  it("counts only this database's holders: another store on the same server with its own lease is not one", async () => {
    const a = await freshPostgres();
    const b = await freshPostgres();
    expect(await a.take("controller of A")).toBeDefined();
    expect(await b.take("controller of B", { once: true })).toBeDefined();
    // pg_locks lists both; the one named is this database's, though A's session is the older
    const waits: string[] = [];
    expect(await b.take("waiter in B", { once: true, onWait: (h) => waits.push(h) })).toBeUndefined();
    expect(waits).toEqual([expect.stringMatching(/^controller of B \(database session \d+[^)]*\)$/)]);
  });

  it("names its session itself, whatever application_name or options the database URL carries", async () => {
    await freshPostgres();
    const url = new URL(opened.at(-1)!.location);
    url.searchParams.set("application_name", "from the url");
    url.searchParams.set("options", "-c search_path=public");
    const lease = await acquireControllerLease(url.toString(), { holder: "named here", once: true });
    expect(lease).toBeDefined();
    leases.push(lease!);
    const admin = new pg.Client({ connectionString: opened.at(-1)!.location });
    await admin.connect();
    const { rows } = await admin.query(
      "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a USING (pid) WHERE l.locktype = 'advisory' AND l.granted AND a.datname = current_database()",
    );
    await admin.end();
    expect(rows).toEqual([{ application_name: "named here" }]);
  });

  it("stops waiting when its signal aborts", async () => {
    const store = await freshPostgres();
    await store.take("controller A");
    const stop = new AbortController();
    const second = store.take("controller B", { signal: stop.signal });
    setTimeout(() => stop.abort(), 200);
    expect(await second).toBeUndefined();
  });
});
