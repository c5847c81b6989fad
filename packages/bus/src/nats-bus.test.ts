import { spawn } from "node:child_process";
import type { AddressInfo } from "node:net";
import { createServer } from "node:net";
import { AckPolicy, jetstream, jetstreamManager, RetentionPolicy } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { afterAll, describe, expect, it } from "vitest";
import { describeBusConformance } from "./bus-conformance";
import { NatsBus, natsCredentialsFromEnv, natsNames } from "./nats-bus";

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

/** A port nothing listens on: one a server just gave back. */
const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });

describe("a server that is not there", () => {
  it("is an unavailable error naming NATS and the address, without the password written into it", async () => {
    const port = await freePort();
    // with a scheme and without one, the password never reaches the message
    for (const written of [`nats://ada:secret@127.0.0.1:${port}`, `ada:secret@127.0.0.1:${port}`]) {
      const refused = await NatsBus.connect({ servers: written, prefix: "none" }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(refused).toMatchObject({ code: "NATS_UNAVAILABLE", category: "unavailable" });
      const message = (refused as Error).message;
      expect(message).toMatch(
        new RegExp(`^NATS at (nats://)?127\\.0\\.0\\.1:${port} is not answering \\(connection refused\\)`),
      );
      expect(message).not.toContain("secret");
    }
  });
});

describe("a worker's connection (role: worker)", () => {
  it("creates nothing, waits (saying so once) for the controller's streams, then receives trials", async () => {
    const prefix = `tstest${process.pid}w${n++}`;
    prefixes.push(prefix);
    const waits: string[] = [];
    let connected = false;
    const connecting = NatsBus.connect({
      servers,
      prefix,
      role: "worker",
      onWait: (m) => waits.push(m),
    }).then((bus) => {
      connected = true;
      return bus;
    });
    await new Promise((r) => setTimeout(r, 2_500)); // no stream yet: still waiting, told once
    expect(connected).toBe(false);
    expect(waits).toEqual([
      `waiting for a controller to create the ${natsNames(prefix).trialStream} stream and its consumer`,
    ]);
    const controller = await NatsBus.connect({ servers, prefix });
    const worker = await connecting;
    const received: string[] = [];
    const sub = await worker.consumeTrials(async (d) => {
      received.push(d.message.trialId);
      await d.ack();
    });
    await controller.publishTrial({ trialId: "t1", sweepId: "s1" }, "t1");
    const start = Date.now();
    while (received.length === 0 && Date.now() - start < 10_000) await new Promise((r) => setTimeout(r, 100));
    expect(received).toEqual(["t1"]);
    await sub.stop();
    await Promise.all([worker.close(), controller.close()]);
  });

  it("keeps the trials queued on a stream from before GPU dispatch (one unfiltered consumer)", async () => {
    const prefix = `tstest${process.pid}m${n++}`;
    prefixes.push(prefix);
    const names = natsNames(prefix);
    const nc = await connect({ servers });
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({
      name: names.trialStream,
      subjects: [`${names.trialSubject}.>`],
      retention: RetentionPolicy.Workqueue,
    });
    await jsm.consumers.add(names.trialStream, { durable_name: "workers", ack_policy: AckPolicy.Explicit });
    const js = jetstream(nc);
    for (const id of ["old1", "old2"])
      await js.publish(`${names.trialSubject}.s1`, JSON.stringify({ trialId: id, sweepId: "s1" }), {
        msgID: id,
      });
    // Controllers and CLI commands may start together: each must come up, and the consumers end right.
    const connected = await Promise.all([1, 2, 3].map(() => NatsBus.connect({ servers, prefix })));
    const controller = connected[0]!;
    for (const other of connected.slice(1)) await other.close();
    const cpuFilter = await jsm.consumers.info(names.trialStream, "workers");
    expect(cpuFilter.config.filter_subject).toBe(`${prefix}.trials.*`);
    await controller.publishTrial({ trialId: "new-gpu", sweepId: "s1", gpu: true }, "new-gpu");
    const received: string[] = [];
    const sub = await controller.consumeTrials(
      async (d) => {
        received.push(d.message.trialId);
        await d.ack();
      },
      { kinds: ["gpu", "cpu"] },
    );
    const start = Date.now();
    while (received.length < 3 && Date.now() - start < 10_000) await new Promise((r) => setTimeout(r, 100));
    expect(received.sort()).toEqual(["new-gpu", "old1", "old2"]);
    await sub.stop();
    await controller.close();
    await nc.drain();
  });

  it("lets an idle GPU worker take a GPU trial queued just after a CPU one first", async () => {
    const prefix = `tstest${process.pid}p${n++}`;
    prefixes.push(prefix);
    const bus = await NatsBus.connect({ servers, prefix });
    const order: string[] = [];
    const sub = await bus.consumeTrials(
      async (d) => {
        order.push(d.message.trialId);
        await new Promise((r) => setTimeout(r, 300));
        await d.ack();
      },
      { kinds: ["gpu", "cpu"] },
    );
    await new Promise((r) => setTimeout(r, 1_500)); // idle: waiting on both kinds
    await bus.publishTrial({ trialId: "cpu-1", sweepId: "s" }, "cpu-1");
    await new Promise((r) => setTimeout(r, 50));
    await bus.publishTrial({ trialId: "gpu-1", sweepId: "s", gpu: true }, "gpu-1");
    const start = Date.now();
    while (order.length < 2 && Date.now() - start < 10_000) await new Promise((r) => setTimeout(r, 50));
    expect(order).toEqual(["gpu-1", "cpu-1"]);
    await sub.stop();
    await bus.close();
  });

  it("refuses a sweep id that is not one subject token", async () => {
    const prefix = `tstest${process.pid}t${n++}`;
    prefixes.push(prefix);
    const bus = await NatsBus.connect({ servers, prefix });
    await expect(bus.publishTrial({ trialId: "t", sweepId: "a.b" }, "t")).rejects.toThrow(/sweepId: letters/);
    await bus.close();
  });

  it("needs NATS_USER and NATS_PASSWORD together", () => {
    expect(natsCredentialsFromEnv({})).toEqual({});
    expect(natsCredentialsFromEnv({ NATS_USER: "w", NATS_PASSWORD: "p" })).toEqual({ user: "w", pass: "p" });
    expect(() => natsCredentialsFromEnv({ NATS_USER: "w" })).toThrow(/go together/);
  });
});

describe("a server that lost its storage", () => {
  it("gets its streams, consumers and artifact bucket back from the controller's topology check", async () => {
    const prefix = `tstest${process.pid}x${n++}`;
    prefixes.push(prefix);
    const bus = await NatsBus.connect({ servers, prefix });
    try {
      const names = natsNames(prefix);
      const store = await bus.artifactStore();
      await store.put("s/t/a.bin", new Uint8Array([1, 2, 3]));
      await bus.deleteStreams(); // what a server that came back without its storage has
      await bus.ensureTopology();
      const nc = await connect({ servers });
      try {
        const jsm = await jetstreamManager(nc);
        for (const stream of [names.trialStream, names.eventStream, `OBJ_${names.artifactBucket}`])
          expect((await jsm.streams.info(stream)).config.name).toBe(stream);
      } finally {
        await nc.close();
      }
      // the store opened before goes on working on the bucket made again (a worker's, which opens it once)
      await store.put("s/t/b.bin", new Uint8Array([4]));
      expect(await store.get("s/t/b.bin")).toEqual(new Uint8Array([4]));
      expect(await store.get("s/t/a.bin")).toBeUndefined();
    } finally {
      await bus.close();
    }
  });
});

describe("a server without JetStream", () => {
  it("is unavailable, saying how to start one with it (it said only 'jetstream is not enabled')", async () => {
    const port = await freePort();
    const server = spawn("nats-server", ["-a", "127.0.0.1", "-p", String(port)], { stdio: "ignore" });
    try {
      let refused: unknown;
      for (let tries = 0; tries < 50; tries++) {
        refused = await NatsBus.connect({ servers: `127.0.0.1:${port}`, prefix: "nojs" }).then(
          (bus) => bus.close(),
          (e: unknown) => e,
        );
        if (!(refused instanceof Error && /not answering/.test(refused.message))) break;
        await new Promise((r) => setTimeout(r, 100)); // not listening yet
      }
      expect(refused).toMatchObject({
        code: "NATS_UNAVAILABLE",
        message: expect.stringMatching(
          new RegExp(`^NATS at 127\\.0\\.0\\.1:${port} has no JetStream \\(.*\\): start it with -js`),
        ),
      });
    } finally {
      server.kill("SIGKILL");
    }
  });
});

describe("messages from other processes", () => {
  it("drops a cancel notice or claim request that is not one (not JSON, no sweep id) and hears the next", async () => {
    const prefix = `tstest${process.pid}x${n++}`;
    prefixes.push(prefix);
    const bus = await NatsBus.connect({ servers, prefix });
    const nc = await connect({ servers });
    try {
      const names = natsNames(prefix);
      const heard: string[] = [];
      const sub = await bus.onCancel((id) => heard.push(id));
      // a stray publish read `undefined` as a sweep id, or threw in the client's callback
      nc.publish(names.cancelSubject, "not json");
      nc.publish(names.cancelSubject, JSON.stringify({ sweep: "s-1" }));
      await bus.publishCancel("s-2");
      await nc.flush();
      await expect.poll(() => heard).toEqual(["s-2"]);
      await sub.stop();
      const claims = await bus.serveClaims(async () => {
        throw new Error("a malformed request reaches no handler");
      });
      const reply = await nc.request(names.claimSubject, "not json", { timeout: 5_000 });
      expect(reply.json()).toEqual({ granted: false, reason: "malformed claim request" });
      await claims.stop();
    } finally {
      await nc.close();
      await bus.close();
    }
  });
});
