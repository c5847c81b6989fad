import { resolveClassOrder } from "@tailsweep/data/long-tail";
import { CURRENT_DATASET_VERSION, metricOf, parseSweepFile } from "@tailsweep/schemas";
import { comparePaired, compareUnpaired } from "@tailsweep/stats";
import { expandSweep, InMemoryRunStore } from "@tailsweep/sweep";
import { finishWaiting, openBaselineSpec, topUp } from "@tailsweep/sweep/testing";
import { describe, expect, it } from "vitest";
import { buildStudyReport, busySeconds } from "./build";
import { formatSummary, formatVersus, renderStudyMarkdown } from "./markdown";

const t0 = new Date("2026-01-01T00:00:00Z");

/** A stored result with the fields the report reads; `ba` is the balanced accuracy. */
function result(ba: number, extra: Record<string, unknown> = {}) {
  return {
    metrics: {
      test: {
        n: 30,
        accuracy: ba,
        balancedAccuracy: ba,
        macroF1: ba - 0.05,
        gMean: ba - 0.1,
        perClassRecall: [ba, ba, ba],
        perClassPrecision: [ba, ba, ba],
        confusion: [
          [10, 0, 0],
          [0, 10, 0],
          [0, 0, 10],
        ],
      },
      minorityRecall: ba - 0.2,
      minorityClasses: [2],
      pseudoLabels: {
        accuracy: ba,
        balancedAccuracy: ba - 0.01,
        perClassRecall: [0.9, 0.8, ba - 0.3],
        predictedShare: [0.4, 0.3, 0.3],
      },
      perModality: [
        { modality: 0, name: "digit", accuracy: ba, balancedAccuracy: ba - 0.02, macroF1: ba },
        { modality: 1, name: "view", accuracy: ba, balancedAccuracy: ba - 0.3, macroF1: ba },
      ],
      ...extra,
    },
    backend: "cpu",
    seconds: 10,
  };
}

/** Stores a sweep and finishes its trials with `value(params, seed)` (undefined: the trial fails). */
async function sweepWith(
  store: InMemoryRunStore,
  id: string,
  file: Record<string, unknown>,
  value: (params: Record<string, unknown>, seed: number) => number | undefined,
  extra?: (params: Record<string, unknown>, seed: number) => Record<string, unknown>,
) {
  const spec = parseSweepFile({ project: "p", ...file });
  await store.createSweep({ id, spec, trials: expandSweep(spec), now: t0 });
  for (const t of await store.listTrials(id)) {
    await store.claimTrial(t.id, "w1", t0, "cpu");
    const v = value(t.params, t.seed);
    if (v === undefined)
      await store.failTrial(t.id, 1, "diverged: loss NaN", false, new Date(t0.getTime() + 1000));
    else
      await store.completeTrial(
        t.id,
        1,
        result(v, extra?.(t.params, t.seed)),
        new Date(t0.getTime() + 60_000),
      );
  }
}

// Seed effects shared by every method (what pairing removes) plus a per-method shift.
const seedEffect = [0, 0.03, -0.02, 0.05, -0.04, 0.01];
const shift: Record<string, number> = { proposed: 0.05, gaussian: 0, supervised: -0.1 };
// By the first letter, not the length: proposed and gaussian are both 8 letters long, which gave them the same jitter
// and so the same difference on every seed — a degenerate comparison, with no spread to test against.
const jitter = (method: string, seed: number) => ((seed * 7 + method.charCodeAt(0)) % 5) * 0.002;
// ±0.001 on seeds 1 and 2, summing to zero over 3 seeds: the effect keeps its mean and gets a spread
const wobble = (seed: number) => [0, 0.001, -0.001][seed] ?? 0;

/** Pseudo-labels whose class of rank r (in `order`, rank ↦ class) recalls 0.9 − 0.3·r, the last rank the minority. */
function rankedPseudoLabels(order: readonly number[]) {
  const recall = [0, 0, 0];
  order.forEach((c, rank) => {
    recall[c] = 0.9 - 0.3 * rank;
  });
  return {
    minorityClasses: [order[2]!],
    pseudoLabels: {
      accuracy: 0.6,
      balancedAccuracy: 0.6,
      perClassRecall: recall,
      predictedShare: [0.4, 0.3, 0.3],
    },
  };
}

describe("buildStudyReport", () => {
  it("compares each method with the proposed model per setting, paired by seed, Holm across the baselines", async () => {
    const store = new InMemoryRunStore();
    await sweepWith(
      store,
      "m",
      { name: "main", search: { variant: ["gaussian", "proposed", "supervised"], rho: [10, 100] }, seeds: 5 },
      (p, seed) => 0.6 + shift[p.variant as string]! + seedEffect[seed]! + jitter(p.variant as string, seed),
    );
    const report = await buildStudyReport(store, ["m"], { now: t0 });
    // a baseline the sweeps do not compare is refused, not reported as sections of no tests
    await expect(buildStudyReport(store, ["m"], { now: t0, baseline: "nope" })).rejects.toThrow(
      "baseline: 'nope' is no method of these sweeps (they compare gaussian, proposed, supervised)",
    );
    const mc = report.methodComparisons[0]!;
    expect(mc.methods).toEqual(["proposed", "gaussian", "supervised"]);
    expect(mc.settingKeys).toEqual(["dataset.imbalanceRatio"]);
    expect(mc.settings.map((s) => s.label)).toEqual(["ρ=10", "ρ=100"]);
    const cells = mc.settings[0]!.metrics.balancedAccuracy!;
    const seeds = [1, 2, 3, 4, 5];
    const values = (m: string) => seeds.map((s) => 0.6 + shift[m]! + seedEffect[s]! + jitter(m, s));
    const direct = comparePaired(values("proposed"), values("gaussian"), { resamples: 0 });
    const gaussian = cells.find((c) => c.method === "gaussian")!.versus!;
    expect(gaussian.diff).toBeCloseTo(0.05, 2);
    expect(gaussian.diff).toBeCloseTo(direct.meanDiff, 12);
    expect(gaussian.ci[0]).toBeCloseTo(direct.ci[0], 12);
    expect(gaussian.effect).toBeCloseTo(direct.dz, 12);
    expect(gaussian.pHolm).toBeGreaterThanOrEqual(gaussian.p);
    expect(gaussian.verdict).toBe("better");
    expect(cells.find((c) => c.method === "supervised")!.versus!.verdict).toBe("better");
    expect(mc.tally.balancedAccuracy!.gaussian).toMatchObject({
      proposedBetter: 2,
      proposedWorse: 0,
      undecided: 0,
    });
    // pseudo-label minority recall is the mean over the minority classes of the pseudo-label recall
    expect(metricOf(result(0.7).metrics, "pseudoMinorityRecall")).toBeCloseTo(0.4, 12);
    expect(mc.settings[0]!.pseudoPerClass[0]!.perClass[0]!.mean).toBeCloseTo(0.9, 12);
  });

  it("with a random class order per seed, lines the per-class pseudo-label recall up by tail rank, not by class", async () => {
    const store = new InMemoryRunStore();
    const orders = new Map<number, number[]>();
    await sweepWith(
      store,
      "ranked",
      {
        name: "ranked",
        dataset: { classOrder: "random" },
        search: { variant: ["gaussian", "proposed"] },
        seeds: 4,
      },
      (p, seed) => 0.6 + shift[p.variant as string]! + seedEffect[seed]!,
      (_p, seed) => {
        const order = resolveClassOrder("random", 3, seed, CURRENT_DATASET_VERSION);
        orders.set(seed, order);
        return rankedPseudoLabels(order);
      },
    );
    // the seeds draw different tails, so a table by class would average the head with the tail
    expect(new Set([...orders.values()].map((o) => o[2])).size).toBeGreaterThan(1);
    const setting = (await buildStudyReport(store, ["ranked"])).methodComparisons[0]!.settings[0]!;
    expect(setting.classAxis).toBe("rank");
    expect(setting.minorityClasses).toEqual([2]);
    for (const p of setting.pseudoPerClass) {
      expect(p.perClass.map((c) => c.mean)).toEqual([0.9, 0.6, 0.3].map((v) => expect.closeTo(v, 12)));
      expect(p.perClass.every((c) => c.sd === 0)).toBe(true);
    }
    const markdown = renderStudyMarkdown(await buildStudyReport(store, ["ranked"])).markdown;
    expect(markdown).toContain("| method | r1 | r2 | r3* |");

    // a recipe that fixes its data seed draws its class order from that seed, not from each trial's
    const fixed = new InMemoryRunStore();
    const order7 = resolveClassOrder("random", 3, 7, CURRENT_DATASET_VERSION);
    expect(
      [1, 2, 3, 4].some(
        (seed) => resolveClassOrder("random", 3, seed, CURRENT_DATASET_VERSION)[2] !== order7[2],
      ),
    ).toBe(true);
    await sweepWith(
      fixed,
      "fixed",
      {
        name: "fixed",
        dataset: { classOrder: "random", seed: 7 },
        search: { variant: ["gaussian", "proposed"] },
        seeds: 4,
      },
      (p, seed) => 0.6 + shift[p.variant as string]! + seedEffect[seed]!,
      () => rankedPseudoLabels(order7),
    );
    const fixedSetting = (await buildStudyReport(fixed, ["fixed"])).methodComparisons[0]!.settings[0]!;
    expect(fixedSetting.minorityClasses).toEqual([2]);
    expect(fixedSetting.pseudoPerClass[0]!.perClass.map((c) => c.mean)).toEqual(
      [0.9, 0.6, 0.3].map((v) => expect.closeTo(v, 12)),
    );
  });

  it("gives a sequential sweep's decisions from its design, and says when its look is not taken yet", async () => {
    const store = new InMemoryRunStore();
    // supervised is 10 points behind on every seed (with a little spread), gaussian level with the proposed model
    await sweepWith(
      store,
      "seq",
      {
        name: "seq",
        search: { variant: ["proposed", "gaussian", "supervised"] },
        seeds: { initial: 5, step: 5, max: 10 },
        decide: { baseline: "variant=proposed", alpha: 0.025 },
      },
      (p, seed) =>
        0.6 + (p.variant === "supervised" ? -0.1 : 0) + seedEffect[seed]! + jitter(p.variant as string, seed),
    );
    const report = await buildStudyReport(store, ["seq"]);
    const [decisions] = report.sequential;
    expect(decisions).toMatchObject({
      sweepName: "seq",
      baseline: "variant=proposed",
      alpha: 0.025,
      looks: [5, 10],
    });
    expect(decisions!.look).toBe(0);
    const row = (m: string) => decisions!.rows.find((r) => r.config === `variant=${m}`)!;
    expect(row("supervised").meanDiff).toBeCloseTo(-0.1, 2);
    // 10 points behind with almost no spread: decided at the first look; the Gaussian, level, runs on
    expect(row("supervised")).toMatchObject({
      decision: "worse",
      stopped: "efficacy",
      stoppedAt: 0,
      seeds: 5,
    });
    expect(row("supervised").adjustedP).toBeLessThanOrEqual(0.025);
    expect(row("gaussian").decision).toBe("continue");
    const markdown = renderStudyMarkdown(report).markdown;
    expect(markdown).toContain("## Decisions of the sequential designs");
    expect(markdown).toMatch(/\| variant=supervised \| variant=proposed better ▲ \|/);
    expect(markdown).toMatch(/\| variant=gaussian \| undecided \(more seeds due\) \|/);
    // the fixed-n sections say they are descriptive for this sweep
    expect(markdown).toContain("This sweep ran a sequential design");
    expect(markdown).toContain("seq ran sequential designs: its comparisons are in this family");
    // proposed − method: the sign the tables use
    expect(markdown).toMatch(/\| variant=supervised \| [^|]+ \| \+10\.\d \|/);

    // a look whose trials are not all in is not taken: the report says so instead of deciding on part of it
    const waiting = new InMemoryRunStore();
    const spec = parseSweepFile({
      project: "p",
      name: "seq",
      search: { variant: ["proposed", "gaussian"] },
      seeds: { initial: 3, step: 2, max: 5 },
      decide: { baseline: "variant=proposed" },
    });
    await waiting.createSweep({ id: "w", spec, trials: expandSweep(spec), now: t0 });
    const pending = (await buildStudyReport(waiting, ["w"])).sequential[0]!;
    expect(pending.rows).toEqual([]);
    expect(pending.waiting).toMatch(/6 trials still to finish/);
  });

  it("says a design stored with a baseline that names no single configuration decides nothing, and still reports the sweep", async () => {
    const store = new InMemoryRunStore();
    const spec = openBaselineSpec({ initial: 3, step: 2, max: 5 });
    await store.createSweep({ id: "legacy", spec, trials: expandSweep(spec), now: t0 });
    await finishWaiting(store, "legacy", () => 0.6);
    const report = await buildStudyReport(store, ["legacy"]);
    expect(report.sequential[0]).toMatchObject({
      blocked: true,
      rows: [],
      waiting: expect.stringMatching(
        /^no look can be taken: decide\.baseline 'variant=gaussian' matches 2 configurations/,
      ),
    });
    const { markdown } = renderStudyMarkdown(report);
    expect(markdown).toContain(`### legacy\n\nNot decided: ${report.sequential[0]!.waiting}.\n`);
    // no family or look described for a design that took none
    expect(markdown).not.toMatch(/Every method against `variant=gaussian`/);
  });

  it("says which epochs the validation set chose and how many seeds each configuration ran", async () => {
    const store = new InMemoryRunStore();
    await sweepWith(
      store,
      "sel",
      { name: "sel", train: { epochs: 15 }, search: { variant: ["gaussian", "proposed"] }, seeds: 3 },
      () => 0.6,
      (_p, seed) => ({
        selection: {
          rule: "best",
          metric: "validation.balancedAccuracy",
          epoch: [0, 4, 15, 9][seed],
          value: 0.5,
          evaluated: 15,
        },
      }),
    );
    const [overview] = (await buildStudyReport(store, ["sel"])).sweeps;
    expect(overview!.selectedEpochs).toEqual({
      median: 9,
      min: 4,
      max: 15,
      candidates: 15,
      last: 2,
      trials: 6,
    });
    expect(overview!.seedsPerConfig).toEqual({ min: 3, max: 3 });
    expect(renderStudyMarkdown(await buildStudyReport(store, ["sel"])).markdown).toContain(
      "median 9, range 4–15; the last epoch in 2 of 6 trials.",
    );
  });

  it("reads the pseudo-labels' class shift as lower-is-better, in the setting and at the study level", async () => {
    const store = new InMemoryRunStore();
    // the proposed model's pseudo-labels shift 0.05 less of the class mass than the Gaussian's, seed by seed
    const shiftOf = (variant: string, seed: number) =>
      0.2 + (variant === "proposed" ? -0.05 : 0) + seedEffect[seed]! / 4 + jitter(variant, seed) / 2;
    await sweepWith(
      store,
      "tv",
      { name: "tv", search: { variant: ["gaussian", "proposed"] }, seeds: 5 },
      (p, seed) => 0.6 + shift[p.variant as string]! + seedEffect[seed]! + jitter(p.variant as string, seed),
      (p, seed) => ({
        pseudoLabels: {
          accuracy: 0.6,
          balancedAccuracy: 0.6,
          perClassRecall: [0.9, 0.8, 0.3],
          predictedShare: [0.5, 0.3, 0.2],
          trueShare: [0.4, 0.3, 0.3],
          classShift: shiftOf(p.variant as string, seed),
        },
      }),
    );
    const report = await buildStudyReport(store, ["tv"], { study: { family: "all" } });
    const mc = report.methodComparisons[0]!;
    const versus = mc.settings[0]!.metrics.pseudoClassShift!.find((c) => c.method === "gaussian")!.versus!;
    // proposed − gaussian: negative, and that is the proposed model ahead
    expect(versus.diff).toBeCloseTo(-0.05, 2);
    expect(versus.lowerIsBetter).toBe(true);
    expect(versus.verdict).toBe("better");
    expect(versus.studyVerdict).toBe("better");
    expect(mc.tally.pseudoClassShift!.gaussian).toMatchObject({ proposedBetter: 1, proposedWorse: 0 });
    expect(renderStudyMarkdown(report).markdown).toContain("pseudo-label class shift (TV, lower is better)");
  });

  it("falls back to Welch where seeds do not match, and counts a method without the baseline's seeds as too few", async () => {
    const store = new InMemoryRunStore();
    await sweepWith(
      store,
      "w",
      { name: "w", search: { variant: ["proposed", "gaussian"] }, seeds: [1, 2, 3, 4] },
      (p, seed) => {
        if (p.variant === "proposed" && seed > 2) return undefined; // proposed fails on seeds 3 and 4
        if (p.variant === "gaussian" && seed <= 2) return undefined; // gaussian on 1 and 2
        return 0.5 + seed * 0.01 + (p.variant === "proposed" ? 0.1 : 0);
      },
    );
    const report = await buildStudyReport(store, ["w"]);
    const v = report.methodComparisons[0]!.settings[0]!.metrics.balancedAccuracy!.find(
      (c) => c.method === "gaussian",
    )!.versus!;
    const welch = compareUnpaired([0.51 + 0.1, 0.52 + 0.1], [0.53, 0.54]);
    expect(v.method).toBe("welch");
    expect(v.diff).toBeCloseTo(welch.meanDiff, 12);
    expect(formatVersus(v)).toContain("(Welch)");
    expect(report.sweeps[0]!.counts).toEqual({ succeeded: 4, failed: 4 });
    expect(report.sweeps[0]!.failures[0]!.error).toBe("diverged: loss NaN");
  });

  it("marks a Welch comparison post hoc where a post-hoc top-up added seeds to either side, matched or not", async () => {
    const store = new InMemoryRunStore();
    // proposed succeeds on seeds 1–2 only; gaussian's results all come from seeds 3–4, added after looking
    await sweepWith(
      store,
      "w",
      { name: "w", search: { variant: ["proposed", "gaussian"] }, seeds: [1, 2] },
      (p, seed) => (p.variant === "proposed" ? 0.6 + seed * 0.01 : undefined),
    );
    await topUp(store, "w", [3, 4]);
    for (const t of await store.listTrials("w")) {
      if (t.state !== "waiting") continue;
      await store.claimTrial(t.id, "w1", t0, "cpu");
      if (t.params.variant === "proposed") await store.failTrial(t.id, 1, "diverged", false, t0);
      else await store.completeTrial(t.id, 1, result(0.5 + t.seed * 0.01), t0);
    }
    const report = await buildStudyReport(store, ["w"]);
    const v = report.methodComparisons[0]!.settings[0]!.metrics.balancedAccuracy!.find(
      (c) => c.method === "gaussian",
    )!.versus!;
    // no seed both ran: Welch, on every seed of either side, two of them post hoc (it once checked matched seeds only)
    expect(v.method).toBe("welch");
    expect(v.posthoc).toBe(true);
  });

  it("says how much of one sweep's wall time a trial ran, where a top-up a day later stretched it", async () => {
    const store = new InMemoryRunStore();
    await sweepWith(
      store,
      "d",
      { name: "d", search: { variant: ["proposed", "gaussian"] }, seeds: 2 },
      () => 0.6,
    );
    const straight = renderStudyMarkdown(await buildStudyReport(store, ["d"])).markdown;
    expect(straight).toContain(
      "The sweep: 1 min 0 s from the first trial's start to the last one's finish, 1 min 0 s of it with a trial running.",
    );
    await topUp(store, "d", [3]);
    const dayLater = new Date(t0.getTime() + 86_400_000);
    for (const t of await store.listTrials("d"))
      if (t.state === "waiting") {
        await store.claimTrial(t.id, "w1", dayLater, "cpu");
        await store.completeTrial(t.id, 1, result(0.6), new Date(dayLater.getTime() + 60_000));
      }
    const stretched = renderStudyMarkdown(await buildStudyReport(store, ["d"])).markdown;
    expect(stretched).toContain(
      "The sweep: 1 d 0 h from the first trial's start to the last one's finish, 2 min 0 s of it with a trial running (the rest: time with no trial running",
    );
  });

  it("carries a post-hoc top-up's † into the verdict counts, the study-level tally and the overall answer", async () => {
    const store = new InMemoryRunStore();
    const value = (p: Record<string, unknown>, seed: number) =>
      0.6 + shift[p.variant as string]! + (seedEffect[seed] ?? 0) + jitter(p.variant as string, seed);
    // two settings (ρ) on seeds 1–3, then seeds 4–5 added to every configuration after looking
    await sweepWith(
      store,
      "t",
      { name: "t", search: { variant: ["proposed", "gaussian", "supervised"], rho: [10, 100] }, seeds: 3 },
      value,
    );
    // only the ρ = 10 setting's configurations: the answer then rests on post-hoc seeds in 1 of its 2 settings
    const rho10 = (await store.listTrials("t"))
      .filter((t) => t.params["dataset.imbalanceRatio"] === 10)
      .map((t) => t.configKey);
    await topUp(store, "t", [4, 5], { configKeys: [...new Set(rho10)] });
    for (const t of await store.listTrials("t"))
      if (t.state === "waiting") {
        await store.claimTrial(t.id, "w1", t0, "cpu");
        await store.completeTrial(t.id, 1, result(value(t.params, t.seed)), t0);
      }
    const report = await buildStudyReport(store, ["t"]);
    const tally = report.methodComparisons[0]!.tally.balancedAccuracy!;
    // proposed is 5 and 15 points ahead on every seed: ▲ in both settings, the ρ = 10 one on post-hoc seeds
    expect(tally.gaussian).toMatchObject({
      proposedBetter: 2,
      posthoc: { proposedBetter: 1, proposedWorse: 0 },
    });
    expect(report.study.tally.supervised).toMatchObject({
      proposedBetter: 2,
      posthoc: { proposedBetter: 1 },
    });
    expect(
      report.study.overall.map((a) => [a.baseline, a.verdict, a.posthoc, a.posthocSettings, a.settings]),
    ).toEqual([
      ["gaussian", "better", true, 1, 2],
      ["supervised", "better", true, 1, 2],
    ]);
    const { markdown } = renderStudyMarkdown(report);
    expect(markdown).toContain("| gaussian | 2 (1†) | 0 | 0 |");
    expect(markdown).toMatch(/\| gaussian \| [^\n]* \| proposed better † \|\n/);
    expect(markdown).toContain(
      "† differences include seeds added after looking at the results (a post-hoc top-up): 1 of 2 settings against gaussian, 1 of 2 settings against supervised; the answer's p-value is optimistic",
    );
    expect(markdown).toMatch(/\| gaussian \| 2▲ \(1†\) 0▼ 0·/);
  });

  it("compares a sensitivity grid with the sweep's default configuration, or with the best when the default was not run", async () => {
    const store = new InMemoryRunStore();
    const grid = { name: "g", search: { nu: [5, 10], gamma: ["tied", -0.01] }, seeds: 3 };
    await sweepWith(
      store,
      "g",
      grid,
      (p, seed) => 0.6 + (p["model.nu"] === 5 ? 0.02 + wobble(seed) : 0) + seed * 0.001,
    );
    await sweepWith(
      store,
      "h",
      { ...grid, name: "h", search: { nu: [5, 20] } },
      (p, seed) => 0.6 + (p["model.nu"] === 20 ? 0.02 + wobble(seed) : 0) + seed * 0.001,
    );
    const report = await buildStudyReport(store, ["g", "h"]);
    const [g, h] = report.sensitivities;
    expect(g!.reference).toBe("model.gamma=tied model.nu=10");
    expect(g!.referenceIsDefault).toBe(true);
    expect(g!.configs.map((c) => c.label)).toEqual([
      "model.gamma=tied model.nu=5",
      "model.gamma=tied model.nu=10",
      "model.gamma=-0.01 model.nu=5",
      "model.gamma=-0.01 model.nu=10",
    ]);
    const nu5 = g!.configs[0]!.versus!;
    expect(nu5.diff).toBeCloseTo(0.02, 12);
    expect(nu5.verdict).toBe("better");
    expect(h!.referenceIsDefault).toBe(false);
    // ν = 20 is ahead on every seed: best in every resample
    expect(h!.best).toMatchObject({ config: "model.nu=20", probabilityBest: 1 });
    expect(h!.reference).toBe("model.nu=20");
  });

  it("says in a grid's table that a configuration whose trials all failed has no result, not that it is the reference", async () => {
    const store = new InMemoryRunStore();
    const file = { name: "gn", search: { nu: [5, 30], gamma: [-0.01, -0.005] }, seeds: 3 };
    await sweepWith(store, "gn", file, (p, seed) =>
      p["model.gamma"] === -0.005 ? undefined : 0.6 + (p["model.nu"] === 5 ? 0.01 : 0) + wobble(seed),
    );
    const { markdown } = renderStudyMarkdown(await buildStudyReport(store, ["gn"]));
    const rows = markdown.split("\n").filter((l) => l.startsWith("| model.gamma="));
    expect(rows).toEqual([
      expect.stringMatching(/^\| model\.gamma=-0\.01 model\.nu=5 \| .* \| reference \|$/),
      expect.stringMatching(/^\| model\.gamma=-0\.01 model\.nu=30 \| .* \| −1\.0 /),
      "| model.gamma=-0.005 model.nu=5 | – | no result (3 failed) |",
      "| model.gamma=-0.005 model.nu=30 | – | no result (3 failed) |",
    ]);
  });

  it("puts multimodal models with one modality observed beside the single-modality models of the same setting", async () => {
    const store = new InMemoryRunStore();
    await sweepWith(
      store,
      "m",
      { name: "main", search: { variant: ["proposed", "gaussian", "single"] }, seeds: 3 },
      (p, seed) => 0.7 + (p.variant === "proposed" ? 0.02 : 0) + seed * 0.001,
    );
    await sweepWith(
      store,
      "s",
      { name: "single", variant: "single", search: { "model.modalities": [[0], [1]] }, seeds: 3 },
      (p, seed) => (JSON.stringify(p["model.modalities"]) === "[0]" ? 0.66 : 0.3) + seed * 0.001,
    );
    const report = await buildStudyReport(store, ["m", "s"]);
    expect(report.sensitivities).toEqual([]);
    const [group] = report.missingModality;
    expect(group!.modalities).toEqual([
      { index: 0, name: "digit" },
      { index: 1, name: "view" },
    ]);
    expect(group!.columns.map((c) => c.key)).toEqual(["0", "1", "all"]);
    const digit = group!.columns[0]!.cells;
    // the single-modality variant of the main sweep is not a multimodal method: it is left out
    expect(digit.map((c) => c.method)).toEqual(["proposed", "gaussian", "trained on digit only"]);
    expect(digit[0]!.summary.mean).toBeCloseTo(0.72 + 0.002 - 0.02, 12);
    expect(digit[2]!.summary.mean).toBeCloseTo(0.662, 12);
    expect(digit[2]!.versus!.diff).toBeCloseTo(0.72 + 0.002 - 0.02 - 0.662, 12);
  });

  it("names an unknown sweep and an empty list", async () => {
    const store = new InMemoryRunStore();
    await expect(buildStudyReport(store, [])).rejects.toThrow("sweeps: name at least one sweep id");
    await expect(buildStudyReport(store, ["nope"])).rejects.toThrow("sweeps[0]: no sweep with id nope");
  });
});

describe("renderStudyMarkdown", () => {
  it("prints means with t half-widths, verdict marks and a figure per chart", async () => {
    const store = new InMemoryRunStore();
    await sweepWith(
      store,
      "m",
      { name: "main", search: { variant: ["proposed", "gaussian"], rho: [10, 100] }, seeds: 4 },
      (p, seed) => 0.6 + shift[p.variant as string]! + seedEffect[seed]! + jitter(p.variant as string, seed),
    );
    const report = await buildStudyReport(store, ["m"], {
      title: "T",
      reference: { name: "paper preset", config: { train: { epochs: 50 } } },
    });
    const { markdown, figures } = renderStudyMarkdown(report, { notes: "My reading.", figuresPath: "figs" });
    expect(markdown.startsWith("# T\n")).toBe(true);
    expect(markdown).toContain("My reading.");
    expect(markdown).toContain("differ from the paper preset: train.epochs 10 (50)");
    const cell = report.methodComparisons[0]!.settings[0]!.metrics.balancedAccuracy![1]!;
    expect(markdown).toContain(
      `| ρ=10 | ${formatSummary(report.methodComparisons[0]!.settings[0]!.metrics.balancedAccuracy![0]!.summary)} | ${formatSummary(cell.summary)} ▲ |`,
    );
    const links = [...markdown.matchAll(/\]\(figs\/([^)]+)\)/g)].map((m) => m[1]!);
    expect(report.sweeps[0]).toMatchObject({ tags: [], notes: "" });
    expect(markdown).not.toContain("Tags:");
    expect(links.sort()).toEqual([...figures.keys()].sort());
    expect(formatSummary({ ...cell.summary, n: 1 })).toMatch(/\(1 seed\)$/);
  });

  it("names the --baseline method and the method it is compared with, not a proposed model, where there is none", async () => {
    const store = new InMemoryRunStore();
    // gaussian 10 points ahead of supervised on every seed (with a little spread): the user's walkthrough, where
    // supervised's cell carried ▲ under a legend that read it as "supervised significantly better"
    await sweepWith(
      store,
      "m",
      { name: "main", search: { variant: ["gaussian", "supervised"], rho: [10, 100] }, seeds: 4 },
      (p, seed) =>
        0.6 +
        shift[p.variant as string]! +
        seedEffect[seed]! +
        jitter(p.variant as string, seed) +
        wobble(seed),
    );
    await sweepWith(
      store,
      "s",
      { name: "single", variant: "single", search: { "model.modalities": [[0], [1]] }, seeds: 4 },
      (p, seed) => (JSON.stringify(p["model.modalities"]) === "[0]" ? 0.66 : 0.3) + seed * 0.001,
    );
    const report = await buildStudyReport(store, ["m", "s"], { baseline: "gaussian" });
    const [answer] = report.study.overall;
    // the numbers are gaussian − supervised: positive, and gaussian is the better one
    expect(answer).toMatchObject({ baseline: "supervised", verdict: "better", ahead: 2, behind: 0 });
    expect(answer!.diff).toBeCloseTo(0.1, 1);
    expect(report.missingModality).toHaveLength(1);
    const { markdown } = renderStudyMarkdown(report);
    expect(markdown).not.toMatch(/proposed/i);
    // the overall answer: header, sign and verdict name gaussian as the side the difference and ▲ speak for
    expect(markdown).toContain(
      "| method | gaussian − method (balancedAccuracy) [95% CI] | seeds | settings gaussian ahead / behind |",
    );
    expect(markdown).toMatch(
      /\| supervised \| \+\d+\.\d\d \[[\d.]+, [\d.]+\] \| 4 \| 2 \/ 0 of 2 \| [^\n]* \| gaussian better \|\n/,
    );
    expect(markdown).toContain("per method compared with gaussian: ▲ gaussian better, ▼ gaussian worse");
    // the legend of the marks, the verdict counts and the paired differences
    expect(markdown).toContain(
      "▲ / ▼ on a method's cell: gaussian, the method the others are compared with, is significantly better / worse than that method",
    );
    expect(markdown).toMatch(/\| ρ=10 \| [\d.]+ ± [\d.]+ \| [\d.]+ ± [\d.]+ ▲ \|/);
    expect(markdown).toContain(
      "the number of settings where gaussian is significantly better (▲) than that method",
    );
    expect(markdown).toMatch(/\| supervised \| 2▲ 0▼ 0·/);
    expect(markdown).toContain("Each cell: gaussian − method (the row's)");
    expect(markdown).toMatch(/\| supervised \| \+\d+\.\d \[\+[\d.]+, \+[\d.]+\] p[^\n]* ▲ \|/);
    // the missing-modality comparison is against gaussian too
    expect(markdown).toContain("Differences are gaussian − method");
    expect(markdown).toContain("| observed | method | gaussian − method |");
  });

  it("shows each sweep's tags and notes in its overview", async () => {
    const store = new InMemoryRunStore();
    await sweepWith(
      store,
      "m",
      { name: "main", search: { variant: ["proposed", "gaussian"] }, seeds: 3 },
      (p, seed) => 0.6 + shift[p.variant as string]! + seedEffect[seed]!,
    );
    await store.setSweepAnnotations("m", {
      tags: ["paper:fig3", "ν-grid"],
      notes: "ν = 30 wins on the minority classes.\n\n- rerun with 5 seeds",
    });
    const report = await buildStudyReport(store, ["m"], { title: "T" });
    expect(report.sweeps[0]).toMatchObject({
      tags: ["paper:fig3", "ν-grid"],
      notes: "ν = 30 wins on the minority classes.\n\n- rerun with 5 seeds",
    });
    const { markdown } = renderStudyMarkdown(report, {});
    expect(markdown).toContain(
      [
        "- **main**: variant ∈ {proposed, gaussian} × 3 seeds (seeds 1–3).",
        "  Tags: `paper:fig3`, `ν-grid`.",
        "",
        "  > ν = 30 wins on the minority classes.",
        "  >",
        "  > - rerun with 5 seeds",
        "",
      ].join("\n"),
    );
  });
});

describe("busySeconds", () => {
  it("counts the time some trial ran: overlaps once, the gap between sweeps not at all", () => {
    const at = (s: number) => new Date(Date.UTC(2026, 11, 3) + s * 1000);
    const span = (start: number, end: number) => ({ startedAt: at(start), finishedAt: at(end) });
    // two workers overlapping in one sweep (0–100 s), then a second sweep an hour later (3600–3700 s)
    expect(busySeconds([span(0, 60), span(30, 100), span(3650, 3700), span(3600, 3660), span(10, 20)])).toBe(
      200,
    );
    expect(busySeconds([{ startedAt: at(0), finishedAt: undefined }])).toBe(0);
  });
});
