import type { AuthSettings } from "./auth-settings";
import { OidcSignIn } from "./oidc";
import type { ApiContext } from "./router";
import { PasswordSignIn } from "./sign-in";

/**
 * What the process serving the dashboard gives its pages and API: the run store it opened, the launcher when it
 * allows launching, and one line saying where sweeps go. `tailsweep ui` sets it before Next loads; pages read it
 * with `dashboardHost()`. It lives on globalThis because Next bundles each route separately, and an embedded
 * store (PGlite) must be opened once per process.
 */
export interface DashboardHost extends Omit<ApiContext, "caller"> {
  /** Where launched sweeps run, for the page to say (e.g. "this process: 1 worker", "NATS nats://…"). */
  launchTarget: string | null;
  /** Where the run store is (e.g. "PGlite /home/me/.tailsweep/db", "PostgreSQL"). */
  storeLocation: string;
  /** Local mode (the local user) or team mode (sign-in); see AuthSettings. */
  auth: AuthSettings;
  /**
   * Whether requests carry the client's address in `x-tailsweep-client`, put there by `tailsweep ui`'s own server
   * (which overwrites what a client sends). Under a plain `next start` the header is the client's word, so unused.
   */
  clientAddressHeader?: boolean;
}

const KEY = Symbol.for("tailsweep.dashboard-host");
const holder = globalThis as { [KEY]?: Promise<DashboardHost> };

/** Installs this process's dashboard host (once, before the first request). */
export function setDashboardHost(host: Promise<DashboardHost>): void {
  holder[KEY] = host;
}

/** This process's dashboard host; `open` makes one when nothing installed it (e.g. plain `next start`). */
export function dashboardHost(open: () => Promise<DashboardHost>): Promise<DashboardHost> {
  holder[KEY] ??= open();
  return holder[KEY];
}

const signIns = new WeakMap<DashboardHost, { password?: PasswordSignIn; oidc?: OidcSignIn }>();

/**
 * The sign-in flows of a team-mode host, made once per host: its rate limits and its OIDC discovery are per
 * process. `password` needs the access store; `oidc` needs OIDC settings.
 */
export function hostSignIn(host: DashboardHost): { password?: PasswordSignIn; oidc?: OidcSignIn } {
  let flows = signIns.get(host);
  if (!flows) {
    flows = {
      ...(host.access && { password: new PasswordSignIn(host.access) }),
      ...(host.auth.oidc && { oidc: new OidcSignIn(host.auth.oidc) }),
    };
    signIns.set(host, flows);
  }
  return flows;
}
