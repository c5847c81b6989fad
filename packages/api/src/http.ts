import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { boundedRequest, MAX_IMPORT_BODY_BYTES, MAX_REQUEST_BODY_BYTES } from "./body-limit";
import { type ApiContext, appRouter } from "./router";

/** Where the dashboard mounts the API. */
export const API_ENDPOINT = "/api/trpc";

/** Whether a call is a sweep import alone (tRPC batches name their procedures joined by commas). */
function importsOnly(req: Request): boolean {
  const path = new URL(req.url).pathname;
  if (req.method !== "POST" || !path.startsWith(`${API_ENDPOINT}/`)) return false;
  return decodeURIComponent(path.slice(API_ENDPOINT.length + 1))
    .split(",")
    .every((procedure) => procedure === "sweeps.import");
}

/**
 * Answers one HTTP request to the API (`/api/trpc/<procedure>`): the body read within MAX_REQUEST_BODY_BYTES (413
 * above it, before tRPC buffers and parses the JSON), then the procedure run with the context `createContext` makes
 * for this request. A sweep import may be larger (an export's JSON runs to megabytes): its context is made first,
 * from the headers, and only a caller it recognises gets MAX_IMPORT_BODY_BYTES, so no one unknown makes the server
 * buffer more than the usual limit. The dashboard's route and the HTTP-level tests go through this one function.
 */
export async function apiResponse(
  req: Request,
  createContext: (req: Request) => ApiContext | Promise<ApiContext>,
): Promise<Response> {
  // a refusal here (not signed in) is answered by tRPC as any other call's, after the usual limit
  const known = importsOnly(req)
    ? await (async () => createContext(req))().catch(() => undefined)
    : undefined;
  const bounded = await boundedRequest(req, known ? MAX_IMPORT_BODY_BYTES : MAX_REQUEST_BODY_BYTES);
  if (bounded.refused) return bounded.refused;
  return fetchRequestHandler({
    endpoint: API_ENDPOINT,
    req: bounded.request,
    router: appRouter,
    createContext: ({ req }) => known ?? createContext(req),
  });
}
