// The study-level answer against SciPy (fixtures/study-level-reference.json, made by
// fixtures/make-study-level-fixture.py), its error rate by simulation, and the family's correction on a stored study.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { randomStream } from "@tailsweep/random";
import { parseSweepFile } from "@tailsweep/schemas";
import { adjustPValues, comparePaired } from "@tailsweep/stats";
import { expandSweep, InMemoryRunStore, type TrialRecord } from "@tailsweep/sweep";
import { finishWaiting } from "@tailsweep/sweep/testing";
import { describe, expect, it } from "vitest";
import { buildStudyReport, type Versus } from "./build";
import { renderStudyMarkdown } from "./markdown";
import { seedClusteredDifference } from "./study-level";

const ref = JSON.parse(
  readFileSync(join(__dirname, "..", "..", "fixtures", "study-level-reference.json"), "utf8"),
);

describe("seedClusteredDifference (equation S1)", () => {
  it("averages the settings within each seed and t-tests the seed averages, as SciPy does", () => {
    const s = seedClusteredDifference(ref.settings);
    expect(s.seeds).toBe(5);
    expect(s.diff).toBeCloseTo(ref.diff, 12);
    expect(s.ci[0]).toBeCloseTo(ref.ci[0], 10);
    expect(s.ci[1]).toBeCloseTo(ref.ci[1], 10);
    expect(s.p).toBeCloseTo(ref.p, 10);
    expect(seedClusteredDifference([[{ seed: 1, diff: 0.1 }]])).toMatchObject({ seeds: 1, p: Number.NaN });
  });

  it("holds its level when settings share each seed's luck, where treating settings' seeds as new does not", () => {
    // Null effect; every seed's offset is shared by its runs in all 6 settings (correlation 0.8 across settings).
    const draws = randomStream(20261202, "study-level-simulation");
    const studies = 2_000;
    let clustered = 0;
    let naive = 0;
    for (let k = 0; k < studies; k++) {
      const shared = Array.from({ length: 5 }, () => 2 * draws.normal());
      const perSetting = Array.from({ length: 6 }, () =>
        shared.map((offset, i) => ({ seed: i + 1, diff: offset + draws.normal() })),
      );
      if (seedClusteredDifference(perSetting).p <= 0.05) clustered++;
      const pooled = perSetting.flat().map((p) => p.diff);
      if (
        comparePaired(
          pooled,
          pooled.map(() => 0),
          { resamples: 0 },
        ).t.p <= 0.05
      )
        naive++;
    }
    const se = Math.sqrt((0.05 * 0.95) / studies);
    console.log(
      `study-level overall test under H0 with shared seeds: seed-clustered rejects ${(clustered / studies).toFixed(3)}, settings as independent ${(naive / studies).toFixed(3)} (α = 0.05, ${studies} studies)`,
    );
    expect(Math.abs(clustered / studies - 0.05)).toBeLessThan(3 * se);
    expect(naive / studies).toBeGreaterThan(0.2);
  });
});

const spec = parseSweepFile({
  name: "study",
  search: {
    variant: ["proposed", "gaussian", "supervised"],
    "dataset.imbalanceRatio": [10, 50, 100],
  },
  seeds: [1, 2, 3, 4, 5],
});
const t0 = new Date("2026-01-01T00:00:00Z");

/** Balanced accuracy: proposed about 2 points above gaussian everywhere, level with supervised; seeds share their luck. */
function accuracy(t: TrialRecord): number {
  const luck = [0, 0.01, -0.008, 0.012, -0.006, 0.004][t.seed]!;
  const wobble = ((t.seed * 7 + Number(t.config.dataset.imbalanceRatio)) % 5) * 0.002;
  const base = 0.7 + luck + wobble;
  if (t.config.variant === "proposed") return base + 0.02 + ((t.seed * 3 + 1) % 4) * 0.001;
  if (t.config.variant === "supervised") return base + 0.02 + (t.seed % 2 ? 0.004 : -0.004);
  return base;
}

async function study() {
  const store = new InMemoryRunStore();
  await store.createSweep({ id: "st", spec, trials: expandSweep(spec), now: t0 });
  await finishWaiting(store, "st", accuracy, { now: t0 });
  return store;
}

describe("the report's study level", () => {
  it("counts a setting whose seed differences cancel as neither ahead nor behind, round-off included", async () => {
    // proposed − gaussian is +0.1 on seed 1 and −0.1 on seed 2: in floating point 0.3 − 0.2 + (0.1 − 0.2) is −2.8e-17
    const level = parseSweepFile({
      name: "level",
      search: { variant: ["proposed", "gaussian"] },
      seeds: [1, 2],
    });
    const store = new InMemoryRunStore();
    await store.createSweep({ id: "lv", spec: level, trials: expandSweep(level), now: t0 });
    await finishWaiting(
      store,
      "lv",
      (t) => (t.config.variant === "gaussian" ? 0.2 : t.seed === 1 ? 0.3 : 0.1),
      {
        now: t0,
      },
    );
    const report = await buildStudyReport(store, ["lv"], { now: t0 });
    const [gaussian] = report.study.overall;
    expect(Math.abs(gaussian!.diff)).toBeLessThan(1e-15);
    expect(gaussian).toMatchObject({ baseline: "gaussian", settings: 1, ahead: 0, behind: 0 });
  });

  it("corrects every comparison on the primary metric together, and answers once per baseline", async () => {
    const report = await buildStudyReport(await study(), ["st"], { now: t0 });
    const { study: level } = report;
    const family = report.methodComparisons[0]!.settings.flatMap((s) =>
      s.metrics.balancedAccuracy!.flatMap((c) => (c.versus ? [c.versus] : [])),
    );
    expect(level).toMatchObject({ family: "primary", correction: "holm", primaryMetric: "balancedAccuracy" });
    const tested = family.filter(
      (v) => v.method !== "none" && !Number.isNaN(v.p) && v.verdict !== "degenerate",
    );
    expect(level.size).toBe(tested.length);
    // Holm over the 6 comparisons (3 settings × 2 baselines), computed apart from the report
    const holm = adjustPValues(tested.map((v) => v.p));
    expect(tested.map((v) => v.pStudy)).toEqual(holm);
    for (const v of tested) expect(v.pStudy!).toBeGreaterThanOrEqual(v.pHolm);
    // the other metrics are outside the family
    const macro = report.methodComparisons[0]!.settings[0]!.metrics.macroF1!.find((c) => c.versus)!.versus!;
    expect(macro.pStudy).toBeUndefined();

    const byBaseline = Object.fromEntries(level.overall.map((a) => [a.baseline, a]));
    expect(byBaseline.gaussian).toMatchObject({
      settings: 3,
      seeds: 5,
      ahead: 3,
      behind: 0,
      verdict: "better",
    });
    expect(byBaseline.gaussian!.diff).toBeCloseTo(0.0212, 10); // 0.02 + the mean of 0.001·((3s + 1) mod 4) over seeds 1–5
    expect(byBaseline.supervised!.verdict).toBe("no detectable difference");
    // the overall test is S1 on the settings' paired differences
    const perSetting = report.methodComparisons[0]!.settings.map(
      (s) => s.differences.balancedAccuracy!.supervised!,
    );
    expect(byBaseline.supervised!.p).toBeCloseTo(seedClusteredDifference(perSetting).p, 12);
    expect(byBaseline.supervised!.pAdjusted).toBeCloseTo(
      adjustPValues(level.overall.map((a) => a.p))[level.overall.indexOf(byBaseline.supervised!)]!,
      12,
    );

    const { markdown } = renderStudyMarkdown(report);
    expect(markdown).toContain("## Overall, across settings");
    expect(markdown).toMatch(
      /\| gaussian \| \+2\.12 \[.*\] \| 5 \| 3 \/ 0 of 3 \| .* \| <0\.001 \| proposed better \|/,
    );
    expect(markdown).toContain(
      `Per-setting verdicts on balancedAccuracy after Holm across the whole family (${level.size} tests)`,
    );
  });

  it("takes every comparison into the family when asked, with Benjamini–Hochberg", async () => {
    const report = await buildStudyReport(await study(), ["st"], {
      now: t0,
      study: { family: "all", correction: "bh" },
    });
    const all: Versus[] = report.methodComparisons[0]!.settings.flatMap((s) =>
      Object.values(s.metrics).flatMap((cells) => cells.flatMap((c) => (c.versus ? [c.versus] : []))),
    );
    const tested = all.filter((v) => v.method !== "none" && !Number.isNaN(v.p) && v.verdict !== "degenerate");
    expect(report.study.size).toBe(tested.length);
    expect(tested.map((v) => v.pStudy)).toEqual(
      adjustPValues(
        tested.map((v) => v.p),
        "bh",
      ),
    );
    expect(report.study.note).toMatch(/every comparison in this report.*Benjamini–Hochberg-corrected/);
    // the tally counts settings on the primary metric, one verdict per setting and baseline, not one per metric
    const settings = report.methodComparisons[0]!.settings.length;
    for (const t of Object.values(report.study.tally))
      expect(t.proposedBetter + t.proposedWorse + t.undecided + t.tooFewSeeds + t.degenerate).toBe(settings);
  });
});

it("Holm as written out in the fixture script agrees with adjustPValues", () => {
  expect(adjustPValues(ref.family, "holm")).toEqual(ref.holm.map((p: number) => expect.closeTo(p, 14)));
});
