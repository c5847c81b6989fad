// The study report's optional Pareto section (issue #23): per setting of each method comparison, the methods' front
// over two or more objectives (by default balanced accuracy × minority-class recall), the same numbers as
// `tailsweep compare --objectives` gives for one sweep (docs/statistics.md P1–P3).
import { paretoSvg } from "@tailsweep/charts";
import { InputError, metricOf } from "@tailsweep/schemas";
import { paramValue, type TrialRecord } from "@tailsweep/sweep";
import { finishedValues } from "../configurations";
import { correctionName, intervalWriter, isShare, leadText } from "../format";
import { groupBy } from "../group-by";
import {
  checkedObjectives,
  type DominanceClaim,
  markedClaims,
  type ParetoFront,
  type ParetoObjective,
  type ParetoObservation,
  paretoFront,
  type SweepParetoOptions,
} from "../pareto";
import type { SweepRuns } from "../sweep-runs";
import { type MethodComparison, settingLabel } from "./build";

/** The objectives a report's Pareto section uses unless told otherwise: the class-imbalance trade-off. */
export const DEFAULT_REPORT_OBJECTIVES: readonly ParetoObjective[] = [
  { metric: "balancedAccuracy", direction: "maximize" },
  { metric: "minorityRecall", direction: "maximize" },
];

/**
 * The report's objectives as asked (a direction left out is the metric's own, else higher is better), checked against
 * the method sweeps: fewer than two or more than the limit, a metric twice, a direction against the metric's own, a
 * metric no finished trial of any method sweep reports — every problem in one InputError at `pareto.objectives`.
 */
export function reportObjectives(
  asked: SweepParetoOptions["objectives"],
  methodSweeps: readonly SweepRuns[],
): ParetoObjective[] {
  const { objectives, problems } = checkedObjectives(
    asked,
    undefined,
    // with no method sweep there is nothing to check against: the section is empty, not an error
    (metric) =>
      methodSweeps.length === 0 ||
      methodSweeps.some(({ trials, results }) => !finishedValues(trials, results, metric).next().done),
    (metric) => `no finished trial of the report's method sweeps reports ${metric}`,
  );
  if (problems.length > 0) throw new InputError("pareto.objectives", problems.join("; "));
  return objectives;
}

/** One setting's front of the methods. */
export interface SettingFront {
  sweepId: string;
  sweepName: string;
  /** The setting's label, as the method comparison's tables show it. */
  setting: string;
  /** The front, each claim marked where its pairs use seeds a post-hoc top-up added (as `compare`'s front). */
  front: Omit<ParetoFront, "claims"> & { claims: (DominanceClaim & { posthocRevisions: number[] })[] };
  /** What the numbers do not say: post-hoc seeds, a sequential design's seeds (markedClaims). */
  notes: string[];
}

/**
 * Each setting's front of the methods (the comparison's own settings, in its order): each method is a configuration,
 * its seeds the setting's (the selection stage, as every table of the report). A setting where some method lacks an
 * objective keeps the others and says so (`excluded`).
 */
export function settingFronts(
  runs: SweepRuns,
  mc: MethodComparison,
  objectives: readonly ParetoObjective[],
): SettingFront[] {
  const { trials, results } = runs;
  const bySetting = groupBy(trials, (t: TrialRecord) => settingLabel(t.params, mc.settingKeys));
  return mc.settings.flatMap(({ label }) => {
    const observations: ParetoObservation[] = [];
    const settingTrials = bySetting.get(label) ?? [];
    for (const t of settingTrials) {
      const r = t.state === "succeeded" ? results.get(t.id) : undefined;
      if (!r) continue;
      for (const { metric } of objectives) {
        const value = metricOf(r.metrics, metric);
        if (value !== undefined)
          observations.push({ config: paramValue(t.params.variant), seed: t.seed, metric, value });
      }
    }
    if (observations.length === 0) return [];
    const front = paretoFront(observations, objectives);
    // the setting's trials only: each method's label and seed name one trial there, not one per setting
    const { claims, notes } = markedClaims(front, { ...runs, trials: settingTrials }, (t) =>
      paramValue(t.params.variant),
    );
    return [
      { sweepId: mc.sweepId, sweepName: mc.sweepName, setting: label, front: { ...front, claims }, notes },
    ];
  });
}

/** A figure's Markdown link, written where the report keeps its figures (markdown.ts' `figure`). */
type Figure = (name: string, alt: string, svg: string) => string;

/** One front's standing per method, as the section's table and the figure show it. */
const STANDING = { front: "front", dominated: "dominated", "not separable": "not separable" } as const;

/**
 * The report's Pareto section: per setting, a table of the methods' means with their interval half-widths per
 * objective and their standing, the backed and unbacked dominance claims, and for two objectives the scatter.
 */
export function paretoSection(fronts: readonly SettingFront[], figure: Figure): string[] {
  if (fronts.length === 0) return [];
  const { objectives, correction, alpha } = fronts[0]!.front;
  const names = objectives.map((o) => `${o.metric} (${o.direction === "maximize" ? "max" : "min"})`);
  const out = [
    `## Pareto fronts: ${names.join(" × ")}`,
    "",
    `Per setting, the methods no other beats on every objective at once by their seed means (front), and for each front method against each it dominates by means, a two-sided paired t-test on the seeds both ran per objective it leads on (backing the lead when significant with the paired difference its way), ${correctionName(correction)}-corrected across the setting's claims at α = ${alpha}. Dominated: some claim against it is significant; not separable: dominated by means only, so the seeds cannot tell it from the front. "Not worse" on the other objectives rests on the means (docs/statistics.md P1–P3).`,
    "",
  ];
  for (const { sweepName, setting, front, notes } of fronts) {
    const intervals = intervalWriter();
    out.push(`### ${sweepName}: ${setting}`, "");
    out.push(
      [
        `| method | ${names.join(" | ")} | standing |`,
        `|${" --- |".repeat(names.length + 2)}`,
        ...front.configurations.map(
          (c) =>
            `| ${c.config} | ${c.estimates
              .map((e) => `${intervals.estimate(e.metric, e.summary)} (n=${e.summary.n})`)
              .join(" | ")} | ${STANDING[c.status]} |`,
        ),
      ].join("\n"),
      "",
      // the ‡ note alone: the report's tables mark no rows on few seeds
      ...intervals.notes([]).flatMap((note) => [note, ""]),
    );
    for (const claim of front.claims)
      out.push(
        `- ${claim.dominant} dominates ${claim.dominated}: ${claim.backed ? "**backed**" : "by means only"} — ${claim.tests
          .map((t) => (t.lead === "tie" ? `${t.metric} tied` : leadText(t)))
          .join("; ")}${claim.posthocRevisions.length > 0 ? " †" : ""}`,
      );
    for (const e of front.excluded) out.push(`- left out: ${e.config} (${e.reason})`);
    for (const note of notes) out.push(`- note: ${note}`);
    if (front.claims.length > 0 || front.excluded.length > 0 || notes.length > 0) out.push("");
    if (objectives.length === 2) {
      const [x, y] = objectives;
      // shares in percent, their intervals drawn inside [0, 100] % as the tables print them; a result path as it is
      const [xShare, yShare] = [isShare(x!.metric), isShare(y!.metric)];
      const [sx, sy] = [xShare ? 100 : 1, yShare ? 100 : 1];
      out.push(
        figure(
          `pareto ${sweepName} ${setting}`,
          `${x!.metric} × ${y!.metric} in ${setting}`,
          paretoSvg({
            title: `${sweepName}, ${setting}: ${x!.metric} × ${y!.metric}${xShare && yShare ? " (%)" : ""}`,
            xName: `${x!.metric}${xShare ? " %" : ""}`,
            yName: `${y!.metric}${yShare ? " %" : ""}`,
            directions: [x!.direction, y!.direction],
            ...(xShare && yShare && { bounds: [0, 100] as const }),
            points: front.configurations.map((c) => {
              const [ex, ey] = c.estimates;
              return {
                label: c.config,
                x: sx * ex!.summary.mean,
                y: sy * ey!.summary.mean,
                xCi: [sx * ex!.summary.ci[0], sx * ex!.summary.ci[1]],
                yCi: [sy * ey!.summary.ci[0], sy * ey!.summary.ci[1]],
                status: c.status,
                title: `${c.config}: ${STANDING[c.status]}`,
              };
            }),
          }),
        ),
        "",
      );
    }
  }
  return out;
}
