import { mkdirSync } from "node:fs";
import path from "node:path";
import { PrismaPg } from "@prisma/adapter-pg";
import {
  codeOf,
  type Env,
  envText,
  envUrl,
  envVariable,
  messageOf,
  parseEnv,
  SettingsError,
  UnavailableError,
} from "@tailsweep/schemas";
import { STORE_UNAVAILABLE_CODE } from "@tailsweep/sweep";
import pg from "pg";
import { PrismaPGlite } from "pglite-prisma-adapter";
import {
  acquireControllerLease,
  type ControllerLease,
  type ControllerLeaseOptions,
  controllerServing,
} from "./controller-lease";
import { endClient } from "./end-client";
import { folderProblem, isExistingFolder } from "./folder";
import { PrismaClient } from "./generated/prisma/client";
import { applyMigrations, MIGRATIONS_DIR, type SqlConnection } from "./migrate";
import { newPGlite, openPGlite } from "./pglite-template";
import { PrismaAccessStore } from "./prisma-access-store";
import { PrismaRunStore } from "./prisma-run-store";
import { lockStore, type StoreLock } from "./store-lock";

/** An open run store and what it runs on. */
export interface OpenedRunStore {
  store: PrismaRunStore;
  /** Users, memberships, API tokens and the audit log, in the same database. */
  access: PrismaAccessStore;
  kind: "postgres" | "pglite";
  /** Where: the database URL without its password, or the PGlite directory ("memory" for in-memory). */
  location: string;
  /**
   * PostgreSQL only: waits for the store's controller lease (controller-lease.ts), which makes one controller its
   * writer at a time. An embedded store needs none: its folder is locked to one process.
   */
  controllerLease?: (options?: ControllerLeaseOptions) => Promise<ControllerLease | undefined>;
  /** PostgreSQL only: who serves the store's sweeps (or `sweepId`) now, undefined where no controller does. */
  controllerServing?: (sweepId?: string) => Promise<string | undefined>;
  close(): Promise<void>;
}

/** The embedded default's data directory. */
export const DEFAULT_PGLITE_DIR = path.join(".tailsweep", "db");

/**
 * The environment variables that say where the run store is: their rules and defaults, for every app's settings
 * module ({@link runStoreOptionsFromEnv}) and its help.
 */
export const STORE_ENV = {
  DATABASE_URL: envVariable(
    envUrl(["postgres", "postgresql"], "postgres://user:password@db.example.org:5432/tailsweep").optional(),
    {
      help: "a team's PostgreSQL run store (the dashboard on it is a team's, with sign-in)",
      default: "unset: the embedded store in TAILSWEEP_DB_DIR",
      secret: true,
    },
  ),
  TAILSWEEP_DB_DIR: envVariable(
    envText()
      .default(DEFAULT_PGLITE_DIR)
      .superRefine((dir, ctx) => {
        const problem = dir === "memory" ? undefined : folderProblem(dir);
        if (problem) ctx.addIssue({ code: "custom", message: `${problem} (or "memory")` });
      }),
    {
      help: 'the embedded run store\'s folder ("memory": in memory, gone at exit)',
      default: DEFAULT_PGLITE_DIR,
    },
  ),
  TAILSWEEP_PGLITE_TEMPLATE_DIR: envVariable(envText().optional(), {
    help: 'where a new embedded store\'s migrated template is kept ("off": none, each new store runs initdb itself)',
    default: "~/.cache/tailsweep/pglite (else the temporary folder)",
  }),
  // a folder that is not there would leave a new store without tables, refused later in Prisma's words
  TAILSWEEP_MIGRATIONS_DIR: envVariable(
    envText()
      .refine((dir) => isExistingFolder(dir), "must be an existing folder")
      .optional(),
    {
      help: "the folder of database migrations to apply (a bundle without the repository carries its own)",
      default: MIGRATIONS_DIR,
    },
  ),
};

/**
 * openRunStore's options from a given environment (what the app's settings module read), with the store's kind:
 * PostgreSQL when DATABASE_URL is set. One SettingsError names every bad variable.
 */
export function runStoreOptionsFromEnv(
  env: Env,
): RunStoreOptions & { kind: "postgres" | "embedded"; pgliteDir: string } {
  const v = parseEnv(STORE_ENV, env);
  return {
    kind: v.DATABASE_URL ? "postgres" : "embedded",
    ...(v.DATABASE_URL && { databaseUrl: v.DATABASE_URL }),
    pgliteDir: v.TAILSWEEP_DB_DIR,
    ...(v.TAILSWEEP_MIGRATIONS_DIR && { migrationsDir: v.TAILSWEEP_MIGRATIONS_DIR }),
    ...(v.TAILSWEEP_PGLITE_TEMPLATE_DIR && {
      pgliteTemplateDir: v.TAILSWEEP_PGLITE_TEMPLATE_DIR === "off" ? false : v.TAILSWEEP_PGLITE_TEMPLATE_DIR,
    }),
  };
}

/** Where {@link openRunStore} opens the run store: what an app's settings module reads from its environment. */
export interface RunStoreOptions {
  /** A PostgreSQL URL (postgres:// or postgresql://); absent or empty: the embedded store. */
  databaseUrl?: string;
  /** The embedded store's folder (default `.tailsweep/db`; "memory" keeps it in memory). */
  pgliteDir?: string;
  /** The migrations to apply (default: this repository's prisma/migrations, MIGRATIONS_DIR). */
  migrationsDir?: string;
  /**
   * Where a new embedded store's migrated template is kept (pglite-template.ts; default in the system's temporary
   * folder); false: every new store runs initdb and the migrations itself.
   */
  pgliteTemplateDir?: string | false;
}

/**
 * Opens the run store and brings its schema up to date: PostgreSQL when `databaseUrl` is given, otherwise the
 * embedded PGlite in `pgliteDir`. It reads no environment: the app's settings module passes DATABASE_URL,
 * TAILSWEEP_DB_DIR and TAILSWEEP_MIGRATIONS_DIR. PGlite serves one process: the embedded store's folder is locked
 * (`tailsweep.lock`, with this process's pid) until `close()`, and a second process — or a second opening in this
 * one — is refused with a StoreLockedError (STORE_LOCKED, unavailable) naming the folder and the holder.
 */
export async function openRunStore(options: RunStoreOptions = {}): Promise<OpenedRunStore> {
  const { databaseUrl, migrationsDir } = options;
  const migrate = { ...(migrationsDir && { dir: migrationsDir }) };
  if (databaseUrl) {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect().catch(async (e: unknown) => {
      // A refusal mid-handshake (a password the server asks for) leaves the socket open: the process then waited for
      // the server's authentication_timeout (60 s) before it could exit.
      await endClient(client, 1_000);
      throw unreachable(e, databaseUrl) ?? misconfigured(e, databaseUrl) ?? e;
    });
    try {
      const connection: SqlConnection = {
        query: async <R>(text: string, params?: unknown[]) => ({
          rows: (await client.query(text, params)).rows as R[],
        }),
        exec: (sql: string) => client.query(sql),
      };
      await applyMigrations(connection, { ...migrate, lock: true });
    } finally {
      await client.end();
    }
    const db = new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl }) });
    return {
      store: new PrismaRunStore(db),
      access: new PrismaAccessStore(db),
      kind: "postgres",
      location: withoutPassword(databaseUrl),
      controllerLease: (leaseOptions) => acquireControllerLease(databaseUrl, leaseOptions),
      controllerServing: (sweepId) =>
        controllerServing((sql, ...params) => db.$queryRawUnsafe(sql, ...params), sweepId),
      close: () => db.$disconnect(),
    };
  }
  const dir = options.pgliteDir || DEFAULT_PGLITE_DIR;
  let lock: StoreLock | undefined;
  if (dir !== "memory") lock = await takeFolder(dir);
  try {
    const pglite =
      options.pgliteTemplateDir === false
        ? openPGlite(dir)
        : await newPGlite(dir, migrate.dir, options.pgliteTemplateDir);
    try {
      await applyMigrations(pglite, migrate);
    } catch (e) {
      await pglite.close().catch(() => {});
      throw e;
    }
    const db = new PrismaClient({ adapter: new PrismaPGlite(pglite) });
    return {
      store: new PrismaRunStore(db),
      access: new PrismaAccessStore(db),
      kind: "pglite",
      location: dir,
      close: async () => {
        try {
          await db.$disconnect();
          await pglite.close();
        } finally {
          lock?.release();
        }
      },
    };
  } catch (e) {
    lock?.release();
    throw e;
  }
}

/** A database URL as it may be shown: the password starred. */
function withoutPassword(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  url.password = url.password ? "***" : "";
  return url.toString();
}

/** Socket failures and PostgreSQL's "cannot connect now": the server is down or unreachable, not misconfigured. */
const UNREACHABLE = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
  "57P03",
]);

/** A connection failure as an UnavailableError (the same command may work later), or undefined for any other. */
function unreachable(e: unknown, databaseUrl: string): UnavailableError | undefined {
  // node-postgres's words, without a code, for a server that closed the connection before it answered as PostgreSQL:
  // another kind of server at that address (an HTTP or NATS port), or a PostgreSQL going down
  if (/^Connection terminated unexpectedly/.test(messageOf(e)))
    return new UnavailableError(
      STORE_UNAVAILABLE_CODE,
      `${withoutPassword(databaseUrl)} closed the connection without answering as PostgreSQL: check that DATABASE_URL's host and port are a PostgreSQL server's (one shutting down says this too)`,
      { cause: e },
    );
  const code = codeOf(e);
  if (code === undefined || !UNREACHABLE.has(code)) return undefined;
  return new UnavailableError(
    STORE_UNAVAILABLE_CODE,
    `PostgreSQL at ${withoutPassword(databaseUrl)} is not answering (${code})`,
    { cause: e },
  );
}

/**
 * PostgreSQL's refusals of what DATABASE_URL names, as the setting's problem (exit 2, the variable named): a host that
 * does not resolve, a database or role that does not exist, a password it refuses. They were the driver's bare words
 * ("getaddrinfo ENOTFOUND db", "database \"x\" does not exist"), exit 1.
 */
const MISCONFIGURED: Readonly<Record<string, string>> = {
  ENOTFOUND: "its host does not resolve",
  "3D000": "the database does not exist (create it: infra/postgres/roles.sql, or createdb)",
  "28000": "PostgreSQL refused this role from this host",
  "28P01": "PostgreSQL refused the password",
};

function misconfigured(e: unknown, databaseUrl: string): SettingsError | undefined {
  // node-postgres's own refusal to answer a password challenge without a password has no code, only these words
  if (/client password must be a (non-empty )?string/.test(messageOf(e)))
    return new SettingsError(
      [
        `DATABASE_URL: the server asks for a password and none is given (put it in the URL, postgresql://user:password@host/db, or in PGPASSWORD), got "${withoutPassword(databaseUrl)}"`,
      ],
      "environment",
    );
  const code = codeOf(e);
  const what = code === undefined ? undefined : MISCONFIGURED[code];
  if (what === undefined) return undefined;
  return new SettingsError(
    [`DATABASE_URL: ${what} (${code}: ${messageOf(e)}), got "${withoutPassword(databaseUrl)}"`],
    "environment",
  );
}

/**
 * Makes the embedded store's folder if absent and locks it. A folder this process cannot write (read-only, another
 * user's, /proc) is a bad TAILSWEEP_DB_DIR, said as one, where it was a raw ENOENT or EACCES from the lock file.
 */
async function takeFolder(dir: string): Promise<StoreLock> {
  try {
    mkdirSync(dir, { recursive: true });
    return await lockStore(dir);
  } catch (e) {
    const code = codeOf(e);
    if (code === undefined || !["EACCES", "EPERM", "EROFS", "ENOENT", "ENOTDIR", "EEXIST"].includes(code))
      throw e;
    throw new SettingsError(
      [
        `TAILSWEEP_DB_DIR: must be a folder this process can write (writing there failed: ${code}), got "${dir}"`,
      ],
      "environment",
    );
  }
}
