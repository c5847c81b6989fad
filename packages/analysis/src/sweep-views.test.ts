import type { TrialRecord } from "@tailsweep/sweep";
import { describe, expect, it } from "vitest";
import { failureSummary } from "./failure-summary";

const trial = (index: number, state: TrialRecord["state"], error?: string) =>
  ({
    id: `t${index}`,
    index,
    state,
    seed: index,
    configLabel: `variant=${index % 2 ? "proposed" : "gaussian"}`,
    ...(error && { error }),
  }) as TrialRecord;

describe("failureSummary", () => {
  it("groups failed trials by reason, most first, holding the first four of each in plan order", () => {
    const trials = [
      trial(6, "failed", "out of memory"),
      trial(1, "failed", "out of memory"),
      trial(2, "succeeded"),
      trial(3, "failed", "diverged"),
      trial(4, "failed", "out of memory"),
      trial(5, "failed", "out of memory"),
      trial(7, "cancelled", "stopped"),
      trial(8, "failed"),
      // lost on two workers after different silences: one way of failing
      trial(9, "failed", "no heartbeat from worker vm:101 for 41 s (gave up after 2 attempts)"),
      trial(10, "failed", "no heartbeat from worker vm:202 for 20 s (gave up after 1 attempt)"),
    ];
    expect(failureSummary(trials)).toEqual([
      {
        reason: "out of memory",
        count: 4,
        code: null,
        trials: [
          { id: "t1", config: "variant=proposed", seed: 1 },
          { id: "t4", config: "variant=gaussian", seed: 4 },
          { id: "t5", config: "variant=proposed", seed: 5 },
          { id: "t6", config: "variant=gaussian", seed: 6 },
        ],
      },
      {
        reason: "no heartbeat from worker … for … s",
        count: 2,
        code: null,
        // each with its own words, which the group's reason stands for
        trials: [
          {
            id: "t9",
            config: "variant=proposed",
            seed: 9,
            reason: "no heartbeat from worker vm:101 for 41 s",
          },
          {
            id: "t10",
            config: "variant=gaussian",
            seed: 10,
            reason: "no heartbeat from worker vm:202 for 20 s",
          },
        ],
      },
      {
        reason: "diverged",
        count: 1,
        code: null,
        trials: [{ id: "t3", config: "variant=proposed", seed: 3 }],
      },
      {
        reason: "no reason recorded",
        count: 1,
        code: null,
        trials: [{ id: "t8", config: "variant=gaussian", seed: 8 }],
      },
    ]);
    expect(failureSummary([trial(1, "succeeded")])).toEqual([]);
  });
});
