// A loopback port nothing listens on now, for a server a bench starts.
import { once } from "node:events";
import { createServer } from "node:net";

/** Asks the kernel for a free port on 127.0.0.1 and gives it back at once. */
export async function freePort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  server.close();
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}
