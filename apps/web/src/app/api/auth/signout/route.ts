import { closeSession, fromSameOrigin, sessionCookie } from "@tailsweep/api";
import { seeOther, sessionSetCookie, text } from "../../../../server/auth-responses";
import { host } from "../../../../server/store";

export const dynamic = "force-dynamic";

/** `POST /api/auth/signout`: ends this browser's session in the store (not just the cookie), then the sign-in page. */
export async function POST(req: Request): Promise<Response> {
  const h = await host();
  if (!fromSameOrigin(req, h.auth.publicUrl))
    return text(403, "sign-out refused: not sent from this dashboard");
  if (h.access) await closeSession(h.access, sessionCookie(h.auth, req.headers.get("cookie")));
  return seeOther(req, h, h.auth.mode === "team" ? "/signin" : "/", [sessionSetCookie(h, "", 0)]);
}
