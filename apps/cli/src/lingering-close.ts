import type { IncomingMessage, ServerResponse } from "node:http";

/** How long a connection goes on reading (and dropping) a request body that its answer came before. */
export const LINGER_MS = 5_000;

/**
 * A lingering close, as nginx does it, for an answer sent before its request's body was read — the dashboard's 413
 * for a body over its limit (`Connection: close`), or any refusal that did not read the body. Node ends such a
 * connection as soon as the answer is out, with the rest of the body unread, and the kernel answers unread bytes
 * with a reset: a client still writing its body (Node's http.request, a script's upload) then lost the answer to
 * EPIPE, 12 times in 40 against the dashboard. Here the answer is followed by the end of this side of the
 * connection, the rest of the body is read and dropped until the client has sent it all or `lingerMs` has passed,
 * and only then is the connection closed — every time, so a client cannot keep one by writing forever.
 */
export function lingerAfterEarlyAnswer(
  req: IncomingMessage,
  res: ServerResponse,
  lingerMs: number = LINGER_MS,
): void {
  // Taken now: a request destroyed meanwhile no longer holds its socket.
  const socket = req.socket;
  res.once("finish", () => {
    if (req.complete || socket.destroyed) return;
    // Node's own finish handler, which ran first, ended the connection (`destroySoon`: this side's end, then a
    // destroy once it is written). Keep the end and take back the destroy, which would come with the body unread.
    socket.removeListener("finish", socket.destroy);
    socket.end();
    const close = () => {
      clearTimeout(cut);
      socket.destroy();
    };
    const cut = setTimeout(close, lingerMs);
    cut.unref();
    req.once("end", close);
    socket.once("close", () => clearTimeout(cut));
    // Whoever read the body stopped at the limit and left it paused, with its own `readable` listener, under which
    // resume() does nothing: drop that reader and let the body flow into nothing.
    req.removeAllListeners("readable");
    req.on("data", () => {});
    req.resume();
  });
}
