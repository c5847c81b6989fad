// What the sweep benchmarks share: where PostgreSQL and NATS are, and a deployment of their own on them.
import { NatsBus } from "@tailsweep/bus";
import { type OpenedRunStore, openRunStore } from "@tailsweep/db";
import pg from "pg";

/** The PostgreSQL server (TEST_DATABASE_URL, else the local trust default) and the NATS server (NATS_URL, else local). */
export const postgresUrl = process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
export const natsServers = process.env.NATS_URL ?? "127.0.0.1:4222";

async function admin(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: postgresUrl });
  await c.connect();
  await c.query(sql);
  await c.end();
}

/** A run store in a new database and a bus under its own NATS prefix; `drop()` deletes both. */
export interface Deployment {
  opened: OpenedRunStore;
  bus: NatsBus;
  databaseUrl: string;
  prefix: string;
  drop(): Promise<void>;
}

/** Creates an empty database `name` (dropping a leftover one); `drop()` deletes it. */
export async function freshDatabase(name: string): Promise<{ url: string; drop: () => Promise<void> }> {
  await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(postgresUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

/** Creates database `name` (dropping a leftover one) and the NATS streams under `prefix`. */
export async function freshDeployment(name: string, prefix: string): Promise<Deployment> {
  const database = await freshDatabase(name);
  const opened = await openRunStore({ databaseUrl: database.url });
  const bus = await NatsBus.connect({ servers: natsServers, prefix });
  return {
    opened,
    bus,
    databaseUrl: database.url,
    prefix,
    drop: async () => {
      await bus.deleteStreams();
      await bus.close();
      await opened.close();
      await database.drop();
    },
  };
}
