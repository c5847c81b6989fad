import { can } from "@tailsweep/access";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { boundedRequest, MAX_IMPORT_BODY_BYTES, MAX_REQUEST_BODY_BYTES } from "./body-limit";
import { type ApiContext, appRouter } from "./router";
import { contextError } from "./trpc";

/** Where the dashboard mounts the API. */
export const API_ENDPOINT = "/api/trpc";

/** Whether a call is a sweep import alone (tRPC batches name their procedures joined by commas). */
function importsOnly(req: Request): boolean {
  const path = new URL(req.url).pathname;
  if (req.method !== "POST" || !path.startsWith(`${API_ENDPOINT}/`)) return false;
  let procedures: string;
  try {
    procedures = decodeURIComponent(path.slice(API_ENDPOINT.length + 1));
  } catch {
    return false; // a malformed path: tRPC answers it 400, within the usual limit
  }
  return procedures.split(",").every((procedure) => procedure === "sweeps.import");
}

/** Whether a context may import at all: a dashboard that launches, a caller who may launch in some project. */
const mayImport = (ctx: ApiContext) =>
  ctx.launcher !== undefined &&
  (ctx.caller.scope === "all" || ctx.caller.scope.some((s) => can(s.role, "launch")));

/**
 * Answers one HTTP request to the API (`/api/trpc/<procedure>`): the body read within MAX_REQUEST_BODY_BYTES (413
 * above it, before tRPC buffers and parses the JSON), then the procedure run with the context `createContext` makes
 * for this request. A sweep import may be larger (an export's JSON runs to megabytes): its context is made first,
 * from the headers, and only a caller who may import somewhere gets MAX_IMPORT_BODY_BYTES, so no one else makes the
 * server buffer more than the usual limit. The dashboard's route and the HTTP-level tests go through this one
 * function.
 */
export async function apiResponse(
  req: Request,
  createContext: (req: Request) => ApiContext | Promise<ApiContext>,
): Promise<Response> {
  // made once: tRPC is handed the same promise, so a refusal (not signed in) is answered as any other call's
  const early = importsOnly(req) ? Promise.resolve().then(() => createContext(req)) : undefined;
  const large = early ? await early.then(mayImport, () => false) : false;
  const bounded = await boundedRequest(req, large ? MAX_IMPORT_BODY_BYTES : MAX_REQUEST_BODY_BYTES);
  if (bounded.refused) return bounded.refused;
  return fetchRequestHandler({
    endpoint: API_ENDPOINT,
    req: bounded.request,
    router: appRouter,
    createContext: async ({ req }) => {
      try {
        return await (early ?? createContext(req));
      } catch (e) {
        throw contextError(e);
      }
    },
  });
}
