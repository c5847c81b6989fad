import { describeRunStoreConformance } from "@tailsweep/sweep/testing";
import pg from "pg";
import { afterAll } from "vitest";
import { type OpenedRunStore, openRunStore } from "./open-run-store";

const opened: OpenedRunStore[] = [];
afterAll(async () => {
  for (const o of opened) await o.close();
});

// PGlite: a fresh in-memory database per test.
describeRunStoreConformance("Prisma on PGlite", async () => {
  const o = await openRunStore({ pgliteDir: "memory", databaseUrl: "" });
  opened.push(o);
  return o.store;
});

// PostgreSQL: a fresh database per test on the server given by TEST_DATABASE_URL (default: local trust auth).
const server = process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
let counter = 0;
describeRunStoreConformance("Prisma on PostgreSQL", async () => {
  const name = `tailsweep_test_${process.pid}_${counter++}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name}`);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(server);
  url.pathname = `/${name}`;
  const o = await openRunStore({ databaseUrl: url.toString() });
  opened.push({
    ...o,
    close: async () => {
      await o.close();
      const cleanup = new pg.Client({ connectionString: server });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await cleanup.end();
    },
  });
  return o.store;
});
