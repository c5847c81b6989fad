import { type NextRequest, NextResponse } from "next/server";
import { REQUESTED_PAGE_HEADER, requestedPage } from "./server/requested-page";

/**
 * Tells each page which path and query the browser asked for (a server component has no URL), so that a browser sent
 * to sign in comes back to that page (issue #20: sign-in always landed on `/`). Nothing else: who the caller is, is
 * decided by the page and the API, not here.
 */
export function proxy(request: NextRequest): NextResponse {
  const headers = new Headers(request.headers);
  headers.set(REQUESTED_PAGE_HEADER, requestedPage(request.nextUrl));
  return NextResponse.next({ request: { headers } });
}

export const config = {
  // Pages only: not the API, the sign-in routes, Next's own files or the icon. The API must stay out: Next buffers
  // the body of a request its proxy sees up to `proxyClientMaxBodySize` (10 MB) and would cut a larger sweep import.
  matcher: ["/((?!api/|_next/|signin|icon\\.svg|favicon\\.ico).*)"],
};
