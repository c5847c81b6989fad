// The embedded store (PGlite) serves one process. The process that holds it — `tailsweep sweep run`, `tailsweep ui`
// — answers the API on a Unix socket in the store's folder, so that `sweep status`, `sweep watch`, `compare` and the
// other API commands run from another terminal go through it instead of being refused with STORE_LOCKED.
//
// A Unix socket, not a loopback port: only the store's owner can connect (the socket lies in a folder of theirs that
// only they may enter, 0700, made so before the socket exists), and a web page cannot reach it, so it needs no
// sign-in, exactly as the store's files need none.
import { chmodSync, existsSync, mkdirSync, rmSync } from "node:fs";
import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  request,
  type ServerResponse,
} from "node:http";
import { connect } from "node:net";
import { join } from "node:path";
import { Readable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import type { ApiContext } from "@tailsweep/api";
import { codeOf, messageOf, UnavailableError } from "@tailsweep/schemas";
import type { Api } from "./api-client";
import { httpApi } from "./remote";
import type { Runtime } from "./runtime";
import { settings } from "./settings";

/** The folder of the socket in the embedded store's folder (its owner's only), and the socket's name in it. */
export const STORE_SOCKET_DIR = "socket";
export const STORE_SOCKET_FILE = "api.sock";

/** The stable code of a request the process holding the embedded store stopped answering (it ended, or was killed). */
export const STORE_HOLDER_GONE_CODE = "STORE_HOLDER_GONE";

/** How long closing the socket waits for the requests being answered (an export streaming for longer is cut). */
const IN_FLIGHT_GRACE_MS = 3_000;

// sockaddr_un's sun_path is 108 bytes on Linux (104 on macOS), the terminating NUL included.
const MAX_SOCKET_PATH = 103;

/** Where the process holding the embedded store in `dir` answers; undefined for a path too long for a socket. */
export function storeSocketPath(dir: string): string | undefined {
  const path = join(dir, STORE_SOCKET_DIR, STORE_SOCKET_FILE);
  return Buffer.byteLength(path) <= MAX_SOCKET_PATH ? path : undefined;
}

/** A served socket: `close` stops answering and removes the socket file. */
export interface StoreSocket {
  path: string;
  close(): Promise<void>;
}

/**
 * Answers the API on `dir`'s socket while this process holds the embedded store there, with the context `context`
 * makes; the router and the context are made on the first request, so that a `sweep run` nobody asks loads none of
 * the API. `onRequest` sees each request first (the dashboard's gate, which holds training while it is answered). The
 * caller holds the store's lock, so a socket file left there is a dead holder's and is replaced. Undefined where the
 * folder's path is too long for a socket: other processes are then refused with STORE_LOCKED, as before.
 */
export async function serveStoreSocket(
  dir: string,
  context: () => Promise<ApiContext>,
  onRequest?: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<StoreSocket | undefined> {
  const path = storeSocketPath(dir);
  if (!path) return undefined;
  // the folder first, its owner's only (mkdir's mode is masked by the umask; chmod is not): no one else can reach a
  // socket inside it, whatever the socket's own mode
  const folder = join(dir, STORE_SOCKET_DIR);
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  chmodSync(folder, 0o700);
  rmSync(path, { force: true });
  let handler: Promise<RequestListener> | undefined;
  const handle = async () => {
    // loaded here: only a process that is asked serves
    const [{ createHTTPHandler }, { appRouter }, ctx] = await Promise.all([
      import("@trpc/server/adapters/standalone"),
      import("@tailsweep/api"),
      context(),
    ]);
    return createHTTPHandler({ router: appRouter, createContext: () => ctx });
  };
  // requests not answered yet, and what `close` waits on once none is left
  let inFlight = 0;
  let drained: (() => void) | undefined;
  const server = createServer((req, res) => {
    inFlight++;
    res.once("close", () => {
      inFlight--;
      if (inFlight === 0) drained?.();
    });
    onRequest?.(req, res);
    handler ??= handle();
    handler.then(
      (serve) => serve(req, res),
      (e: unknown) => {
        res.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
        res.end(`the store's API did not load: ${messageOf(e)}\n`);
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(path, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return {
    path,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // A request being answered gets its answer first, for a moment at most: the cancel that ends a `sweep run` is
      // one, and cut off it would say the holder was gone though the sweep was cancelled. Then every connection
      // ends, kept-alive ones too (server.close leaves those open).
      if (inFlight > 0)
        await Promise.race([
          new Promise<void>((resolve) => {
            drained = resolve;
          }),
          sleep(IN_FLIGHT_GRACE_MS, undefined, { ref: false }),
        ]);
      server.closeAllConnections();
      await closed;
      rmSync(path, { force: true });
    },
  };
}

/**
 * Serves the API on the embedded store `rt` holds, as the local user, with `launcher` (or the `readOnly` words that
 * say why there is none); nothing where the store is PostgreSQL (every process opens it) or in memory. A socket that
 * cannot be served is said, and the command goes on: other commands are then refused as before.
 */
export async function serveHeldStore(
  rt: Runtime,
  what: Pick<ApiContext, "launcher" | "readOnly" | "cancelsOwn" | "controllerServing">,
  log: (line: string) => void,
  onRequest?: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<StoreSocket | undefined> {
  if (rt.opened.kind !== "pglite" || rt.opened.location === "memory") return undefined;
  // loaded on the first request, with the router: a `sweep run` nobody asks loads none of the API
  const context = async () => (await import("./local-api")).localApiContext(rt, what);
  try {
    return await serveStoreSocket(rt.opened.location, context, onRequest);
  } catch (e) {
    log(
      `other commands cannot reach the store while this one runs: its socket did not open (${messageOf(e)})`,
    );
    return undefined;
  }
}

/** Whether a process answers on `path`: a socket file whose process died refuses the connection. */
export function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(path);
    const done = (yes: boolean) => {
      socket.destroy();
      resolve(yes);
    };
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
    socket.setTimeout(2000, () => done(false));
  });
}

/**
 * `fetch` over a Unix socket, for tRPC's links: the request's path and method as given, the answer streamed back (an
 * export's chunks as they come).
 */
function fetchOverSocket(path: string, onAnswer: () => void): typeof fetch {
  return (input, init) =>
    new Promise((resolve, reject) => {
      // tRPC's links send a URL and a string body (JSON), nothing else this shim would have to carry
      if (typeof input !== "string" || (init?.body != null && typeof init.body !== "string")) {
        reject(new TypeError("the store socket's fetch takes a URL string and a string body"));
        return;
      }
      const aborted = () => new DOMException("the request was aborted", "AbortError");
      if (init?.signal?.aborted) {
        reject(aborted());
        return;
      }
      const url = new URL(input);
      const req = request(
        {
          socketPath: path,
          path: `${url.pathname}${url.search}`,
          method: init?.method ?? "GET",
          headers: Object.fromEntries(new Headers(init?.headers).entries()),
        },
        (res) => {
          onAnswer();
          const answer = new Headers();
          for (const [name, value] of Object.entries(res.headers))
            if (value !== undefined) answer.set(name, Array.isArray(value) ? value.join(", ") : value);
          const status = res.statusCode ?? 500;
          // a body is not allowed on these statuses
          const body = status === 204 || status === 304 ? null : Readable.toWeb(res);
          resolve(new Response(body, { status, headers: answer }));
        },
      );
      let abort = false;
      init?.signal?.addEventListener(
        "abort",
        () => {
          abort = true;
          req.destroy();
        },
        { once: true },
      );
      // the holder ended between two requests (its run finished, Ctrl-C): said as such, by a code a command can match
      req.once("error", (e) =>
        reject(
          abort
            ? aborted()
            : new UnavailableError(
                STORE_HOLDER_GONE_CODE,
                `the process that held the embedded store stopped answering (${codeOf(e) ?? messageOf(e)}): the same command again opens the store itself`,
                { cause: e },
              ),
        ),
      );
      req.end(init?.body ?? undefined);
    });
}

/**
 * Whether `e` says the holder was gone before a request reached it, so the request did nothing there: its socket file
 * removed (ENOENT), nobody listening on it (ECONNREFUSED), or a kept-alive connection it had closed already, which
 * the request could not be written to (EPIPE); not a connection cut while the request was answered (ECONNRESET).
 */
export function holderGoneUnasked(e: unknown): boolean {
  if (codeOf(e) !== STORE_HOLDER_GONE_CODE || typeof e !== "object" || e === null || !("cause" in e))
    return false;
  const cause = codeOf(e.cause);
  return cause === "ENOENT" || cause === "ECONNREFUSED" || cause === "EPIPE";
}

/** The socket of the settings' embedded store, where its file is there (whether anything answers on it or not). */
function heldStoreSocket(): string | undefined {
  const { store } = settings();
  if (store.kind !== "embedded" || store.pgliteDir === "memory") return undefined;
  const path = storeSocketPath(store.pgliteDir);
  return path && existsSync(path) ? path : undefined;
}

/**
 * The API of the process that holds the settings' embedded store, when one answers on its socket; undefined otherwise
 * (no socket, or one a dead process left), and the command then opens the store itself.
 */
export async function heldStoreApi(): Promise<Api | undefined> {
  const path = await answeringHolderSocket();
  return path ? socketApi(path) : undefined;
}

/** Whether a process holding the settings' embedded store answers on its socket (a `sweep run`, a `tailsweep ui`). */
export async function holderAnswers(): Promise<boolean> {
  return (await answeringHolderSocket()) !== undefined;
}

async function answeringHolderSocket(): Promise<string | undefined> {
  const path = heldStoreSocket();
  return path && (await answers(path)) ? path : undefined;
}

/** Each socket API's answers so far ({@link holderAnswered}). */
const answersOf = new WeakMap<Api, { count: number }>();

/** The typed API on the socket at `path` (the procedures at its root: `/sweeps.list`). */
export function socketApi(path: string): Api {
  const answers = { count: 0 };
  const api = httpApi({
    url: "http://tailsweep-store",
    fetch: fetchOverSocket(path, () => {
      answers.count++;
    }),
  });
  answersOf.set(api, answers);
  return api;
}

/** Whether the holder answered any request of `api` (a socket API): then something may have been done there. */
export function holderAnswered(api: Api): boolean {
  return (answersOf.get(api)?.count ?? 0) > 0;
}
