// What the sweep benchmarks share: where PostgreSQL and NATS are, and a deployment of their own on them.
import { NatsBus } from "@tailsweep/bus";
import { type OpenedRunStore, openRunStore } from "@tailsweep/db";
import { freshDatabase } from "../test/fresh-database";

// PostgreSQL comes from TEST_DATABASE_URL (else the local trust default), as for the tests; NATS from NATS_URL.
export { freshDatabase };
/** The NATS server (NATS_URL, else local). */
export const natsServers = process.env.NATS_URL ?? "127.0.0.1:4222";

/** A run store in a new database and a bus under its own NATS prefix; `drop()` deletes both. */
export interface Deployment {
  opened: OpenedRunStore;
  bus: NatsBus;
  databaseUrl: string;
  prefix: string;
  drop(): Promise<void>;
}

/** Creates a database named after `label` and the NATS streams under `prefix`. */
export async function freshDeployment(label: string, prefix: string): Promise<Deployment> {
  const database = await freshDatabase(label);
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
