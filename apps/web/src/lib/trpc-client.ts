import type { AppRouter } from "@tailsweep/api";
import { createTRPCClient, httpLink } from "@trpc/client";

/** The browser's typed client of the dashboard's tRPC API (mutations: launch, cancel). */
export const trpc = createTRPCClient<AppRouter>({ links: [httpLink({ url: "/api/trpc" })] });
