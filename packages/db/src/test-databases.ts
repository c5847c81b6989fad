import type { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { PrismaClient } from "./generated/prisma/client";
import { applyMigrations } from "./migrate";
import { type OpenedRunStore, openRunStore } from "./open-run-store";
import { newPGlite } from "./pglite-template";
import { PrismaAccessStore } from "./prisma-access-store";
import { PrismaRunStore } from "./prisma-run-store";

const server = process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
let counter = 0;

/**
 * For tests: a store on a fresh database of its own, on the PostgreSQL server given by TEST_DATABASE_URL (default:
 * local trust auth), or on an in-memory PGlite. Closing it drops the PostgreSQL database.
 */
export async function openFreshStore(kind: "postgres" | "pglite"): Promise<OpenedRunStore> {
  if (kind === "pglite") return freshPGliteStore();
  const name = `tailsweep_test_${process.pid}_${counter++}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name}`);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(server);
  url.pathname = `/${name}`;
  const o = await openRunStore({ databaseUrl: url.toString() });
  return {
    ...o,
    close: async () => {
      await o.close();
      const cleanup = new pg.Client({ connectionString: server });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await cleanup.end();
    },
  };
}

/** One in-memory PGlite per test process, migrated once: starting one takes seconds, emptying it milliseconds. */
let shared: Promise<PGlite> | undefined;

/**
 * A store on the process's shared in-memory PGlite, emptied first: every table but the migrations' record
 * truncated. The store a test had before is not to be used after the next one is opened.
 */
async function freshPGliteStore(): Promise<OpenedRunStore> {
  shared ??= (async () => {
    // From the migrated template (pglite-template.ts): a second where initdb takes several.
    const pglite = await newPGlite("memory");
    await applyMigrations(pglite);
    return pglite;
  })();
  const pglite = await shared;
  const { rows } = await pglite.query<{ tablename: string }>(
    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> '_prisma_migrations'",
  );
  await pglite.exec(`TRUNCATE ${rows.map((r) => `"${r.tablename}"`).join(", ")} RESTART IDENTITY CASCADE`);
  const db = new PrismaClient({ adapter: new PrismaPGlite(pglite) });
  return {
    store: new PrismaRunStore(db),
    access: new PrismaAccessStore(db),
    kind: "pglite",
    location: "memory",
    close: () => db.$disconnect(),
  };
}
