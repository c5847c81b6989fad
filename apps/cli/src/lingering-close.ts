import type { IncomingMessage, ServerResponse } from "node:http";

/** How long a connection goes on reading (and dropping) a request body that its answer came before. */
export const LINGER_MS = 5_000;

/**
 * A lingering close, as nginx does it, for an answer that closes its connection (`Connection: close`) before the
 * request's body was read — the dashboard's 413 for a body over its limit. Node closes such a connection as soon as
 * the answer is out, with the rest of the body unread, and the kernel answers unread bytes with a reset: a client
 * still writing its body (Node's http.request, a script's upload) then lost the answer to EPIPE, 12 times in 40
 * against the dashboard. Here the answer and this side's end go out as before, but the rest of the body is read and
 * dropped until the client has sent it all or `lingerMs` has passed, and only then is the connection closed. An
 * early answer that keeps its connection is Node's to handle: it reads and drops the rest of the body itself.
 */
export function lingerAfterEarlyAnswer(
  req: IncomingMessage,
  res: ServerResponse,
  lingerMs: number = LINGER_MS,
): void {
  const socket = req.socket;
  res.once("finish", () => {
    // Node's own finish handler ran first: for a closing answer it has ended this side (`destroySoon`: the end,
    // then a destroy once it is written). Anything else is not a closing answer with a body still coming.
    if (req.complete || socket.destroyed || !socket.writableEnded) return;
    // Keep the end, take back the destroy, which would come with the body unread.
    socket.removeListener("finish", socket.destroy);
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

/**
 * Whether a request came in on a connection whose answers are over (a request pipelined behind one answered with a
 * lingering close): it must not be handled, since no answer to it could be written.
 */
export const arrivedAfterClose = (req: IncomingMessage) => req.socket.writableEnded;
