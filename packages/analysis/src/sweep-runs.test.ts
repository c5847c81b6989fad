import { parseSweepFile } from "@tailsweep/schemas";
import { expandSweep, InMemoryRunStore } from "@tailsweep/sweep";
import { scriptedResult } from "@tailsweep/sweep/testing";
import { describe, expect, it } from "vitest";
import { loadSweepRuns, trainingEstimate } from "./sweep-runs";

describe("trainingEstimate", () => {
  it("prices each trial at its own configuration's mean time, and one with none finished at the sweep's", async () => {
    const spec = parseSweepFile({
      name: "sizes",
      search: { variant: ["gaussian", "proposed"] },
      seeds: [1, 2],
    });
    const store = new InMemoryRunStore();
    const t0 = new Date("2026-01-01T00:00:00Z");
    await store.createSweep({ id: "sw", spec, trials: expandSweep(spec), now: t0 });
    for (const t of await store.listTrials("sw")) {
      await store.claimTrial(t.id, "w", t0);
      // the small configuration trains in 2 s; the large one in 10 s once, and fails the other time
      if (t.config.variant === "gaussian") await store.completeTrial(t.id, 1, scriptedResult(0.6, 2), t0);
      else if (t.seed === 1) await store.completeTrial(t.id, 1, scriptedResult(0.7, 10), t0);
      else await store.failTrial(t.id, 1, "out of memory", false, t0);
    }
    const runs = await loadSweepRuns(store, "sw");
    const key = (variant: string) => runs.trials.find((t) => t.config.variant === variant)!.configKey;
    // a retry of the large one's failure costs what the large one takes, not the sweep's mean of 4.67 s
    expect(trainingEstimate(runs, [key("proposed")])).toEqual({ estimatedSeconds: 10, unmeasuredTrials: 0 });
    expect(trainingEstimate(runs, [key("gaussian"), key("proposed"), key("proposed")])).toEqual({
      estimatedSeconds: 22,
      unmeasuredTrials: 0,
    });
    // a configuration none of whose trials succeeded is timed at the sweep's mean, and counted as a guess
    const guessed = trainingEstimate(runs, ["a configuration with nothing finished", key("proposed")]);
    expect(guessed.estimatedSeconds).toBeCloseTo(14 / 3 + 10, 12);
    expect(guessed.unmeasuredTrials).toBe(1);
    expect(trainingEstimate(runs, [])).toEqual({ estimatedSeconds: 0, unmeasuredTrials: 0 });
    // a failed attempt that ran 30 s (a timeout) is a floor for its retry, above any mean; a shorter one is not
    expect(
      trainingEstimate(runs, ["a configuration with nothing finished", key("proposed")], [30, 1]),
    ).toEqual({
      estimatedSeconds: 30 + 10,
      unmeasuredTrials: 1,
      timedByFailedAttempt: 1,
    });
    const empty = new InMemoryRunStore();
    await empty.createSweep({ id: "sw", spec, trials: expandSweep(spec), now: t0 });
    expect(trainingEstimate(await loadSweepRuns(empty, "sw"), [key("proposed")])).toEqual({
      estimatedSeconds: null,
      unmeasuredTrials: 1,
    });
  });
});
