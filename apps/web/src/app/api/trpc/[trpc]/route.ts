import { appRouter } from "@tailsweep/api";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { requestContext } from "../../../../server/store";

export const dynamic = "force-dynamic";

const handler = (req: Request) =>
  fetchRequestHandler({
    endpoint: "/api/trpc",
    req,
    router: appRouter,
    createContext: ({ req }) => requestContext(req),
  });

export { handler as GET, handler as POST };
