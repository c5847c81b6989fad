import { appRouter } from "@tailsweep/api";
import { openRunStore } from "@tailsweep/db";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";

const opened = openRunStore();

const handler = async (req: Request) =>
  fetchRequestHandler({
    endpoint: "/api/trpc",
    req,
    router: appRouter,
    createContext: async () => ({ store: (await opened).store }),
  });

export { handler as GET, handler as POST };
