import { appRouter, fromSameOrigin } from "@tailsweep/api";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
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
  return fetchRequestHandler({
    endpoint: "/api/trpc",
    req,
    router: appRouter,
    createContext: ({ req }) => requestContext(req),
  });
};

export { handler as GET, handler as POST };
