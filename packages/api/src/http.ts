import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { boundedRequest } from "./body-limit";
import { type ApiContext, appRouter } from "./router";

/** Where the dashboard mounts the API. */
export const API_ENDPOINT = "/api/trpc";

/**
 * Answers one HTTP request to the API (`/api/trpc/<procedure>`): the body read within MAX_REQUEST_BODY_BYTES (413
 * above it, before tRPC buffers and parses the JSON), then the procedure run with the context `createContext` makes
 * for this request. The dashboard's route and the HTTP-level tests go through this one function.
 */
export async function apiResponse(
  req: Request,
  createContext: (req: Request) => ApiContext | Promise<ApiContext>,
): Promise<Response> {
  const bounded = await boundedRequest(req);
  if (bounded.refused) return bounded.refused;
  return fetchRequestHandler({
    endpoint: API_ENDPOINT,
    req: bounded.request,
    router: appRouter,
    createContext: ({ req }) => createContext(req),
  });
}
