import pg from "pg";
import { type OpenedRunStore, openRunStore } from "./open-run-store";

const server = process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
let counter = 0;

/**
 * For tests: a store on a fresh database of its own, on the PostgreSQL server given by TEST_DATABASE_URL (default:
 * local trust auth), or on an in-memory PGlite. Closing it drops the PostgreSQL database.
 */
export async function openFreshStore(kind: "postgres" | "pglite"): Promise<OpenedRunStore> {
  if (kind === "pglite") return openRunStore({ pgliteDir: "memory", databaseUrl: "" });
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
