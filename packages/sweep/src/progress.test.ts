import { parseSweepFile } from "@tailsweep/schemas";
import { describe, expect, it } from "vitest";
import { sweepProgress, trialsAtMost, workerStatus } from "./progress";
import type { TrialRecord, WorkerRecord } from "./run-store";

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));
const trial = (
  state: TrialRecord["state"],
  started?: number,
  finished?: number,
  ended: [number, number][] = [],
): TrialRecord =>
  ({
    state,
    startedAt: started === undefined ? undefined : at(started),
    finishedAt: finished === undefined ? undefined : at(finished),
    retries: ended.map(([s, e], i) => ({ attempt: i + 1, reason: "lost", startedAt: at(s), endedAt: at(e) })),
  }) as TrialRecord;

describe("sweepProgress", () => {
  it("estimates the rest from the pace so far", () => {
    // 2 done in the 40 s some trial has been running; 6 remain → 120 s more
    const trials = [
      trial("succeeded", 0, 20),
      trial("failed", 5, 25),
      trial("running", 20),
      trial("running", 25),
      ...Array.from({ length: 4 }, () => trial("waiting")),
    ];
    const p = sweepProgress(trials, at(40));
    expect(p).toMatchObject({ total: 8, done: 2, elapsedSeconds: 40, etaSeconds: 120 });
    expect(p.counts).toMatchObject({ succeeded: 1, failed: 1, running: 2, waiting: 4 });
  });

  it("has no ETA before anything finished, nor when nothing remains", () => {
    expect(sweepProgress([trial("running", 0), trial("waiting")], at(10)).etaSeconds).toBeNull();
    expect(sweepProgress([trial("waiting")], at(10)).elapsedSeconds).toBeNull();
    expect(sweepProgress([trial("succeeded", 0), trial("cancelled")], at(10)).etaSeconds).toBeNull();
  });

  it("stops the clock at the last finish once every trial is final (issue #20: a 32 s sweep read 10 min 50 s)", () => {
    const completed = [trial("succeeded", 0, 20), trial("failed", 5, 32), trial("succeeded", 10, 30)];
    expect(sweepProgress(completed, at(32)).elapsedSeconds).toBe(32);
    expect(sweepProgress(completed, at(32 + 650)).elapsedSeconds).toBe(32);
    // Cancelling finishes the open trials at the cancel: a queued one (never started) stops the clock there too.
    const cancelled = [
      trial("succeeded", 0, 12),
      trial("cancelled", 8, 15),
      trial("cancelled", undefined, 15),
    ];
    expect(sweepProgress(cancelled, at(600)).elapsedSeconds).toBe(15);
    // While one trial can still change, the clock runs to now.
    expect(sweepProgress([trial("succeeded", 0, 20), trial("running", 10)], at(600)).elapsedSeconds).toBe(
      600,
    );
    // A final trial without a finish time (older rows) is an instant at its start.
    expect(sweepProgress([trial("succeeded", 0, 20), trial("failed", 25)], at(600)).elapsedSeconds).toBe(20);
  });

  it("counts only the time trials ran: a top-up a day after the sweep finished keeps its pace", () => {
    const day = 86_400;
    const trials = [
      trial("succeeded", 0, 30),
      trial("succeeded", 0, 30),
      // a retried trial waits again: its failed attempt's time (stored before attempts kept it) is not known
      trial("waiting", 10),
      trial("running", day),
      trial("waiting"),
    ];
    // 30 s of the first run and 10 s of the top-up; 2 finished, 3 remain: 60 s more, not a day and a half
    expect(sweepProgress(trials, at(day + 10))).toMatchObject({ elapsedSeconds: 40, etaSeconds: 60 });
    // Overlapping runs count once, and the gaps between them not at all.
    const overlapping = [trial("succeeded", 0, 10), trial("succeeded", 5, 15), trial("failed", 100, 110)];
    expect(sweepProgress(overlapping, at(500)).elapsedSeconds).toBe(25);
  });

  it("keeps the time of attempts that ended: a retry or a resume never turns the clock back", () => {
    // two trials failed at 20 s and 22 s; retried, they wait: their attempts still ran 22 s of the sweep
    const failed = [trial("succeeded", 0, 10), trial("failed", 5, 20), trial("failed", 6, 22)];
    const retried = [
      trial("succeeded", 0, 10),
      trial("waiting", 5, undefined, [[5, 20]]),
      trial("waiting", 6, undefined, [[6, 22]]),
    ];
    expect(sweepProgress(failed, at(30)).elapsedSeconds).toBe(22);
    expect(sweepProgress(retried, at(30)).elapsedSeconds).toBe(22);
    // the new attempts run from 40 s: 22 s before, 5 s now
    // handed back at 20 s, then cancelled at 100 s while it waited: 15 s ran, not 95; and a resume keeps them
    const handedBack = { ...trial("cancelled", 5, 100, [[5, 20]]), attempt: 1 };
    expect(sweepProgress([handedBack], at(200)).elapsedSeconds).toBe(15);
    expect(
      sweepProgress([{ ...handedBack, state: "waiting", finishedAt: undefined }], at(200)).elapsedSeconds,
    ).toBe(15);
    const rerun = [
      trial("succeeded", 0, 10),
      trial("running", 40, undefined, [[5, 20]]),
      trial("succeeded", 40, 45, [[6, 22]]),
    ];
    expect(sweepProgress(rerun, at(45)).elapsedSeconds).toBe(27);
  });
});

describe("workerStatus", () => {
  const worker = (heartbeat: number, stopped?: number) =>
    ({
      lastHeartbeat: at(heartbeat),
      stoppedAt: stopped === undefined ? undefined : at(stopped),
    }) as WorkerRecord;
  it("is online within three presence intervals, lost after, stopped when it said so", () => {
    expect(workerStatus(worker(0), at(29))).toBe("online");
    expect(workerStatus(worker(0), at(31))).toBe("lost");
    expect(workerStatus(worker(0, 1), at(2))).toBe("stopped");
  });
});

describe("trialsAtMost", () => {
  const sequential = parseSweepFile({
    name: "at-most",
    search: { variant: ["gaussian", "proposed", "supervised"] },
    seeds: { initial: 3, step: 2, max: 9 },
    decide: { baseline: "variant=gaussian" },
  });

  it("says how far a running sequential design can grow: every configuration on max seeds", () => {
    // 3 configurations × 3 seeds stored after the first look; at most 3 × 9
    expect(trialsAtMost({ status: "running", spec: sequential }, 9)).toBe(27);
    // the last look's trials all stored: nothing more to say
    expect(trialsAtMost({ status: "running", spec: sequential }, 27)).toBeUndefined();
  });

  it("says nothing once the design has ended, or for seeds fixed in advance", () => {
    expect(trialsAtMost({ status: "completed", spec: sequential }, 15)).toBeUndefined();
    expect(trialsAtMost({ status: "cancelled", spec: sequential }, 9)).toBeUndefined();
    const fixed = parseSweepFile({ name: "fixed", search: { variant: ["gaussian", "proposed"] }, seeds: 3 });
    expect(trialsAtMost({ status: "running", spec: fixed }, 3)).toBeUndefined();
  });

  it("counts a TPE search's decision stage: the best `top` and the baseline on max fresh seeds", () => {
    const tpe = parseSweepFile({
      name: "at-most-tpe",
      method: "tpe",
      budget: 4,
      search: { nu: { distribution: "loguniform", low: 3, high: 50 }, variant: ["proposed", "gaussian"] },
      seeds: { initial: 2, step: 1, max: 3 },
      decide: { baseline: "variant=gaussian", top: 1 },
    });
    // 4 × 2 search trials, then (1 + 1) × 3
    expect(trialsAtMost({ status: "running", spec: tpe }, 8)).toBe(14);
  });
});
