import { parseSweepFile } from "@tailsweep/schemas";
import { expandSweep, InMemoryRunStore, type TrialRecord } from "@tailsweep/sweep";
import { addRound, finishWaiting, scriptedResult, topUp } from "@tailsweep/sweep/testing";
import { describe, expect, it } from "vitest";
import { compareAcrossSweeps, compareRuns, rankSelection, unevenRankingNote } from "./comparison";
import { leadsOverBaseline } from "./configurations";
import { planConfirmation } from "./confirmation";
import { planExtension } from "./extension";
import { buildStudyReport } from "./report/build";
import { renderStudyMarkdown } from "./report/markdown";
import { sequentialStatus } from "./sequential-sweep";
import { loadSweepRuns } from "./sweep-runs";

const spec = parseSweepFile({
  name: "extend",
  search: { variant: ["gaussian", "proposed", "supervised"] },
  seeds: [1, 2, 3],
});
const t0 = new Date("2026-01-01T00:00:00Z");

/** Balanced accuracy per variant and seed: proposed far above the gaussian baseline, supervised barely and noisily. */
function accuracy(t: TrialRecord): number {
  const noise = [0, 0.012, -0.009, 0.015, -0.011, 0.008, -0.013, 0.01, -0.006, 0.014][t.seed % 10]!;
  const base = 0.6 + noise;
  if (t.config.variant === "proposed") return base + 0.2 + noise / 4;
  if (t.config.variant === "supervised") return base + 0.004 + (t.seed % 2 ? 0.01 : -0.008);
  return base;
}

async function finishAll(store: InMemoryRunStore, sweepId: string): Promise<void> {
  await finishWaiting(store, sweepId, accuracy, { seconds: 12, now: t0 });
}

async function stored() {
  const store = new InMemoryRunStore();
  await store.createSweep({ id: "sw", spec, trials: expandSweep(spec), now: t0 });
  await finishAll(store, "sw");
  return store;
}

describe("planExtension", () => {
  it("adds named or next seeds to every configuration, skipping what is there, with the compute it costs", async () => {
    const runs = await loadSweepRuns(await stored(), "sw");
    const more = planExtension(runs, { more: 2 });
    expect(more).toMatchObject({ seeds: [4, 5], trialCount: 6, estimatedSeconds: 72 });
    expect(more.configurations).toEqual(["variant=gaussian", "variant=proposed", "variant=supervised"]);
    expect(planExtension(runs, { seeds: [3, 4] })).toMatchObject({ seeds: [3, 4], trialCount: 3 });
    expect(planExtension(runs, { seeds: [1, 2] })).toMatchObject({
      trialCount: 0,
      configKeys: [],
      reason: "every configuration has these seeds already",
    });
  });

  it("tops up only open comparisons and the baseline, to the seeds the power analysis asks for, capped", async () => {
    const runs = await loadSweepRuns(await stored(), "sw");
    const table = compareRuns(runs, { baseline: "variant=gaussian" });
    const verdicts = Object.fromEntries(table.rows.map((r) => [r.config, r.vsBaseline?.verdict]));
    expect(verdicts).toEqual({
      "variant=gaussian": undefined,
      "variant=proposed": "better",
      "variant=supervised": "inconclusive",
    });
    const needed = table.rows.find((r) => r.config === "variant=supervised")!.vsBaseline!.seedsNeeded;
    expect(needed).toBeGreaterThan(3);
    const plan = planExtension(runs, { toPower: 0.8, maxSeeds: 8, baseline: "variant=gaussian" });
    const target = Math.min(8, needed);
    expect(plan.target).toEqual({ seeds: target, undecided: 1, power: 0.8, capped: needed > 8, needed });
    expect(plan.seeds).toEqual(Array.from({ length: target }, (_, i) => i + 1));
    expect(plan.configurations).toEqual(["variant=gaussian", "variant=supervised"]);
    expect(plan.trialCount).toBe(2 * (target - 3));
    // What a person is told: the seeds that are new, not the whole range the configurations end up with.
    expect(plan.addedSeeds).toEqual(Array.from({ length: target - 3 }, (_, i) => i + 4));
    // only=undecided with explicit seeds: the same two configurations
    expect(
      planExtension(runs, { more: 1, only: "undecided", baseline: "variant=gaussian" }).configurations,
    ).toEqual(["variant=gaussian", "variant=supervised"]);
  });

  it("says, at the cap, that the power analysis asks for more than a top-up gives", async () => {
    const store = await stored();
    const capped = { toPower: 0.8, maxSeeds: 4, baseline: "variant=gaussian" } as const;
    const first = planExtension(await loadSweepRuns(store, "sw"), capped);
    expect(first).toMatchObject({ trialCount: 2, addedSeeds: [4], target: { seeds: 4, capped: true } });
    await topUp(store, "sw", [4], { now: t0 });
    await finishAll(store, "sw");
    const again = planExtension(await loadSweepRuns(store, "sw"), capped);
    expect(again).toMatchObject({ trialCount: 0, addedSeeds: [] });
    expect(again.reason).toMatch(
      /run on 4 seeds already, the most a top-up gives \(maxSeeds\); the power analysis asks for more/,
    );
  });

  it("says why nothing is added when every comparison is decided", async () => {
    const runs = await loadSweepRuns(await stored(), "sw");
    const plan = planExtension(runs, { more: 1, only: "undecided", baseline: "variant=proposed" });
    expect(plan.trialCount).toBe(0);
    expect(plan.reason).toMatch(/every comparison with the baseline is decided/);
  });
});

describe("planExtension on a sequential sweep that has stopped", () => {
  // Paired differences of supervised − gaussian by seed: their paired t at 5 seeds has p ≈ 0.045, between the
  // design's last nominal level (≈ 0.041, looks at 3 and 5 seeds) and the fixed-n test's 0.05.
  const gap = [0.0123, 0.0003, 0.0103, 0.0043, 0.0043];
  const score = (t: TrialRecord) =>
    accuracy(t) +
    (t.config.variant === "supervised" ? gap[(t.seed - 1) % 5]! - 0.004 - (t.seed % 2 ? 0.01 : -0.008) : 0);

  /** Runs the design's rounds as the controller takes them, to its last look (or, with `rounds`, that many rounds). */
  async function decided(rounds = Number.POSITIVE_INFINITY) {
    const design = parseSweepFile({
      name: "stopped",
      search: { variant: ["gaussian", "proposed", "supervised"] },
      seeds: { initial: 3, step: 2, max: 5 },
      decide: { baseline: "variant=gaussian" },
    });
    const store = new InMemoryRunStore();
    await store.createSweep({ id: "seq", spec: design, trials: expandSweep(design), now: t0 });
    for (let round = 0; ; round++) {
      if (round === rounds) break;
      await finishWaiting(store, "seq", score, { now: t0 });
      const next = sequentialStatus(await loadSweepRuns(store, "seq"))!.next;
      if (!next) break;
      await addRound(store, "seq", next, t0);
    }
    return { store, runs: await loadSweepRuns(store, "seq") };
  }

  it("keeps the look before standing while a look's trials run", async () => {
    const first = sequentialStatus((await decided(0)).runs)!;
    expect(first).toMatchObject({ look: 0, waiting: "look 1: 9 trials still to finish" });
    expect(first.previous).toBeUndefined();
    const { store, runs } = await decided(1);
    const running = sequentialStatus(runs)!;
    expect(running).toMatchObject({
      look: 1,
      waiting: expect.stringMatching(/^look 2: \d+ trials still to finish$/),
    });
    expect(running.result).toBeUndefined();
    // the first look's decisions, as they were taken before the round was queued
    const before = await loadSweepRuns(store, "seq");
    const round = Math.max(...before.revisions.map((r) => r.revision));
    const look0 = sequentialStatus({
      ...before,
      trials: before.trials.filter((t) => t.revision !== round),
      revisions: before.revisions.filter((r) => r.revision !== round),
    })!;
    expect(running.previous).toEqual({ look: 0, result: look0.result });
    expect(running.previous!.result.rows.map((r) => r.config)).toEqual([
      "variant=proposed",
      "variant=supervised",
    ]);
  });

  it("calls open what the design left undecided, not what its optimistic fixed-n verdicts say", async () => {
    const { store, runs } = await decided();
    const design = Object.fromEntries(
      sequentialStatus(runs)!.result!.rows.map((r) => [r.config, r.decision]),
    );
    expect(design).toEqual({ "variant=proposed": "better", "variant=supervised": "no difference" });
    const table = compareRuns(runs);
    const fixed = Object.fromEntries(table.rows.map((r) => [r.config, r.vsBaseline?.verdict]));
    // the fixed-n test on the same seeds calls it better: the design, whose last boundary is higher, did not
    expect(fixed["variant=supervised"]).toBe("better");
    const keyOf = Object.fromEntries(table.rows.map((r) => [r.config, r.configKey]));
    expect(table.designDecisions).toEqual({
      [keyOf["variant=proposed"]!]: "decided",
      [keyOf["variant=supervised"]!]: "undecided",
    });
    const plan = planExtension(runs, { more: 2, only: "undecided" });
    expect(plan).toMatchObject({
      configurations: ["variant=gaussian", "variant=supervised"],
      addedSeeds: [6, 7],
      openBy: "sequential design",
    });
    expect(planExtension(runs, { toPower: 0.8, maxSeeds: 12 }).target?.undecided).toBe(1);
    // Against another baseline the design's decisions say nothing: the fixed-n verdicts decide, and no note.
    const other = planExtension(runs, { more: 2, only: "undecided", baseline: "variant=supervised" });
    expect(other.openBy).toBeUndefined();
    expect(compareRuns(runs, { baseline: "variant=supervised" }).designDecisions).toBeUndefined();
    // nor on another metric than the design's
    expect(compareRuns(runs, { metric: "macroF1" }).designDecisions).toBeUndefined();
    // Once topped up, the comparison is the person's: its marked fixed-n verdict decides, and a top-up does not
    // add seeds to it again and again because the design, which never saw them, left it open.
    await topUp(store, "seq", [6, 7], { configKeys: plan.configKeys, now: t0 });
    await finishWaiting(store, "seq", score, { now: t0 });
    const after = await loadSweepRuns(store, "seq");
    const topped = compareRuns(after);
    expect(topped.designDecisions).toEqual({ [keyOf["variant=proposed"]!]: "decided" });
    expect(topped.rows.find((r) => r.config === "variant=supervised")!.vsBaseline!.verdict).toBe("better");
    const again = planExtension(after, { more: 2, only: "undecided" });
    expect(again).toMatchObject({ trialCount: 0 });
    expect(again.openBy).toBeUndefined();
    expect(again.reason).toMatch(
      /^every comparison with the baseline is decided or degenerate \(decided by the sequential design where/,
    );
  });
});

describe("compareRuns: what the table leaves out, and means over different seeds", () => {
  it("names the configurations with no result and why, and says when the means cover different seeds", async () => {
    const store = new InMemoryRunStore();
    await store.createSweep({ id: "sw", spec, trials: expandSweep(spec), now: t0 });
    for (const t of await store.listTrials("sw"))
      if (t.config.variant === "supervised") {
        await store.claimTrial(t.id, "w", t0);
        await store.failTrial(t.id, 1, "modalities: index 2 is out of range", false, t0);
      }
    await finishAll(store, "sw");
    const even = compareRuns(await loadSweepRuns(store, "sw"), { baseline: "variant=gaussian" });
    expect(even.withoutResults).toEqual([{ config: "variant=supervised", failed: 3, open: 0, cancelled: 0 }]);
    expect(even.unevenSeedsNote).toBeUndefined();
    // seed 4 for proposed alone: its mean now covers 4 seeds, the baseline's 3
    const proposed = even.rows.find((r) => r.config === "variant=proposed")!.configKey;
    await topUp(store, "sw", [4], { configKeys: [proposed], now: t0 });
    await finishAll(store, "sw");
    const uneven = compareRuns(await loadSweepRuns(store, "sw"), { baseline: "variant=gaussian" });
    // why: planned so, not supervised's failures (it has no result to compare)
    expect(uneven.unevenSeedsNote).toBe(
      "the means cover different seeds (3 to 4 per configuration: some configurations were given fewer seeds (a sequential design's stop, a top-up of others), and one that ran fewer may have had easier seeds), so the best by mean is no matched comparison; the Δ column pairs each with the baseline seed by seed, and the share of seed resamples counts only the seeds they all ran",
    );
  });

  it("says so when the default baseline has no result yet, and refuses to name one without results", async () => {
    const store = new InMemoryRunStore();
    await store.createSweep({ id: "sw", spec, trials: expandSweep(spec), now: t0 });
    // the Gaussian's trials still wait (a run interrupted before them); the others are in
    for (const t of await store.listTrials("sw"))
      if (t.config.variant !== "gaussian") {
        const claimed = await store.claimTrial(t.id, "w", t0);
        await store.completeTrial(t.id, claimed!.attempt, scriptedResult(accuracy(t)), t0);
      }
    const runs = await loadSweepRuns(store, "sw");
    const table = compareRuns(runs);
    expect(table.baseline).toBe("variant=proposed");
    expect(table.baselineNote).toBe(
      "the default baseline, variant=gaussian (3 not finished yet), has no result for balancedAccuracy, so this compares with variant=proposed; choose a baseline to compare with another",
    );
    expect(compareRuns(runs, { baseline: "variant=supervised" }).baselineNote).toBeUndefined();
    // a top-up judged against the stand-in says so too
    expect(planExtension(runs, { toPower: 0.8, maxSeeds: 5 }).baselineNote).toBe(table.baselineNote);
    // a row counts its trials in any state, as a top-up does, beside its results
    const proposed = table.rows.find((r) => r.config === "variant=proposed")!;
    await topUp(store, "sw", [4], { configKeys: [proposed.configKey], now: t0 });
    const waiting = compareRuns(await loadSweepRuns(store, "sw"));
    expect(waiting.rows.map((r) => [r.config, r.summary.n, r.trials])).toEqual([
      ["variant=proposed", 3, 4],
      ["variant=supervised", 3, 3],
    ]);
    // a metric nothing reports: refused, with what can be compared
    expect(() => compareRuns(runs, { metric: "nope" })).toThrow(
      /^metric: no finished trial of sweep sw reports the metric 'nope' \(a test metric: balancedAccuracy, accuracy, .*, or a result path such as pseudoLabels\.accuracy\)$/,
    );
    expect(() => compareRuns(runs, { baseline: "variant=gaussian" })).toThrow(
      "baseline: variant=gaussian (3 not finished yet) has no result for balancedAccuracy; use one of: variant=proposed | variant=supervised",
    );
    // with its results in, the note goes
    await finishAll(store, "sw");
    const complete = compareRuns(await loadSweepRuns(store, "sw"));
    expect(complete).toMatchObject({ baseline: "variant=gaussian" });
    expect(complete.baselineNote).toBeUndefined();
  });

  it("notes nothing where the default had no Gaussian to take: one of two without results changes no default", async () => {
    // two Gaussian configurations (one per nu): the default is the first label, whichever has results
    const grid = parseSweepFile({
      name: "two-gaussians",
      search: { variant: ["aligned", "gaussian"], nu: [5, 30] },
      seeds: [1, 2, 3],
    });
    const store = new InMemoryRunStore();
    await store.createSweep({ id: "g", spec: grid, trials: expandSweep(grid), now: t0 });
    for (const t of await store.listTrials("g"))
      if (!(t.config.variant === "gaussian" && t.config.model.nu === 30)) {
        const claimed = await store.claimTrial(t.id, "w", t0);
        await store.completeTrial(t.id, claimed!.attempt, scriptedResult(accuracy(t)), t0);
      }
    const table = compareRuns(await loadSweepRuns(store, "g"));
    expect(table.baseline).toBe("model.nu=30 variant=aligned");
    // nothing about the default lacking results; only that the grid's other knob differs too
    expect(table.baselineNote).toBe(
      "1 of the 2 configurations compared differ from the baseline model.nu=30 variant=aligned in more than one knob (model.nu=5 variant=gaussian in model.nu and variant), so their Δ mixes those knobs' effects; name a baseline to compare within one setting (the study report compares within each)",
    );
  });

  it("compares a sequential sweep with its design's baseline by default, as sweep status decides", async () => {
    const sequential = parseSweepFile({
      name: "decided",
      search: { variant: ["gaussian", "proposed", "supervised"] },
      seeds: { initial: 3, step: 2, max: 5 },
      decide: { baseline: "variant=proposed" },
    });
    const store = new InMemoryRunStore();
    await store.createSweep({ id: "seq", spec: sequential, trials: expandSweep(sequential), now: t0 });
    await finishAll(store, "seq");
    const table = compareRuns(await loadSweepRuns(store, "seq"));
    expect(table.baseline).toBe("variant=proposed");
    expect(table.baselineNote).toBeUndefined();
    expect(compareRuns(await loadSweepRuns(store, "seq"), { baseline: "variant=gaussian" }).baseline).toBe(
      "variant=gaussian",
    );
    // a confirmation, too, is against the design's baseline unless told otherwise
    expect(
      planConfirmation(await loadSweepRuns(store, "seq"), { more: 2, configs: ["variant=supervised"] })
        .baseline,
    ).toBe("variant=proposed");
    // a post-hoc top-up's note does not tell a sequential sweep to run a sequential design
    await topUp(store, "seq", [6], { now: t0 });
    await finishAll(store, "seq");
    const note = compareRuns(await loadSweepRuns(store, "seq")).posthocNote;
    expect(note).toMatch(
      /confirm on fresh seeds \(the sweep's sequential design decided on its own rounds' seeds/,
    );
    expect(note).not.toMatch(/run a sequential design/);
    // its knobs read as the sweep file reads them: nu is model.nu
    const aliased = parseSweepFile({
      name: "aliased",
      search: { variant: ["gaussian", "proposed"], nu: [5, 30] },
      seeds: { initial: 3, step: 2, max: 5 },
      decide: { baseline: "nu=30 variant=proposed" },
    });
    await store.createSweep({ id: "alias", spec: aliased, trials: expandSweep(aliased), now: t0 });
    await finishAll(store, "alias");
    const runs = await loadSweepRuns(store, "alias");
    expect(compareRuns(runs).baseline).toBe("model.nu=30 variant=proposed");
    expect(sequentialStatus(runs)?.result?.rows.map((r) => r.config)).not.toContain(
      "model.nu=30 variant=proposed",
    );
  });
});

describe("compareRuns after a post-hoc top-up", () => {
  it("marks the comparisons whose paired seeds a post-hoc revision added, and says why; others stay unmarked", async () => {
    const store = await stored();
    const runs = await loadSweepRuns(store, "sw");
    expect(compareRuns(runs, { baseline: "variant=gaussian" }).posthocNote).toBeUndefined();
    const plan = planExtension(runs, { more: 3, only: "undecided", baseline: "variant=gaussian" });
    const wider = { ...spec, seeds: [...spec.seeds, ...plan.seeds] };
    await store.reviseSweep({
      sweepId: "sw",
      kind: "extend",
      spec: wider,
      seeds: plan.seeds,
      configKeys: plan.configKeys,
      trials: expandSweep(wider).filter(
        (p) => plan.configKeys.includes(p.configKey) && plan.seeds.includes(p.seed),
      ),
      posthoc: true,
      by: "ada",
      note: "",
      now: t0,
    });
    await finishAll(store, "sw");
    const table = compareRuns(await loadSweepRuns(store, "sw"), { baseline: "variant=gaussian" });
    const marks = Object.fromEntries(table.rows.map((r) => [r.config, r.posthocRevisions]));
    expect(marks).toEqual({ "variant=gaussian": [], "variant=proposed": [], "variant=supervised": [2] });
    expect(table.posthocNote).toMatch(/^1 comparison uses seeds added after looking at the results/);
    // across sweeps (here one sweep's two configurations as two groups): the same mark
    const across = await compareAcrossSweeps(store, [
      { sweepId: "sw", config: "variant=gaussian" },
      { sweepId: "sw", config: "variant=supervised" },
      { sweepId: "sw", config: "variant=proposed" },
    ]);
    expect(Object.fromEntries(across.rows.map((r) => [r.config.split(": ")[1], r.posthocRevisions]))).toEqual(
      {
        "variant=gaussian": [],
        "variant=proposed": [],
        "variant=supervised": [2],
      },
    );
    expect(across.posthocNote).toMatch(/^1 comparison uses seeds added after looking at the results/);
  });
});

describe("the ranking after a post-hoc top-up", () => {
  it("marks the configurations whose means include post-hoc seeds, with the comparison table's means to the bit", async () => {
    const store = await stored();
    expect(rankSelection(await loadSweepRuns(store, "sw")).every((r) => !r.posthoc)).toBe(true);
    // seeds 4–5 for supervised and the baseline only, after looking
    const keys = (await store.listTrials("sw"))
      .filter((t) => t.config.variant !== "proposed")
      .map((t) => t.configKey);
    await topUp(store, "sw", [4, 5], { configKeys: [...new Set(keys)] });
    await finishAll(store, "sw");
    const runs = await loadSweepRuns(store, "sw");
    const ranking = rankSelection(runs);
    expect(Object.fromEntries(ranking.map((r) => [r.config, [r.seeds, r.posthoc]]))).toEqual({
      "variant=gaussian": [5, true],
      "variant=proposed": [3, false],
      "variant=supervised": [5, true],
    });
  });

  it("says when the ranking's means cover different seeds, of different counts or not", async () => {
    expect(unevenRankingNote(await loadSweepRuns(await stored(), "sw"))).toBeUndefined();
    // seeds 1–3, one failed per configuration and a different one each: 2 seeds each, not the same ones
    const failedSeed: Record<string, number> = { proposed: 1, gaussian: 2, supervised: 3 };
    const store = new InMemoryRunStore();
    await store.createSweep({ id: "f", spec, trials: expandSweep(spec), now: t0 });
    for (const t of await store.listTrials("f")) {
      await store.claimTrial(t.id, "w", t0, "cpu");
      if (failedSeed[String(t.config.variant)] === t.seed)
        await store.failTrial(t.id, 1, "diverged", false, t0);
      else await store.completeTrial(t.id, 1, scriptedResult(accuracy(t)), t0);
    }
    expect(unevenRankingNote(await loadSweepRuns(store, "f"))).toBe(
      "the means cover 2 seeds each, not the same ones",
    );
    // one more seed for one configuration: counts that differ
    await topUp(store, "f", [4], { configKeys: [(await store.listTrials("f"))[0]!.configKey] });
    await finishAll(store, "f");
    expect(unevenRankingNote(await loadSweepRuns(store, "f"))).toBe(
      "the means cover 2 to 3 seeds per configuration",
    );
  });

  it("sums each mean in seed order, as the comparison table does, whatever order the store lists the trials in", async () => {
    const store = new InMemoryRunStore();
    await store.createSweep({ id: "order", spec, trials: expandSweep(spec), now: t0 });
    // 0.1 + 0.2 + 0.3 is 0.6000000000000001 in seed order and 0.6 the other way round
    await finishWaiting(store, "order", (t) => t.seed / 10, { seconds: 12, now: t0 });
    const runs = await loadSweepRuns(store, "order");
    const reversed = { ...runs, trials: [...runs.trials].reverse() };
    const table = compareRuns(runs, { baseline: "variant=gaussian" });
    for (const r of rankSelection(reversed))
      expect(r.mean).toBe(table.rows.find((row) => row.config === r.config)!.summary.mean);
    // every configuration ties: ranked by label whatever the store's order, and first is compare's best
    const ranked = rankSelection(runs).map((r) => r.config);
    expect(rankSelection(reversed).map((r) => r.config)).toEqual(ranked);
    expect(ranked).toEqual([...ranked].sort());
    expect(table.best?.config).toBe(ranked[0]);
  });
});

describe("the study report after post-hoc top-ups", () => {
  it("marks a comparison † only when its matched seeds include post-hoc ones", async () => {
    const store = await stored();
    const addSeeds = async (seeds: number[], configKeys: string[]) => {
      const sweep = (await store.getSweep("sw"))!;
      const wider = { ...sweep.spec, seeds: [...sweep.spec.seeds, ...seeds] };
      await store.reviseSweep({
        sweepId: "sw",
        kind: "extend",
        spec: wider,
        seeds,
        configKeys,
        trials: expandSweep(wider).filter(
          (p) => seeds.includes(p.seed) && (configKeys.length === 0 || configKeys.includes(p.configKey)),
        ),
        posthoc: true,
        by: "ada",
        note: "",
        now: t0,
      });
      await finishAll(store, "sw");
    };
    const versus = async () => {
      const report = await buildStudyReport(store, ["sw"], { baseline: "proposed" });
      const cells = report.methodComparisons[0]!.settings[0]!.metrics.balancedAccuracy!;
      return Object.fromEntries(cells.filter((c) => c.versus).map((c) => [c.method, c.versus!.posthoc]));
    };
    // seeds 4-6 for gaussian and supervised only: compared with proposed (seeds 1-3) they pair on 1-3 alone
    const runs = await loadSweepRuns(store, "sw");
    const keyOf = (variant: string) => runs.trials.find((t) => t.config.variant === variant)!.configKey;
    await addSeeds([4, 5, 6], [keyOf("gaussian"), keyOf("supervised")]);
    expect(await versus()).toEqual({ gaussian: false, supervised: false });
    // seed 7 for everyone: every comparison now pairs a post-hoc seed
    await addSeeds([7], []);
    expect(await versus()).toEqual({ gaussian: true, supervised: true });
    const { markdown } = renderStudyMarkdown(await buildStudyReport(store, ["sw"], { baseline: "proposed" }));
    expect(markdown).toMatch(/▲†|▼†|·†/);
    expect(markdown).toContain("† the comparison uses seeds added after looking at the results");
  });
});

describe("what the comparison says while a sweep runs", () => {
  it("says the means are uneven because trials are still to finish, and nothing of a design before its first round", async () => {
    const sequential = parseSweepFile({
      name: "running",
      search: { variant: ["gaussian", "proposed", "supervised"] },
      seeds: { initial: 3, step: 2, max: 5 },
      decide: { baseline: "variant=gaussian" },
    });
    const store = new InMemoryRunStore();
    await store.createSweep({ id: "run", spec: sequential, trials: expandSweep(sequential), now: t0 });
    // all but proposed's seed 3 are in
    for (const t of await store.listTrials("run")) {
      const claimed = await store.claimTrial(t.id, "w", t0);
      if (!(t.config.variant === "proposed" && t.seed === 3))
        await store.completeTrial(t.id, claimed!.attempt, scriptedResult(accuracy(t)), t0);
    }
    const table = compareRuns(await loadSweepRuns(store, "run"));
    expect(table.unevenSeedsNote).toMatch(
      /^the means cover different seeds \(2 to 3 per configuration: some trials are still to finish\), so/,
    );
    // no look has added a round: every configuration runs the seeds planned, and the p-values are not optimistic
    expect(table.sequentialNote).toBeUndefined();
  });

  it("chooses by the lead in the metric's own direction, lower being better for a loss-like metric", async () => {
    const store = await stored();
    const runs = await loadSweepRuns(store, "sw");
    const key = (variant: string) => runs.trials.find((t) => t.config.variant === variant)!.configKey;
    const minimize = { metric: "balancedAccuracy", direction: "minimize" as const };
    // read as a loss, proposed's +0.2 is 0.2 behind; supervised's small noisy gain is behind too
    const leads = leadsOverBaseline(runs.trials, runs.results, key("gaussian"), minimize);
    expect(leads.map((l) => l.config)).toEqual(["variant=supervised", "variant=proposed"]);
    expect(leads[1]!.lead).toBeCloseTo(-(0.2 + (0.012 - 0.009 + 0.015) / 4 / 3), 12);
    expect(leads.every((l) => l.lead < 0)).toBe(true);
  });
});
