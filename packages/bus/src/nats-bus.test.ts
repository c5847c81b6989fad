import { afterAll } from "vitest";
import { describeBusConformance } from "./bus-conformance";
import { NatsBus } from "./nats-bus";

// A real NATS server with JetStream (NATS_URL, default the local one); each test gets its own streams.
const servers = process.env.NATS_URL ?? "127.0.0.1:4222";
const prefixes: string[] = [];
let n = 0;

afterAll(async () => {
  for (const prefix of prefixes) {
    const bus = await NatsBus.connect({ servers, prefix });
    await bus.deleteStreams();
    await bus.close();
  }
});

describeBusConformance("NATS JetStream", async (ackWaitMs) => {
  const prefix = `tstest${process.pid}x${n++}`;
  prefixes.push(prefix);
  return NatsBus.connect({ servers, prefix, ackWaitMs });
});
