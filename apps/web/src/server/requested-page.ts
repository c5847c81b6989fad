/**
 * The request header in which the proxy (src/proxy.ts) tells a page which path and query the browser asked for: a
 * server component has no URL of its own, and the sign-in redirect must bring the browser back there. The proxy sets
 * it on every page request, replacing whatever a client sent; it is read only through safeReturnPath.
 */
export const REQUESTED_PAGE_HEADER = "x-tailsweep-page";

/** Next's own query parameter on the requests of client-side navigations: not part of the page's address. */
const NEXT_INTERNAL_PARAMS = ["_rsc"];

/** The page a request asked for, as a path with its query (`/sweeps/abc?x=1`), without Next's internal parameters. */
export function requestedPage(url: URL): string {
  const query = new URLSearchParams(url.search);
  for (const p of NEXT_INTERNAL_PARAMS) query.delete(p);
  const search = query.toString();
  return `${url.pathname}${search ? `?${search}` : ""}`;
}
