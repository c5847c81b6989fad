import { Agent, createServer, type IncomingMessage, request, type Server } from "node:http";
import { type AddressInfo, connect } from "node:net";
import { boundedRequest } from "@tailsweep/api";
import { afterEach, describe, expect, it } from "vitest";
import { lingerAfterEarlyAnswer } from "./lingering-close";

const LIMIT = 64 * 1024;

/**
 * A server that reads bodies as the dashboard's routes do under Next: the Node request itself is the body of a web
 * Request, read through `boundedRequest` (a 413 with `Connection: close` above LIMIT; a declared length refused on
 * its header, a chunked body once past the limit). `linger` installs the lingering close as `tailsweep ui` does.
 */
function dashboardLikeServer(linger: boolean, lingerMs = 5_000) {
  const bodiesEnded: boolean[] = [];
  const server = createServer((req, res) => {
    if (linger) lingerAfterEarlyAnswer(req, res, lingerMs);
    if (req.url === "/forbidden") {
      // a refusal that keeps its connection and reads nothing, as the host check's 403
      res.writeHead(403).end("forbidden\n");
      return;
    }
    const at = bodiesEnded.push(false) - 1;
    req.once("end", () => {
      bodiesEnded[at] = true;
    });
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers))
      if (typeof value === "string") headers.set(name, value);
    const web = new Request(`http://127.0.0.1${req.url}`, {
      method: req.method,
      headers,
      body: req as unknown as ReadableStream<Uint8Array>,
      duplex: "half",
    });
    void boundedRequest(web, LIMIT).then(async (bounded) => {
      const answer = bounded.refused ?? new Response("ok\n");
      res.writeHead(answer.status, Object.fromEntries(answer.headers));
      res.end(await answer.text());
    });
  });
  return { server, bodiesEnded };
}

const listening = (server: Server) =>
  new Promise<number>((ok) =>
    server.listen(0, "127.0.0.1", () => ok((server.address() as AddressInfo).port)),
  );

/** POSTs `size` bytes, declared or chunked, writing all of them whatever the server answers meanwhile. */
function postWhole(port: number, size: number, chunked: boolean, agent?: Agent, path = "/") {
  return new Promise<{ status: number; text: string; reused: boolean }>((resolve, reject) => {
    const req = request({
      host: "127.0.0.1",
      port,
      method: "POST",
      path,
      agent,
      headers: chunked ? { "transfer-encoding": "chunked" } : { "content-length": String(size) },
    });
    req.on("response", (res: IncomingMessage) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => {
        text += c;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text, reused: req.reusedSocket }));
    });
    req.on("error", (e) => reject(new Error(`chunked: ${chunked}: ${e.message}`)));
    // 4 MiB outruns the socket buffers: the answer comes while the client still writes
    for (let sent = 0; sent < size; sent += 256 * 1024)
      req.write(Buffer.alloc(Math.min(256 * 1024, size - sent), 120));
    req.end();
  });
}

let open: Server | undefined;
afterEach(() => {
  open?.closeAllConnections();
  open?.close();
  open = undefined;
});

describe("lingerAfterEarlyAnswer", () => {
  it("lets a client that writes its whole body read the 413, every time, and drains the body", async () => {
    const { server, bodiesEnded } = dashboardLikeServer(true);
    open = server;
    const port = await listening(server);
    for (let i = 0; i < 10; i++)
      for (const chunked of [false, true]) {
        const answer = await postWhole(port, 4 * 1024 * 1024, chunked);
        expect(answer.status, `chunked: ${chunked}`).toBe(413);
        expect(answer.text).toMatch(/^request body too large: /);
      }
    await expect.poll(() => bodiesEnded.length === 20 && bodiesEnded.every(Boolean)).toBe(true);
  });

  it("closes the connection of a client that goes on writing past the linger time", async () => {
    const { server } = dashboardLikeServer(true, 300);
    open = server;
    const port = await listening(server);
    const started = Date.now();
    // a raw socket: Node's own client stops writing once a Connection: close answer has come, this one does not
    const outcome = await new Promise<{ answer: string; closedAfterMs: number }>((resolve) => {
      let answer = "";
      // half-open: it reads the answer and the server's end and writes on
      const socket = connect({ port, host: "127.0.0.1", allowHalfOpen: true }, () => {
        socket.write("POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n");
        const chunk = `4000\r\n${"x".repeat(0x4000)}\r\n`;
        const endless = () => {
          if (!socket.destroyed) socket.write(chunk, () => setTimeout(endless, 5));
        };
        endless();
      });
      socket.setEncoding("utf8");
      socket.on("data", (text: string) => {
        answer += text;
      });
      socket.on("error", () => {});
      socket.on("close", () => resolve({ answer, closedAfterMs: Date.now() - started }));
    });
    expect(outcome.answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(outcome.closedAfterMs).toBeGreaterThanOrEqual(300);
    expect(outcome.closedAfterMs).toBeLessThan(5_000);
  });

  it("closes as soon as the client has sent the whole body, not at the linger time", async () => {
    const { server } = dashboardLikeServer(true, 5_000);
    open = server;
    const port = await listening(server);
    const started = Date.now();
    const closedAfterMs = new Promise<number>((resolve) =>
      server.once("connection", (socket) => socket.once("close", () => resolve(Date.now() - started))),
    );
    // half-open: after its body it waits, and does not close its side itself
    const client = connect({ port, host: "127.0.0.1", allowHalfOpen: true }, () => {
      const chunk = `4000\r\n${"x".repeat(0x4000)}\r\n`;
      client.write(
        `POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n${chunk.repeat(64)}0\r\n\r\n`,
      );
    });
    client.resume();
    client.on("error", () => {});
    expect(await closedAfterMs).toBeLessThan(2_000);
    client.destroy();
  });

  it("leaves an early answer that keeps its connection to Node: it arrives whole and the next request is served", async () => {
    const { server } = dashboardLikeServer(true, 5_000);
    open = server;
    const port = await listening(server);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const refused = await postWhole(port, 4 * 1024 * 1024, false, agent, "/forbidden");
    const next = await postWhole(port, 1024, false, agent);
    agent.destroy();
    expect([refused.status, refused.text, next.status, next.text]).toEqual([403, "forbidden\n", 200, "ok\n"]);
  });

  it("leaves a body that was read whole alone: the connection is kept for the next request", async () => {
    const { server } = dashboardLikeServer(true, 50);
    open = server;
    const port = await listening(server);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const first = await postWhole(port, 1024, false, agent);
    const second = await postWhole(port, 1024, true, agent);
    agent.destroy();
    expect([first.status, first.text, second.status, second.reused]).toEqual([200, "ok\n", 200, true]);
  });
});
