import {
  accountForOidc,
  hostSignIn,
  OidcPendingSchema,
  oidcPendingCookieName,
  openSession,
  readCookie,
  SignInError,
  safeReturnPath,
  setCookie,
} from "@tailsweep/api";
import {
  publicOrigin,
  secureCookies,
  seeOther,
  sessionSetCookie,
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
  const secure = secureCookies(h);
  const clearPending = setCookie(oidcPendingCookieName(secure), "", {
    secure,
    maxAgeSeconds: 0,
  });
  try {
    const raw = readCookie(req.headers.get("cookie"), oidcPendingCookieName(secure));
    const pending = OidcPendingSchema.safeParse(
      raw ? JSON.parse(Buffer.from(raw, "base64url").toString("utf8") || "null") : null,
    );
    if (!pending.success)
      throw new SignInError("oidc", "no sign-in in progress in this browser (or it took > 10 min)");
    // The URL the provider redirected to, on the origin the redirect URI named (behind a proxy, the public one).
    const here = new URL(req.url);
    const current = new URL(`${here.pathname}${here.search}`, publicOrigin(h, req));
    const { issuer, claims } = await oidc.finish(current, pending.data);
    const user = await accountForOidc(h.access, issuer, claims);
    const session = await openSession(h.access, user.id, "oidc", h.auth.sessionHours);
    // The cookie is ours, but checked again like any input: never a redirect off this dashboard.
    return seeOther(req, h, safeReturnPath(pending.data.returnTo), [
      clearPending,
      sessionSetCookie(h, session.secret, h.auth.sessionHours * 3600),
    ]);
  } catch (e) {
    if (!(e instanceof SignInError) && !(e instanceof SyntaxError)) throw e;
    console.error(`sign-in: ${e.message}`);
    return seeOther(req, h, `/signin?error=${e instanceof SignInError ? e.code : "oidc"}`, [clearPending]);
  }
}
