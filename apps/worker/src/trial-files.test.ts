import { gunzipSync } from "node:zlib";
import { trialArtifactKey } from "@tailsweep/schemas";
import type { ArtifactInfo, ArtifactStore } from "@tailsweep/sweep";
import { describe, expect, it } from "vitest";
import { storeArtifacts } from "./trial-files";

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
