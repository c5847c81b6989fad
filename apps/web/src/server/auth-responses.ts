import {
  type DashboardHost,
  dashboardOrigin,
  oidcPendingCookieName,
  openSession,
  type SignInError,
  secureCookies as secureFor,
  sessionCookieName,
  setCookie,
} from "@tailsweep/api";
import { hasErrorCode } from "@tailsweep/schemas";

/** A SignInError, matched by its code (SIGN_IN_FAILED) and reason, not by class: routes are bundled separately. */
const isSignInError = (e: unknown): e is SignInError =>
  hasErrorCode(e, "SIGN_IN_FAILED") && typeof (e as { reason?: unknown }).reason === "string";

/** The address of the browser, as `tailsweep ui`'s server saw it (for login rate limits); undefined elsewhere. */
export function clientAddress(req: Request, h: DashboardHost): string | undefined {
  return h.clientAddressHeader ? (req.headers.get("x-tailsweep-client") ?? undefined) : undefined;
}

/** Whether cookies get `Secure` (and the `__Host-` name): when the dashboard's public address is https. */
export const secureCookies = (h: DashboardHost) => secureFor(h.auth);

/** This dashboard's origin as browsers see it. */
export const publicOrigin = (h: DashboardHost, req: Request) => dashboardOrigin(req, h.auth.publicUrl);

/** A 303 to a path of this dashboard, setting cookies on the way (a POST's answer becomes a GET there). */
export function seeOther(req: Request, h: DashboardHost, path: string, cookies: string[] = []): Response {
  const res = new Response(null, {
    status: 303,
    headers: { Location: new URL(path, publicOrigin(h, req)).href },
  });
  for (const c of cookies) res.headers.append("Set-Cookie", c);
  res.headers.set("Cache-Control", "no-store");
  return res;
}

/** A Set-Cookie of this dashboard's: `Secure`, under the `__Host-` name `nameFor` gives, when it is served over https. */
function dashboardSetCookie(
  h: DashboardHost,
  nameFor: (secure: boolean) => string,
  value: string,
  maxAgeSeconds: number,
): string {
  const secure = secureCookies(h);
  return setCookie(nameFor(secure), value, { secure, maxAgeSeconds });
}

/** The Set-Cookie of a new session, or of its removal (maxAge 0). */
export const sessionSetCookie = (h: DashboardHost, value: string, maxAgeSeconds: number) =>
  dashboardSetCookie(h, sessionCookieName, value, maxAgeSeconds);

/** The Set-Cookie of an OpenID sign-in in progress (state, nonce, verifier), or of its removal (maxAge 0). */
export const oidcPendingSetCookie = (h: DashboardHost, value: string, maxAgeSeconds: number) =>
  dashboardSetCookie(h, oidcPendingCookieName, value, maxAgeSeconds);

/**
 * A sign-in that failed: the reason logged for the operator, the browser sent back to the sign-in page with only the
 * error's reason (the page words it; no message text reaches it), keeping `returnTo`. Anything but a SignInError is
 * rethrown.
 */
export function signInFailed(
  req: Request,
  h: DashboardHost,
  e: unknown,
  options: { returnTo?: string; cookies?: string[] } = {},
): Response {
  if (!isSignInError(e)) throw e;
  console.error(`sign-in: ${e.message}`);
  const { returnTo = "/", cookies = [] } = options;
  const back = new URLSearchParams({ error: e.reason, ...(returnTo !== "/" && { returnTo }) });
  return seeOther(req, h, `/signin?${back}`, cookies);
}

/** Starts a session for a user who just signed in; the Set-Cookie that gives it to the browser. */
export async function startSession(
  h: DashboardHost,
  userId: string,
  method: "password" | "oidc",
): Promise<string> {
  const session = await openSession(h.access!, userId, method, h.auth.sessionHours);
  return sessionSetCookie(h, session.secret, h.auth.sessionHours * 3600);
}

/** A plain-text answer. */
export function text(status: number, message: string): Response {
  return new Response(`${message}\n`, { status, headers: { "Content-Type": "text/plain; charset=utf-8" } });
}
