// A PostgreSQL database of a test's own on the server the tests use (TEST_DATABASE_URL, else the local default).
import pg from "pg";

export const postgresServer =
  process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";

async function admin(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: postgresServer });
  await c.connect();
  await c.query(sql);
  await c.end();
}

/** Creates an empty database named after `label` and returns its URL and how to drop it. */
export async function freshDatabase(label: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `tailsweep_${label}_${process.pid}_${Math.floor(Math.random() * 1e6)}`;
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(postgresServer);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}
