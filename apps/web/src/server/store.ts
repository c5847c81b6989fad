import {
  type ApiContext,
  callerOfRequest,
  createCaller,
  type DashboardHost,
  dashboardHost,
  hostName,
  isLoopbackHost,
  isUnauthorized,
  readOnce,
  signedInUser,
  signInPath,
} from "@tailsweep/api";
import { openRunStore } from "@tailsweep/db";
import { TRPCError } from "@trpc/server";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { cache } from "react";
import { REQUESTED_PAGE_HEADER } from "./requested-page";
import { webSettings } from "./settings";

/**
 * The dashboard host of this process: the one `tailsweep ui` installed (its run store, and the controller that
 * launches), or — under a plain `next start` — a read-only one over DATABASE_URL or the embedded store, opened the
 * way the CLI opens it, with the settings of ./settings.ts.
 */
export function host(): Promise<DashboardHost> {
  return dashboardHost(async () => {
    const settings = webSettings();
    const opened = await openRunStore(settings.store);
    return {
      store: opened.store.pageReads(),
      access: opened.access,
      launchTarget: null,
      storeLocation: `${opened.kind} ${opened.location}`,
      auth: settings.auth,
      sweepLimits: settings.sweepLimits,
      ...(opened.controllerServing && { controllerServing: opened.controllerServing }),
    };
  });
}

/**
 * The API's context for one request or page render: the host, with a store that reads each thing once (a page's
 * procedures read the same sweep several times over), and the caller: an API token's, a signed-in user's (team
 * mode), or the local user's (embedded mode). UNAUTHORIZED when team mode finds neither token nor session.
 */
export async function requestContext(req?: Request): Promise<ApiContext> {
  const h = await host();
  const hdrs = req?.headers ?? (await headers());
  // Without sign-in, only this machine's own names: `tailsweep ui` checks this too, a plain `next start` does not.
  if (h.auth.mode === "local" && !isLoopbackHost(hostName(hdrs.get("host"))))
    throw new TRPCError({
      code: "FORBIDDEN",
      message: "embedded mode answers to 127.0.0.1 and localhost only",
    });
  const caller = await callerOfRequest(h.access, h.auth, hdrs);
  return { ...h, store: readOnce(h.store), caller };
}

/**
 * The tRPC caller for one server-component render; sends a browser that is not signed in to the sign-in page, which
 * brings it back to this page. Refusals are matched by code, not class: the error may come from another bundle.
 * One per render (React's `cache`), so the components that ask for it share its read-once store: the sweep page's
 * Pareto section read every trial and result a second time (bench/dashboard-browser.ts).
 */
export const api = cache(async () => {
  let ctx: ApiContext;
  try {
    ctx = await requestContext();
  } catch (e) {
    if (isUnauthorized(e)) await toSignIn();
    throw e;
  }
  return createCaller(ctx);
});

/**
 * Sends the browser to the sign-in page (a redirect: it never returns), with the page it asked for — as the proxy
 * recorded it — to return to once signed in; `/` when none was recorded or it is not a page of this dashboard.
 */
export async function toSignIn(): Promise<never> {
  redirect(signInPath((await headers()).get(REQUESTED_PAGE_HEADER)));
}

/** Who the page is shown to: the mode, and in team mode the signed-in user (for the header). */
export async function viewer(): Promise<{ mode: "local" | "team"; user?: { email: string; name: string } }> {
  const h = await host();
  if (h.auth.mode === "local") return { mode: "local" };
  const user = await signedInUser(h.access, h.auth, (await headers()).get("cookie"));
  return { mode: "team", ...(user && { user: { email: user.email, name: user.name } }) };
}
