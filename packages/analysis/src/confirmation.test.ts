import { ConfigError, InputError, parseSweepFile, type SweepSpec } from "@tailsweep/schemas";
import { comparePaired } from "@tailsweep/stats";
import { expandSweep, InMemoryRunStore, type TrialRecord } from "@tailsweep/sweep";
import { finishWaiting, topUp } from "@tailsweep/sweep/testing";
import { describe, expect, it } from "vitest";
import { compareRuns } from "./comparison";
import {
  baselineLeadText,
  type ConfirmationPlan,
  confirmationsOf,
  planConfirmation,
  selectionRuns,
} from "./confirmation";
import { planExtension } from "./extension";
import { buildStudyReport } from "./report/build";
import { renderStudyMarkdown } from "./report/markdown";
import { loadSweepRuns } from "./sweep-runs";
import { perClassResults } from "./sweep-views";

const spec = parseSweepFile({
  name: "confirm",
  search: { variant: ["gaussian", "proposed", "supervised"] },
  seeds: [1, 2, 3, 4, 5],
});
const t0 = new Date("2026-01-01T00:00:00Z");
const noise = [0, 0.012, -0.009, 0.015, -0.011, 0.008, -0.013, 0.01, -0.006, 0.014, -0.004, 0.007];

/**
 * Balanced accuracy per variant and seed. On the selection seeds (1–5) proposed is far ahead of gaussian; on the
 * fresh seeds (6 and up) it keeps only a quarter of that lead: the winner's curse the confirmation should show.
 */
function accuracy(t: TrialRecord): number {
  const e = noise[t.seed % noise.length]!;
  const base = 0.6 + e;
  if (t.config.variant === "proposed") return base + (t.seed <= 5 ? 0.08 : 0.02) + e / 3;
  if (t.config.variant === "supervised") return base + 0.01 + (t.seed % 2 ? 0.012 : -0.01);
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

/** What the controller's `extend` does with a confirmation plan: a revision of kind confirm, not post hoc. */
async function confirm(store: InMemoryRunStore, plan: ConfirmationPlan, finish = true) {
  const sweep = (await store.getSweep("sw"))!;
  const revised: SweepSpec = { ...sweep.spec, seeds: [...sweep.spec.seeds, ...plan.seeds] };
  const keys = new Set(plan.configKeys);
  const seeds = new Set(plan.seeds);
  await store.reviseSweep({
    sweepId: "sw",
    spec: revised,
    trials: expandSweep(revised).filter((p) => seeds.has(p.seed) && keys.has(p.configKey)),
    kind: "confirm",
    seeds: plan.seeds,
    configKeys: plan.configKeys,
    posthoc: false,
    by: "test",
    note: "confirm",
    now: t0,
  });
  if (finish) await finishAll(store, "sw");
  return loadSweepRuns(store, "sw");
}

describe("planConfirmation", () => {
  it("picks the best configuration besides the baseline and runs both on the next seeds never used", async () => {
    const runs = await loadSweepRuns(await stored(), "sw");
    const plan = planConfirmation(runs, { more: 4, baseline: "variant=gaussian" });
    const keyOf = (label: string) => runs.trials.find((t) => t.configLabel === label)!.configKey;
    expect(plan).toEqual({
      seeds: [6, 7, 8, 9],
      configKeys: [keyOf("variant=gaussian"), keyOf("variant=proposed")],
      baseline: "variant=gaussian",
      selected: ["variant=proposed"],
      trialCount: 8,
      // both configurations finished trials: each timed at its own mean, none guessed
      estimatedSeconds: 96,
      unmeasuredTrials: 0,
    });
    expect(planConfirmation(runs, { more: 2, top: 2 }).selected).toEqual([
      "variant=proposed",
      "variant=supervised",
    ]);
    expect(planConfirmation(runs, { seeds: [20, 21], configs: ["variant=supervised"] })).toMatchObject({
      seeds: [20, 21],
      selected: ["variant=supervised"],
      trialCount: 4,
    });
  });

  it("refuses seeds the selection saw, naming them and offering fresh ones", async () => {
    const runs = await loadSweepRuns(await stored(), "sw");
    const refused = (() => {
      try {
        planConfirmation(runs, { seeds: [4, 5, 6] });
      } catch (e) {
        return e;
      }
    })();
    expect(refused).toBeInstanceOf(InputError);
    expect((refused as InputError).field).toBe("seeds");
    expect((refused as InputError).problem).toMatch(/^seeds 4–5 ran in this sweep already.*\+3 for 6–8/);
  });

  it("names every bad field at once: used seeds, an unknown configuration, the baseline itself", async () => {
    const runs = await loadSweepRuns(await stored(), "sw");
    let error: unknown;
    try {
      planConfirmation(runs, { seeds: [1, 9], configs: ["variant=nope", "variant=gaussian"] });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/^seeds: seed 1 ran in this sweep already/);
    expect(problems[1]).toMatch(/^configs\[0\]: 'variant=nope' matches no configuration/);
    expect(problems[2]).toMatch(/^configs\[1\]: 'variant=gaussian' is the baseline/);
    // an unknown metric beside an unknown baseline: both, not the baseline alone
    expect(() =>
      planConfirmation(runs, { more: 3, metric: "balancedAcc", baseline: "variant=gausian" }),
    ).toThrow(
      expect.objectContaining({
        problems: [
          expect.stringMatching(/^baseline: 'variant=gausian' matches no configuration/),
          expect.stringMatching(/^metric: no finished trial of sweep sw reports the metric 'balancedAcc'/),
        ],
      }),
    );
    expect(() => planConfirmation(runs, { more: 2, top: 3 })).toThrow(
      /top: must be a whole number from 1 to 2/,
    );
    expect(() => planConfirmation(runs, { seeds: [11, 11] })).toThrow(
      /seeds: a confirmation needs at least 2 different seeds/,
    );
    expect(() => planConfirmation(runs, { more: 2, top: 1, configs: ["variant=proposed"] })).toThrow(
      /configs, top: name the configurations \(configs\) or how many of the best \(top\), not both/,
    );
  });
});

describe("the configuration a confirmation chooses", () => {
  it("says a lead in its metric's units (points for a share), or level where it rounds to nothing", () => {
    expect(baselineLeadText({ lead: 0.0055, pairs: 11 }, "balancedAccuracy")).toBe(
      "ahead by 0.55 pp over 11 seeds",
    );
    expect(baselineLeadText({ lead: -0.0211, pairs: 1 }, "accuracy")).toBe("behind by 2.11 pp over 1 seed");
    expect(baselineLeadText({ lead: -1e-17, pairs: 5 }, "macroF1")).toBe("level with it over 5 seeds");
    // not a share: in its own units, never percentage points
    expect(baselineLeadText({ lead: -1200, pairs: 5 }, "parameterCount")).toBe("behind by 1200 over 5 seeds");
    expect(baselineLeadText({ lead: 0.004, pairs: 3 }, "trainSeconds")).toBe("ahead by 0.004 over 3 seeds");
  });

  /**
   * Seed 1 is easy (+0.1 for everyone). proposed is 2 points ahead of gaussian on every seed; supervised, 1 point
   * behind, ran only seed 1 (its other trials failed), so its own mean is the highest.
   */
  async function uneven() {
    const store = new InMemoryRunStore();
    await store.createSweep({ id: "sw", spec, trials: expandSweep(spec), now: t0 });
    for (const t of await store.listTrials("sw"))
      if (t.config.variant === "supervised" && t.seed > 1) {
        await store.claimTrial(t.id, "w", t0);
        await store.failTrial(t.id, 1, "diverged", false, t0);
      }
    const base = (t: TrialRecord) => 0.6 + (t.seed === 1 ? 0.1 : 0) + 0.001 * t.seed;
    const shift = { gaussian: 0, proposed: 0.02, supervised: -0.01 } as Record<string, number>;
    await finishWaiting(store, "sw", (t) => base(t) + shift[t.config.variant]!, { now: t0 });
    return store;
  }

  it("is the one furthest ahead of the baseline seed by seed, not the best mean over its own seeds", async () => {
    const runs = await loadSweepRuns(await uneven(), "sw");
    const ranking = compareRuns(runs, { baseline: "variant=gaussian" }).rows.map((r) => [
      r.config,
      r.summary.mean,
    ]);
    expect(ranking.sort((a, b) => Number(b[1]) - Number(a[1]))[0]![0]).toBe("variant=supervised");
    expect(planConfirmation(runs, { more: 2, baseline: "variant=gaussian" }).selected).toEqual([
      "variant=proposed",
    ]);
    expect(compareRuns(runs, { baseline: "variant=gaussian" }).toConfirm).toMatchObject({
      config: "variant=proposed",
      lead: expect.closeTo(0.02, 12),
      pairs: 5,
    });
    // it does not fill --top with a configuration that trails the baseline
    expect(() => planConfirmation(runs, { more: 2, top: 2, baseline: "variant=gaussian" })).toThrow(
      "top: only 1 configuration not yet confirmed is ahead of the baseline variant=gaussian on balancedAccuracy over the seeds they share (variant=proposed, ahead by 2.00 pp over 5 seeds); confirm it (top 1) or name others",
    );
  });

  it("is none where every configuration trails the baseline, or where a confirmation already ran it", async () => {
    const store = await uneven();
    const runs = await loadSweepRuns(store, "sw");
    expect(() => planConfirmation(runs, { more: 2, baseline: "variant=proposed" })).toThrow(
      "configs: no configuration is ahead of the baseline variant=proposed on balancedAccuracy over the seeds they share (the closest: variant=gaussian, behind by 2.00 pp over 5 seeds); name one to confirm it anyway",
    );
    expect(compareRuns(runs, { baseline: "variant=proposed" }).toConfirm).toBeNull();
    // named, it is confirmed all the same
    expect(
      planConfirmation(runs, { more: 2, baseline: "variant=proposed", configs: ["variant=gaussian"] })
        .selected,
    ).toEqual(["variant=gaussian"]);
    const confirmed = await confirm(
      store,
      planConfirmation(runs, { more: 3, baseline: "variant=gaussian" }),
      false,
    );
    expect(compareRuns(confirmed, { baseline: "variant=gaussian" }).toConfirm).toBeNull();
    // nor is it chosen again by default: named, it is
    expect(() => planConfirmation(confirmed, { more: 2, baseline: "variant=gaussian" })).toThrow(
      "configs: every configuration ahead of the baseline variant=gaussian on balancedAccuracy has been confirmed against it (variant=proposed); name one to confirm it again",
    );
    const again = planConfirmation(confirmed, {
      more: 2,
      baseline: "variant=gaussian",
      configs: ["variant=proposed"],
    });
    expect(again.selected).toEqual(["variant=proposed"]);
    // a metric beside named configurations would choose nothing: said, with the other problems
    expect(() =>
      planConfirmation(confirmed, {
        more: 2,
        baseline: "variant=gaussian",
        configs: ["variant=proposed"],
        metric: "accuracy",
      }),
    ).toThrow(
      /metric: chooses the configurations to confirm by their lead on it; with the configurations named/,
    );
  });

  it("names the baseline as the problem where it has no result to choose against", async () => {
    const store = new InMemoryRunStore();
    await store.createSweep({ id: "sw", spec, trials: expandSweep(spec), now: t0 });
    for (const t of await store.listTrials("sw"))
      if (t.config.variant === "gaussian") {
        await store.claimTrial(t.id, "w", t0);
        await store.failTrial(t.id, 1, "diverged", false, t0);
      }
    await finishAll(store, "sw");
    const runs = await loadSweepRuns(store, "sw");
    expect(() => planConfirmation(runs, { more: 2 })).toThrow(
      "baseline: the baseline variant=gaussian has no finished trial reporting 'balancedAccuracy' to choose against; name another baseline, or the configurations to confirm",
    );
    // a metric no trial reports is the metric's problem, not the baseline's
    expect(() => planConfirmation(runs, { more: 2, metric: "nope" })).toThrow(
      /^metric: no finished trial of sweep sw reports the metric 'nope' \(a test metric: /,
    );
  });
});

describe("a confirmation stage in the comparison", () => {
  it("keeps the fresh seeds out of the selection table and tests them on their own, side by side", async () => {
    const store = await stored();
    const before = compareRuns(await loadSweepRuns(store, "sw"), { baseline: "variant=gaussian" });
    const plan = planConfirmation(await loadSweepRuns(store, "sw"), {
      more: 6,
      baseline: "variant=gaussian",
    });
    const runs = await confirm(store, plan);
    const table = compareRuns(runs, { baseline: "variant=gaussian" });
    // The selection table is what it was before the confirmation ran: same seeds, same numbers.
    expect(table.rows.map((r) => [r.config, r.seeds])).toEqual(before.rows.map((r) => [r.config, r.seeds]));
    expect(table.rows.map((r) => r.vsBaseline?.p)).toEqual(before.rows.map((r) => r.vsBaseline?.p));
    // and so are the per-class results the page shows beside it (they once counted 11 seeds for proposed)
    expect(perClassResults(runs).map((c) => [c.config, c.seeds])).toEqual([
      ["variant=gaussian", 5],
      ["variant=proposed", 5],
      ["variant=supervised", 5],
    ]);
    expect(table.confirmations).toHaveLength(1);
    const [c] = table.confirmations;
    expect(c).toMatchObject({
      revision: 2,
      baseline: "variant=gaussian",
      selectedOn: [1, 2, 3, 4, 5],
      confirmedOn: [6, 7, 8, 9, 10, 11],
      heading: "selected on seeds 1–5, confirmed on 6–11",
      pending: 0,
      correction: "holm",
      selectionFamily: "Holm-corrected across the 2 comparisons at α = 0.05",
    });
    const [row] = c!.rows;
    expect(row!.config).toBe("variant=proposed");
    // The selection side is the selection table's row; the confirmation side a paired t-test on the fresh seeds.
    const selectionRow = before.rows.find((r) => r.config === "variant=proposed")!.vsBaseline!;
    expect(row!.selection).toMatchObject({ seeds: 5, p: selectionRow.p, pAdjusted: selectionRow.pAdjusted });
    const fresh = runs.trials.filter((t) => t.seed >= 6);
    const values = (variant: string) =>
      fresh
        .filter((t) => t.config.variant === variant)
        .sort((a, b) => a.seed - b.seed)
        .map(accuracy);
    const independent = comparePaired(values("proposed"), values("gaussian"));
    expect(row!.confirmation!.seeds).toBe(6);
    expect(row!.confirmation!.meanDiff).toBeCloseTo(independent.meanDiff, 12);
    expect(row!.confirmation!.p).toBeCloseTo(independent.t.p, 12);
    expect(row!.confirmation!.pAdjusted).toBeCloseTo(independent.t.p, 12); // one selected: nothing to correct
    // The fresh seeds keep about a quarter of the selected lead (0.02 of 0.08, plus noise).
    expect(row!.retained).toBeGreaterThan(0.15);
    expect(row!.retained).toBeLessThan(0.4);
    expect(row!.retained).toBeCloseTo(row!.confirmation!.meanDiff / row!.selection!.meanDiff, 12);
  });

  it("names the selection rows' family as the selection table corrected it, without a degenerate comparison", async () => {
    const store = new InMemoryRunStore();
    await store.createSweep({ id: "sw", spec, trials: expandSweep(spec), now: t0 });
    // supervised draws gaussian's value at every seed: a degenerate comparison, which has no test to correct
    const same = (t: TrialRecord) =>
      accuracy(
        t.config.variant === "supervised" ? { ...t, config: { ...t.config, variant: "gaussian" } } : t,
      );
    await finishWaiting(store, "sw", same, { seconds: 12, now: t0 });
    const plan = planConfirmation(await loadSweepRuns(store, "sw"), {
      more: 3,
      baseline: "variant=gaussian",
    });
    await confirm(store, plan, false);
    await finishWaiting(store, "sw", same, { seconds: 12, now: t0 });
    const [c] = compareRuns(await loadSweepRuns(store, "sw"), { baseline: "variant=gaussian" }).confirmations;
    expect(c!.selectionFamily).toBe(
      "Holm-corrected across the 1 comparison with a test at α = 0.05, leaving out 1 degenerate",
    );
    // the selection row's adjusted p is the raw one: a family of one
    expect(c!.rows[0]!.selection!.pAdjusted).toBe(c!.rows[0]!.selection!.p);
  });

  it("gives no retained share where the selection showed no clear lead in the objective's direction", async () => {
    const store = await stored();
    const plan = planConfirmation(await loadSweepRuns(store, "sw"), {
      more: 4,
      baseline: "variant=gaussian",
    });
    const runs = await confirm(store, plan);
    const read = (direction: "maximize" | "minimize") =>
      confirmationsOf(runs, { metric: "balancedAccuracy", direction })[0]!.rows[0]!;
    expect(read("maximize").retained).toBeGreaterThan(0);
    // Read as a loss, proposed's +0.08 was a deficit: there was no lead for the fresh seeds to keep.
    const asLoss = read("minimize");
    expect(asLoss.selection!.meanDiff).toBeGreaterThan(0.05);
    expect(asLoss.retained).toBeNaN();
    // supervised's lead on seeds 1–5 (+0.013, its seed-to-seed swing ±0.011) has an interval that holds 0: noise.
    const noisy = planConfirmation(await loadSweepRuns(store, "sw"), {
      more: 4,
      baseline: "variant=gaussian",
      configs: ["variant=supervised"],
    });
    const [, second] = confirmationsOf(await confirm(store, noisy), {
      metric: "balancedAccuracy",
      direction: "maximize",
    });
    expect(second!.rows[0]!.selection!.meanDiff).toBeGreaterThan(0);
    expect(second!.rows[0]!.selection!.ci[0]).toBeLessThan(0);
    expect(second!.rows[0]!.retained).toBeNaN();
  });

  it("keeps a confirmation's selection stage as it was planned: a later top-up is not in it", async () => {
    const store = await stored();
    const plan = planConfirmation(await loadSweepRuns(store, "sw"), {
      more: 4,
      baseline: "variant=gaussian",
    });
    const options = { metric: "balancedAccuracy", direction: "maximize" } as const;
    const [before] = confirmationsOf(await confirm(store, plan), options);
    expect(before!.heading).toBe("selected on seeds 1–5, confirmed on 6–9");
    // Seeds 10 and 11 added to every configuration after the confirmation, and run.
    await topUp(store, "sw", [10, 11], { now: t0 });
    await finishAll(store, "sw");
    const runs = await loadSweepRuns(store, "sw");
    expect(runs.trials.filter((t) => t.seed >= 10 && t.state === "succeeded")).toHaveLength(6);
    const [after] = confirmationsOf(runs, options);
    expect(after!.heading).toBe("selected on seeds 1–5, confirmed on 6–9");
    expect(after!.rows[0]!.selection).toEqual(before!.rows[0]!.selection);
    expect(after!.rows[0]!.retained).toBe(before!.rows[0]!.retained);
  });

  it("marks the selection side post hoc where it pairs seeds a top-up added, never the confirmation", async () => {
    const store = await stored();
    await topUp(store, "sw", [6, 7], { now: t0 });
    await finishAll(store, "sw");
    const plan = planConfirmation(await loadSweepRuns(store, "sw"), {
      more: 4,
      baseline: "variant=gaussian",
    });
    const runs = await confirm(store, plan);
    const [c] = confirmationsOf(runs, { metric: "balancedAccuracy", direction: "maximize" });
    expect(c!.heading).toBe("selected on seeds 1–7, confirmed on 8–11");
    expect(c!.rows[0]!.selection!.posthocRevisions).toEqual([2]);
    expect(c!.rows[0]!.confirmation!.posthocRevisions).toEqual([]);
    // The comparison table marks the same row; the report carries the mark into its confirmation table.
    const table = compareRuns(runs, { baseline: "variant=gaussian" });
    expect(table.rows.find((r) => r.config === "variant=proposed")!.posthocRevisions).toEqual([2]);
    expect(table.confirmations[0]!.rows[0]!.selection!.posthocRevisions).toEqual([2]);
  });

  it("says how many confirmation trials are still open, and tests only the seeds that are in", async () => {
    const store = await stored();
    const plan = planConfirmation(await loadSweepRuns(store, "sw"), { more: 3 });
    const runs = await confirm(store, plan, false);
    const [c] = confirmationsOf(runs, { metric: "balancedAccuracy", direction: "maximize" });
    expect(c!.pending).toBe(6);
    expect(c!.rows[0]!.confirmation).toBeNull();
    expect(selectionRuns(runs).trials).toHaveLength(15);
  });

  it("keeps later top-ups off a confirmation's seeds", async () => {
    const store = await stored();
    const plan = planConfirmation(await loadSweepRuns(store, "sw"), { more: 3 });
    const runs = await confirm(store, plan);
    expect(() => planExtension(runs, { seeds: [7, 12] })).toThrow(
      /seeds: seed 7 belongs to a confirmation stage/,
    );
    expect(planExtension(runs, { more: 1 }).seeds).toEqual([9]);
    const topUp = planExtension(runs, { toPower: 0.8, maxSeeds: 7, baseline: "variant=gaussian" });
    // supervised is still open and needs more than 7 seeds: the first 7 seeds outside the confirmation.
    expect(topUp.target).toMatchObject({ seeds: 7, capped: true });
    expect(topUp.seeds).toEqual([1, 2, 3, 4, 5, 9, 10]);
  });

  it("is a section of the study report, whose method tables keep to the selection seeds", async () => {
    const store = await stored();
    await confirm(
      store,
      planConfirmation(await loadSweepRuns(store, "sw"), { more: 6, baseline: "variant=gaussian" }),
    );
    const report = await buildStudyReport(store, ["sw"], { now: t0 });
    expect(report.confirmations.map((c) => [c.sweepName, c.confirmation.heading])).toEqual([
      ["confirm", "selected on seeds 1–5, confirmed on 6–11"],
    ]);
    const cells = report.methodComparisons[0]!.settings[0]!.metrics.balancedAccuracy!;
    expect(cells.map((c) => [c.method, c.summary.n])).toEqual([
      ["proposed", 5],
      ["gaussian", 5],
      ["supervised", 5],
    ]);
    const { markdown } = renderStudyMarkdown(report);
    expect(markdown).toContain("## Confirmation on fresh seeds");
    expect(markdown).toContain("### confirm: selected on seeds 1–5, confirmed on 6–11");
    expect(markdown).toMatch(
      /\| variant=proposed \| 5 \| \+\d+\.\d\d \[.*\] \| .* \| better \| 6 \| .* \| \d+ % \|/,
    );
  });
});
