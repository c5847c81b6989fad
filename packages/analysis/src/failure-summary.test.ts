import { parseSweepFile } from "@tailsweep/schemas";
import { expandSweep, InMemoryRunStore } from "@tailsweep/sweep";
import { describe, expect, it } from "vitest";
import { failureSummary } from "./failure-summary";

const t0 = new Date("2026-01-01T00:00:00Z");

/** A sweep of one configuration whose trial on seed i + 1 failed with `errors[i]` (none recorded for undefined). */
async function failedWith(errors: readonly (string | undefined)[]) {
  const spec = parseSweepFile({
    name: "failing",
    search: { variant: ["proposed"] },
    seeds: errors.map((_, i) => i + 1),
  });
  const store = new InMemoryRunStore();
  await store.createSweep({ id: "sw", spec, trials: expandSweep(spec), now: t0 });
  for (const t of await store.listTrials("sw")) {
    const claimed = await store.claimTrial(t.id, "w", t0);
    await store.failTrial(t.id, claimed!.attempt, errors[t.seed - 1] ?? "", false, t0);
  }
  // a trial that failed without a word: its error left out, as a store without one reads it
  return (await store.listTrials("sw")).map(({ error, ...t }) => (error ? { ...t, error } : t));
}

describe("failureSummary", () => {
  it("keeps a group's words as they are where every trial of it failed with the same ones", async () => {
    const trials = await failedWith(Array(4).fill("timed out after 1 s"));
    // the seconds are the limit the sweep set: `… s` would hide it
    expect(failureSummary(trials)).toEqual([
      {
        reason: "timed out after 1 s",
        count: 4,
        // a sample of the four, by design: `count` says how many there are
        trials: [1, 2, 3].map((seed) => ({
          id: trials.find((t) => t.seed === seed)!.id,
          config: "variant=proposed",
          seed,
        })),
      },
    ]);
    // how many attempts each took is no part of the reason, as before
    const attempts = await failedWith([
      "out of memory (gave up after 2 attempts)",
      "out of memory (gave up after 1 attempt)",
    ]);
    expect(failureSummary(attempts).map((f) => [f.reason, f.count])).toEqual([["out of memory", 2]]);
  });

  it("groups trials lost with different numbers or workers as one line that says so", async () => {
    const trials = await failedWith([
      "timed out after 1 s",
      "timed out after 30 s",
      "no heartbeat from worker vm:101 for 41 s (gave up after 2 attempts)",
      "no heartbeat from worker vm:202 for 20 s (gave up after 1 attempt)",
      "no heartbeat from worker vm:202 for 20 s (gave up after 2 attempts)",
      undefined,
    ]);
    expect(failureSummary(trials).map((f) => [f.reason, f.count])).toEqual([
      ["no heartbeat from worker … for … s", 3],
      ["timed out after … s", 2],
      ["no reason recorded", 1],
    ]);
  });
});
