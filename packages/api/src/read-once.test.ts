import { parseSweepFile } from "@tailsweep/schemas";
import { expandSweep, InMemoryRunStore } from "@tailsweep/sweep";
import { countReads } from "@tailsweep/sweep/testing";
import { describe, expect, it } from "vitest";
import { readOnce } from "./read-once";

async function seeded() {
  const store = new InMemoryRunStore();
  const spec = parseSweepFile({ name: "s", search: { nu: [3, 5] }, seeds: 2 });
  await store.createSweep({ id: "s", spec, trials: expandSweep(spec), provenance: {} });
  return store;
}

describe("readOnce", () => {
  it("reads each sweep's trials once however many times it is asked", async () => {
    const store = await seeded();
    const { reads } = countReads(store);
    const view = readOnce(store);
    const [a, b] = await Promise.all([view.listTrials("s"), view.listTrials("s")]);
    expect(a).toBe(b);
    expect(a).toHaveLength(4);
    await view.listTrials("other");
    expect(reads.listTrials).toBe(2);
  });

  it("forgets what it read after a write through it", async () => {
    const store = await seeded();
    const view = readOnce(store);
    const before = await view.listTrials("s");
    expect(await view.cancelSweep("s", new Date())).toBeGreaterThan(0);
    const after = await view.listTrials("s");
    expect(before.every((t) => t.state === "waiting")).toBe(true);
    expect(after.every((t) => t.state === "cancelled")).toBe(true);
  });

  it("keeps what it read across other reads: views reading revisions, epochs and counts beside the trials read each once", async () => {
    const store = await seeded();
    const { reads } = countReads(store);
    const view = readOnce(store);
    // what every per-sweep view does (loadSweepRuns), twice, with reads that are not cached in between
    for (let i = 0; i < 2; i++) {
      await Promise.all([view.listTrials("s"), view.listResults("s"), view.listRevisions("s")]);
      await view.listEpochs("s:any", 1);
      await view.countTrials(["s"]);
      await view.getTrial("s:any");
    }
    // not cached: a plain read goes to the store each time
    expect(reads).toEqual({ listTrials: 1, listResults: 1, listRevisions: 1, getTrial: 2 });
  });
});
