import { parseSweepFile } from "@tailsweep/schemas";
import { expandSweep, InMemoryRunStore, type TrialRecord } from "@tailsweep/sweep";
import { scriptedResult } from "@tailsweep/sweep/testing";
import { describe, expect, it } from "vitest";
import { compareSweep, configurationsOf, resolveBaseline } from "./comparison";
import { buildStudyReport } from "./report/build";
import { renderStudyMarkdown } from "./report/markdown";

const t0 = new Date("2026-01-01T00:00:00Z");

const trial = (configKey: string, params: Record<string, unknown>, configLabel: string) => ({
  configKey,
  configLabel,
  params,
});

describe("configurationsOf", () => {
  it("groups by key, orders by label, and keeps two keys whose params print alike apart", () => {
    const configs = configurationsOf([
      trial("k2", { w: "[8]" }, "w=[8]"),
      trial("k1", { w: [8] }, "w=[8]"),
      trial("k1", { w: [8] }, "w=[8]"),
      trial("k0", { w: [4] }, "w=[4]"),
    ]);
    expect([...configs.keys()]).toEqual(["k0", "k1", "k2"]);
    expect([...configs.values()].map((c) => c.label)).toEqual(["w=[4]", "w=[8] #k1", "w=[8] #k2"]);
  });
});

describe("resolveBaseline", () => {
  const configs = [
    ...configurationsOf([
      trial("a", { "model.nu": 5, variant: "gaussian" }, "model.nu=5 variant=gaussian"),
      trial("b", { "model.nu": 5, variant: "proposed" }, "model.nu=5 variant=proposed"),
      trial("c", { "model.nu": 30, variant: "proposed" }, "model.nu=30 variant=proposed"),
    ]).values(),
  ];

  it("finds a configuration by its label or by key=value pairs of its params", () => {
    expect(resolveBaseline(configs, "model.nu=30 variant=proposed").key).toBe("c");
    expect(resolveBaseline(configs, "variant=gaussian").key).toBe("a");
    expect(resolveBaseline(configs, "  model.nu=5   variant=proposed ").key).toBe("b");
    expect(resolveBaseline(configs, undefined).key).toBe("a");
    // knobs by the sweep file's names too: `nu` is `model.nu`
    expect(resolveBaseline(configs, "variant=proposed nu=30").key).toBe("c");
  });

  it("names the field and every configuration when a name matches none or several", () => {
    expect(() => resolveBaseline(configs, "variant=mixture", "groups[1].config")).toThrow(
      /^groups\[1\]\.config: 'variant=mixture' matches no configuration; use one of: model\.nu=30 variant=proposed \| /,
    );
    expect(() => resolveBaseline(configs, "variant=proposed")).toThrow(
      /^baseline: .* matches 2 configurations/,
    );
    // a part without `=` names no param: it matches nothing rather than everything
    expect(() => resolveBaseline(configs, "proposed")).toThrow(/matches no configuration/);
    let refused: unknown;
    try {
      resolveBaseline(configs, "model.nu=7");
    } catch (e) {
      refused = e;
    }
    expect(refused).toMatchObject({ code: "INPUT_INVALID", category: "invalid", field: "baseline" });
  });
});

describe("compareAcrossSweeps", () => {
  it("shows the settings the compared runs differ in, and warns when one was varied by neither sweep (issue #20 bug 10)", async () => {
    const { parseSweepFile } = await import("@tailsweep/schemas");
    const { expandSweep, InMemoryRunStore } = await import("@tailsweep/sweep");
    const { finishWaiting } = await import("@tailsweep/sweep/testing");
    const { compareAcrossSweeps } = await import("./comparison");
    const store = new InMemoryRunStore();
    const t0 = new Date("2026-01-01T00:00:00Z");
    for (const [id, epochs] of [
      ["short", 20],
      ["long", 50],
    ] as const) {
      const spec = parseSweepFile({
        name: id,
        search: { variant: ["proposed", "gaussian"] },
        train: { epochs },
        seeds: [1, 2, 3],
      });
      await store.createSweep({ id, spec, trials: expandSweep(spec), now: t0 });
      await finishWaiting(
        store,
        id,
        (t) => 0.6 + t.seed / 100 + (t.config.variant === "proposed" ? 0.05 : 0) + epochs / 1000,
        { now: t0 },
      );
    }
    const across = await compareAcrossSweeps(store, [
      { sweepId: "short", config: "variant=gaussian" },
      { sweepId: "long", config: "variant=proposed" },
    ]);
    expect(across.groupLabels).toEqual(["default/short: variant=gaussian", "default/long: variant=proposed"]);
    // the likelihood follows from the method, which both sweeps vary: part of the comparison, like the method
    expect(across.settingDifferences).toEqual([
      { path: "model.likelihood", values: ["gaussian", "student-t"], searched: true },
      { path: "train.epochs", values: ["20", "50"], searched: false },
      { path: "variant", values: ["gaussian", "proposed"], searched: true },
    ]);
    expect(across.settingsNote).toMatch(
      /^these runs also differ in train\.epochs \(20 \| 50\), which no compared sweep varied/,
    );
    // the same sweep's configurations differ only in what it searched: no warning
    const within = await compareAcrossSweeps(store, [
      { sweepId: "long", config: "variant=gaussian" },
      { sweepId: "long", config: "variant=proposed" },
    ]);
    expect(within.settingsNote).toBeUndefined();
    expect(within.settingDifferences.map((d) => [d.path, d.searched])).toEqual([
      ["model.likelihood", true],
      ["variant", true],
    ]);
    expect(within.unevenSeedsNote).toBeUndefined();
    expect(within.confirmationNote).toBeUndefined();

    // a confirmation of the long sweep's proposed configuration on seeds 4–5: left out, and said so (it was silent,
    // and the catalog's seed count looked short)
    const long = (await store.getSweep("long"))!;
    const spec = { ...long.spec, seeds: [1, 2, 3, 4, 5] };
    const proposed = (await store.listTrials("long")).find((t) => t.config.variant === "proposed")!.configKey;
    await store.reviseSweep({
      sweepId: "long",
      spec,
      trials: expandSweep(spec).filter((p) => p.seed > 3 && p.configKey === proposed),
      kind: "confirm",
      seeds: [4, 5],
      configKeys: [proposed],
      posthoc: false,
      by: "test",
      note: "confirm",
      now: t0,
    });
    await finishWaiting(store, "long", (t) => 0.7 + t.seed / 100, { now: t0 });
    const confirmed = await compareAcrossSweeps(store, [
      { sweepId: "short", config: "variant=gaussian" },
      { sweepId: "long", config: "variant=proposed" },
    ]);
    expect(confirmed.rows.map((r) => r.summary.n)).toEqual([3, 3]);
    expect(confirmed.confirmationNote).toMatch(
      /^confirmation seeds are left out \(default\/long: variant=proposed: 2 seeds\): a confirmation is tested/,
    );
    // means over different seeds: the best by mean is no matched comparison, said as the sweep page says it
    const more = parseSweepFile({ name: "more", search: { variant: ["gaussian"] }, seeds: [1, 2, 3, 4, 5] });
    await store.createSweep({ id: "more", spec: more, trials: expandSweep(more), now: t0 });
    await finishWaiting(store, "more", (t) => 0.6 + t.seed / 100, { now: t0 });
    const uneven = await compareAcrossSweeps(store, [
      { sweepId: "short", config: "variant=gaussian" },
      { sweepId: "more" },
    ]);
    expect(uneven.unevenSeedsNote).toMatch(
      /^the means cover different seeds \(3 to 5 per group\), so the best by mean/,
    );
  });
});

describe("compareSweep on a lower-is-better metric", () => {
  it("calls the configuration with the lower pseudo-label class shift better, whatever the objective's direction", async () => {
    const { parseSweepFile } = await import("@tailsweep/schemas");
    const { expandSweep, InMemoryRunStore } = await import("@tailsweep/sweep");
    const { scriptedResult } = await import("@tailsweep/sweep/testing");
    const { compareSweep } = await import("./comparison");
    const store = new InMemoryRunStore();
    const t0 = new Date("2026-01-01T00:00:00Z");
    const spec = parseSweepFile({
      name: "tv",
      search: { variant: ["gaussian", "proposed"] },
      seeds: [1, 2, 3, 4],
    });
    await store.createSweep({ id: "tv", spec, trials: expandSweep(spec), now: t0 });
    for (const t of await store.listTrials("tv")) {
      const claimed = await store.claimTrial(t.id, "scripted", t0);
      const result = scriptedResult(0.7);
      // the proposed model's pseudo-labels move 0.2 less of the class mass, seed by seed
      const classShift =
        (t.params.variant === "proposed" ? 0.13 : 0.33) + [0, 0.01, -0.005, 0.02, 0][t.seed]!;
      result.metrics.pseudoLabels = {
        accuracy: 0.7,
        balancedAccuracy: 0.7,
        perClassRecall: [],
        predictedShare: [],
        trueShare: [],
        classShift: classShift + (t.params.variant === "proposed" ? 0.001 * t.seed : 0),
      };
      await store.completeTrial(t.id, claimed!.attempt, result, t0);
    }
    const table = await compareSweep(store, (await store.getSweep("tv"))!, {
      metric: "pseudoClassShift",
      baseline: "variant=gaussian",
    });
    const proposed = table.rows.find((r) => r.config === "variant=proposed")!;
    expect(spec.objective.direction).toBe("maximize");
    expect(proposed.vsBaseline!.comparison!.meanDiff).toBeLessThan(0);
    expect(proposed.vsBaseline!.verdict).toBe("better");
    // a metric no trial reports and a baseline no configuration matches: both in one refusal
    const both = compareSweep(store, (await store.getSweep("tv"))!, { metric: "nope", baseline: "bogus" });
    await expect(both).rejects.toMatchObject({
      code: "QUERY_INVALID",
      problems: [
        expect.stringMatching(/^metric: no finished trial of sweep tv reports the metric 'nope'/),
        expect.stringMatching(/^baseline: 'bogus' matches no configuration; use one of: /),
      ],
    });
  });
});

describe("learningCurves", () => {
  it("draws each configuration from its finished trials and keeps the running ones apart (issue #20 bug 5)", async () => {
    const { learningCurves } = await import("./sweep-views");
    const point = (configKey: string, epoch: number, n: number, finished: boolean) => ({
      configKey,
      params: { "model.nu": configKey === "a" ? 5 : 10 },
      epoch,
      n,
      mean: 0.5,
      sd: 0.1,
      finished,
    });
    const curves = learningCurves(
      [point("a", 2, 3, true), point("a", 1, 3, true), point("a", 1, 1, false), point("b", 1, 2, false)],
      "test.balancedAccuracy",
    );
    expect(
      curves.configs.map((c) => [c.config, c.seeds, c.points.map((p) => p.epoch), c.running.length]),
    ).toEqual([
      ["model.nu=10", 0, [], 1],
      ["model.nu=5", 3, [1, 2], 1],
    ]);
  });
});

/** A sweep of `file` stored in memory with each of its trials settled by `settle` (left waiting where it does nothing). */
async function settledSweep(
  file: Record<string, unknown>,
  settle: (store: InMemoryRunStore, trial: TrialRecord, claimed: TrialRecord) => Promise<unknown>,
) {
  const store = new InMemoryRunStore();
  const spec = parseSweepFile(file);
  await store.createSweep({ id: "s", spec, trials: expandSweep(spec), now: t0 });
  for (const t of await store.listTrials("s")) {
    const claimed = await store.claimTrial(t.id, "w", t0);
    await settle(store, t, claimed!);
  }
  return { store, sweep: (await store.getSweep("s"))! };
}

describe("compareSweep's default baseline in a grid of several knobs", () => {
  it("says when it differs from compared configurations in more than one knob, and not when a baseline is named", async () => {
    const { store, sweep } = await settledSweep(
      { name: "grid", search: { variant: ["gaussian", "proposed"], beta: [0.1, 0.3] }, seeds: [1, 2, 3] },
      (s, t, claimed) => s.completeTrial(t.id, claimed.attempt, scriptedResult(0.6 + 0.01 * t.seed), t0),
    );
    const byDefault = await compareSweep(store, sweep);
    expect(byDefault.baseline).toBe("dataset.labelRatio=0.1 variant=gaussian");
    expect(byDefault.baselineNote).toBe(
      "1 of the 3 configurations compared differ from the baseline dataset.labelRatio=0.1 variant=gaussian in more than one knob (dataset.labelRatio=0.3 variant=proposed in dataset.labelRatio and variant), so their Δ mixes those knobs' effects; name a baseline to compare within one setting (the study report compares within each)",
    );
    // named by the file's knob names, within one setting: no note
    const named = await compareSweep(store, sweep, { baseline: "variant=gaussian beta=0.3" });
    expect(named.baseline).toBe("dataset.labelRatio=0.3 variant=gaussian");
    expect(named.baselineNote).toBeUndefined();
  });
});

describe("compareSweep on a sweep with no finished trial", () => {
  it("says there is nothing to compare yet and why, not that a metric nobody named is missing", async () => {
    let failing = 3;
    const { store, sweep } = await settledSweep(
      { name: "failing", search: { nu: [5, 30] }, seeds: [1, 2], execution: { maxAttempts: 1 } },
      async (s, t, claimed) => {
        if (failing-- > 0) await s.failTrial(t.id, claimed.attempt, "timed out after 2 s", false, t0);
      },
    );
    const refusal = compareSweep(store, sweep);
    await expect(refusal).rejects.toMatchObject({ code: "RESULTS_NOT_FOUND", category: "not-found" });
    await expect(refusal).rejects.toThrow(
      "sweep s has no finished trial to compare yet (3 failed, 1 waiting or running, 0 cancelled): tailsweep sweep status s says why they failed",
    );
    // the report's sensitivity section names no "best configuration" it could not have compared
    const { markdown } = renderStudyMarkdown(await buildStudyReport(store, ["s"]));
    expect(markdown).toContain(
      "of every configuration: none has a finished trial (3 failed), so nothing is compared.",
    );
    expect(markdown).not.toContain("(ref.)");
  });
});
