import { boundedRequest, fromSameOrigin, hostSignIn, SignInError, safeReturnPath } from "@tailsweep/api";
import { clientAddress, seeOther, signInFailed, startSession, text } from "../../../../server/auth-responses";
import { host } from "../../../../server/store";

export const dynamic = "force-dynamic";

/**
 * `POST /api/auth/signin` (the sign-in form): email and password → a session cookie and a 303 to `returnTo`; on
 * failure a 303 back to the form with an error code. Refused (403) unless posted from this dashboard's own page.
 */
export async function POST(req: Request): Promise<Response> {
  const h = await host();
  if (h.auth.mode !== "team") return seeOther(req, h, "/");
  if (!fromSameOrigin(req, h.auth.publicUrl))
    return text(403, "sign-in refused: not sent from this dashboard");
  // A sign-in form is a few hundred bytes: a larger body is refused (413) before it is read.
  const bounded = await boundedRequest(req);
  if (bounded.refused) return bounded.refused;
  const form = await bounded.request.formData().catch(() => new FormData());
  const returnTo = safeReturnPath(form.get("returnTo"));
  const flows = hostSignIn(h);
  try {
    if (!flows.password || !h.access)
      throw new SignInError("credentials", "this dashboard keeps no accounts");
    const user = await flows.password.verify(
      { email: form.get("email") ?? "", password: form.get("password") ?? "" },
      clientAddress(req, h),
    );
    return seeOther(req, h, returnTo, [await startSession(h, user.id, "password")]);
  } catch (e) {
    return signInFailed(req, h, e, { returnTo });
  }
}
