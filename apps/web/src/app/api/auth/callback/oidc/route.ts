import {
  accountForOidc,
  decodePending,
  hostSignIn,
  oidcPendingCookieName,
  readCookie,
  SignInError,
  safeReturnPath,
} from "@tailsweep/api";
import {
  oidcPendingSetCookie,
  publicOrigin,
  secureCookies,
  seeOther,
  signInFailed,
  startSession,
} from "../../../../../server/auth-responses";
import { host } from "../../../../../server/store";

export const dynamic = "force-dynamic";

/**
 * `GET /api/auth/callback/oidc`: the identity provider sends the browser back here with a code. The code is
 * exchanged and the ID token checked (state, nonce, PKCE, issuer, audience, signature), the account found, linked
 * or created, and a session started.
 */
export async function GET(req: Request): Promise<Response> {
  const h = await host();
  const oidc = hostSignIn(h).oidc;
  if (h.auth.mode !== "team" || !oidc || !h.access) return seeOther(req, h, "/signin");
  const clearPending = oidcPendingSetCookie(h, "", 0);
  try {
    const pending = decodePending(
      readCookie(req.headers.get("cookie"), oidcPendingCookieName(secureCookies(h))),
    );
    if (!pending)
      throw new SignInError("oidc", "no sign-in in progress in this browser (or it took > 10 min)");
    // The URL the provider redirected to, on the origin the redirect URI named (behind a proxy, the public one).
    const here = new URL(req.url);
    const current = new URL(`${here.pathname}${here.search}`, publicOrigin(h, req));
    const { issuer, claims } = await oidc.finish(current, pending);
    const user = await accountForOidc(h.access, issuer, claims);
    // The cookie is ours, but checked again like any input: never a redirect off this dashboard.
    return seeOther(req, h, safeReturnPath(pending.returnTo), [
      clearPending,
      await startSession(h, user.id, "oidc"),
    ]);
  } catch (e) {
    return signInFailed(req, h, e, { cookies: [clearPending] });
  }
}
