import { hostname } from "node:os";
import { messageLineOf, UnavailableError } from "@tailsweep/schemas";
import pg from "pg";
import { z } from "zod";

/**
 * One controller per run store: the controller is the store's single writer (claims, events, hand-backs, sequential
 * looks), and two at once would both answer claims, both hand back trials each thinks silent (heartbeats go to one
 * of them) and both take a sequential sweep's next look. The lease is a PostgreSQL session-level advisory lock held on
 * a connection of its own: the server drops it when that connection ends, so a controller that dies or loses its
 * database gives it up without anyone cleaning up, and a second controller started beside it waits as a standby.
 * A controller that serves one sweep over an in-process bus (`tailsweep sweep run` on PostgreSQL without NATS) takes
 * it shared: several such runs do not meet (each serves its own sweep to its own worker), but none may run beside a
 * controller that serves every sweep, which would hand its trials back as silent (their heartbeats never reach it).
 */
const CONTROLLER_LEASE_KEY = 72_707_370;

/** The stable code of the error a lost lease settles with. */
export const CONTROLLER_LEASE_LOST_CODE = "CONTROLLER_LEASE_LOST";

/** A held controller lease. */
export interface ControllerLease {
  /**
   * Settles when the lease is gone: its connection ended, failed, or stopped answering within a check interval. From
   * then on another controller may be the writer, so the holder must stop serving at once.
   */
  readonly lost: Promise<UnavailableError>;
  /** Gives the lease up (closes its connection). */
  release(): Promise<void>;
}

export interface ControllerLeaseOptions {
  /** How this controller is shown to the ones that wait (PostgreSQL's application_name); default host and pid. */
  holder?: string;
  /** Called while another controller holds the lease, with its description; again whenever that changes. */
  onWait?: (holder: string) => void;
  /** Called when the database cannot be reached while waiting, with the reason; again whenever that changes. */
  onUnreachable?: (reason: string) => void;
  /** How often a waiting controller tries again (default 2 s). */
  retryMs?: number;
  /** How often the held lease's connection is checked, and how long a check may take (default 5 s). */
  checkMs?: number;
  /** Stops waiting: the call then returns undefined. */
  signal?: AbortSignal;
  /** Held beside other shared holders (a controller of one sweep), not alone (default false: alone). */
  shared?: boolean;
  /**
   * Tries once instead of waiting: undefined when another holds it (after `onWait` has named it); a database that
   * cannot be reached is thrown.
   */
  once?: boolean;
}

const HolderRowSchema = z.object({
  pid: z.number(),
  application_name: z.string().nullable(),
  client_addr: z.string().nullable(),
});

/**
 * Waits until this process holds the controller lease of the PostgreSQL database at `databaseUrl` and returns it, or
 * undefined when `signal` aborts first. While another controller holds it, `onWait` names that one; while the database
 * is out, `onUnreachable` says why, and the wait goes on.
 */
export async function acquireControllerLease(
  databaseUrl: string,
  options: ControllerLeaseOptions = {},
): Promise<ControllerLease | undefined> {
  const retryMs = options.retryMs ?? 2_000;
  const checkMs = options.checkMs ?? 5_000;
  // PostgreSQL keeps 63 bytes of an application_name.
  const holder = (options.holder ?? `tailsweep controller ${hostname()} pid ${process.pid}`).slice(0, 63);
  let said: string | undefined;
  const say = (line: string, to?: (line: string) => void) => {
    if (line !== said) to?.(line);
    said = line;
  };
  let client: pg.Client | undefined;
  while (!options.signal?.aborted) {
    try {
      if (!client) {
        client = new pg.Client({
          connectionString: databaseUrl,
          application_name: holder,
          keepAlive: true,
          connectionTimeoutMillis: checkMs,
          query_timeout: checkMs,
        });
        // A dropped connection is reported on the next query; without a listener it would also be thrown process-wide.
        client.on("error", () => {});
        await client.connect();
      }
      const { rows } = await client.query(
        `SELECT ${options.shared ? "pg_try_advisory_lock_shared" : "pg_try_advisory_lock"}($1) AS held`,
        [CONTROLLER_LEASE_KEY],
      );
      if (z.object({ held: z.boolean() }).parse(rows[0]).held) return holdLease(client, checkMs);
      say(await currentHolder(client), options.onWait);
      if (options.once) break;
    } catch (e) {
      await client?.end().catch(() => {});
      client = undefined;
      if (options.once) throw e;
      say(messageLineOf(e), options.onUnreachable);
    }
    await sleep(retryMs, options.signal);
  }
  await client?.end().catch(() => {});
  return undefined;
}

/** Who holds the lease now, as a waiting controller says it. */
async function currentHolder(client: pg.Client): Promise<string> {
  // A bigint advisory key shows in pg_locks as classid (high 32 bits), objid (low 32 bits) and objsubid 1; pg_locks
  // lists every database's locks, and an advisory lock is per database (another store on this server has its own).
  const { rows } = await client.query(
    `SELECT l.pid, a.application_name, host(a.client_addr) AS client_addr
       FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.classid = 0 AND l.objid = $1 AND l.objsubid = 1 AND l.granted
        AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
      ORDER BY a.backend_start`,
    [CONTROLLER_LEASE_KEY],
  );
  const holders = z.array(HolderRowSchema).safeParse(rows);
  // Released between the two queries: the next try takes it.
  if (!holders.success || holders.data.length === 0) return "another controller (just released)";
  const { pid, application_name: name, client_addr: from } = holders.data[0]!;
  const more = holders.data.length - 1;
  return `${name || "another session"} (database session ${pid}${from ? ` from ${from}` : ""})${more > 0 ? ` and ${more} more` : ""}`;
}

function holdLease(client: pg.Client, checkMs: number): ControllerLease {
  let settle!: (e: UnavailableError) => void;
  const lost = new Promise<UnavailableError>((resolve) => {
    settle = resolve;
  });
  let released = false;
  const lose = (reason: string) => {
    if (released) return;
    released = true;
    clearInterval(timer);
    void client.end().catch(() => {});
    settle(new UnavailableError(CONTROLLER_LEASE_LOST_CODE, `the controller lease was lost: ${reason}`));
  };
  client.on("error", (e) => lose(messageLineOf(e)));
  client.on("end", () => lose("its database connection ended"));
  let checking = false;
  const timer = setInterval(() => {
    if (checking) return;
    checking = true;
    // Asks whether this session still holds the lock, not only whether it is alive: an administrator may have
    // released it (pg_advisory_unlock_all) or ended the session.
    client
      .query(
        `SELECT count(*)::int AS held FROM pg_locks
          WHERE locktype = 'advisory' AND classid = 0 AND objid = $1 AND objsubid = 1
            AND pid = pg_backend_pid() AND granted`,
        [CONTROLLER_LEASE_KEY],
      )
      .then(({ rows }) => {
        if (z.object({ held: z.number() }).parse(rows[0]).held !== 1) lose("the lock is no longer held");
      })
      .catch((e: unknown) => lose(messageLineOf(e)))
      .finally(() => {
        checking = false;
      });
  }, checkMs);
  timer.unref();
  return {
    lost,
    release: async () => {
      if (released) return;
      released = true;
      clearInterval(timer);
      await client.end().catch(() => {});
    },
  };
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
