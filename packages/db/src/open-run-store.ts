import { mkdirSync } from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { PrismaClient } from "./generated/prisma/client";
import { applyMigrations, type SqlConnection } from "./migrate";
import { PrismaAccessStore } from "./prisma-access-store";
import { PrismaRunStore } from "./prisma-run-store";

/** An open run store and what it runs on. */
export interface OpenedRunStore {
  store: PrismaRunStore;
  /** Users, memberships, API tokens and the audit log, in the same database. */
  access: PrismaAccessStore;
  kind: "postgres" | "pglite";
  /** Where: the database URL without its password, or the PGlite directory ("memory" for in-memory). */
  location: string;
  close(): Promise<void>;
}

/** The embedded default's data directory. */
export const DEFAULT_PGLITE_DIR = path.join(".tailsweep", "db");

/**
 * Opens the run store and brings its schema up to date: PostgreSQL when `databaseUrl` is given (or DATABASE_URL is
 * set), otherwise the embedded PGlite in `pgliteDir` (else TAILSWEEP_DB_DIR, else `.tailsweep/db`; "memory" keeps
 * it in memory).
 */
export async function openRunStore(
  options: { databaseUrl?: string; pgliteDir?: string } = {},
): Promise<OpenedRunStore> {
  const databaseUrl = options.databaseUrl ?? process.env.DATABASE_URL;
  if (databaseUrl) {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      const connection: SqlConnection = {
        query: async <R>(text: string, params?: unknown[]) => ({
          rows: (await client.query(text, params)).rows as R[],
        }),
        exec: (sql: string) => client.query(sql),
      };
      await applyMigrations(connection, { lock: true });
    } finally {
      await client.end();
    }
    const db = new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl }) });
    const url = new URL(databaseUrl);
    url.password = url.password ? "***" : "";
    return {
      store: new PrismaRunStore(db),
      access: new PrismaAccessStore(db),
      kind: "postgres",
      location: url.toString(),
      close: () => db.$disconnect(),
    };
  }
  const dir = options.pgliteDir ?? process.env.TAILSWEEP_DB_DIR ?? DEFAULT_PGLITE_DIR;
  if (dir !== "memory") mkdirSync(dir, { recursive: true });
  const pglite = dir === "memory" ? new PGlite() : new PGlite(dir);
  await applyMigrations(pglite);
  const db = new PrismaClient({ adapter: new PrismaPGlite(pglite) });
  return {
    store: new PrismaRunStore(db),
    access: new PrismaAccessStore(db),
    kind: "pglite",
    location: dir,
    close: async () => {
      await db.$disconnect();
      await pglite.close();
    },
  };
}
