import { gunzipSync, gzipSync } from "node:zlib";
import { encodeCheckpoint, type TrainingCheckpoint } from "@tailsweep/model";
import { trialArtifactKey, trialCheckpointKey } from "@tailsweep/schemas";
import type { ArtifactInfo, ArtifactStore } from "@tailsweep/sweep";
import { describe, expect, it } from "vitest";
import { loadCheckpoint, storeArtifacts, storeArtifactsPersistently, storeCheckpoint } from "./trial-files";

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

describe("storeArtifactsPersistently", () => {
  /** A store whose puts time out until `outageTries` stores of the whole set have been tried. */
  function outage(outageTries: number) {
    const { objects, store } = mapStore();
    let tries = 0;
    const put = store.put;
    store.put = async (key, data) => {
      if (key.endsWith("predictions.csv")) tries++;
      if (tries <= outageTries) throw new Error("TIMEOUT");
      return put(key, data);
    };
    return { objects, store };
  }

  it("tries again while the artifact store comes back, and keeps every file once it does", async () => {
    const { objects, store } = outage(2);
    const lines: string[] = [];
    const stored = await storeArtifactsPersistently(store, TRIAL, 1, files, {
      log: (l) => lines.push(l),
      delaysMs: [1, 1, 1],
    });
    expect(stored).toEqual({
      kept: [
        { name: "predictions.csv", bytes: files[0]!.data.length },
        { name: "weights.bin", bytes: weights.length },
      ],
    });
    expect(objects.size).toBe(2);
    expect(lines).toEqual([
      `trial ${TRIAL}: artifacts not stored (TIMEOUT); trying again in 0 s`,
      `trial ${TRIAL}: artifacts not stored (TIMEOUT); trying again in 0 s`,
    ]);
  });

  it("says why, for the result, once its tries are spent, and tries no more for a trial that stopped", async () => {
    const lines: string[] = [];
    const log = (l: string) => lines.push(l);
    expect(
      await storeArtifactsPersistently(outage(9).store, TRIAL, 1, files, { log, delaysMs: [1, 1] }),
    ).toEqual({
      notStored: "TIMEOUT",
    });
    expect(lines.at(-1)).toBe(
      `trial ${TRIAL}: artifacts not stored (TIMEOUT), after 3 tries; its result says so`,
    );
    lines.length = 0;
    const stopped = await storeArtifactsPersistently(outage(9).store, TRIAL, 1, files, {
      log,
      delaysMs: [1, 1],
      stopped: () => true,
    });
    expect(stopped).toEqual({ notStored: "TIMEOUT" });
    expect(lines).toEqual([
      `trial ${TRIAL}: artifacts not stored (TIMEOUT), after 1 try; its result says so`,
    ]);
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
