import { encodePending, hostSignIn, safeReturnPath } from "@tailsweep/api";
import {
  oidcPendingSetCookie,
  publicOrigin,
  seeOther,
  signInFailed,
} from "../../../../server/auth-responses";
import { host } from "../../../../server/store";

export const dynamic = "force-dynamic";

/**
 * `GET /api/auth/oidc?returnTo=/path`: sends the browser to the team's identity provider (authorization code flow
 * with PKCE), remembering state, nonce and verifier for ten minutes in an HTTP-only cookie (`__Host-` over https).
 */
export async function GET(req: Request): Promise<Response> {
  const h = await host();
  const oidc = hostSignIn(h).oidc;
  if (h.auth.mode !== "team" || !oidc) return seeOther(req, h, "/signin");
  const returnTo = safeReturnPath(new URL(req.url).searchParams.get("returnTo"));
  try {
    const { url, pending } = await oidc.start(`${publicOrigin(h, req)}/api/auth/callback/oidc`, returnTo);
    const cookie = oidcPendingSetCookie(h, encodePending(pending), 600);
    return new Response(null, {
      status: 302,
      headers: { Location: url.href, "Set-Cookie": cookie, "Cache-Control": "no-store" },
    });
  } catch (e) {
    return signInFailed(req, h, e);
  }
}
