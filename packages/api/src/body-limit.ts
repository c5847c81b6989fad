/**
 * The largest request body the dashboard reads: a tRPC call's JSON (a 256 kB sweep file, escaped, fits with room) or
 * a sign-in form. Above it the body is not read at all, so a client cannot make the server buffer and parse megabytes.
 */
export const MAX_REQUEST_BODY_BYTES = 1024 * 1024;

/**
 * The largest body of a sweep import (`sweeps.import`: an export's JSON, about 3 MB for the study's 175 trials of 15
 * epochs), read only for a caller the request's headers name who may import (launch) somewhere.
 */
export const MAX_IMPORT_BODY_BYTES = 64 * 1024 * 1024;

/** A request whose body was read within the limit (a copy holding it), or the 413 answer that refuses it. */
export type BoundedRequest = { request: Request; refused?: undefined } | { refused: Response };

/** The 413 answer, in words a person or a script can act on. */
function tooLarge(limit: number, size?: number): Response {
  const said = size === undefined ? "more than" : `${size} bytes, more than`;
  return new Response(
    `request body too large: ${said} the ${limit} bytes (${Math.round(limit / 1024)} kB) this dashboard reads; a sweep file may be at most 256 kB, a sweep import by a member ${MAX_IMPORT_BODY_BYTES / (1024 * 1024)} MiB\n`,
    { status: 413, headers: { "Content-Type": "text/plain; charset=utf-8", Connection: "close" } },
  );
}

/**
 * Reads a request's body up to `limit` bytes. A declared Content-Length above it is refused before a byte is read; a
 * body sent without one (chunked) is counted as it arrives and refused once it passes the limit, and read no further.
 * A body within it comes back in a new Request that any handler can read as usual.
 */
export async function boundedRequest(
  req: Request,
  limit: number = MAX_REQUEST_BODY_BYTES,
): Promise<BoundedRequest> {
  const declared = Number(req.headers.get("content-length") ?? Number.NaN);
  // Neither branch cancels the body: see below.
  if (Number.isFinite(declared) && declared > limit) return { refused: tooLarge(limit, declared) };
  if (!req.body) return { request: req };
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      // Not cancelled: under Next the stream reads the Node request itself, and cancelling destroys it, after which
      // nothing can read and drop the rest of the body and the connection can only end in a reset that may cost the
      // client this answer. `tailsweep ui` drains a refused body for a while before it closes (lingering-close.ts).
      reader.releaseLock();
      return { refused: tooLarge(limit) };
    }
    chunks.push(value);
  }
  const body = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    body.set(chunk, at);
    at += chunk.byteLength;
  }
  return { request: new Request(req.url, { method: req.method, headers: req.headers, body }) };
}
