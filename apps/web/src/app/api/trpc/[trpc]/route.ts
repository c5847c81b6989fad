import { appRouter } from "@tailsweep/api";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { runStore } from "../../../../server/store";

const handler = async (req: Request) =>
  fetchRequestHandler({
    endpoint: "/api/trpc",
    req,
    router: appRouter,
    createContext: async () => ({ store: await runStore() }),
  });

export { handler as GET, handler as POST };
