import {
  type BarSeries,
  groupedBarsSvg,
  heatmapSvg,
  linesSvg,
  perClassAxisName,
  perClassCategories,
} from "@tailsweep/charts";
import { plural } from "@tailsweep/schemas";
import type { SequentialRow, Summary } from "@tailsweep/stats";
import { paramValue } from "@tailsweep/sweep";
import type { StageEstimate } from "../confirmation";
import {
  bestClaim,
  bestInResamples,
  correctedFamilyText,
  correctionName,
  decisionText,
  duration,
  fixed,
  MANY_SEEDS,
  pct,
  pValue,
  seedRanges,
  signedDifference,
  signedPctInterval,
  soleResultText,
  tiedBestText,
  withSign,
} from "../format";
import { groupBy } from "../group-by";
import {
  type MethodCell,
  type MethodComparison,
  type MissingModalityGroup,
  REPORT_METRICS,
  type Sensitivity,
  type SequentialDecisions,
  type SettingResult,
  type StudyReport,
  settingLabel,
  shortParam,
  type Tally,
  type Versus,
} from "./build";
import { paretoSection } from "./pareto";
import type { StudyLevel } from "./study-level";

/** A rendered report: the Markdown and the SVG figures it links to (file name → SVG text). */
export interface RenderedReport {
  markdown: string;
  figures: Map<string, string>;
}

/** Options of {@link renderStudyMarkdown}. */
export interface RenderOptions {
  /** Where the Markdown links its figures, relative to the Markdown file (default `figures`). */
  figuresPath?: string;
  /** Hand-written Markdown placed after the introduction (e.g. what the numbers mean), verbatim. */
  notes?: string;
  /** The command that produced the report, quoted at the top. */
  command?: string;
}

/** `65.1 ± 0.5`: the seed mean and the half-width of its 95 % t interval, in percentage points. */
export function formatSummary(s: Summary): string {
  // Not finite: undefined for some seed (a class with no rows there, so no recall), not zero.
  if (s.n === 0 || !Number.isFinite(s.mean)) return "–";
  if (s.n < 2) return `${pct(s.mean)} (1 seed)`;
  return `${pct(s.mean)} ± ${pct(s.ci[1] - s.mean)}`;
}

const MARK: Record<Versus["verdict"], string> = {
  better: "▲",
  worse: "▼",
  "no detectable difference": "·",
  degenerate: "=",
  "too few seeds": "–",
};

const signed = (v: number) => (Number.isFinite(v) ? withSign(fixed(100 * v, 1)) : "–");
const signedPlain = (v: number) => (Number.isFinite(v) ? withSign(fixed(v, 2)) : "–");

/**
 * `n≈12`; past a thousand seeds the effect is as good as none, and the exact number means nothing (Infinity: more than
 * seedsNeeded counts to, or no effect at all).
 */
const seedsText = (n: number) => (n > MANY_SEEDS ? `n>${MANY_SEEDS}` : `n≈${Math.round(n)}`);

/** `+2.1 [+0.5, +3.7] p=0.012 d=+1.30 ▲`: a difference in points with its interval, Holm p, effect and verdict. */
export function formatVersus(v: Versus): string {
  if (v.method === "none") return "– (too few seeds)";
  const needed =
    v.verdict === "no detectable difference" && !Number.isNaN(v.seedsNeeded)
      ? ` ${seedsText(v.seedsNeeded)}`
      : "";
  return `${signed(v.diff)} [${signed(v.ci[0])}, ${signed(v.ci[1])}] p${pValue(v.pHolm).startsWith("<") ? "" : "="}${pValue(v.pHolm)} d=${signedPlain(v.effect)} ${MARK[v.verdict]}${v.posthoc ? "†" : ""}${needed}${v.method === "welch" ? " (Welch)" : ""}`;
}

/** A cell as tables show it: the summary, then the verdict's mark when it was compared. */
const marked = (c: { summary: Summary; versus?: Versus }) =>
  `${formatSummary(c.summary)}${c.versus ? ` ${MARK[c.versus.verdict]}${c.versus.posthoc ? "†" : ""}` : ""}`;

/** Column and axis names for per-class numbers: the class or its tail rank (r1 the head), starred for the minority. */
const classLabels = (setting: SettingResult) =>
  perClassCategories(setting.pseudoPerClass[0]!.perClass.length, setting.minorityClasses, setting.classAxis);

/** A chart series in percent from summaries of fractions (a missing one becomes a gap). */
function percentSeries(name: string, summaries: (Summary | undefined)[]): BarSeries {
  return {
    name,
    mean: summaries.map((s) => 100 * (s?.mean ?? Number.NaN)),
    ci: summaries.map((s) => [100 * (s?.ci[0] ?? Number.NaN), 100 * (s?.ci[1] ?? Number.NaN)]),
  };
}

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.map((c) => c.replace(/\|/g, "\\|")).join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

const slug = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");

/**
 * Renders a study report as Markdown with SVG figures: the sweeps and their setup, each method comparison (verdict
 * counts, one table per metric, paired differences per setting, per-class pseudo-label recall), each sensitivity
 * sweep and the missing-modality comparison. Every number comes from {@link StudyReport}.
 */
export function renderStudyMarkdown(report: StudyReport, options: RenderOptions = {}): RenderedReport {
  const figuresPath = options.figuresPath ?? "figures";
  const figures = new Map<string, string>();
  const figure = (name: string, alt: string, svg: string) => {
    const file = `${slug(name)}.svg`;
    figures.set(file, svg);
    return `![${alt}](${figuresPath}/${file})`;
  };
  const out: string[] = [`# ${report.title}`, ""];
  out.push(
    `Generated ${report.generatedAt.slice(0, 16).replace("T", " ")} UTC${options.command ? ` by \`${options.command}\`` : ""} from the run store.`,
    "",
    "How to read it: each cell is the mean over seeds with the half-width of its 95 % Student-t interval, in " +
      "percentage points. Comparisons pair runs by seed (Welch's test where seeds do not match); p-values are " +
      "Holm-corrected across the comparisons made in the same setting and metric; `d` is Cohen's d_z of the " +
      "paired differences (d*_s, the difference over the root mean of the two variances, where Welch). ▲ / ▼ on a " +
      // the mark sits on the other method's cell but speaks for the baseline: say which, for any --baseline
      `method's cell: ${report.baseline}, the method the others are compared with, is significantly better / worse ` +
      "than that method (in a sensitivity table: that configuration is significantly better / worse than the " +
      "reference) at α = 0.05 after correction; · no detectable difference, with `n≈N` the " +
      "matched seeds a paired t-test would need for 80 % power at the observed effect and at the level the " +
      "correction leaves it (α over the comparisons of its setting and metric; `n>1000` past that, or with no " +
      "effect at all); the intervals are unadjusted 95 % intervals, the p-values and ▲ / ▼ corrected; = every seed gave the same " +
      "difference (no spread to test against); – too few seeds to test. † the comparison uses seeds added after " +
      "looking at the results (a post-hoc top-up): its p-value is optimistic (optional stopping); confirm it on " +
      "fresh seeds.",
    "",
  );
  if (options.notes) out.push(options.notes.trim(), "");
  out.push(...sweepsSection(report));
  if (report.sequential.length > 0) out.push(...sequentialSection(report.sequential));
  if (report.methodComparisons.length > 0)
    out.push(
      ...studySection(
        report.study,
        report.methodComparisons.filter((mc) => mc.sequential).map((mc) => mc.sweepName),
        // a sequential sweep's cells on seeds a top-up added after its design stopped
        report.methodComparisons.some(
          (mc) =>
            mc.sequential &&
            mc.settings.some((s) =>
              Object.values(s.metrics).some((cells) => cells.some((c) => c.versus?.posthoc)),
            ),
        ),
      ),
    );
  for (const mc of report.methodComparisons) out.push(...methodSection(mc, figure));
  for (const s of report.sensitivities) out.push(...sensitivitySection(s, figure));
  if (report.missingModality.length > 0)
    out.push(...missingSection(report.missingModality, report.baseline, figure));
  if (report.pareto) out.push(...paretoSection(report.pareto, figure));
  if (report.confirmations.length > 0) out.push(...confirmationSection(report.confirmations));
  return { markdown: `${out.join("\n").trimEnd()}\n`, figures };
}

type Figure = (name: string, alt: string, svg: string) => string;

/**
 * The study-level answer: one line per method compared with the baseline over all settings, and the verdicts
 * corrected across the family.
 */
function studySection(study: StudyLevel, sequential: readonly string[], toppedUp: boolean): string[] {
  const correction = correctionName(study.correction);
  const { baseline } = study;
  const out = ["## Overall, across settings", "", study.note, ""];
  if (sequential.length > 0)
    out.push(
      `${sequential.join(", ")} ran sequential designs: ${sequential.length === 1 ? "its comparisons are" : "their comparisons are"} in this family with the seeds ${sequential.length === 1 ? "its design" : "their designs"} stopped at${toppedUp ? " and those a top-up added after looking (marked †)" : ""}, so for ${sequential.length === 1 ? "it" : "them"} these tests are descriptive (they ignore the early stops) and neither family's error bound covers them; the designs' decisions above are the error-controlled answer.`,
      "",
    );
  out.push(
    table(
      [
        "method",
        `${baseline} − method (${study.primaryMetric}) [95% CI]`,
        "seeds",
        `settings ${baseline} ahead / behind`,
        "between-settings SD",
        `p (${correction})`,
        "verdict",
      ],
      study.overall.map((a) => [
        a.baseline,
        Number.isFinite(a.diff) ? signedPctInterval(a.diff, a.ci) : "—",
        String(a.seeds),
        `${a.ahead} / ${a.behind} of ${a.settings}`,
        pct(a.betweenSettingsSd, 2),
        pValue(a.pAdjusted),
        `${a.verdict === "better" || a.verdict === "worse" ? `${baseline} ${a.verdict}` : a.verdict}${a.posthoc ? " †" : ""}`,
      ]),
    ),
    "",
  );
  const answersToppedUp = study.overall.filter((a) => a.posthoc);
  if (answersToppedUp.length > 0)
    out.push(
      `† differences include seeds added after looking at the results (a post-hoc top-up): ${answersToppedUp.map((a) => `${a.posthocSettings} of ${plural(a.settings, "setting")} against ${a.baseline}`).join(", ")}; the answer's p-value is optimistic; confirm it on fresh seeds.`,
      "",
    );
  out.push(
    `Per-setting verdicts on ${study.primaryMetric} after ${correction} across the whole family (${study.size} tests), per method compared with ${baseline}: ▲ ${baseline} better, ▼ ${baseline} worse, · no detectable difference${Object.values(study.tally).some((t) => t.posthoc.proposedBetter + t.posthoc.proposedWorse > 0) ? "; (n†): n of them rest on seeds a post-hoc top-up added" : ""} (the tables below correct within one setting and metric only).`,
    "",
    table(
      ["method", "▲", "▼", "·", "too few seeds", "degenerate"],
      Object.entries(study.tally).map(([method, t]) => [
        method,
        `${t.proposedBetter}${posthocOf(t.posthoc.proposedBetter)}`,
        `${t.proposedWorse}${posthocOf(t.posthoc.proposedWorse)}`,
        String(t.undecided),
        String(t.tooFewSeeds),
        String(t.degenerate),
      ]),
    ),
    "",
  );
  return out;
}

const SPENDING: Record<SequentialDecisions["spending"], string> = {
  "obrien-fleming": "O'Brien–Fleming-type",
  pocock: "Pocock-type",
};

/**
 * Each sequential sweep's decisions: what its design concluded at its family-wise error, comparison by comparison,
 * with the difference turned to baseline − configuration so that it reads like the tables (baseline − method).
 */
function sequentialSection(decisions: readonly SequentialDecisions[]): string[] {
  const out = [
    "## Decisions of the sequential designs",
    "",
    "Where a sweep ran a sequential seed design, its decisions below are the study's error-controlled answer: every " +
      "comparison with the design's baseline is tested at each look with group-sequential boundaries (alpha spending " +
      "on the information fraction, t-calibrated), Holm (or Bonferroni) across the comparisons, so the family-wise error over the " +
      "whole design stays at α however the looks turned out; a comparison whose chance of a decision by the last " +
      "look fell below 2 % stopped early (futility, non-binding). The fixed-n p-values of the tables further down " +
      "are descriptive for such a sweep: they ignore that its seeds stopped on the results. The difference is the " +
      "mean over the comparison's seeds at its last look (sd over seeds), and like any estimate at an early stop for " +
      "efficacy it leans away from zero; *adjusted p* is the comparison's repeated p-value (the smallest level at " +
      "which its boundaries, over the looks it took, would have been crossed), Holm- or Bonferroni-adjusted across " +
      'the comparisons (docs/statistics.md, "Sequential design").',
    "",
  ];
  for (const d of decisions) {
    if (d.blocked) {
      // its stored baseline names no single configuration: no family, no looks to describe
      out.push(`### ${d.sweepName}`, "", `Not decided: ${d.waiting}.`, "");
      continue;
    }
    out.push(
      `### ${d.sweepName}`,
      "",
      `Every method against \`${d.baseline}\` on ${d.metric}: looks at ${d.looks.join(", ")} seeds, ${SPENDING[d.spending]} spending, ${d.correction === "holm" ? "Holm" : "Bonferroni"} across ${d.rows.length || "its"} comparisons, family-wise error α = ${d.alpha}; decisions at look ${d.look + 1} of ${d.looks.length}.`,
      "",
    );
    if (d.waiting !== undefined) {
      out.push(`Not decided yet: ${d.waiting}.`, "");
      continue;
    }
    const verdict = (r: SequentialRow) =>
      // the design had more seeds to run for it: a sweep archived between two looks, or cancelled before its last
      r.decision === "continue"
        ? `${decisionText(r.decision)} (more seeds due)`
        : r.decision === "no difference"
          ? `${decisionText(r.decision)} (${r.stopped === "futility" ? "stopped for futility" : "at the last look"})`
          : `${d.baseline} ${r.decision === "better" ? "worse ▼" : "better ▲"}`;
    const stopped = (r: SequentialRow) =>
      r.stopped === null
        ? "—"
        : `${r.stopped === "max seeds" ? "at the last look" : r.stopped} (look ${(r.stoppedAt ?? 0) + 1})`;
    out.push(
      table(
        ["method", "verdict", `${d.baseline} − method (pp)`, "sd", "seeds", "seeds stopped", "adjusted p"],
        d.rows.map((r) => [
          r.config,
          verdict(r),
          signed(-r.meanDiff),
          pct(r.sdDiff),
          String(r.seeds),
          stopped(r),
          pValue(r.adjustedP),
        ]),
      ),
      "",
    );
  }
  return out;
}

/** Each confirmation stage: the selection's estimate and the fresh seeds' own test, side by side. */
function confirmationSection(confirmations: StudyReport["confirmations"]): string[] {
  const out = [
    "## Confirmation on fresh seeds",
    "",
    "A configuration chosen as the best on some seeds and tested on the same seeds looks better than it is (the " +
      "winner's curse). Each confirmation ran the chosen configurations and the baseline again on seeds that played " +
      "no part in choosing; its test (paired t, corrected across the configurations it confirms) is the one to cite, " +
      "and *kept* is the share of the selection's difference the fresh seeds reproduce (— where the selection showed no " +
      "clear lead, its own interval holding 0 or lying on the worse side: a ratio over such a difference is noise). Δ is the configuration minus " +
      "the baseline (the opposite sign of the method tables' baseline − method where both compare with the same " +
      "method); the selection's p is a fixed-n test on its seeds, not a sequential design's adjusted p.",
    "",
  ];
  for (const { sweepName, confirmation: c } of confirmations) {
    out.push(`### ${sweepName}: ${c.heading}`, "");
    const cells = (e: StageEstimate | null) =>
      e
        ? [
            String(e.seeds),
            signedDifference(c.metric, e.meanDiff, e.ci),
            pValue(e.pAdjusted),
            `${e.verdict}${e.posthocRevisions.length > 0 ? " †" : ""}`,
          ]
        : ["0", "—", "—", "no result"];
    out.push(
      table(
        [
          "configuration",
          `selection: seeds`,
          `Δ = configuration − ${c.baseline} [95% CI]`,
          `p (${c.correction})`,
          "verdict",
          "confirmation: seeds",
          "Δ [95% CI]",
          `p (${c.correction})`,
          "verdict",
          "kept",
        ],
        c.rows.map((r) => [
          r.config,
          ...cells(r.selection),
          ...cells(r.confirmation),
          Number.isFinite(r.retained) ? `${fixed(100 * r.retained, 0)} %` : "—",
        ]),
      ),
      "",
    );
    if (c.pending > 0) out.push(`${c.pending} confirmation trials were still to finish.`, "");
  }
  return out;
}

function sweepsSection(report: StudyReport): string[] {
  const out = ["## Sweeps", ""];
  out.push(
    table(
      ["sweep", "id", "trials", "succeeded", "failed", "wall time", "training time", "backend", "workers"],
      report.sweeps.map((s) => [
        `${s.project}/${s.name}`,
        `\`${s.id.slice(0, 8)}\``,
        String(s.trials),
        String(s.counts.succeeded ?? 0),
        String(s.counts.failed ?? 0),
        duration(s.wallSeconds),
        duration(s.trialSeconds),
        s.backends.join(", ") || "–",
        String(s.workers),
      ]),
    ),
    "",
    report.sweeps.length === 1
      ? `The sweep: ${duration(report.wallSeconds)} from the first trial's start to the last one's finish, ${duration(report.busySeconds)} of it with a trial running${report.busySeconds < 0.9 * report.wallSeconds ? " (the rest: time with no trial running, such as waits between a run and its retry, resume or top-up)" : ""}.`
      : `${report.sweeps.length === 2 ? "Both sweeps" : `All ${report.sweeps.length} sweeps`} together: ${duration(report.wallSeconds)} from the first trial's start to the last one's finish, ${duration(report.busySeconds)} of it with a trial running.`,
    "",
  );
  for (const s of report.sweeps) {
    const search = Object.entries(s.search)
      .map(([k, v]) => `${shortParam(k)} ∈ {${v.join(", ")}}`)
      .join(" × ");
    const perConfig =
      s.seedsPerConfig.min === s.seedsPerConfig.max
        ? `${s.seedsPerConfig.max} seeds`
        : `${s.seedsPerConfig.min} to ${s.seedsPerConfig.max} seeds per configuration`;
    const confirming = s.confirmationSeeds.length
      ? `; confirmation on fresh seeds ${seedRanges(s.confirmationSeeds)}`
      : "";
    out.push(
      `- **${s.name}**: ${search || "no search"} × ${perConfig} (seeds ${seedRanges(s.seeds)}${confirming}).`,
    );
    const e = s.selectedEpochs;
    if (e)
      out.push(
        `  Epoch chosen on the validation set (highest validation balanced accuracy among ${e.candidates}): median ${e.median}, range ${e.min}–${e.max}; the last epoch in ${e.last} of ${e.trials} trials.`,
      );
    if (s.tags.length > 0) out.push(`  Tags: ${s.tags.map((tag) => `\`${tag}\``).join(", ")}.`);
    // Markdown already: quoted as written, inside the sweep's item, so its own headings and lists stay its own.
    if (s.notes !== "")
      out.push("", ...s.notes.split("\n").map((line) => (line ? `  > ${line}` : "  >")), "");
    if (s.differences.length > 0)
      out.push(
        `  Fixed settings that differ from the ${report.referenceName ?? "reference"}: ${s.differences.map((d) => `${d.path} ${d.value} (${d.reference})`).join("; ")}.`,
      );
    for (const f of s.failures.slice(0, 5)) out.push(`  Failed: ${f.params} — ${f.error}`);
    if (s.failures.length > 5) out.push(`  … and ${s.failures.length - 5} more failed trials.`);
  }
  out.push("");
  return out;
}

function tallyCell(t: Tally): string {
  const needed = Number.isFinite(t.medianSeedsNeeded) ? ` (median ${seedsText(t.medianSeedsNeeded)})` : "";
  return `${t.proposedBetter}▲${posthocOf(t.posthoc.proposedBetter)} ${t.proposedWorse}▼${posthocOf(t.posthoc.proposedWorse)} ${t.undecided}·${needed}${t.degenerate ? ` ${t.degenerate}=` : ""}${t.tooFewSeeds ? ` ${t.tooFewSeeds}–` : ""}`;
}

/** How many of a count's verdicts rest on post-hoc seeds, as ` (1†)`; nothing when none do. */
const posthocOf = (n: number) => (n > 0 ? ` (${n}†)` : "");

/** Settings grouped for figures: by data set when it is searched (one chart each), the other parameters on the axis. */
function settingGroups(
  mc: MethodComparison,
): { name: string; settings: SettingResult[]; axisKeys: string[] }[] {
  const byData = mc.settingKeys.includes("dataset.name");
  const axisKeys = mc.settingKeys.filter((k) => k !== "dataset.name");
  const groups = groupBy(mc.settings, (s) => (byData ? paramValue(s.params["dataset.name"]) : mc.sweepName));
  return [...groups].map(([name, settings]) => ({ name, settings, axisKeys }));
}

function methodSection(mc: MethodComparison, figure: Figure): string[] {
  const others = mc.methods.filter((m) => m !== mc.baseline);
  const out = [
    `## Methods against ${mc.baseline}: ${mc.sweepName}`,
    "",
    `${mc.settings.length === 1 ? "1 setting" : `${mc.settings.length} settings`} (${mc.settingKeys.map(shortParam).join(" × ") || "one"}) × methods ${mc.methods.join(", ")}.`,
    "",
    ...(mc.sequential
      ? [
          "This sweep ran a sequential design: how many seeds each method got depended on its results, so the " +
            "▲ / ▼ and p-values of this section are fixed-n tests on those seeds — descriptive, optimistic where a " +
            "comparison was stopped early or run on. Its design's decisions (above) are the error-controlled answer.",
          "",
        ]
      : []),
    "### Verdicts across settings",
    "",
    `Per method and metric, the number of settings where ${mc.baseline} is significantly better (▲) than that method, worse (▼), or not distinguishable (·)${Object.values(mc.tally).some((byBaseline) => Object.values(byBaseline).some((t) => t.posthoc.proposedBetter + t.posthoc.proposedWorse > 0)) ? "; (n†): n of them rest on seeds a post-hoc top-up added" : ""}.`,
    "",
    table(
      ["method", ...REPORT_METRICS.map((m) => m.label)],
      others.map((b) => [b, ...REPORT_METRICS.map((m) => tallyCell(mc.tally[m.id]![b]!))]),
    ),
    "",
  ];
  const groups = settingGroups(mc);
  for (const metric of REPORT_METRICS) {
    out.push(`### ${metric.label[0]!.toUpperCase()}${metric.label.slice(1)}`, "");
    out.push(
      table(
        ["setting", ...mc.methods],
        mc.settings.map((s) => {
          const cells = s.metrics[metric.id]!;
          return [
            s.label,
            ...mc.methods.map((m) => {
              const c = cells.find((x) => x.method === m);
              return c ? marked(c) : "–";
            }),
          ];
        }),
      ),
      "",
    );
    if (
      metric.id === "balancedAccuracy" ||
      metric.id === "minorityRecall" ||
      metric.id === "pseudoMinorityRecall"
    ) {
      for (const g of groups) {
        const categories = g.settings.map((s) => settingLabel(s.params, g.axisKeys));
        const svg = linesSvg({
          title: `${g.name}: ${metric.label} (%), mean and 95% t interval over seeds`,
          categories,
          xName: g.axisKeys.map(shortParam).join(", "),
          series: mc.methods.map((method) => {
            const cells = g.settings.map((s) => s.metrics[metric.id]!.find((c) => c.method === method));
            return percentSeries(
              method,
              cells.map((c) => c?.summary),
            );
          }),
        });
        out.push(figure(`${mc.sweepName}-${metric.id}-${g.name}`, `${metric.label}, ${g.name}`, svg), "");
      }
    }
  }
  out.push("### Paired differences, setting by setting", "");
  out.push(
    `Each cell: ${mc.baseline} − method (the row's) in percentage points [95 % t interval], Holm-corrected p, d_z, verdict (▲: ${mc.baseline} better).`,
    "",
  );
  for (const s of mc.settings) {
    out.push(`<details><summary>${s.label}</summary>`, "");
    out.push(
      table(
        ["method", ...REPORT_METRICS.map((m) => m.label)],
        others.map((b) => [
          b,
          ...REPORT_METRICS.map((m) => {
            const v = s.metrics[m.id]!.find((c) => c.method === b)?.versus;
            return v ? formatVersus(v) : "–";
          }),
        ]),
      ),
      "",
      "</details>",
      "",
    );
  }
  out.push(...pseudoLabelSection(mc, groups, figure));
  return out;
}

/** The hardest setting of each group (most imbalanced, fewest labels) gets a per-class chart; all get a table. */
function pseudoLabelSection(
  mc: MethodComparison,
  groups: ReturnType<typeof settingGroups>,
  figure: Figure,
): string[] {
  const out = [
    "### Per-class pseudo-label recall",
    "",
    "Recall of the pseudo-labels (argmax q(y | x)) on the unlabeled training rows, per true class; * marks the minority classes (fewest labels).",
    "",
  ];
  if (mc.settings.some((s) => s.classAxis === "rank"))
    out.push(
      "Where the class order is drawn per seed (`classOrder: random`), a different class is the tail on every seed, so the columns are the classes' ranks in the long tail instead: r1 the head class, the last rank the tail, each seed's class of that rank.",
      "",
    );
  const perClassTable = (setting: SettingResult) =>
    table(
      ["method", ...classLabels(setting)],
      setting.pseudoPerClass.map((p) => [p.method, ...p.perClass.map(formatSummary)]),
    );
  for (const g of groups) {
    const hardest = [...g.settings].sort(
      (a, b) =>
        Number(b.params["dataset.imbalanceRatio"] ?? 0) - Number(a.params["dataset.imbalanceRatio"] ?? 0) ||
        Number(a.params["dataset.labelRatio"] ?? 0) - Number(b.params["dataset.labelRatio"] ?? 0),
    )[0];
    if (!hardest || hardest.pseudoPerClass.length === 0) continue;
    out.push(`**${hardest.label}** (the most imbalanced setting with the fewest labels)`, "");
    out.push(
      figure(
        `${mc.sweepName}-pseudo-per-class-${hardest.label}`,
        `pseudo-label recall per class, ${hardest.label}`,
        groupedBarsSvg({
          title: `${hardest.label}: pseudo-label recall per class (%), 95% t whiskers`,
          categories: classLabels(hardest),
          xName: perClassAxisName(hardest.classAxis),
          series: hardest.pseudoPerClass.map((p) => percentSeries(p.method, p.perClass)),
        }),
      ),
      "",
      perClassTable(hardest),
      "",
    );
  }
  const rest = mc.settings.filter((s) => s.pseudoPerClass.length > 0);
  if (rest.length > 0) {
    out.push("<details><summary>Every setting's per-class pseudo-label recall</summary>", "");
    for (const setting of rest) out.push(`**${setting.label}**`, "", perClassTable(setting), "");
    out.push("</details>", "");
  }
  return out;
}

function sensitivitySection(s: Sensitivity, figure: Figure): string[] {
  // No configuration with a result (every trial failed, or none finished yet): there is no best to compare with.
  const compared = s.configs.some((c) => c.summary.n > 0);
  const failed = s.configs.reduce((n, c) => n + c.failed, 0);
  const out = [
    `## Sensitivity: ${s.sweepName}`,
    "",
    compared
      ? `${s.metric.label} of every configuration; each is compared with ${s.referenceIsDefault ? "the default configuration" : "the best configuration"} \`${s.reference}\` (${correctedFamilyText(
          { correction: "holm", alpha: 0.05 },
          s.configs.filter((c) => c.label !== s.reference).map((c) => c.versus?.verdict),
          "other configuration",
        )}).`
      : `${s.metric.label} of every configuration: none has a finished trial${failed > 0 ? ` (${failed} failed)` : ""}, so nothing is compared.`,
    "",
  ];
  const cellOf = (c: Sensitivity["configs"][number]) =>
    `${marked(c)}${compared && c.label === s.reference ? " (ref.)" : ""}${c.failed ? ` (${c.failed} failed)` : ""}`;
  if (s.keys.length === 2) {
    const values = (k: string) => [...new Set(s.configs.map((c) => paramValue(c.params[k])))];
    const [a, b] = s.keys as [string, string];
    const [rowKey, colKey] = values(a).length >= values(b).length ? [a, b] : [b, a];
    const rowValues = values(rowKey);
    const colValues = values(colKey);
    const find = (r: string, c: string) =>
      s.configs.find((x) => paramValue(x.params[rowKey]) === r && paramValue(x.params[colKey]) === c);
    out.push(
      table(
        [`${shortParam(rowKey)} \\ ${shortParam(colKey)}`, ...colValues],
        rowValues.map((r) => [
          r,
          ...colValues.map((c) => {
            const x = find(r, c);
            return x ? cellOf(x) : "–";
          }),
        ]),
      ),
      "",
      figure(
        `${s.sweepName}-heatmap`,
        `${s.metric.label} over ${shortParam(rowKey)} and ${shortParam(colKey)}`,
        heatmapSvg({
          title: `${s.sweepName}: ${s.metric.label} (%), seed mean`,
          x: colValues,
          y: rowValues,
          xName: shortParam(colKey),
          yName: shortParam(rowKey),
          values: rowValues.map((r) =>
            colValues.map((c) => {
              const x = find(r, c);
              return x && x.summary.n > 0 ? 100 * x.summary.mean : null;
            }),
          ),
        }),
      ),
      "",
    );
  } else {
    out.push(
      table(
        ["configuration", s.metric.label],
        s.configs.map((c) => [c.label, cellOf(c)]),
      ),
      "",
    );
  }
  const decided = s.configs.filter(
    (c) => c.versus && (c.versus.verdict === "better" || c.versus.verdict === "worse"),
  );
  out.push(
    decided.length === 0
      ? `No configuration differs detectably from \`${s.reference}\`.`
      : `Configurations that differ detectably from \`${s.reference}\`: ${decided.map((c) => `\`${c.label}\` ${formatVersus(c.versus!)}`).join("; ")}.`,
    "",
  );
  if (s.best)
    out.push(
      `${soleResultText(s.best) ?? tiedBestText(s.best) ?? `Best: \`${s.best.config}\`, ${bestInResamples(s.best.probabilityBest)}; ${bestClaim(s.best)}`}.`,
      "",
    );
  out.push(
    "<details><summary>Every configuration against the reference</summary>",
    "",
    table(
      ["configuration", s.metric.label, "vs reference"],
      s.configs.map((c) => [
        c.label,
        formatSummary(c.summary),
        c.versus
          ? formatVersus(c.versus)
          : c.label === s.reference
            ? "reference"
            : // as the grid says it: no result (its trials failed), or too few seeds to test
              c.summary.n === 0
              ? `no result${c.failed ? ` (${c.failed} failed)` : ""}`
              : "–",
      ]),
    ),
    "",
    "</details>",
    "",
  );
  return out;
}

function missingSection(groups: MissingModalityGroup[], baseline: string, figure: Figure): string[] {
  const out = [
    "## Missing modality",
    "",
    `Test balanced accuracy when only one modality is observed at test time: the methods trained on all modalities (their product of experts or fusion then runs on the observed one), beside a model trained on that modality alone. Differences are ${baseline} − method, against ${baseline} in the same column (▲ / ▼: ${baseline} significantly better / worse than that method).`,
    "",
  ];
  for (const g of groups) {
    const rows = [...new Set(g.columns.flatMap((c) => c.cells.map((x) => x.method)))];
    const cellIn = (col: MissingModalityGroup["columns"][number], method: string): MethodCell | undefined =>
      col.cells.find((x) => x.method === method);
    out.push(`### ${g.label}`, "");
    out.push(
      table(
        ["method", ...g.columns.map((c) => c.label)],
        rows.map((m) => [
          m,
          ...g.columns.map((col) => {
            const c = cellIn(col, m);
            return c ? marked(c) : "";
          }),
        ]),
      ),
      "",
    );
    const singles = g.columns.filter((c) => c.key !== "all");
    out.push(
      figure(
        `missing-modality-${g.label}`,
        `balanced accuracy with one modality observed, ${g.label}`,
        groupedBarsSvg({
          title: `${g.label}: balanced accuracy (%) by observed modality`,
          categories: singles.map((c) => c.label),
          series: rows
            .filter((m) => !m.startsWith("trained on "))
            .concat(["trained on that modality only"])
            .map((m) => {
              const cells = singles.map((col) =>
                m === "trained on that modality only"
                  ? col.cells.find((x) => x.method.startsWith("trained on "))
                  : cellIn(col, m),
              );
              return percentSeries(
                m,
                cells.map((c) => c?.summary),
              );
            }),
        }),
      ),
      "",
    );
    const details = g.columns.flatMap((col) =>
      col.cells.filter((c) => c.versus).map((c) => [col.label, c.method, formatVersus(c.versus!)]),
    );
    if (details.length > 0)
      out.push(
        `<details><summary>Paired differences (${baseline} − method)</summary>`,
        "",
        table(["observed", "method", `${baseline} − method`], details),
        "",
        "</details>",
        "",
      );
  }
  return out;
}
