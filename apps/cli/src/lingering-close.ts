import type { IncomingMessage, ServerResponse } from "node:http";

/** How long a connection goes on reading (and dropping) a request body that its answer came before. */
export const LINGER_MS = 5_000;

/**
 * Keeps a connection open after an answer sent before its request's body was read — the dashboard's 413 for a body
 * over its limit — reading and dropping the rest of the body for at most `lingerMs`, as nginx's lingering close does.
 * Closing at once would leave the unread bytes in the kernel, which then answers with a reset, and a client still
 * writing its body (Node's http.request, a script's upload) loses the answer to EPIPE: 12 of 40 did against the
 * dashboard before this. A body that ends in time leaves the connection to keep-alive as usual; one that does not
 * has its connection closed, so a client cannot hold it by writing forever.
 */
export function lingerAfterEarlyAnswer(
  req: IncomingMessage,
  res: ServerResponse,
  lingerMs: number = LINGER_MS,
): void {
  res.once("finish", () => {
    if (req.complete || req.destroyed) return;
    const socket = req.socket;
    const cut = setTimeout(() => socket.destroy(), lingerMs);
    cut.unref();
    req.once("end", () => clearTimeout(cut));
    req.once("close", () => clearTimeout(cut));
    // Whoever read the body stopped at the limit and left the stream paused: drain it here.
    req.on("data", () => {});
    req.resume();
  });
}
