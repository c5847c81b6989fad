import {
  type ApiContext,
  createCaller,
  type DashboardHost,
  dashboardHost,
  LOCAL_CALLER,
  readOnce,
} from "@tailsweep/api";
import { openRunStore } from "@tailsweep/db";

/**
 * The dashboard host of this process: the one `tailsweep ui` installed (its run store, and the controller that
 * launches), or — under a plain `next start` — a read-only one over DATABASE_URL or the embedded store, opened the
 * way the CLI opens it.
 */
export function host(): Promise<DashboardHost> {
  return dashboardHost(async () => {
    const opened = await openRunStore();
    return {
      store: opened.store,
      audit: opened.access,
      launchTarget: null,
      storeLocation: `${opened.kind} ${opened.location}`,
    };
  });
}

/**
 * The API's context for one request or page render: the host, with a store that reads each thing once (a page's
 * procedures read the same sweep several times over), and the caller. Until sign-in lands (issue #7) every request
 * is the local user of embedded mode, owner of every project.
 */
export async function requestContext(): Promise<ApiContext> {
  const h = await host();
  return { ...h, store: readOnce(h.store), caller: LOCAL_CALLER };
}

/** The tRPC caller for one server-component render. */
export async function api() {
  return createCaller(await requestContext());
}
