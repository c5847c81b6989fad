import { parseSweepFile } from "@tailsweep/schemas";
import { expandSweep, InMemoryRunStore, type TrialRecord } from "@tailsweep/sweep";
import { addRound, finishWaiting, openBaselineSpec, topUp } from "@tailsweep/sweep/testing";
import { describe, expect, it } from "vitest";
import { compareRuns } from "./comparison";
import { afterQueuedAgain, sequentialStatus } from "./sequential-sweep";
import { loadSweepRuns } from "./sweep-runs";

const t0 = new Date("2026-01-01T00:00:00Z");

/** Proposed far above the gaussian baseline (decided at the first look), supervised barely and noisily (open). */
function accuracy(t: TrialRecord): number {
  const noise = [0, 0.012, -0.009, 0.015, -0.011, 0.008, -0.013, 0.01, -0.006, 0.014][t.seed % 10]!;
  const base = 0.6 + noise;
  if (t.config.variant === "proposed") return base + 0.2 + noise / 4;
  if (t.config.variant === "supervised") return base + 0.004 + (t.seed % 2 ? 0.01 : -0.008);
  return base;
}

/** A sequential sweep over three variants against gaussian, its first `initial` 3 seeds stored and finished. */
async function designed(max: number) {
  const spec = parseSweepFile({
    name: "designed",
    search: { variant: ["gaussian", "proposed", "supervised"] },
    seeds: { initial: 3, step: 2, max },
    decide: { baseline: "variant=gaussian" },
  });
  const store = new InMemoryRunStore();
  await store.createSweep({ id: "seq", spec, trials: expandSweep(spec), now: t0 });
  await finishWaiting(store, "seq", accuracy, { now: t0 });
  return store;
}

/** Adds the round the look asks for, as the controller does; false when it asks for none. */
async function nextRound(store: InMemoryRunStore): Promise<boolean> {
  const next = sequentialStatus(await loadSweepRuns(store, "seq"))!.next;
  if (!next) return false;
  await addRound(store, "seq", next, t0);
  return true;
}

const cancelled = (t: Pick<TrialRecord, "state">) => t.state === "cancelled";

describe("afterQueuedAgain", () => {
  it("says a design that decided every comparison adds nothing after a cancelled top-up is resumed", async () => {
    const store = await designed(5);
    while (await nextRound(store)) await finishWaiting(store, "seq", accuracy, { now: t0 });
    // a person's top-up, cancelled before it ran: what a resume queues again
    await topUp(store, "seq", [6]);
    await store.cancelSweep("seq", t0);
    const runs = await loadSweepRuns(store, "seq");
    expect(runs.sweep.status).toBe("cancelled");
    // the spec alone (a sequential design) would say it adds its next trials; its results say it is done
    expect(afterQueuedAgain(runs, cancelled)).toEqual({
      addsTrials: false,
      afterwards: expect.stringMatching(
        /^its sequential design (decided every comparison|took its last look) .*: it adds no trials/,
      ),
    });
  });

  it("names the round a look has asked for, and what a look still to take may add", async () => {
    const asked = await designed(7);
    // the first look taken, its round not added yet (cancelled between rounds)
    expect(afterQueuedAgain(await loadSweepRuns(asked, "seq"), cancelled)).toEqual({
      addsTrials: true,
      afterwards: "its sequential design then adds its next round: the 1 comparison still open to 5 seeds",
    });
    // the round added and cancelled: queued again, its look may add another (looks at 3, 5 and 7 seeds)
    await nextRound(asked);
    await asked.cancelSweep("seq", t0);
    const runs = await loadSweepRuns(asked, "seq");
    expect(afterQueuedAgain(runs, cancelled)).toEqual({
      addsTrials: true,
      afterwards:
        "its sequential design then takes look 2 and adds seeds to the comparisons still open there",
    });
    // left as they are (a retry queues failed trials, not these), the look waits for them
    expect(afterQueuedAgain(runs, (t) => t.state === "failed")).toEqual({
      addsTrials: false,
      afterwards: expect.stringMatching(
        /^its sequential design's look 2 waits for 4 trials that failed or were cancelled/,
      ),
    });
    // the same at the last look: taken once they are back, and nothing follows it
    const last = await designed(5);
    await nextRound(last);
    await last.cancelSweep("seq", t0);
    expect(afterQueuedAgain(await loadSweepRuns(last, "seq"), cancelled)).toEqual({
      addsTrials: false,
      afterwards: "its sequential design then takes its last look (look 2) and adds no more trials",
    });
  });

  it("says nothing for a plain grid, which adds no trials of its own", async () => {
    const spec = parseSweepFile({
      name: "grid",
      search: { variant: ["gaussian", "proposed"] },
      seeds: [1, 2],
    });
    const store = new InMemoryRunStore();
    await store.createSweep({ id: "grid", spec, trials: expandSweep(spec), now: t0 });
    expect(afterQueuedAgain(await loadSweepRuns(store, "grid"), cancelled)).toEqual({
      addsTrials: false,
      afterwards: null,
    });
  });
});

describe("a sweep stored before sweep files were checked for an open baseline", () => {
  /**
   * `decide.baseline: variant=gaussian` over two values of ν matches two configurations: the file refuses it now
   * (openBaselineKnobs), but a store may hold one from before, as here, its spec changed past the file's check.
   */
  async function legacy() {
    const spec = openBaselineSpec({ initial: 3, step: 2, max: 5 });
    const store = new InMemoryRunStore();
    await store.createSweep({ id: "seq", spec, trials: expandSweep(spec), now: t0 });
    await finishWaiting(store, "seq", accuracy, { now: t0 });
    return loadSweepRuns(store, "seq");
  }

  it("says its design can take no look and why, adds no round, and compares with the usual default", async () => {
    const runs = await legacy();
    const status = sequentialStatus(runs)!;
    expect(status).toEqual({
      look: 0,
      looks: [3, 5],
      blocked: true,
      waiting:
        "no look can be taken: decide.baseline 'variant=gaussian' matches 2 configurations of the sweep (it was stored before sweep files were checked for this)",
    });
    expect(afterQueuedAgain(runs, cancelled)).toEqual({
      addsTrials: false,
      afterwards: `its sequential design adds no round: ${status.waiting}`,
    });
    // the comparison stands on its own default baseline rather than refuse the sweep, and shows no design decisions
    const table = compareRuns(runs);
    expect(table.baseline).toBe("model.nu=10 variant=gaussian");
    expect(table.designDecisions).toBeUndefined();
  });
});
