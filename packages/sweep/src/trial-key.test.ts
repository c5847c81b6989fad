import { parseSweepFile } from "@tailsweep/schemas";
import { describe, expect, it } from "vitest";
import { newSweepId, storedSweepIdFor, sweepIdFor } from "./trial-key";

/** A store that holds sweeps under these ids only. */
const storeWith = (...ids: string[]) => ({
  getSweep: async (id: string) => (ids.includes(id) ? { id } : undefined),
});

describe("storedSweepIdFor: a sweep file finds the sweep it made, across the dataset-version upgrade", () => {
  const spec = parseSweepFile({
    name: "s",
    project: "p",
    dataset: { labelRatio: 0.2 },
    search: { nu: [5, 30] },
  });
  const { version: _, ...unversioned } = spec.dataset;
  // what sweepIdFor gave for this file before recipes carried a version
  const legacyId = sweepIdFor({ ...spec, dataset: unversioned });
  const id = sweepIdFor(spec);

  it("is the spec's own id when nothing is stored, or when a sweep has it", async () => {
    expect(legacyId).not.toBe(id);
    expect(await storedSweepIdFor(storeWith(), spec)).toBe(id);
    expect(await storedSweepIdFor(storeWith(id, legacyId), spec)).toBe(id);
  });

  it("is the id from before versions when only that sweep is stored, so an interrupted run resumes it", async () => {
    expect(await storedSweepIdFor(storeWith(legacyId), spec)).toBe(legacyId);
  });

  it("is never the old id for a file that asks for version 1 explicitly: that file never had an unversioned id", async () => {
    const v1 = parseSweepFile({
      name: "s",
      project: "p",
      dataset: { labelRatio: 0.2, version: 1 },
      search: { nu: [5, 30] },
    });
    expect(await storedSweepIdFor(storeWith(legacyId), v1)).toBe(sweepIdFor(v1));
  });

  it("finds a sequential sweep stored before calibrations carried a version", async () => {
    const seq = parseSweepFile({
      name: "seq",
      search: { variant: ["gaussian", "proposed"] },
      seeds: { initial: 3, step: 2, max: 9 },
      decide: { baseline: "variant=gaussian" },
    });
    const { version: __, ...dataset } = seq.dataset;
    const { calibration: ___, ...sequential } = seq.sequential!;
    const before = sweepIdFor({ ...seq, dataset, sequential });
    expect(await storedSweepIdFor(storeWith(before), seq)).toBe(before);
    expect(await storedSweepIdFor(storeWith(), seq)).toBe(sweepIdFor(seq));
  });
});

describe("newSweepId", () => {
  it("is 32 hex characters as a file's id is, and another each time", () => {
    const ids = Array.from({ length: 100 }, newSweepId);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(sweepIdFor({ name: "x" })).toMatch(/^[0-9a-f]{32}$/);
    expect(new Set(ids).size).toBe(100);
  });
});
