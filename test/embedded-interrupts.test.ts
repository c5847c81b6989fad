// The fault drills of the embedded sweep run (the reliability issue's, beside test/fault-drills.test.ts, a file of
// their own so that vitest's two forks share the drills): a run whose every trial fails, one interrupted with SIGTERM
// and one killed with SIGKILL, each resumed by the same command, and a reader that stops early. The promise under
// test: every trial ends with exactly one result, nothing hangs, no finished training is thrown away.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { writeFailingDataset } from "./failing-dataset";
import { exited, run, stopAll, sweepFile, tailsweep, waitFor } from "./harness";

afterEach(stopAll, 180_000);

const lastLine = (out: string) => out.trim().split("\n").at(-1)!;

describe("the embedded sweep run, interrupted and resumed", { timeout: 600_000 }, () => {
  const env = {
    TAILSWEEP_DB_DIR: join(mkdtempSync(join(tmpdir(), "tailsweep-embedded-")), "db"),
    // wasm, not the plain-JS kernels: 4 times faster for the same losses, and nothing here depends on the backend
    TAILSWEEP_BACKEND: "wasm",
    DATABASE_URL: "",
    NATS_URL: "",
  };

  it("exits 1 when every trial failed", async () => {
    const data = writeFailingDataset();
    const search = { "dataset.name": ["user"], "dataset.path": [data.path] };
    const p = tailsweep(["sweep", "run", sweepFile("all-fail", search, 1, 2)], env);
    expect(await exited(p)).toBe(1);
    expect(p.log()).toMatch(data.error);
    // nothing runs a sweep on the embedded store now: watch reads it once and says how it ended, by its exit too
    const watch = tailsweep(["sweep", "watch"], env);
    expect(await exited(watch)).toBe(1);
    expect(watch.log()).toMatch(/UTC {2}completed: (\d+) failed\n {2}\1 trials? failed: /);
  });

  it("hands the running trial back on SIGTERM, trains only its own sweep next time, and resumes with the same file", async () => {
    // Many short epochs: SIGTERM lands well before the last one, however fast the machine.
    const slow = sweepFile("interrupted", { nu: [5, 10] }, 1, 12, { maxAttempts: 1 }, 8);
    // One trial at a time (one training thread): the other waits, so the hand-back below is one trial's.
    const first = tailsweep(["sweep", "run", slow, "--workers", "1"], env);
    await waitFor(async () => /trials: 0\/2 done, 1 running/.test(first.log()), "a trial to run", 60_000);
    first.kill("SIGTERM");
    expect(await exited(first)).toBe(143);
    expect(first.log()).toMatch(/interrupted: 0\/2 trials done; the same command resumes the sweep/);
    // Another file: its run trains its own trial and leaves the interrupted sweep alone.
    const other = tailsweep(["sweep", "run", sweepFile("other", { nu: [30] }, 1, 60, {}, 8)], env);
    await waitFor(async () => /trials: 0\/1 done, 1 running/.test(other.log()), "the other's trial", 60_000);
    const listed = JSON.parse(await run(["sweep", "list", "--json"], env).then(lastLine));
    const interrupted = listed.find((x: { name: string }) => x.name === "interrupted");
    expect(interrupted).toMatchObject({ status: "running", succeeded: 0 });
    // read through the other run's process, which holds the store: nothing there trains the interrupted sweep
    expect(await run(["sweep", "status", interrupted.id], env)).toContain(
      `  nothing trains its waiting trials now: the tailsweep sweep run holding the store trains its own sweep only; once it ends, \`tailsweep sweep run ${interrupted.id}\` trains them\n`,
    );
    expect(await exited(other)).toBe(0);
    expect(other.log()).toMatch(/completed: 1 succeeded/);
    const after = JSON.parse(await run(["sweep", "list", "--json"], env).then(lastLine));
    expect(after.find((x: { name: string }) => x.name === "interrupted")).toMatchObject({ succeeded: 0 });
    // read from the store no process holds: its status says that nothing trains its waiting trials, and what would
    expect(await run(["sweep", "status", interrupted.id], env)).toContain(
      `  nothing trains its waiting trials now: \`tailsweep sweep run ${interrupted.id}\` trains them here\n`,
    );
    // The same file again: resumed, not started afresh, and the hand-back cost no attempt (maxAttempts: 1).
    const resumed = await run(["sweep", "run", slow], env);
    expect(resumed).toMatch(/resuming, 2 of 2 trials left/);
    expect(resumed).toMatch(/completed/);
    // The handed-back trial went on from the checkpoint its stop left, and the status says what that saved.
    const status = await run(["sweep", "status", interrupted.id], env);
    expect(status).toMatch(
      /checkpoints: 1 interrupted trial \(retried or handed back\) resumed from a checkpoint, saving \d+ s of training/,
    );
    // Its files, listed and downloaded, and a metric recomputed from its predictions.
    const key = (await run(["sweep", "export", interrupted.id], env)).trim().split("\n")[1]!.split(",")[0]!;
    const trialId = `${interrupted.id}:${key}`;
    const out = mkdtempSync(join(tmpdir(), "tailsweep-files-"));
    const listing = await run(["trial", "artifacts", trialId, "-o", out], env);
    expect(listing).toMatch(/predictions\.csv .* KiB stored/);
    expect(readFileSync(join(out, "predictions.csv"), "utf8")).toMatch(/^row,label,predicted,p_0,/);
    const evaluated = JSON.parse(
      lastLine(await run(["evaluate", trialId, "--metric", "balancedAccuracy,ece", "--json"], env)),
    );
    expect(evaluated.rows).toBeGreaterThan(0);
    expect(evaluated.values.map((v: { metric: string }) => v.metric)).toEqual(["balancedAccuracy", "ece"]);
    const again = await run(["sweep", "run", slow], env);
    expect(again).toMatch(/has finished already/);
  });

  it("answers other commands through the run's process while it holds the store, the watch outlives it, and a cancel of its sweep ends it", async () => {
    const file = sweepFile("held", { nu: [5] }, 1, 60, {}, 8);
    const first = tailsweep(["sweep", "run", file, "--workers", "1"], env);
    await waitFor(async () => /trials: 0\/1 done, 1 running/.test(first.log()), "a trial to run", 60_000);
    // While it holds the store, other commands read it through the run's process (its socket in the store's folder)
    // instead of being refused; what it does not do for them is said, with what to do instead.
    const running = JSON.parse(lastLine(await run(["sweep", "status", "--json"], env)));
    expect(running).toMatchObject({ name: "held", status: "running" });
    const watch = tailsweep(["sweep", "watch", "--interval", "1"], env);
    await waitFor(async () => /UTC {2}running: /.test(watch.log()), "the watch's first line", 30_000);
    const remove = tailsweep(["sweep", "delete", running.id, "--yes"], env);
    expect(await exited(remove)).toBe(7); // unavailable: it works once the run ends
    expect(remove.log()).toMatch(
      /the embedded store is held by tailsweep sweep run \(pid \d+\), which serves other commands' reads, tags and notes and a cancel of its own sweep, but launches, cancels and deletes nothing else/,
    );
    first.kill("SIGTERM");
    expect(await exited(first)).toBe(143);
    // the watch reads the sweep once more from the store, now free, and says nothing runs it
    expect(await exited(watch)).toBe(1);
    expect(watch.log()).toContain(
      `the process that ran it ended before it did: tailsweep sweep run ${running.id} goes on with it`,
    );
    // Its own sweep's cancel the run takes: it stops the running trial, and the run ends with its sweep cancelled.
    const again = tailsweep(["sweep", "run", file, "--workers", "1"], env);
    await waitFor(
      async () => /trials: 0\/1 done, 1 running/.test(again.log()),
      "the trial to run again",
      60_000,
    );
    expect(await run(["sweep", "cancel", running.id], env)).toMatch(/cancelled sweep .*: 1 trial stopped/);
    expect(await exited(again)).toBe(1); // as sweep watch exits: the sweep did not finish
    expect(again.log()).toContain(`sweep ${running.id} cancelled`);
    expect(again.log()).toContain(
      `cancelled while it ran: 0 of 1 trial finished, 1 cancelled; tailsweep sweep resume ${running.id} goes on with it`,
    );
  });

  it("takes over at once, after a SIGKILL, the trials its killed run left running and waiting", async () => {
    const file = sweepFile("killed", { nu: [5, 10, 30] }, 1, 12, {}, 8);
    const first = tailsweep(["sweep", "run", file, "--workers", "1"], env);
    await waitFor(async () => /trials: 0\/3 done, 1 running/.test(first.log()), "a trial to run", 60_000);
    first.kill("SIGKILL");
    await exited(first);
    // the socket file the killed run left answers nothing: a command opens the store itself
    expect(JSON.parse(lastLine(await run(["sweep", "status", "--json"], env)))).toMatchObject({
      name: "killed",
      status: "running",
    });
    // Nothing else can reach the embedded store and bus: the trial left running is handed back and the waiting ones
    // queued when the controller starts, not after three missed heartbeats and two upkeep rounds.
    const resuming = tailsweep(["sweep", "run", file], env);
    await waitFor(
      async () => /resuming, 3 of 3 trials left/.test(resuming.log()),
      "the run to resume",
      60_000,
    );
    // a watch beside it ends on the sweep as it ended: its second look comes after the run (a few seconds) has
    // ended, so it reads the store itself (or, started after the run, reads it at once)
    const watch = tailsweep(["sweep", "watch", "--interval", "15"], env);
    expect(await exited(resuming)).toBe(0);
    expect(await exited(watch)).toBe(0);
    expect(watch.log().trimEnd().split("\n").at(-1)).toMatch(
      /^\d\d:\d\d:\d\d UTC {2}completed: 3 succeeded$/,
    );
    const resumed = resuming.log();
    expect(resumed).toMatch(/left running by an earlier process; queued again as attempt 2/);
    expect(resumed).toMatch(/resuming, 3 of 3 trials left/);
    expect(resumed).toMatch(/completed/);
    expect(resumed).not.toMatch(/no heartbeat from worker|queued the waiting ones again/);
  });

  it("prints no stack trace when its reader stops early (sweep status | head)", async () => {
    const p = tailsweep(["sweep", "list"], env);
    p.stdout!.destroy(); // the reader is gone before the first line
    expect(await exited(p)).toBe(0);
    expect(p.log()).not.toMatch(/EPIPE|at .*node:/);
  });
});
