import { createCaller } from "@tailsweep/api";
import { type OpenedRunStore, openRunStore } from "@tailsweep/db";

// One run store per server process: DATABASE_URL (the team's PostgreSQL) or the embedded PGlite under
// TAILSWEEP_DB_DIR / .tailsweep/db, exactly as the CLI opens it.
let opened: Promise<OpenedRunStore> | undefined;

/** The tRPC caller for server components, over this process's run store. */
export async function api() {
  opened ??= openRunStore();
  return createCaller({ store: (await opened).store });
}
