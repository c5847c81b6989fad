import { afterAll, describe, expect, it } from "vitest";
import { describeBusConformance } from "./bus-conformance";
import { NatsBus, natsCredentialsFromEnv } from "./nats-bus";

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

describe("a worker's connection (role: worker)", () => {
  it("creates nothing, waits for the controller's streams, then receives trials", async () => {
    const prefix = `tstest${process.pid}w${n++}`;
    prefixes.push(prefix);
    const worker = await NatsBus.connect({ servers, prefix, role: "worker" });
    const received: string[] = [];
    const sub = await worker.consumeTrials(async (d) => {
      received.push(d.message.trialId);
      await d.ack();
    });
    await new Promise((r) => setTimeout(r, 1_500)); // still no stream: the worker waits rather than failing
    const controller = await NatsBus.connect({ servers, prefix });
    await controller.publishTrial({ trialId: "t1", sweepId: "s1" }, "t1");
    const start = Date.now();
    while (received.length === 0 && Date.now() - start < 10_000) await new Promise((r) => setTimeout(r, 100));
    expect(received).toEqual(["t1"]);
    await sub.stop();
    await Promise.all([worker.close(), controller.close()]);
  });

  it("stops cleanly while still waiting for the stream", async () => {
    const worker = await NatsBus.connect({
      servers,
      prefix: `tstest${process.pid}none${n++}`,
      role: "worker",
    });
    const sub = await worker.consumeTrials(async () => {});
    await sub.stop();
    await worker.close();
  });

  it("needs NATS_USER and NATS_PASSWORD together", () => {
    expect(natsCredentialsFromEnv({})).toEqual({});
    expect(natsCredentialsFromEnv({ NATS_USER: "w", NATS_PASSWORD: "p" })).toEqual({ user: "w", pass: "p" });
    expect(() => natsCredentialsFromEnv({ NATS_USER: "w" })).toThrow(/go together/);
  });
});
