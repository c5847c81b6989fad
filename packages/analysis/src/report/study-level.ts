import { metricDirection } from "@tailsweep/schemas";
import { adjustPValues, type Correction, meanOfGroupMeans, summarize } from "@tailsweep/stats";
import { correctionName } from "../format";
import {
  DEFAULT_BASELINE,
  type MethodComparison,
  type MissingModalityGroup,
  type Sensitivity,
  type Tally,
  tallyOf,
  type Versus,
} from "./build";

/** Which comparisons a study report's error control covers (docs/statistics.md, "Study-level error control"). */
export const STUDY_FAMILIES = ["primary", "all"] as const;
export type StudyFamily = (typeof STUDY_FAMILIES)[number];

/** Settings of {@link studyLevel}. */
export interface StudyLevelOptions {
  /**
   * `primary` (default): every method comparison on the primary metric, across all settings of all sweeps — the
   * study's claim. `all`: every comparison the report makes (each metric, sensitivity and missing-modality row).
   */
  family?: StudyFamily;
  /** The correction across the family (default Holm: family-wise error; `bh`: false discovery rate). */
  correction?: Correction;
  alpha?: number;
  /** The metric of the claim and of the overall answers (default balanced accuracy). */
  primaryMetric?: string;
  /** The method every other is compared with (default `proposed`), which the note and the answers name. */
  baseline?: string;
}

/** The report's baseline method against one other method over every setting at once, on the primary metric. */
export interface OverallAnswer {
  /** The other method (the one the report's baseline is compared with), not the baseline itself. */
  baseline: string;
  metric: string;
  /** Settings (sweep × setting) with paired seeds, and the seeds the test has (its units, its clusters). */
  settings: number;
  seeds: number;
  /**
   * Baseline − method ({@link StudyLevel.baseline} − `baseline`): the mean over settings of each setting's mean
   * paired difference (every setting weighs the same), with a t interval whose standard error is clustered on the
   * seed: settings run on the same seeds are not independent, the seeds are (equation S1 in docs/statistics.md).
   */
  diff: number;
  ci: [number, number];
  p: number;
  /** Bell–McCaffrey's degrees of freedom of the test (seeds − 1 when every setting ran every seed). */
  df: number;
  /** Corrected across the methods compared (each is one overall answer), by the family's correction. */
  pAdjusted: number;
  verdict: "better" | "worse" | "no detectable difference" | "too few seeds" | "degenerate";
  /** Settings whose mean difference favours the report's baseline, and the other method (a description, no test). */
  ahead: number;
  behind: number;
  /** Standard deviation of the settings' mean differences: how much the effect varies from setting to setting. */
  betweenSettingsSd: number;
  /**
   * Whether some setting's differences include seeds added after looking at the results (a post-hoc top-up, its cell
   * marked †): the answer's p-value is then optimistic too.
   */
  posthoc: boolean;
  /** How many of the `settings` it averages have such seeds: how much of the answer rests on them. */
  posthocSettings: number;
}

/** The report's error control across settings and metrics, and its overall answers. */
export interface StudyLevel {
  family: StudyFamily;
  correction: Correction;
  alpha: number;
  primaryMetric: string;
  /** The method the overall answers and the tally compare every other with: their differences are it − method. */
  baseline: string;
  /** Tests in the family (testable comparisons: paired or Welch, not degenerate). */
  size: number;
  /**
   * Method → verdicts of the baseline against it on the primary metric, one per setting, after the study-level
   * correction.
   */
  tally: Record<string, Tally>;
  overall: OverallAnswer[];
  note: string;
}

const testable = (v: Versus) =>
  v.method !== "none" && v.verdict !== "too few seeds" && v.verdict !== "degenerate" && !Number.isNaN(v.p);

/**
 * Corrects every comparison of the family together (setting each one's `pStudy` and `studyVerdict`) and answers, per
 * method, whether the report's baseline method is ahead of it over all settings at once. Mutates the Versus objects
 * it is given: they are the report's own, made moments before.
 */
export function studyLevel(
  methodComparisons: readonly MethodComparison[],
  sensitivities: readonly Sensitivity[],
  missingModality: readonly MissingModalityGroup[],
  options: StudyLevelOptions = {},
): StudyLevel {
  const family = options.family ?? "primary";
  const correction = options.correction ?? "holm";
  const alpha = options.alpha ?? 0.05;
  const primaryMetric = options.primaryMetric ?? "balancedAccuracy";
  // the note names the report's baseline, not an assumed `proposed`, with or without method comparisons
  const baseline = options.baseline ?? DEFAULT_BASELINE;
  // The method comparisons' cells, by baseline (a cell's `method`), for the metrics in the family.
  const methodCells = methodComparisons.flatMap((mc) =>
    mc.settings.flatMap((s) =>
      Object.entries(s.metrics)
        .filter(([metric]) => family === "all" || metric === primaryMetric)
        .flatMap(([metric, cells]) =>
          cells.flatMap((c) => (c.versus ? [{ baseline: c.method, metric, versus: c.versus }] : [])),
        ),
    ),
  );
  const members: Versus[] = [
    ...methodCells.map((c) => c.versus),
    ...(family === "all"
      ? [
          ...sensitivities.flatMap((s) => s.configs.flatMap((c) => (c.versus ? [c.versus] : []))),
          ...missingModality.flatMap((g) =>
            g.columns.flatMap((col) => col.cells.flatMap((c) => (c.versus ? [c.versus] : []))),
          ),
        ]
      : []),
  ];
  const tested = members.filter(testable);
  // Holm's (1979) or Benjamini–Hochberg's (1995) rule over the whole family at once (adjustPValues).
  const adjusted = adjustPValues(
    tested.map((v) => v.p),
    correction,
  );
  tested.forEach((v, i) => {
    v.pStudy = adjusted[i]!;
    const ahead = v.diff > 0 !== (v.lowerIsBetter === true);
    v.studyVerdict = v.pStudy <= alpha ? (ahead ? "better" : "worse") : "no detectable difference";
  });
  for (const v of members) if (!testable(v)) v.studyVerdict = v.verdict;

  // Settings on the primary metric: with family "all" the other metrics' cells are corrected here too, but counting
  // them beside it read one setting with four metrics as "▲ 4", and pooled metrics whose "better" points opposite ways.
  const verdicts = new Map<string, Pick<Versus, "verdict" | "posthoc">[]>();
  for (const { baseline, metric, versus: v } of methodCells)
    if (metric === primaryMetric)
      verdicts.set(baseline, [
        ...(verdicts.get(baseline) ?? []),
        { verdict: v.studyVerdict ?? v.verdict, posthoc: v.posthoc },
      ]);
  const tally: Record<string, Tally> = Object.fromEntries(
    [...verdicts].map(([baseline, vs]) => [baseline, { ...tallyOf(vs), medianSeedsNeeded: Number.NaN }]),
  );

  const overall = overallAnswers(methodComparisons, primaryMetric, correction, alpha);
  const familyText =
    family === "primary"
      ? `every method comparison on ${primaryMetric}, across ${((n) => (n === 1 ? "its one setting" : `all ${n} settings`))(methodComparisons.reduce((n, mc) => n + mc.settings.length, 0))}`
      : "every comparison in this report (each metric, sensitivity and missing-modality row)";
  return {
    family,
    correction,
    alpha,
    primaryMetric,
    baseline,
    size: tested.length,
    tally,
    overall,
    note:
      `The family is ${familyText}: ${tested.length} tests, ${correctionName(correction)}-corrected over all of them. ` +
      `The overall answers below are a second family, one test per method compared with ${baseline} (${overall.length}, ${correctionName(correction)} across them): each is the mean over settings (those with at least 2 paired seeds) of the mean paired difference ${baseline} − method, every setting weighing the same however many seeds it ran, with a standard error clustered on the seed (settings share seeds, so the seed, not the setting, is the independent unit; CR2 with Bell–McCaffrey's degrees of freedom, seeds − 1 when every setting ran every seed). ` +
      `It estimates the mean effect over these settings, not over settings one might run next; the between-settings SD says how much it varies. ` +
      `${correction === "holm" ? `Each family holds its family-wise error at ${alpha}, so the chance of any false claim in either is at most ${+(2 * alpha).toFixed(4)}` : `Each family holds its false discovery rate at ${alpha}`} (for sweeps run on fixed seeds). The intervals are unadjusted 95 % intervals; the p-values and verdicts are adjusted.`,
  };
}

/**
 * Equation S1 (docs/statistics.md) on the settings' paired differences: the mean over settings of each setting's mean
 * difference, tested with a standard error clustered on the seed (stats' meanOfGroupMeans). The seeds are the
 * independent units: a seed's initialisation and data draws are common to its runs in every setting, so treating each
 * setting's seeds as new ones would count the same luck several times. Every setting weighs the same, however many
 * seeds its design ran: a sequential design that stopped one early must not hand its seeds' weight to the others.
 */
export function seedClusteredDifference(perSetting: readonly (readonly { seed: number; diff: number }[])[]): {
  diff: number;
  ci: [number, number];
  p: number;
  df: number;
  seeds: number;
  /** Every seed's contribution the same: no spread to test against (p NaN), as comparePaired says. */
  degenerate?: string;
} {
  const r = meanOfGroupMeans(
    perSetting.map((pairs) => pairs.map((p) => ({ cluster: p.seed, value: p.diff }))),
  );
  return {
    diff: r.estimate,
    ci: r.ci,
    p: r.p,
    df: r.df,
    seeds: r.clusters,
    ...(r.degenerate !== undefined && { degenerate: r.degenerate }),
  };
}

/**
 * Per method compared with the baseline: equation S1 — the seed-level average of the paired differences over
 * settings, tested over seeds.
 */
function overallAnswers(
  methodComparisons: readonly MethodComparison[],
  metric: string,
  correction: Correction,
  alpha: number,
): OverallAnswer[] {
  const baselines = [
    ...new Set(methodComparisons.flatMap((mc) => mc.methods.filter((m) => m !== mc.baseline))),
  ];
  // baseline − method differences: positive is the baseline ahead unless lower is better
  const sign = metricDirection(metric) === "minimize" ? -1 : 1;
  const answers = baselines.map((baseline) => {
    // Settings with at least two paired seeds: S1 leaves out one with a single seed (it has no spread of its own), and
    // the counts beside it describe the settings it averages.
    const used = methodComparisons.flatMap((mc) =>
      mc.settings.flatMap((s) => {
        const pairs = s.differences[metric]?.[baseline] ?? [];
        const posthoc = s.metrics[metric]?.some((c) => c.method === baseline && c.versus?.posthoc) ?? false;
        return pairs.length > 1 ? [{ pairs, posthoc }] : [];
      }),
    );
    const perSetting = used.map((u) => u.pairs);
    const settingMeans = perSetting.map((pairs) => pairs.reduce((a, p) => a + p.diff, 0) / pairs.length);
    // A mean within round-off of 0 (seed differences that cancel: −2.8e-17 of ±0.01s) is a tie, neither ahead nor
    // behind: 1e-9 of the differences' own size is far above a sum's round-off and far below any real lead.
    const signs = perSetting.map((pairs, i) => {
      const size = pairs.reduce((a, p) => a + Math.abs(p.diff), 0) / pairs.length;
      const d = settingMeans[i]! * sign;
      return Math.abs(d) <= 1e-9 * size ? 0 : Math.sign(d);
    });
    const pooled = seedClusteredDifference(perSetting);
    const base = {
      baseline,
      metric,
      settings: settingMeans.length,
      seeds: pooled.seeds,
      ahead: signs.filter((d) => d > 0).length,
      behind: signs.filter((d) => d < 0).length,
      betweenSettingsSd: settingMeans.length > 1 ? summarize(settingMeans).sd : Number.NaN,
      posthoc: used.some((u) => u.posthoc),
      posthocSettings: used.filter((u) => u.posthoc).length,
    };
    const { degenerate, ...estimate } = pooled;
    if (pooled.seeds < 2) return { ...base, ...estimate, verdict: "too few seeds" as const };
    if (degenerate) return { ...base, ...estimate, verdict: "degenerate" as const };
    return { ...base, ...estimate, verdict: undefined };
  });
  const adjusted = adjustPValues(
    answers.map((a) => a.p),
    correction,
  );
  return answers.map((a, i) => {
    const pAdjusted = adjusted[i]!;
    const verdict: OverallAnswer["verdict"] =
      a.verdict ??
      (Number.isNaN(pAdjusted) || pAdjusted > alpha
        ? "no detectable difference"
        : a.diff * sign > 0
          ? "better"
          : "worse");
    return { ...a, pAdjusted, verdict };
  });
}
