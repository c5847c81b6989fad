import { createCaller, type DashboardHost, dashboardHost } from "@tailsweep/api";
import { openRunStore } from "@tailsweep/db";

/**
 * The dashboard host of this process: the one `tailsweep ui` installed (its run store, and the controller that
 * launches), or — under a plain `next start` — a read-only one over DATABASE_URL or the embedded store, opened the
 * way the CLI opens it.
 */
export function host(): Promise<DashboardHost> {
  return dashboardHost(async () => {
    const opened = await openRunStore();
    return { store: opened.store, launchTarget: null, storeLocation: `${opened.kind} ${opened.location}` };
  });
}

/** The tRPC caller for server components. */
export async function api() {
  return createCaller(await host());
}
