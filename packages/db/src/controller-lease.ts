import { hostname } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { messageLineOf, UnavailableError } from "@tailsweep/schemas";
import pg from "pg";
import { z } from "zod";
import { endClient } from "./end-client";

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
  /**
   * The one sweep this holder serves (a shared holder): its own lock is taken alone beside the shared lease, so that
   * two runs of the same sweep do not both serve it.
   */
  sweepId?: string;
  /**
   * Gives way to a controller that waits for the lease (a session whose application_name starts with this): a shared
   * holder must not keep one out for ever by overlapping with others.
   */
  deferTo?: string;
}

/**
 * The lease connection's URL and startup options: node-postgres lets a URL's `application_name` and `options` win
 * over its config, which would hide the holder's name (and so what a waiting controller is) and drop the keepalive
 * settings. Those two are taken out of the URL; its own `options` are kept, after the lease's.
 */
function leaseConnection(databaseUrl: string): { connectionString: string; options: string } {
  const url = new URL(databaseUrl);
  const own = url.searchParams.get("options");
  url.searchParams.delete("options");
  url.searchParams.delete("application_name");
  return { connectionString: url.toString(), options: [SERVER_KEEPALIVE, own].filter(Boolean).join(" ") };
}

/** What a waiting controller's session is called (its application_name's start): {@link acquireControllerLease}'s default holder. */
export const CONTROLLER_SESSION_PREFIX = "tailsweep controller ";

/**
 * PostgreSQL's side of the lease connection: a holder whose host crashes or is cut off sends no FIN, and the server
 * would keep its session (and the lock) until its own TCP keepalive gives up, 2 h 11 min by default. These settings
 * drop such a session within about 25 s. They stay above the holder's own give-up (a check every checkMs that may
 * take checkMs, 10 s by default), so that it has stopped serving before another can take over.
 */
const SERVER_KEEPALIVE =
  "-c tcp_keepalives_idle=10 -c tcp_keepalives_interval=5 -c tcp_keepalives_count=3 -c tcp_user_timeout=25000";

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
  const holder = (options.holder ?? `${CONTROLLER_SESSION_PREFIX}${hostname()} pid ${process.pid}`).slice(
    0,
    63,
  );
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
          ...leaseConnection(databaseUrl),
          application_name: holder,
          keepAlive: true,
          connectionTimeoutMillis: checkMs,
          query_timeout: checkMs,
        });
        // A dropped connection is reported on the next query; without a listener it would also be thrown process-wide.
        client.on("error", () => {});
        await client.connect();
      }
      const waiting = options.deferTo ? await waitingController(client, options.deferTo, holder) : undefined;
      if (waiting === undefined && (await tryLock(client, options.shared === true))) {
        if (options.sweepId === undefined || (await trySweepLock(client, options.sweepId)))
          return holdLease(client, checkMs);
        // Held shared, but its sweep is served by another run: given back, and that run named.
        await client.query("SELECT pg_advisory_unlock_shared($1)", [CONTROLLER_LEASE_KEY]);
        say(await currentHolder(client, options.sweepId), options.onWait);
      } else say(waiting ?? (await currentHolder(client)), options.onWait);
      if (options.once) break;
    } catch (e) {
      await client?.end().catch(() => {});
      client = undefined;
      if (options.once) throw e;
      say(messageLineOf(e), options.onUnreachable);
    }
    // an abort ends the wait early (the loop then sees it): not an error
    await sleep(retryMs, undefined, { signal: options.signal }).catch(() => {});
  }
  await client?.end().catch(() => {});
  return undefined;
}

const HeldSchema = z.object({ held: z.boolean() });

/** Takes the lease's lock, shared or alone, without waiting. */
async function tryLock(client: pg.Client, shared: boolean): Promise<boolean> {
  const { rows } = await client.query(
    `SELECT ${shared ? "pg_try_advisory_lock_shared" : "pg_try_advisory_lock"}($1) AS held`,
    [CONTROLLER_LEASE_KEY],
  );
  return HeldSchema.parse(rows[0]).held;
}

/**
 * Takes one sweep's own lock alone, without waiting: a two-int advisory key (the lease's key, the sweep id's hash),
 * which pg_locks shows with objsubid 2 and so never meets the lease's bigint key (objsubid 1).
 */
async function trySweepLock(client: pg.Client, sweepId: string): Promise<boolean> {
  const { rows } = await client.query("SELECT pg_try_advisory_lock($1, hashtext($2)) AS held", [
    CONTROLLER_LEASE_KEY,
    sweepId,
  ]);
  return HeldSchema.parse(rows[0]).held;
}

/** A session of this database, other than `self`, whose name starts with `prefix` and holds no lease: it waits. */
async function waitingController(
  client: pg.Client,
  prefix: string,
  self: string,
): Promise<string | undefined> {
  const { rows } = await client.query(
    `SELECT a.pid, a.application_name, host(a.client_addr) AS client_addr FROM pg_stat_activity a
      WHERE a.datname = current_database() AND a.pid <> pg_backend_pid() AND a.application_name <> $3
        AND starts_with(a.application_name, $1)
        AND NOT EXISTS (SELECT 1 FROM pg_locks l WHERE l.pid = a.pid AND l.locktype = 'advisory'
                          AND l.classid = 0 AND l.objid = $2 AND l.granted)
        -- waiting only while someone holds the lease: a session left idle with no holder (a frozen standby) would
        -- take it at once if it could, and must not keep every run out
        AND EXISTS (SELECT 1 FROM pg_locks h WHERE h.locktype = 'advisory' AND h.classid = 0 AND h.objid = $2
                      AND h.objsubid = 1 AND h.granted
                      AND h.database = (SELECT oid FROM pg_database WHERE datname = current_database()))
      ORDER BY a.backend_start LIMIT 1`,
    [prefix, CONTROLLER_LEASE_KEY, self],
  );
  const row = HolderRowSchema.safeParse(rows[0]);
  return row.success ? `${describe(row.data)}, waiting to serve it` : undefined;
}

const describe = ({ pid, application_name: name, client_addr: from }: z.infer<typeof HolderRowSchema>) =>
  `${name || "another session"} (database session ${pid}${from ? ` from ${from}` : ""})`;

// A bigint advisory key shows in pg_locks as classid (high 32 bits), objid (low 32 bits) and objsubid 1, a two-int key
// (a sweep's) as classid, objid and objsubid 2. $1 is the lease's key, $2 a sweep's id.
const LEASE_LOCK = "l.classid = 0 AND l.objid = $1 AND l.objsubid = 1";
const SWEEP_LOCK = "l.classid = $1 AND l.objid = hashtext($2)::oid AND l.objsubid = 2";

/**
 * The sessions holding the advisory locks `which` picks in this database, as HolderRowSchema's rows, `order`ed:
 * pg_locks lists every database's locks, and an advisory lock is per database (another store on this server has its
 * own).
 */
const holdersSql = (which: string, order: string) =>
  `SELECT l.pid, a.application_name, host(a.client_addr) AS client_addr
     FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
    WHERE l.locktype = 'advisory' AND l.granted AND (${which})
      AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
    ORDER BY ${order}`;

/** Who holds the lease now (or, given `sweepId`, that sweep's own lock), as a waiting controller says it. */
async function currentHolder(client: pg.Client, sweepId?: string): Promise<string> {
  const { rows } = await client.query(
    holdersSql(sweepId === undefined ? LEASE_LOCK : SWEEP_LOCK, "a.backend_start"),
    sweepId === undefined ? [CONTROLLER_LEASE_KEY] : [CONTROLLER_LEASE_KEY, sweepId],
  );
  const holders = z.array(HolderRowSchema).safeParse(rows);
  // Released between the two queries: the next try takes it.
  if (!holders.success || holders.data.length === 0) return "another controller (just released)";
  const more = holders.data.length - 1;
  return `${describe(holders.data[0]!)}${more > 0 ? ` and ${more} more` : ""}`;
}

/**
 * Who serves the sweeps of a store now — the holder of the lease alone, as a waiting controller names it, or with
 * `sweepId` also a `sweep run` serving that sweep — or undefined where no controller does (none runs, or only `sweep
 * run`s of other sweeps): a sweep submitted then waits, its trials queued, until one starts. `query` runs SQL on the
 * store's own connections (no connection of its own: the dashboard asks on every refresh of a running sweep).
 */
export async function controllerServing(
  query: (sql: string, ...params: unknown[]) => Promise<unknown>,
  sweepId?: string,
): Promise<string | undefined> {
  // the lease held alone (a `sweep run` holds it shared, beside others), before a sweep's own lock
  const rows = await query(
    `${holdersSql(`(${LEASE_LOCK} AND l.mode = 'ExclusiveLock') OR (${SWEEP_LOCK})`, "l.objsubid")} LIMIT 1`,
    CONTROLLER_LEASE_KEY,
    sweepId ?? null,
  );
  const holder = z.array(HolderRowSchema).safeParse(rows);
  return holder.success && holder.data[0] ? describe(holder.data[0]) : undefined;
}

function holdLease(client: pg.Client, checkMs: number): ControllerLease {
  let settle!: (e: UnavailableError) => void;
  const lost = new Promise<UnavailableError>((resolve) => {
    settle = resolve;
  });
  let released = false;
  let lostAlready = false;
  // The connection is closed by release(), not here: a check that only timed out leaves the session (and the lock)
  // alive, and it must stay held until the holder has stopped serving, or another could serve beside it meanwhile.
  const lose = (reason: string) => {
    if (released || lostAlready) return;
    lostAlready = true;
    clearInterval(timer);
    settle(new UnavailableError(CONTROLLER_LEASE_LOST_CODE, `the controller lease was lost: ${reason}`));
  };
  client.on("error", (e) => lose(messageLineOf(e)));
  client.on("end", () => lose("its database connection ended"));
  let checking = false;
  const timer = setInterval(() => {
    if (checking) return;
    checking = true;
    // A liveness check of the session that holds the lock (an ended, dead or hung one fails or times out), asked as
    // whether it still holds it: only its own session could release it, so that part guards this code's own slips.
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
      // A connection that is already broken may never answer the goodbye: not waited for past a check's length.
      await endClient(client, checkMs);
    },
  };
}
