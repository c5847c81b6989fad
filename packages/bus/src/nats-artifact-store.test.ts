import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jetstreamManager } from "@nats-io/jetstream";
import { getSha256Backend, Objm, setSha256Backend } from "@nats-io/obj";
import { connect } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeArtifactStore } from "./artifact-store-conformance";
import { artifactBucketName, NatsArtifactStore } from "./nats-artifact-store";
import { NatsBus, natsNames } from "./nats-bus";

// A nats-server of this file's own (JetStream, storage in a temporary folder) on a loopback port it picks itself
// (`-p -1`, read back from its log): the machine's server is not ours to fill with 20 MB objects, and no port is
// guessed that another test run might hold.
let server: ChildProcess | undefined;
let servers = "";
const storeDir = mkdtempSync(join(tmpdir(), "tailsweep-nats-artifacts-"));

beforeAll(async () => {
  const proc = spawn("nats-server", ["-a", "127.0.0.1", "-p", "-1", "-js", "-sd", storeDir], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  server = proc;
  servers = await new Promise<string>((resolve, reject) => {
    let log = "";
    proc.once("error", reject);
    proc.once("exit", (code) => reject(new Error(`nats-server exited (${code}):\n${log}`)));
    proc.stderr!.on("data", (chunk: Buffer) => {
      log += chunk.toString();
      const listening = /Listening for client connections on ([\d.]+:\d+)/.exec(log);
      if (listening) resolve(`nats://${listening[1]}`);
    });
  });
  proc.removeAllListeners("exit");
  proc.stderr!.resume();
});

afterAll(async () => {
  if (server && server.exitCode === null) {
    const exited = new Promise((r) => server!.once("exit", r));
    server.kill("SIGTERM");
    await exited;
  }
  await rm(storeDir, { recursive: true, force: true });
});

let n = 0;
describeArtifactStore("NATS object store", async () =>
  NatsArtifactStore.connect({ servers, prefix: `conformance${n++}` }),
);

describe("NatsArtifactStore", () => {
  it("makes its bucket on file storage, named from the prefix, with the replicas asked for", async () => {
    const prefix = `made${n++}`;
    const store = await NatsArtifactStore.connect({ servers, prefix, replicas: 1 });
    const nc = await connect({ servers });
    const info = await (await jetstreamManager(nc)).streams.info(`OBJ_${prefix}-artifacts`);
    expect(info.config.storage).toBe("file");
    expect(info.config.num_replicas).toBe(1);
    // A second store opens the same bucket and sees what the first stored.
    await store.put("k", new Uint8Array([7]));
    const again = await NatsArtifactStore.connect({ servers, prefix });
    expect(await again.get("k")).toEqual(new Uint8Array([7]));
    await Promise.all([store.close(), again.close(), nc.drain()]);
  });

  it("names the bucket from any prefix as a bucket name must be", () => {
    expect(artifactBucketName()).toBe("tailsweep-artifacts");
    expect(natsNames("team.a").artifactBucket).toBe("team_a-artifacts");
  });

  it("opens on a bus's connection, whose closing is the bus's", async () => {
    const prefix = `bus${n++}`;
    const bus = await NatsBus.connect({ servers, prefix });
    const store = await bus.artifactStore();
    await store.put("s/t/ckpt", new Uint8Array([1, 2, 3]));
    await store.close();
    // The bus still works after its store closed: the connection is the bus's, not the store's.
    expect(await bus.eventBacklog()).toBe(0);
    const reopened = await bus.artifactStore();
    expect(await reopened.get("s/t/ckpt")).toEqual(new Uint8Array([1, 2, 3]));
    await bus.deleteStreams();
    const nc = await connect({ servers });
    const buckets: string[] = [];
    for await (const status of new Objm(nc).list()) buckets.push(status.bucket);
    expect(buckets).not.toContain(natsNames(prefix).artifactBucket);
    await Promise.all([bus.close(), nc.drain()]);
  });

  it("hashes objects with node:crypto, to the digests the library's JavaScript hash gave", async () => {
    expect(getSha256Backend()).toBe("native");
    const prefix = `digest${n++}`;
    const store = await NatsArtifactStore.connect({ servers, prefix });
    const data = Uint8Array.from({ length: 300_000 }, (_, i) => (i * 7919) % 251);
    await store.put("native", data);
    const nc = await connect({ servers });
    const bucket = await new Objm(nc).open(artifactBucketName(prefix));
    const sha = createHash("sha256").update(data).digest("base64url");
    expect((await bucket.info("native"))?.digest).toBe(
      `SHA-256=${sha}${"=".repeat((4 - (sha.length % 4)) % 4)}`,
    );
    // An object a worker of an earlier version stored, hashed in JavaScript, reads back whole.
    setSha256Backend("js");
    try {
      await store.put("js", data);
    } finally {
      setSha256Backend("native");
    }
    expect(await store.get("js")).toEqual(data);
    await Promise.all([store.close(), nc.drain()]);
  });

  it("leaves no chunks behind when puts of one key race", async () => {
    const prefix = `chunks${n++}`;
    const store = await NatsArtifactStore.connect({ servers, prefix });
    const value = (seed: number) => new Uint8Array(300_000).fill(seed);
    await Promise.all([1, 2, 3, 4].map((seed) => store.put("race", value(seed))));
    await store.put("race", value(9));
    const nc = await connect({ servers });
    const info = await (await jetstreamManager(nc)).streams.info(`OBJ_${prefix}-artifacts`);
    // One description and the 3 chunks (128 KiB each) of the last value: every loser's chunks were purged.
    expect(info.state.messages).toBe(1 + 3);
    await Promise.all([store.close(), nc.drain()]);
  });
});
