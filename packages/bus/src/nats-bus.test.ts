import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { afterAll } from "vitest";
import { describeBusConformance } from "./bus-conformance";
import { NatsBus, natsNames } from "./nats-bus";

// A real NATS server with JetStream (NATS_URL, default the local one); each test gets its own streams.
const servers = process.env.NATS_URL ?? "127.0.0.1:4222";
const prefixes: string[] = [];
let n = 0;

afterAll(async () => {
  const nc = await connect({ servers });
  const jsm = await jetstreamManager(nc);
  for (const prefix of prefixes) {
    const names = natsNames(prefix);
    for (const stream of [names.trialStream, names.eventStream])
      await jsm.streams.delete(stream).catch(() => {});
  }
  await nc.close();
});

describeBusConformance("NATS JetStream", async (ackWaitMs) => {
  const prefix = `tstest${process.pid}x${n++}`;
  prefixes.push(prefix);
  return NatsBus.connect({ servers, prefix, ackWaitMs });
});
