import { gzipSync } from "node:zlib";
import { trialArtifactKey, trialCheckpointKey } from "@tailsweep/schemas";
import type { ArtifactInfo, ArtifactStore } from "@tailsweep/sweep";
import { describe, expect, it } from "vitest";
import { evaluatePredictions, readTrialArtifact, trialFiles } from "./trial-artifacts";

// Four test rows, two classes; by hand:
//   row 0: label 0, p = (0.9, 0.1) → predicted 0, right
//   row 1: label 0, p = (0.4, 0.6) → predicted 1, wrong
//   row 2: label 1, p = (0.2, 0.8) → predicted 1, right
//   row 3: label 1, p = (0.3, 0.7) → predicted 1, right
const csv = `row,label,predicted,p_a,p_b
0,0,0,0.9,0.1
1,0,1,0.4,0.6
2,1,1,0.2,0.8
3,1,1,0.3,0.7
`;

describe("evaluatePredictions", () => {
  it("recomputes the trainer's metrics and the probability metrics, to hand-computed values", () => {
    const { rows, classes, values } = evaluatePredictions(
      csv,
      ["accuracy", "balancedAccuracy", "minorityRecall", "logLoss", "brier", "ece"],
      [0],
    );
    const v = Object.fromEntries(values.map((x) => [x.metric, x.value]));
    expect([rows, classes]).toEqual([4, 2]);
    expect(v.accuracy).toBe(0.75);
    expect(v.balancedAccuracy).toBe(0.75); // recalls 0.5 and 1
    expect(v.minorityRecall).toBe(0.5);
    expect(v.logLoss).toBeCloseTo(-(Math.log(0.9) + Math.log(0.4) + Math.log(0.8) + Math.log(0.7)) / 4, 12);
    // Σ_c (p_c − y_c)² per row: 0.02, 0.72, 0.08, 0.18
    expect(v.brier).toBeCloseTo((0.02 + 0.72 + 0.08 + 0.18) / 4, 12);
    // confidences 0.9 (right), 0.6 (wrong), 0.8 (right), 0.7 (right), each alone in its 1/15 bin:
    // (|1 − 0.9| + |0 − 0.6| + |1 − 0.8| + |1 − 0.7|) / 4
    expect(v.ece).toBeCloseTo((0.1 + 0.6 + 0.2 + 0.3) / 4, 12);
  });

  it("refuses, with one coded error naming the row, a file the worker would not have written", () => {
    const head = "row,label,predicted,p_a,p_b\n";
    const cases: [string, RegExp][] = [
      ["a,b\n1,2\n", /not a tailsweep predictions file/],
      [head, /has no rows/],
      [`${head}0,x,0,0.5,0.5\n`, /row 1 label/],
      [`${head}0,2,0,0.5,0.5\n`, /row 1 label/],
      [`${head}0,0,0,0.5,0.5\n1,1,1,2,0\n`, /row 2 p_a/],
      [`${head}0,0,0,0.5\n`, /predictions\.csv: /],
    ];
    for (const [text, problem] of cases) {
      let thrown: unknown;
      try {
        evaluatePredictions(text, ["accuracy"], []);
      } catch (e) {
        thrown = e;
      }
      expect(thrown, text).toMatchObject({ code: "PREDICTIONS_INVALID", category: "invalid" });
      expect(String(thrown), text).toMatch(problem);
    }
  });
});

/** The port over a Map (the real stores pass their own conformance suite in @tailsweep/bus). */
function mapStore(): ArtifactStore {
  const objects = new Map<string, { data: Uint8Array; info: ArtifactInfo }>();
  const under = (prefix: string) => [...objects.keys()].filter((k) => k.startsWith(prefix)).sort();
  return {
    put: async (key, data) => {
      const info = { key, bytes: data.length, modified: new Date() };
      objects.set(key, { data, info });
      return info;
    },
    get: async (key) => objects.get(key)?.data,
    info: async (key) => objects.get(key)?.info,
    list: async (prefix) => under(prefix).map((k) => objects.get(k)!.info),
    delete: async (key) => objects.delete(key),
    deletePrefix: async (prefix) => under(prefix).filter((k) => objects.delete(k)).length,
    close: async () => {},
  };
}

describe("a trial's stored files", () => {
  it("lists what a trial kept, with written and stored sizes, and reads a file back inflated", async () => {
    const store = mapStore();
    const trial = "sweep1:abc";
    const text = new TextEncoder().encode(csv.repeat(50));
    await store.put(trialArtifactKey(trial, 2, "predictions.csv"), gzipSync(text));
    await store.put(trialCheckpointKey(trial), new Uint8Array(10));
    await store.put(trialArtifactKey("sweep1:abcd", 2, "weights.bin"), new Uint8Array(3)); // another trial
    // an attempt given up on, and a file the result does not list (an upload that failed halfway)
    await store.put(trialArtifactKey(trial, 1, "predictions.csv"), new Uint8Array(7));
    await store.put(trialArtifactKey(trial, 2, "confusion.json"), new Uint8Array(7));
    const files = await trialFiles(store, trial, 2, [{ name: "predictions.csv", bytes: text.length }]);
    expect(files.artifacts).toHaveLength(1);
    expect(files.artifacts[0]).toMatchObject({ name: "predictions.csv", bytes: text.length });
    expect(files.artifacts[0]!.storedBytes).toBeLessThan(text.length / 5);
    expect(files.checkpoint?.storedBytes).toBe(10);
    expect(await readTrialArtifact(store, trial, 2, "predictions.csv")).toEqual(text);
    await expect(readTrialArtifact(store, trial, 2, "weights.bin")).rejects.toMatchObject({
      code: "ARTIFACT_NOT_FOUND",
      category: "not-found",
    });
  });
});
