import {
  ConfigError,
  type FreshSeeds,
  InputError,
  metricDirection,
  nextSeeds,
  plural,
  type SweepSpec,
} from "@tailsweep/schemas";
import {
  type ComparisonRow,
  type Correction,
  compareConfigurations,
  type Observation,
} from "@tailsweep/stats";
import type { SweepRevision } from "@tailsweep/sweep";
import { hasDecisionStage, isOpen } from "@tailsweep/sweep";
import {
  type Configuration,
  configurationsOf,
  defaultBaseline,
  finishedValues,
  type Lead,
  leadsOverBaseline,
  METRIC_CHOICES,
  resolveBaseline,
} from "./configurations";
import { comparisonFamilyText, isShare, pct, plain, seedRanges } from "./format";
import { markPosthoc, posthocAddedBy, posthocRevisionSet } from "./posthoc";
import { type SweepRuns, type TrainingEstimate, trainingEstimate } from "./sweep-runs";

/**
 * A confirmation stage: configurations chosen on the sweep's seeds, run again with the baseline on fresh seeds that
 * played no part in choosing them. Its revision's `configKeys` hold the baseline first, then the selected.
 */
const isConfirmation = (r: Pick<SweepRevision, "kind">) => r.kind === "confirm";

/**
 * What a confirmation against `baselineKey` chooses from by default, on the selection stage's runs
 * ({@link selectionRuns}): every configuration's lead over the baseline ({@link leadsOverBaseline}), and those
 * `ahead` of it that no confirmation against it has run yet (its revision lists the baseline first, then the
 * selected), furthest ahead first. `planConfirmation` takes the first `top` of `ahead`; the comparison's `toConfirm`
 * is its first, so the page's button and the API choose alike.
 */
export function confirmationChoice(
  selection: SweepRuns,
  baselineKey: string,
  objective: { metric: string; direction: SweepSpec["objective"]["direction"] },
): { leads: Lead[]; ahead: Lead[] } {
  const leads = leadsOverBaseline(selection.trials, selection.results, baselineKey, objective);
  const confirmed = new Set(
    selection.revisions
      .filter((r) => isConfirmation(r) && r.configKeys[0] === baselineKey)
      .flatMap((r) => r.configKeys.slice(1)),
  );
  return { leads, ahead: leads.filter((l) => l.lead > 0 && !confirmed.has(l.configKey)) };
}

/**
 * The sweep without its confirmation stages: every view that selects, ranks or tops up reads these runs, so the
 * fresh seeds of a confirmation never feed the choice they are meant to check.
 */
export function selectionRuns(runs: SweepRuns): SweepRuns {
  const confirming = new Set(runs.revisions.filter(isConfirmation).map((r) => r.revision));
  if (confirming.size === 0) return runs;
  return { ...runs, trials: runs.trials.filter((t) => !confirming.has(t.revision)) };
}

/** The seeds of a sweep's confirmation stages: kept out of selection, and out of any later top-up. */
export function confirmationSeeds(runs: SweepRuns): Set<number> {
  return new Set(runs.revisions.filter(isConfirmation).flatMap((r) => r.seeds));
}

/** One side of a confirmation's row: a configuration against the baseline at one stage. */
export interface StageEstimate {
  /** Matched seeds the test pairs. */
  seeds: number;
  /** Mean paired difference (configuration − baseline) and its t interval (NaN where not paired). */
  meanDiff: number;
  ci: [number, number];
  p: number;
  /** Corrected across the stage's family: every configuration against the baseline (selection), the selected (confirmation). */
  pAdjusted: number;
  verdict: NonNullable<ComparisonRow["vsBaseline"]>["verdict"];
  reason?: string;
  /**
   * Post-hoc revisions (top-ups after looking) whose seeds this stage's test pairs: its p-value is optimistic, and
   * every surface marks it † as the comparison table does. Always empty for a confirmation, planned before its data.
   */
  posthocRevisions: number[];
}

/** A selected configuration's comparison with the baseline on the selection seeds and on the fresh ones. */
export interface ConfirmationRow {
  config: string;
  configKey: string;
  selection: StageEstimate | null;
  confirmation: StageEstimate | null;
  /**
   * The confirmation's mean difference over the selection's: below 1 is the winner's curse (the selection estimate
   * was biased upward by choosing the best of several noisy estimates); NaN where either is missing or the
   * selection showed no clear lead (its t interval holds 0, or lies against the objective's direction).
   */
  retained: number;
}

/** A confirmation stage's test and the selection it checks, side by side (docs/statistics.md, "Confirmation"). */
export interface Confirmation {
  revision: number;
  baseline: string;
  baselineKey: string;
  /**
   * Seeds the selection stage used: those with a result among the trials planned before this confirmation, outside
   * any confirmation (a later top-up's are not, nor seeds whose trials never finished).
   */
  selectedOn: number[];
  /** The fresh seeds of this confirmation. */
  confirmedOn: number[];
  metric: string;
  correction: Correction;
  alpha: number;
  rows: ConfirmationRow[];
  /** Trials of the confirmation not finished yet (its test waits for none: it uses the seeds that are in). */
  pending: number;
  /** "selected on seeds 1–5, confirmed on 11–20": what every surface prints as its heading. */
  heading: string;
  /**
   * What the selection rows' adjusted p-values were corrected across: the selection table's tested comparisons
   * ("Holm-corrected across the 3 comparisons at α = 0.05"), not every configuration (a degenerate one has no test).
   */
  selectionFamily: string;
}

function stage(row: (ComparisonRow & { posthocRevisions: number[] }) | undefined): StageEstimate | null {
  const v = row?.vsBaseline;
  if (!v) return null;
  const c = v.comparison;
  const paired = c?.method === "paired" ? c : undefined;
  return {
    seeds: paired?.n ?? 0,
    meanDiff: c ? c.meanDiff : Number.NaN,
    ci: paired ? paired.ci : [Number.NaN, Number.NaN],
    p: v.p,
    pAdjusted: v.pAdjusted,
    verdict: v.verdict,
    ...(v.reason !== undefined && { reason: v.reason }),
    posthocRevisions: row.posthocRevisions,
  };
}

/** Settings of {@link confirmationsOf}: the metric and the tests' level and correction (the comparison's). */
export interface ConfirmationOptions {
  metric: string;
  direction: SweepSpec["objective"]["direction"];
  correction?: Correction;
  alpha?: number;
}

/**
 * Each confirmation stage of a sweep: its selected configurations against its baseline on its fresh seeds (paired
 * t-tests, corrected across the selected), beside the same comparisons on the selection seeds (corrected across
 * the selection table's tested comparisons, as that table is). Only trials the confirmation added count for its test.
 */
export function confirmationsOf(runs: SweepRuns, options: ConfirmationOptions): Confirmation[] {
  const confirmations = runs.revisions.filter(isConfirmation);
  if (confirmations.length === 0) return [];
  const configs = configurationsOf(runs.trials);
  const labelOf = (key: string) => configs.get(key)?.label ?? key;
  const selection = selectionRuns(runs);
  const posthoc = posthocRevisionSet(runs.revisions);
  const observe = (trials: SweepRuns["trials"]): Observation[] =>
    [...finishedValues(trials, runs.results, options.metric)].map(({ trial, value }) => ({
      config: labelOf(trial.configKey),
      seed: trial.seed,
      value,
    }));
  const settings = {
    direction: options.direction,
    ...(options.correction && { correction: options.correction }),
    ...(options.alpha !== undefined && { alpha: options.alpha }),
    resamples: 0,
  };
  return confirmations.map((revision) => {
    // What the choice was made on: the trials planned before this confirmation. A top-up added after it was not
    // seen by the selection (its seeds would have been named "selected on" and moved the selection's estimate).
    const chosenFrom = selection.trials.filter((t) => t.revision < revision.revision);
    const selectionObservations = observe(chosenFrom);
    const selectedOn = [...new Set(selectionObservations.map((o) => o.seed))].sort((a, b) => a - b);
    const [baselineKey, ...selectedKeys] = revision.configKeys;
    const baseline = labelOf(baselineKey!);
    const own = runs.trials.filter((t) => t.revision === revision.revision);
    const tableOf = (observations: Observation[], addedBy: ReadonlyMap<string, number>) =>
      observations.some((o) => o.config === baseline)
        ? markPosthoc(compareConfigurations(observations, { ...settings, baseline }), addedBy)
        : undefined;
    const selected = tableOf(selectionObservations, posthocAddedBy(chosenFrom, posthoc, labelOf));
    const confirmed = tableOf(observe(own), new Map());
    const rows = selectedKeys.map((key): ConfirmationRow => {
      const config = labelOf(key);
      const before = stage(selected?.rows.find((r) => r.config === config));
      const after = stage(confirmed?.rows.find((r) => r.config === config));
      // A share of a lead the selection did not show clearly says nothing: over a difference whose interval holds 0
      // the ratio is noise (a selection Δ of +0.07 [−0.32, 0.46] gave "kept −525 %", round-off of −1.7e-16
      // "−5003999585967375 %").
      const sign = options.direction === "minimize" ? -1 : 1;
      const clearLead = before !== null && Math.min(sign * before.ci[0], sign * before.ci[1]) > 0;
      const retained = clearLead && after ? after.meanDiff / before.meanDiff : Number.NaN;
      return { config, configKey: key, selection: before, confirmation: after, retained };
    });
    return {
      revision: revision.revision,
      baseline,
      baselineKey: baselineKey!,
      selectedOn,
      confirmedOn: [...revision.seeds].sort((a, b) => a - b),
      metric: options.metric,
      correction: confirmed?.correction ?? selected?.correction ?? options.correction ?? "holm",
      alpha: confirmed?.alpha ?? selected?.alpha ?? options.alpha ?? 0.05,
      rows,
      pending: own.filter(isOpen).length,
      heading: `selected on seeds ${seedRanges(selectedOn)}, confirmed on ${seedRanges(revision.seeds)}`,
      selectionFamily: selected
        ? comparisonFamilyText(selected)
        : `nothing corrected: the baseline ${baseline} has no result on the selection seeds`,
    };
  });
}

/** What {@link planConfirmation} is asked: fresh seeds, and which configurations to confirm against which baseline. */
export type ConfirmationQuery = FreshSeeds & {
  /**
   * Configurations to confirm, by label or `key=value` pairs; default the `top` furthest ahead of the baseline
   * ({@link leadsOverBaseline}) and not yet confirmed against it.
   */
  configs?: readonly string[];
  /** How many of those furthest ahead to confirm when `configs` is not given (default 1). */
  top?: number;
  baseline?: string;
  /** The metric they are chosen by (default the sweep's objective, in its direction). */
  metric?: string;
};

/** The trials a confirmation adds, for which configurations, and what that costs ({@link TrainingEstimate}). */
export interface ConfirmationPlan extends TrainingEstimate {
  seeds: number[];
  /** The baseline first, then the selected configurations (what the revision records). */
  configKeys: string[];
  baseline: string;
  /** The selected configurations' labels, best first. */
  selected: string[];
  trialCount: number;
}

/**
 * A lead over the baseline as the confirmation's refusals say it, in the metric's units (percentage points for a share,
 * else as it is: {@link isShare}): `ahead by 0.55 pp over 11 seeds`, `behind by 1200 over 5 seeds`, `level with it over
 * 5 seeds` (what rounds to 0.00: a sequential sweep's walk-through once read "behind by 0.00 pp").
 */
export function baselineLeadText(l: Pick<Lead, "lead" | "pairs">, metric: string): string {
  const size = isShare(metric) ? pct(Math.abs(l.lead), 2) : plain(Math.abs(l.lead));
  const over = `over ${plural(l.pairs, "seed")}`;
  if (isShare(metric) ? size === "0.00" : l.lead === 0) return `level with it ${over}`;
  return `${l.lead > 0 ? "ahead" : "behind"} by ${size}${isShare(metric) ? " pp" : ""} ${over}`;
}

/**
 * Plans a confirmation stage: the selected configurations (named, or the `top` furthest ahead of the baseline by
 * their mean paired difference with it on the selection seeds — {@link leadsOverBaseline}; none that trails it, none
 * confirmed against it already) and the baseline, on seeds the sweep has never run. Seeds it has run are refused,
 * naming them: the selection saw their results, so a test on them is the biased one this stage avoids.
 */
export function planConfirmation(runs: SweepRuns, query: ConfirmationQuery): ConfirmationPlan {
  const selection = selectionRuns(runs);
  const { sweep, trials } = runs;
  const configsByKey = configurationsOf(selection.trials);
  const configs = [...configsByKey.values()];
  const problems: InputError[] = [];
  const used = new Set(trials.map((t) => t.seed));
  // a TPE search's decision seeds are its design's, run or not: fresh seeds come after them
  const reserved = hasDecisionStage(sweep.spec) ? [...used, ...sweep.spec.sequential!.seeds] : [...used];
  const seeds = "seeds" in query ? [...new Set(query.seeds)] : nextSeeds(reserved, query.more);
  if (seeds.length < 2)
    problems.push(
      new InputError("seeds", `a confirmation needs at least 2 different seeds, got ${seeds.join(", ")}`),
    );
  if (query.configs !== undefined && query.top !== undefined)
    problems.push(
      new InputError(
        "configs, top",
        "name the configurations (configs) or how many of the best (top), not both",
      ),
    );
  // said, not ignored: the metric chooses the configurations when they are not named, and changes nothing when they are
  if (query.configs !== undefined && query.metric !== undefined)
    problems.push(
      new InputError(
        "metric",
        "chooses the configurations to confirm by their lead on it; with the configurations named it would change nothing (a confirmation is tested on whichever metric its comparison is read under)",
      ),
    );
  const reused = seeds.filter((s) => used.has(s));
  if (reused.length > 0)
    problems.push(
      new InputError(
        "seeds",
        `seed${reused.length === 1 ? "" : "s"} ${seedRanges(reused)} ran in this sweep already, so its results helped choose; a confirmation needs seeds never used (e.g. +${seeds.length} for ${seedRanges(nextSeeds([...used], seeds.length))})`,
      ),
    );
  let baseline: Configuration | undefined;
  try {
    baseline =
      query.baseline === undefined
        ? defaultBaseline(sweep.spec, configsByKey)
        : resolveBaseline(configs, query.baseline);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    problems.push(e);
  }
  const metric = query.metric ?? sweep.spec.objective.metric;
  const others = configs.filter((c) => c.key !== baseline?.key);
  let selected: Configuration[] = [];
  if (query.configs && query.configs.length > 0) {
    query.configs.forEach((name, i) => {
      try {
        const c = resolveBaseline(configs, name, `configs[${i}]`);
        if (c.key === baseline?.key)
          problems.push(
            new InputError(
              `configs[${i}]`,
              `'${c.label}' is the baseline; confirm another configuration against it`,
            ),
          );
        else if (!selected.some((s) => s.key === c.key)) selected.push(c);
      } catch (e) {
        if (!(e instanceof InputError)) throw e;
        problems.push(e);
      }
    });
  } else {
    const top = query.top ?? 1;
    const finished = [...finishedValues(selection.trials, runs.results, metric)];
    // a metric no finished trial reports is said whatever else is wrong (an unknown baseline beside it), and is the
    // metric's fault, not the baseline's
    if (finished.length === 0)
      problems.push(
        new InputError(
          "metric",
          `no finished trial of sweep ${sweep.id} reports the metric '${metric}' (${METRIC_CHOICES})`,
        ),
      );
    if (!Number.isInteger(top) || top < 1 || top > Math.max(1, others.length))
      problems.push(
        new InputError(
          "top",
          `must be a whole number from 1 to ${Math.max(1, others.length)} (the configurations besides the baseline), got ${top}`,
        ),
      );
    else if (baseline && finished.length > 0) {
      // only a configuration ahead of the baseline is worth fresh seeds to confirm that it is, and once confirmed
      // against it, named again (`configs`) rather than chosen again
      const { leads, ahead } = confirmationChoice(selection, baseline.key, {
        metric,
        // a metric that says which way is better (lower class shift) overrides the objective's, as in the comparison
        direction: metricDirection(metric) ?? sweep.spec.objective.direction,
      });
      const baselineHasResults = finished.some((v) => v.trial.configKey === baseline!.key);
      const byKey = new Map(others.map((c) => [c.key, c]));
      selected = ahead.flatMap((l) => byKey.get(l.configKey) ?? []).slice(0, top);
      if (!baselineHasResults)
        problems.push(
          new InputError(
            "baseline",
            `the baseline ${baseline.label} has no finished trial reporting '${metric}' to choose against; name another baseline, or the configurations to confirm`,
          ),
        );
      else if (leads.length === 0)
        problems.push(
          new InputError(
            "metric",
            `no configuration besides the baseline has '${metric}' on two or more seeds the baseline ran, to choose by`,
          ),
        );
      else if (ahead.length === 0)
        problems.push(
          new InputError(
            "configs",
            leads.some((l) => l.lead > 0)
              ? `every configuration ahead of the baseline ${baseline.label} on ${metric} has been confirmed against it (${leads
                  .filter((l) => l.lead > 0)
                  .map((l) => l.config)
                  .join(", ")}); name one to confirm it again`
              : `no configuration is ahead of the baseline ${baseline.label} on ${metric} over the seeds they share (the closest: ${leads[0]!.config}, ${baselineLeadText(leads[0]!, metric)}); name one to confirm it anyway`,
          ),
        );
      else if (ahead.length < top)
        problems.push(
          new InputError(
            "top",
            `only ${plural(ahead.length, "configuration")} not yet confirmed ${ahead.length === 1 ? "is" : "are"} ahead of the baseline ${baseline.label} on ${metric} over the seeds they share (${ahead.map((l) => `${l.config}, ${baselineLeadText(l, metric)}`).join("; ")}); confirm ${ahead.length === 1 ? "it" : "those"} (top ${ahead.length}) or name others`,
          ),
        );
    }
  }
  // One bad field keeps its InputError (a front end names its flag); several are one error listing each.
  if (problems.length === 1) throw problems[0]!;
  if (problems.length > 1) throw new ConfigError(problems.map((e) => e.message));
  const configKeys = [baseline!.key, ...selected.map((c) => c.key)];
  const trialCount = configKeys.length * seeds.length;
  return {
    seeds,
    configKeys,
    baseline: baseline!.label,
    selected: selected.map((c) => c.label),
    trialCount,
    ...trainingEstimate(
      runs,
      configKeys.flatMap((key) => seeds.map(() => key)),
    ),
  };
}
