import { apiResponse, fromSameOrigin } from "@tailsweep/api";
import { text } from "../../../../server/auth-responses";
import { host, requestContext } from "../../../../server/store";

export const dynamic = "force-dynamic";

const handler = async (req: Request) => {
  // A mutation riding on the browser's cookie (or, in embedded mode, on nothing: any page the user visits could
  // post to 127.0.0.1) must come from this dashboard's own pages. API tokens are not ambient, so they are exempt.
  if (req.method !== "GET" && !req.headers.has("authorization")) {
    const h = await host();
    if (!fromSameOrigin(req, h.auth.publicUrl))
      return text(403, "refused: not sent from this dashboard's pages");
  }
  // The body is read within the dashboard's limit (413 above it) before tRPC parses it.
  return apiResponse(req, requestContext);
};

export { handler as GET, handler as POST };
