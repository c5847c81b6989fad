import { describeAccessStoreConformance } from "@tailsweep/access/testing";
import { describeRunStoreConformance } from "@tailsweep/sweep/testing";
import { afterAll } from "vitest";
import type { OpenedRunStore } from "./open-run-store";
import { openFreshStore } from "./test-databases";

const opened: OpenedRunStore[] = [];
afterAll(async () => {
  for (const o of opened) await o.close();
});

// The run store and the access store, each on a fresh database per test: in-memory PGlite, and a new database on
// the PostgreSQL test server.
for (const [name, kind] of [
  ["Prisma on PGlite", "pglite"],
  ["Prisma on PostgreSQL", "postgres"],
] as const) {
  const fresh = async () => {
    const o = await openFreshStore(kind);
    opened.push(o);
    return o;
  };
  describeRunStoreConformance(name, async () => (await fresh()).store);
  // the store as the dashboard reads it: kept answers must never show what a write already changed
  describeRunStoreConformance(`${name}, as the dashboard reads it`, async () =>
    (await fresh()).store.pageReads(),
  );
  describeAccessStoreConformance(name, async () => (await fresh()).access);
}
