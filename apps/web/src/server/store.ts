import { createCaller } from "@tailsweep/api";
import { type OpenedRunStore, openRunStore } from "@tailsweep/db";

// One run store per server process, shared by the pages and the tRPC route: DATABASE_URL (the team's PostgreSQL)
// or the embedded PGlite under TAILSWEEP_DB_DIR / .tailsweep/db, exactly as the CLI opens it. It lives on
// globalThis because Next may load this module once per bundle (pages, route handlers), and PGlite must not open
// the same directory twice.
const holder = globalThis as { tailsweepRunStore?: Promise<OpenedRunStore> };

/** This process's run store, opened (and migrated) on first use. */
export async function runStore() {
  holder.tailsweepRunStore ??= openRunStore();
  return (await holder.tailsweepRunStore).store;
}

/** The tRPC caller for server components, over this process's run store. */
export async function api() {
  return createCaller({ store: await runStore() });
}
