import { PrismaPg } from "@prisma/adapter-pg";
import { parseSweepFile } from "@tailsweep/schemas";
import { expandSweep } from "@tailsweep/sweep";
import { scriptedResult } from "@tailsweep/sweep/testing";
import { afterAll, describe, expect, it } from "vitest";
import { PrismaClient } from "./generated/prisma/client";
import { type OpenedRunStore, openRunStore } from "./open-run-store";
import { PrismaRunStore, readEpochCurves, readResults, readTrials } from "./prisma-run-store";
import { withSweepReadCache } from "./sweep-read-cache";
import { openFreshStore } from "./test-databases";

const opened: OpenedRunStore[] = [];
afterAll(async () => {
  for (const o of opened.reverse()) await o.close();
});

const spec = parseSweepFile({ name: "cached", project: "p", search: { nu: [5, 10] }, seeds: [1, 2] });
const at = new Date("2026-01-01T00:00:00Z");
const epoch = (n: number, value: number) => ({
  epoch: n,
  loss: { total: 1, labeled: 1, unlabeled: 1, classification: 1 },
  test: { accuracy: value, balancedAccuracy: value, macroF1: value },
  seconds: 1,
});

describe("the dashboard's store (pageReads): a sweep's reads kept while their rows are unchanged", () => {
  it("answers a repeated read from what it kept, and every write of another process with fresh rows", async () => {
    const here = await openFreshStore("postgres");
    opened.push(here);
    // another process on the same database: its writes reach this one's cache only through the rows
    const there = await openRunStore({ databaseUrl: here.location });
    opened.push(there);
    const pages = here.store.pageReads();
    expect(here.store.pageReads()).toBe(pages);
    const other = there.store;
    await other.createSweep({ id: "sw", spec, trials: expandSweep(spec), now: at });
    const metric = "test.balancedAccuracy";

    /** The cached view agrees with a plain read of the other process's store, for all three reads. */
    const agrees = async () => {
      expect(await pages.listTrials("sw")).toEqual(await other.listTrials("sw"));
      expect(await pages.listResults("sw")).toEqual(await other.listResults("sw"));
      expect(await pages.epochCurves("sw", metric)).toEqual(await other.epochCurves("sw", metric));
    };
    await agrees();
    // unchanged rows: the very answer kept, not a new read
    const trials = await pages.listTrials("sw");
    expect(await pages.listTrials("sw")).toBe(trials);
    const curves = await pages.epochCurves("sw", metric);
    expect(await pages.epochCurves("sw", metric)).toBe(curves);
    // what requests share cannot be changed by one of them, nor the view's methods replaced
    expect(() => {
      trials[0]!.notes = "changed by a page";
    }).toThrow(TypeError);
    expect(() => {
      pages.listTrials = async () => [];
    }).toThrow(TypeError);

    const [a, b] = await other.listTrials("sw");
    await other.claimTrial(a!.id, "w", at);
    await agrees();
    expect(await pages.listTrials("sw")).not.toBe(trials);
    await other.recordEpochs([{ trialId: a!.id, attempt: 1, metric: epoch(1, 0.4) }]);
    await agrees();
    await other.recordEpoch(a!.id, 1, epoch(2, 0.5));
    await agrees();
    expect((await pages.epochCurves("sw", metric)).map((p) => p.mean)).toEqual([0.4, 0.5]);
    await other.completeTrial(a!.id, 1, scriptedResult(0.6), at);
    await agrees();
    expect((await pages.listResults("sw")).get(a!.id)?.metrics.test.accuracy).toBe(0.6);
    await other.setTrialAnnotations(b!.id, { addTags: ["look"], removeTags: [], notes: "a note" });
    await agrees();
    expect((await pages.listTrials("sw")).find((t) => t.id === b!.id)?.notes).toBe("a note");
    await other.claimTrial(b!.id, "w", at);
    const resultsBefore = await pages.listResults("sw");
    await other.heartbeat(b!.id, 1, new Date(at.getTime() + 10_000));
    await agrees();
    // a heartbeat moves a trial row, not a result: the results stay kept
    expect(await pages.listResults("sw")).toBe(resultsBefore);
    // a worker lost: its trial handed back to the queue
    await other.requeueStale(new Date(at.getTime() + 3_600_000), 60_000, "sw");
    await agrees();
    await other.claimTrial(b!.id, "w", at);
    await other.failTrial(b!.id, 2, "out of memory", false, at);
    await agrees();
    await other.retryTrials("sw", at);
    await agrees();
    await other.cancelSweep("sw", at);
    await agrees();
    await other.resumeSweep("sw", at);
    await agrees();
    // deleted, then made again under the same id with the same number of trials
    await other.deleteSweep("sw");
    await agrees();
    await other.createSweep({ id: "sw", spec, trials: expandSweep(spec), now: at });
    await agrees();
    expect((await pages.listTrials("sw")).every((t) => t.state === "waiting")).toBe(true);
  });

  it("keeps no answer larger than its bound, and still answers it", async () => {
    const o = await openFreshStore("postgres");
    opened.push(o);
    const db = new PrismaClient({ adapter: new PrismaPg({ connectionString: o.location }) });
    opened.push({ ...o, close: () => db.$disconnect() });
    const store = new PrismaRunStore(db);
    await store.createSweep({ id: "big", spec, trials: expandSweep(spec), now: at });
    // bounds of 3 rows: the sweep's 4 trials do not fit, 3 trials' results would
    const small = withSweepReadCache(
      store,
      db,
      { trials: readTrials, results: readResults, curves: readEpochCurves },
      { trials: 3, results: 3, curvePoints: 3 },
    );
    const first = await small.listTrials("big");
    expect(first).toHaveLength(4);
    const again = await small.listTrials("big");
    expect(again).not.toBe(first);
    expect(again).toEqual(first);
    const empty = await small.listResults("big");
    expect(await small.listResults("big")).toBe(empty);
  });
});
