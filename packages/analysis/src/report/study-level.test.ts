// The study-level answer against SciPy (fixtures/study-level-reference.json, made by
// fixtures/make-study-level-fixture.py), its error rate by simulation, and the family's correction on a stored study.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import tCdf from "@stdlib/stats-base-dists-t-cdf";
import { randomStream } from "@tailsweep/random";
import { parseSweepFile } from "@tailsweep/schemas";
import { adjustPValues, comparePaired, meanOfGroupMeans } from "@tailsweep/stats";
import { expandSweep, InMemoryRunStore, type TrialRecord } from "@tailsweep/sweep";
import { finishWaiting } from "@tailsweep/sweep/testing";
import { describe, expect, it } from "vitest";
import { buildStudyReport, type Versus } from "./build";
import { renderStudyMarkdown } from "./markdown";
import { seedClusteredDifference } from "./study-level";

const ref = JSON.parse(
  readFileSync(join(__dirname, "..", "..", "fixtures", "study-level-reference.json"), "utf8"),
);

/**
 * CR1, the usual default: the same estimate with the sandwich of unadjusted residuals times G/(G − 1), on G − 1
 * degrees of freedom (Cameron & Miller 2015 §VI). What S1 uses CR2 and Bell–McCaffrey's df instead of.
 */
function cr1P(perSetting: { seed: number; diff: number }[][]): number {
  const K = perSetting.length;
  const means = perSetting.map((pairs) => pairs.reduce((a, p) => a + p.diff, 0) / pairs.length);
  const psi = new Map<number, number>();
  perSetting.forEach((pairs, k) => {
    for (const p of pairs)
      psi.set(p.seed, (psi.get(p.seed) ?? 0) + (p.diff - means[k]!) / (K * pairs.length));
  });
  const G = psi.size;
  const se = Math.sqrt((G / (G - 1)) * [...psi.values()].reduce((a, x) => a + x * x, 0));
  const t = means.reduce((a, m) => a + m, 0) / K / se;
  return 2 * tCdf(-Math.abs(t), G - 1);
}

const asClustered = (pairs: { seed: number; diff: number }[]) =>
  pairs.map((p) => ({ cluster: p.seed, value: p.diff }));

describe("seedClusteredDifference (equation S1)", () => {
  it("is the mean of the settings' means with a CR2 seed-clustered test, as the general matrix formulas give it", () => {
    for (const name of ["unbalanced", "balanced", "stopped"] as const) {
      const r = ref[name];
      const s = seedClusteredDifference(r.settings);
      expect(s.seeds, name).toBe(r.seeds);
      expect(s.diff, name).toBeCloseTo(r.diff, 12);
      expect(s.ci[0], name).toBeCloseTo(r.ci[0], 10);
      expect(s.ci[1], name).toBeCloseTo(r.ci[1], 10);
      expect(s.p, name).toBeCloseTo(r.p, 10);
      expect(meanOfGroupMeans(r.settings.map(asClustered)).df, name).toBeCloseTo(r.df, 10);
    }
    // Balanced, it is the one-sample t-test of the seeds' averages over settings (SciPy's ttest_1samp).
    const balanced = seedClusteredDifference(ref.balanced.settings);
    expect(balanced.diff).toBeCloseTo(ref.balanced.oneSample.diff, 12);
    expect(balanced.p).toBeCloseTo(ref.balanced.oneSample.p, 10);
    expect(seedClusteredDifference([[{ seed: 1, diff: 0.1 }]])).toMatchObject({ seeds: 0, p: Number.NaN });
  });

  it("weighs every setting the same, however many seeds its design ran", () => {
    // +1 in a setting that ran seeds 1–20, −1 in one stopped at seed 10: the settings' mean effect is 0. Averaging
    // within seeds first gave seeds 11–20 to the first setting alone: +0.50, p < 0.001, "proposed better".
    const wobble = (seed: number) => 0.01 * Math.sin(seed * 7.3);
    const long = Array.from({ length: 20 }, (_, i) => ({ seed: i + 1, diff: 1 + wobble(i + 1) }));
    const short = Array.from({ length: 10 }, (_, i) => ({ seed: i + 1, diff: -1 + wobble(i + 1) }));
    const s = seedClusteredDifference([long, short]);
    expect(s.seeds).toBe(20);
    expect(Math.abs(s.diff)).toBeLessThan(0.01);
    expect(s.p).toBeGreaterThan(0.05);
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

  it("holds its level when sequential designs stopped the settings at different seeds", () => {
    // Null effect, shared seed luck, and settings that ran 20, 15, 10 and 5 seeds: the study's own shape.
    const draws = randomStream(20261207, "study-level-simulation");
    const studies = 4_000;
    let rejected = 0;
    let rejectedCr1 = 0;
    for (let k = 0; k < studies; k++) {
      const shared = Array.from({ length: 20 }, () => 2 * draws.normal());
      const perSetting = [20, 15, 10, 5].map((n) =>
        shared.slice(0, n).map((offset, i) => ({ seed: i + 1, diff: offset + draws.normal() })),
      );
      const s = meanOfGroupMeans(perSetting.map(asClustered));
      if (s.p <= 0.05) rejected++;
      if (cr1P(perSetting) <= 0.05) rejectedCr1++;
    }
    const se = Math.sqrt((0.05 * 0.95) / studies);
    console.log(
      `study-level overall test under H0, settings of 20/15/10/5 seeds: CR2 with Bell–McCaffrey df rejects ${(rejected / studies).toFixed(3)}, CR1 with G − 1 df ${(rejectedCr1 / studies).toFixed(3)} (α = 0.05, ${studies} studies)`,
    );
    expect(rejectedCr1 / studies).toBeGreaterThan(0.06);
    expect(Math.abs(rejected / studies - 0.05)).toBeLessThan(3 * se);
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
