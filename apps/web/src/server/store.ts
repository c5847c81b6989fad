import {
  type ApiContext,
  callerFromAuthorization,
  createCaller,
  type DashboardHost,
  dashboardHost,
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
      access: opened.access,
      launchTarget: null,
      storeLocation: `${opened.kind} ${opened.location}`,
    };
  });
}

/**
 * The API's context for one request or page render: the host, with a store that reads each thing once (a page's
 * procedures read the same sweep several times over), and the caller: the API token of an `Authorization: Bearer`
 * header, else (until sign-in lands, issue #7) the local user of embedded mode, owner of every project.
 */
export async function requestContext(req?: Request): Promise<ApiContext> {
  const h = await host();
  const caller = await callerFromAuthorization(h.access, req?.headers.get("authorization") ?? null);
  return { ...h, store: readOnce(h.store), caller, audit: h.access };
}

/** The tRPC caller for one server-component render. */
export async function api() {
  return createCaller(await requestContext());
}
