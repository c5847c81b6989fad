// What the sweep commands answer about a stored sweep named by the start of its id, through the real CLI (a child
// process on an embedded store seeded with hand-made results): the whole id in every answer, what a resumed design
// will really do, every bad flag of a line at once, why a row has no test, and failures in their own words.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadSweepRuns, sequentialStatus } from "@tailsweep/analysis";
import { openRunStore } from "@tailsweep/db";
import { parseSweepFile, type SweepSpec } from "@tailsweep/schemas";
import { expandSweep, type RunStore, type TrialRecord } from "@tailsweep/sweep";
import { addRound, openBaselineSpec, scriptedResult, topUp } from "@tailsweep/sweep/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./testing/cli-process";

const dir = mkdtempSync(join(tmpdir(), "tailsweep-answers-"));
const dbDir = join(dir, "db");
const t0 = new Date("2026-01-01T00:00:00Z");
const tailsweep = (...args: string[]) => runCli(args, { TAILSWEEP_DB_DIR: dbDir, XDG_CONFIG_HOME: dir });

/** A grid named below by its first 6 characters. */
const gridId = "grid0123456789abcdef0123456789ab";
/** A sequential design that decided every comparison, then a top-up of it cancelled with the sweep. */
const designId = "seqd0123456789abcdef0123456789ab";
/** A grid whose proposed configuration the model refused (CONFIG_INVALID) on both seeds, and one trial timed out. */
const refusedId = "refd0123456789abcdef0123456789ab";
/** A grid whose failed trials were all refused (CONFIG_INVALID). */
const allRefusedId = "allr0123456789abcdef0123456789ab";
/**
 * A sequential design stored before sweep files were checked for an open baseline: `variant=gaussian` over two ν
 * matches two configurations. Its first look's trials are in, its look still pending (as an older controller left it).
 */
const legacyId = "lgcy0123456789abcdef0123456789ab";

const noise = [0, 0.012, -0.009, 0.015, -0.011];
/**
 * The grid's balanced accuracy: proposed a hair from gaussian (d_z ≈ 0.01, more seeds than the power search counts
 * to), supervised 5 points behind on every seed (no spread: degenerate). concat times out on every seed.
 */
function gridScore(t: TrialRecord): number {
  const base = 0.6 + noise[t.seed]!;
  if (t.config.variant === "proposed") return base + [0, 0.0101, -0.0099, 0.0102, -0.01][t.seed]!;
  if (t.config.variant === "supervised") return base - 0.05;
  return base;
}

/** The design's: proposed far ahead of gaussian, supervised level with it (futility). */
function designScore(t: TrialRecord): number {
  const base = 0.6 + noise[t.seed % 5]!;
  if (t.config.variant === "proposed") return base + 0.2;
  if (t.config.variant === "supervised") return base + (t.seed % 2 ? 0.01 : -0.011);
  return base;
}

/**
 * A grid whose proposed trials the model refused (CONFIG_INVALID) and the rest succeeded, but for the gaussian trial
 * of seed `timedOut`, which timed out.
 */
async function storeRefused(
  store: RunStore,
  id: string,
  spec: SweepSpec,
  { timedOut }: { timedOut?: number },
) {
  await store.createSweep({ id, spec, trials: expandSweep(spec), now: t0 });
  for (const t of await store.listTrials(id)) {
    const { attempt } = (await store.claimTrial(t.id, "w", t0, "cpu"))!;
    if (t.config.variant === "proposed")
      await store.failTrial(t.id, attempt, "model.gamma: -0.6 cannot train", false, t0, {
        code: "CONFIG_INVALID",
      });
    else if (t.seed === timedOut) await store.failTrial(t.id, attempt, "timed out after 1 s", false, t0);
    else await store.completeTrial(t.id, attempt, scriptedResult(0.5), t0);
  }
}

async function finish(store: RunStore, sweepId: string, score: (t: TrialRecord) => number) {
  for (const t of await store.listTrials(sweepId)) {
    if (t.state !== "waiting") continue;
    const claimed = await store.claimTrial(t.id, "w", t0, "cpu");
    if (t.config.variant === "concat")
      await store.failTrial(t.id, claimed!.attempt, "timed out after 1 s", false, t0);
    else await store.completeTrial(t.id, claimed!.attempt, scriptedResult(score(t)), t0);
  }
}

describe("sweep commands on a sweep named by its start", { timeout: 300_000 }, () => {
  beforeAll(async () => {
    const opened = await openRunStore({ pgliteDir: dbDir, databaseUrl: "" });
    try {
      const { store } = opened;
      const grid = parseSweepFile({
        name: "grid",
        project: "p",
        search: { variant: ["gaussian", "proposed", "supervised", "concat"] },
        seeds: [1, 2, 3, 4],
      });
      await store.createSweep({ id: gridId, spec: grid, trials: expandSweep(grid), now: t0 });
      await finish(store, gridId, gridScore);
      const design = parseSweepFile({
        name: "design",
        project: "p",
        search: { variant: ["gaussian", "proposed", "supervised"] },
        seeds: { initial: 3, step: 2, max: 5 },
        decide: { baseline: "variant=gaussian" },
      });
      await store.createSweep({ id: designId, spec: design, trials: expandSweep(design), now: t0 });
      // the design's rounds as the controller adds them, until a look asks for none
      for (;;) {
        await finish(store, designId, designScore);
        const next = sequentialStatus(await loadSweepRuns(store, designId))!.next;
        if (!next) break;
        await addRound(store, designId, next, t0);
      }
      await store.setLookPending(designId, false);
      await topUp(store, designId, [9]);
      await store.cancelSweep(designId, t0);
      const refused = parseSweepFile({
        name: "refused",
        project: "p",
        search: { variant: ["proposed", "gaussian"] },
        seeds: [1, 2],
      });
      await storeRefused(store, refusedId, refused, { timedOut: 1 });
      await storeRefused(store, allRefusedId, refused, {});
      const stored = openBaselineSpec({ initial: 3, step: 2, max: 5 });
      await store.createSweep({ id: legacyId, spec: stored, trials: expandSweep(stored), now: t0 });
      await finish(store, legacyId, designScore);
    } finally {
      await opened.close();
    }
  }, 300_000);

  it("answers with the whole id, as JSON and in words, whatever start of it was given", async () => {
    const json = async (...args: string[]) => {
      const r = await tailsweep(...args, "--json");
      expect([r.code, r.stderr], args.join(" ")).toEqual([0, expect.any(String)]);
      return JSON.parse(r.stdout);
    };
    expect((await json("compare", "grid01")).sweep).toBe(gridId);
    expect((await json("sweep", "retry", "grid01", "--dry-run")).id).toBe(gridId);
    expect((await json("sweep", "extend", "grid01", "--seeds", "+1", "--dry-run")).id).toBe(gridId);
    expect((await json("sweep", "confirm", "grid01", "--seeds", "+2", "--dry-run")).id).toBe(gridId);
    expect((await json("sweep", "tag", "grid01", "--add", "x")).id).toBe(gridId);
    expect((await json("sweep", "note", "grid01")).id).toBe(gridId);
    // finished: nothing to cancel, and said of the whole id
    expect(await json("sweep", "cancel", "grid01")).toMatchObject({ id: gridId, cancelled: false });
    expect((await json("sweep", "resume", "seqd01", "--dry-run")).id).toBe(designId);
    // run's dry run of a sweep named by its id says it is stored, though its rounds and top-up revised its spec
    const stored = await json("sweep", "run", "seqd01", "--dry-run");
    expect(stored.existing).toMatchObject({ id: designId, status: "cancelled" });
    const plain = await tailsweep("sweep", "run", "seqd01", "--dry-run");
    expect(plain.stdout).toContain(`stored already as sweep ${designId} (cancelled, `);
    // a name no stored id starts with is not found (exit 3), not a file that cannot be read
    const none = await tailsweep("sweep", "run", "nosuch01", "--dry-run");
    expect([none.code, none.stderr]).toEqual([
      3,
      "tailsweep: 'nosuch01' is no file, and no stored sweep's id starts with it (tailsweep sweep list names them)\n",
    ]);
    const said = await tailsweep("sweep", "cancel", "grid01");
    expect(said.stdout).toBe(`sweep ${gridId} is completed: nothing to cancel\n`);
    const file = join(dir, "runs.csv");
    const exported = await tailsweep("sweep", "export", "grid01", "-o", file);
    expect(exported.stderr).toContain(`exported 16 trials of sweep ${gridId} to ${file} (csv)\n`);
  });

  it("says a resumed design that decided every comparison adds no trials of its own", async () => {
    const r = await tailsweep("sweep", "resume", "seqd01", "--dry-run");
    expect(r.code).toBe(0);
    // what its spec alone would say: a sequential design adds trials as it runs
    expect(r.stdout).not.toMatch(/adds its next trials/);
    expect(r.stdout).toMatch(
      new RegExp(
        `^sweep ${designId} would resume: 3 cancelled trials queued again, .*; its sequential design decided every comparison at look \\d: it adds no trials\\n$`,
      ),
    );
  });

  it("names every bad flag of a line at once, those the sweep refuses with those refused before", async () => {
    const compare = await tailsweep(
      "compare",
      "grid01",
      "--alpha",
      "1.5",
      "--metric",
      "balancedAcc",
      "--json",
    );
    expect(compare.code).toBe(2);
    expect(JSON.parse(compare.stdout).error).toMatchObject({
      code: "USAGE_INVALID",
      problems: [
        "--alpha: must be in (0, 1), got 1.5",
        expect.stringMatching(/^--metric: no finished trial of sweep \w+ reports the metric 'balancedAcc'/),
      ],
    });
    // extend and confirm: a refused value, and what the sweep refuses of the rest, and their clashes, in one run
    const extended = await tailsweep(
      "sweep",
      "extend",
      "grid01",
      "--to-power",
      "0.8",
      "--only",
      "some",
      "--metric",
      "balancedAcc",
      "--dry-run",
      "--json",
    );
    expect(extended.code).toBe(2);
    expect(JSON.parse(extended.stdout).error.problems).toEqual([
      "--only: must be one of all, undecided, got 'some'",
      expect.stringMatching(/^--metric: no finished trial of sweep \w+ reports the metric 'balancedAcc'/),
    ]);
    // a refused --max-seeds still clashes with --seeds, in the same run
    const capped = await tailsweep(
      "sweep",
      "extend",
      "grid01",
      "--seeds",
      "+2",
      "--max-seeds",
      "5000",
      "--json",
    );
    expect(JSON.parse(capped.stdout).error.problems).toEqual([
      "--max-seeds: must be a whole number from 2 to 1000, got 5000",
      "--max-seeds: caps --to-power's seeds: use it with --to-power, not --seeds",
    ]);
    const confirmed = await tailsweep(
      "sweep",
      "confirm",
      "grid01",
      "--top",
      "abc",
      "--seeds",
      "xyz",
      "--config",
      "variant=foo",
      "--json",
    );
    expect(confirmed.code).toBe(2);
    expect(JSON.parse(confirmed.stdout).error.problems).toEqual([
      "--top: expects a number, got 'abc'",
      expect.stringMatching(/^--seeds: must be a range .*, got "xyz"/),
      "--config, --top: name the configurations (--config) or how many of the best (--top), not both",
      expect.stringMatching(/^--config: 'variant=foo' matches no configuration/),
    ]);
    // a field of the API's request is said as the field, not as the request's (`input.id`)
    const empty = await tailsweep("sweep", "status", "");
    expect([empty.code, empty.stderr]).toEqual([2, "tailsweep: id: must not be empty\n"]);
    // a sweep the store does not have is named with the refused flag
    const nowhere = await tailsweep("compare", "no-such-sweep", "--alpha", "2", "--json");
    expect(JSON.parse(nowhere.stdout).error.problems).toEqual([
      "--alpha: must be in (0, 1), got 2",
      "sweep: no sweep with id no-such-sweep",
    ]);
    const chosen = await tailsweep(
      "sweep",
      "confirm",
      "grid01",
      "--seeds",
      "+3",
      "--metric",
      "balancedAcc",
      "--baseline",
      "variant=gausian",
      "--dry-run",
      "--json",
    );
    expect(chosen.code).toBe(2);
    expect(JSON.parse(chosen.stdout).error.problems).toEqual([
      expect.stringMatching(/^--baseline: 'variant=gausian' matches no configuration/),
      expect.stringMatching(/^--metric: no finished trial of sweep \w+ reports the metric 'balancedAcc'/),
    ]);
    const named = await tailsweep(
      "sweep",
      "confirm",
      "grid01",
      "--seeds",
      "4,5,6",
      "--config",
      "variant=foo",
      "--top",
      "2",
      "--json",
    );
    expect(named.code).toBe(2);
    expect(JSON.parse(named.stdout).error).toMatchObject({
      code: "CONFIRM_FLAGS_INVALID",
      problems: [
        "--config, --top: name the configurations (--config) or how many of the best (--top), not both",
        expect.stringMatching(/^--seeds: seed 4 ran in this sweep already/),
        expect.stringMatching(/^--config: 'variant=foo' matches no configuration/),
      ],
    });
  });

  it("says why a row has no test, and bounds the seeds an effect as good as none needs", async () => {
    const r = await tailsweep("compare", "grid01");
    expect(r.code).toBe(0);
    const row = (config: string) => r.stdout.split("\n").find((line) => line.startsWith(`${config} `))!;
    expect(row("variant=proposed")).toMatch(/ >1000 +inconclusive$/);
    expect(row("variant=supervised")).toMatch(/ — +degenerate$/);
    expect(r.stdout).toContain(
      "  variant=supervised: degenerate: all 4 matched seeds give the same difference (-0.05): no spread to test against\n",
    );
  });

  it("says a failure in its own words where every trial of it failed with the same", async () => {
    const r = await tailsweep("sweep", "status", "grid01");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      "  4 trials failed: timed out after 1 s (variant=concat seed 1; variant=concat seed 2; variant=concat seed 3; variant=concat seed 4)\n",
    );
  });

  it("says which failed trials a retry fails the same way: their configuration refused (CONFIG_INVALID)", async () => {
    const status = await tailsweep("sweep", "status", "refd01");
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(
      `  tailsweep sweep retry ${refusedId} queues them again as new attempts\n  (2 of them failed because the model refused their configurations (CONFIG_INVALID), and fail the same way again unless the code that refused them changed)\n`,
    );
    const dry = await tailsweep("sweep", "retry", "refd01", "--dry-run");
    expect(dry.stdout).toMatch(
      /^sweep refd0\S+ would queue 3 failed trials again.*\n {2}2 of them failed because the model refused their configurations \(CONFIG_INVALID\)/,
    );
    const json = await tailsweep("sweep", "retry", "refd01", "--dry-run", "--json");
    // the refused two are timed at their refused attempts (0 s), not at the sweep's mean trial (1 s) as if they
    // trained: only variant=gaussian seed 1 trains, at its configuration's mean
    expect(JSON.parse(json.stdout)).toMatchObject({
      id: refusedId,
      trialCount: 3,
      refusedTrials: 2,
      estimatedSeconds: 1,
      unmeasuredTrials: 0,
    });
    // every failed trial refused: nothing would train, so no training time is said (it was "at most about 0 s")
    const none = await tailsweep("sweep", "retry", "allr01", "--dry-run");
    expect(none.stdout).toBe(
      `sweep ${allRefusedId} would queue 2 failed trials again\n  they failed because the model refused their configurations (CONFIG_INVALID), and fail the same way again unless the code that refused them changed\n`,
    );
  });

  it("shows a design whose stored baseline names no single configuration: no look, and a comparison all the same", async () => {
    const status = await tailsweep("sweep", "status", "lgcy01");
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(
      /\nsequential design: no look taken of the 2 planned \(seeds 3, 5\), vs variant=gaussian .*\n {2}no look can be taken: decide\.baseline 'variant=gaussian' matches 2 configurations of the sweep \(it was stored before sweep files were checked for this\)\n/,
    );
    const compared = await tailsweep("compare", "lgcy01", "--json");
    expect(compared.code).toBe(0);
    expect(JSON.parse(compared.stdout)).toMatchObject({ baseline: "model.nu=10 variant=gaussian" });
  });
});
