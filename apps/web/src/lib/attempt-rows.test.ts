import { describe, expect, it } from "vitest";
import { attemptRows } from "./attempt-rows";

const at = (s: number) => new Date(Date.UTC(2026, 11, 5, 12, 0, s));

describe("attemptRows", () => {
  it("lists each ended attempt once, then the one the trial is on", () => {
    expect(
      attemptRows({
        attempt: 2,
        state: "failed",
        error: "diverged",
        startedAt: at(10),
        finishedAt: at(20),
        retries: [{ attempt: 1, reason: "worker lost", startedAt: at(0), endedAt: at(5) }],
      }).map((r) => [r.attempt, r.ended, r.startedAt?.getUTCSeconds(), r.endedAt?.getUTCSeconds()]),
    ).toEqual([
      [1, "worker lost", 0, 5],
      [2, "failed (the error above)", 10, 20],
    ]);
  });

  it("does not list again an attempt that ended into its history: a handed-back trial waits for its next one", () => {
    const handedBack = {
      attempt: 1,
      startedAt: at(0),
      finishedAt: at(5),
      retries: [{ attempt: 1, reason: "cancelled", handedBack: true, startedAt: at(0), endedAt: at(5) }],
    };
    expect(attemptRows({ ...handedBack, state: "waiting" })).toEqual([
      { attempt: 1, startedAt: at(0), endedAt: at(5), ended: "handed back, not counted: cancelled" },
      { attempt: 2, ended: "waiting" },
    ]);
    // cancelled again before it began: no run of its own, and none made up from the last attempt's times
    expect(attemptRows({ ...handedBack, state: "cancelled" }).map((r) => r.attempt)).toEqual([1]);
  });
});
