import { CONFIG_ERROR_CODE, parseSweepFile } from "@tailsweep/schemas";
import { expandSweep, InMemoryRunStore } from "@tailsweep/sweep";
import { scriptedResult } from "@tailsweep/sweep/testing";
import { describe, expect, it } from "vitest";
import { LOCAL_CALLER } from "../caller";
import type { SweepLauncher } from "../trpc";
import { createCaller } from "./index";

const t0 = new Date("2026-01-01T00:00:00Z");
const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);

/**
 * A sweep of 6 trials over ν, 2 of which succeeded in 0.25 s (one per configuration); the others are left waiting.
 * A dry run reads no launcher: the one here has nothing.
 */
async function sweepOfSix() {
  const store = new InMemoryRunStore();
  const spec = parseSweepFile({ name: "est", search: { nu: [5, 10] }, seeds: [1, 2, 3] });
  await store.createSweep({ id: "est", spec, trials: expandSweep(spec), now: t0 });
  const trials = await store.listTrials("est");
  const [fast, slow] = [5, 10].map((nu) => trials.filter((t) => t.params["model.nu"] === nu));
  for (const t of [fast![0]!, slow![0]!]) {
    const claimed = await store.claimTrial(t.id, "w", t0);
    await store.completeTrial(t.id, claimed!.attempt, scriptedResult(0.7, 0.25), at(0.25));
  }
  const rest = [...fast!.slice(1), ...slow!.slice(1)];
  const api = createCaller({ store, caller: LOCAL_CALLER, launcher: {} as SweepLauncher });
  return { store, api, rest };
}

describe("a resume's dry run times the trials it queues again as a retry's does", () => {
  it("times failed trials retried, then cancelled, at least at their failed attempts, as the retry's dry run did", async () => {
    const { store, api, rest } = await sweepOfSix();
    // the 4 others time out at 2 s, for good
    for (const t of rest) {
      const claimed = await store.claimTrial(t.id, "w", at(1));
      await store.failTrial(t.id, claimed!.attempt, "timed out after 2 s", false, at(3));
    }
    const retry = await api.sweeps.retry({ id: "est", dryRun: true });
    expect(retry).toMatchObject({ trialCount: 4, estimatedSeconds: 8, timedByFailedAttempt: 4 });
    // retried, then cancelled before they ran again: a resume queues the same 4
    expect(await store.retryTrials("est", at(4))).toHaveLength(4);
    expect(await store.cancelSweep("est", at(10))).toBe(4);
    const resume = await api.sweeps.resume({ id: "est", dryRun: true });
    expect(resume).toMatchObject({ trialCount: 4, wasCancelled: true, resumed: 0 });
    expect(resume.estimatedSeconds).toBe(retry.estimatedSeconds);
    expect(resume).toMatchObject({ unmeasuredTrials: 0, timedByFailedAttempt: 4 });
  });

  it("times an attempt the cancel stopped at its configuration's mean (it did not fail), and one the model refused at its attempt", async () => {
    const { store, api, rest } = await sweepOfSix();
    const [stopped, refused, unstarted] = rest;
    // running 1.5 s when the sweep is cancelled
    await store.claimTrial(stopped!.id, "w", at(1));
    // refused as it loaded, 0.125 s in, with attempts left: waiting for its next one when the sweep is cancelled
    const claimed = await store.claimTrial(refused!.id, "w", at(1));
    await store.failTrial(refused!.id, claimed!.attempt, "model: ν must be positive", true, at(1.125), {
      code: CONFIG_ERROR_CODE,
    });
    expect(await store.cancelSweep("est", at(2.5))).toBe(4);
    const resume = await api.sweeps.resume({ id: "est", dryRun: true });
    expect(unstarted).toBeDefined();
    // 0.25 (stopped: it resumes from its checkpoint, its 1.5 s bound nothing) + 0.125 (refused) + 0.25 + 0.25 (never
    // started), each but the refused one at its configuration's mean
    expect(resume).toMatchObject({ trialCount: 4, estimatedSeconds: 0.875, unmeasuredTrials: 0 });
    expect(resume.timedByFailedAttempt).toBeUndefined();
  });
});
