import { gunzipSync, gzipSync } from "node:zlib";
import { encodeCheckpoint, type TrainingCheckpoint } from "@tailsweep/model";
import { trialArtifactKey, trialCheckpointKey } from "@tailsweep/schemas";
import type { ArtifactInfo, ArtifactStore } from "@tailsweep/sweep";
import { describe, expect, it } from "vitest";
import { loadCheckpoint, storeArtifacts, storeCheckpoint } from "./trial-files";

/** An artifact store in a Map; `failing` names the keys whose put fails at once, the others are stored 20 ms later. */
function mapStore(failing: string[] = []) {
  const objects = new Map<string, Uint8Array>();
  const store: ArtifactStore = {
    get: async (key) => objects.get(key),
    info: async () => undefined,
    put: async (key, data): Promise<ArtifactInfo> => {
      if (failing.includes(key)) throw new Error(`put ${key} failed`);
      await new Promise((r) => setTimeout(r, 20));
      objects.set(key, data);
      return { key, bytes: data.length, modified: new Date() };
    },
    list: async () => [],
    delete: async () => false,
    deletePrefix: async () => 0,
    close: async () => {},
  };
  return { objects, store };
}

const TRIAL = "sweep-a:0123456789abcdef";
const weights = new Uint8Array(Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i)).buffer);
const files = [
  { name: "predictions.csv" as const, data: new TextEncoder().encode("row,label\n0,1\n".repeat(200)) },
  { name: "weights.bin" as const, data: weights },
];

describe("storeArtifacts", () => {
  it("stores every file gzipped, the weights without compressing them, and lists them in order", async () => {
    const { objects, store } = mapStore();
    expect(await storeArtifacts(store, TRIAL, 2, files)).toEqual([
      { name: "predictions.csv", bytes: files[0]!.data.length },
      { name: "weights.bin", bytes: weights.length },
    ]);
    const csv = objects.get(trialArtifactKey(TRIAL, 2, "predictions.csv"))!;
    const bin = objects.get(trialArtifactKey(TRIAL, 2, "weights.bin"))!;
    expect(gunzipSync(csv)).toEqual(Buffer.from(files[0]!.data));
    expect(csv.length).toBeLessThan(files[0]!.data.length / 10); // compressed
    expect(gunzipSync(bin)).toEqual(Buffer.from(weights));
    expect(bin.length).toBeGreaterThan(weights.length); // stored: gzip's framing around the bytes as they are
  });

  it("reports a failed put only once every other put has ended", async () => {
    const { objects, store } = mapStore([trialArtifactKey(TRIAL, 1, "predictions.csv")]);
    await expect(storeArtifacts(store, TRIAL, 1, files)).rejects.toThrow(/predictions\.csv failed/);
    expect([...objects.keys()]).toEqual([trialArtifactKey(TRIAL, 1, "weights.bin")]);
  });
});

describe("storeCheckpoint", () => {
  const values = Float32Array.from({ length: 4096 }, (_, i) => Math.sin(i) / 7);
  const checkpoint: TrainingCheckpoint = {
    epoch: 2,
    steps: 20,
    seconds: 0.75,
    fingerprint: '{"run":1}',
    history: [],
    streams: {
      batches: { generator: [1, 2, 3, 4], spareNormal: null },
      sampling: { generator: [5, 6, 7, 8], spareNormal: 0.5 },
    },
    labeledCursor: { order: Int32Array.from([1, 0]), pos: 1 },
    weights: [{ name: "enc/0/W0", shape: [64, 64], values }],
    adam: [
      { m: values.map((v) => v / 10), v: values.map((v) => v * v), beta1Power: 0.81, beta2Power: 0.998 },
    ],
  };

  it("stores the bytes uncompressed inside gzip's framing, and an attempt reads them back whole", async () => {
    const { objects, store } = mapStore();
    const raw = encodeCheckpoint(checkpoint);
    expect(await storeCheckpoint(store, TRIAL, checkpoint)).toBeGreaterThan(raw.length);
    const stored = objects.get(trialCheckpointKey(TRIAL))!;
    expect(gunzipSync(stored)).toEqual(Buffer.from(raw));
    // The first deflate block after gzip's 10-byte header is a stored one (BTYPE 00): nothing was compressed.
    expect((stored[10]! >> 1) & 3).toBe(0);
    expect(await loadCheckpoint(store, TRIAL, () => {})).toEqual({ state: "found", checkpoint });
  });

  it("still reads a checkpoint an earlier version stored compressed (level 1)", async () => {
    const { objects, store } = mapStore();
    objects.set(trialCheckpointKey(TRIAL), gzipSync(encodeCheckpoint(checkpoint), { level: 1 }));
    expect(await loadCheckpoint(store, TRIAL, () => {})).toEqual({ state: "found", checkpoint });
  });
});
