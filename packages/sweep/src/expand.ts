import {
  countTrials,
  type Distribution,
  explicitGammaLaunchWide,
  namesInBrief,
  plural,
  type RunConfig,
  resolveRunConfig,
  type SweepSpec,
  type TrialKind,
  trialNeedsGpu,
  trialsSummary,
  usesGamma,
  wideGammaText,
  withParam,
} from "@tailsweep/schemas";
import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";
import { uniformInt } from "pure-rand/distribution/uniformInt";
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";
import { configLabel } from "./config-label";
import { nextTpeProposals } from "./tpe-sweep";
import { configKey, trialKey } from "./trial-key";

/** What a trial's configuration is known by, fixed when the trial is planned and stored with it. */
export interface ConfigIdentity {
  /** {@link configKey} of the params: shared by the trials of one configuration (one per seed). */
  configKey: string;
  /** {@link configLabel} of the params: the configuration as people read it. */
  configLabel: string;
  /** `gpu` when only a GPU worker may run the trial (its sweep's `execution.gpu`), else `cpu`. */
  kind: TrialKind;
}

/** One planned trial: a point of the search space and a seed, with its fully resolved run config. */
export interface TrialPlan extends ConfigIdentity {
  /** Position in the sweep's deterministic order (0-based). */
  index: number;
  key: string;
  /** The searched knobs only, by canonical path (`model.nu`), in sorted order. */
  params: Record<string, unknown>;
  seed: number;
  config: RunConfig;
}

/**
 * A trial's {@link ConfigIdentity} from its params, its resolved config and its sweep's `execution`: the one place
 * it is computed, at expansion and when rows stored before it existed are filled in, so both agree.
 */
export function configIdentity(
  execution: { gpu?: SweepSpec["execution"]["gpu"] },
  params: Record<string, unknown>,
  config: RunConfig,
): ConfigIdentity {
  return {
    configKey: configKey(params),
    configLabel: configLabel(params),
    kind: trialNeedsGpu(execution, config) ? "gpu" : "cpu",
  };
}

type Point = Record<string, unknown>;

/** Cartesian product of the grid, knobs in sorted order, values in file order (last knob varies fastest). */
function gridPoints(search: SweepSpec["search"]): Point[] {
  const names = Object.keys(search).sort();
  let points: Point[] = [{}];
  for (const name of names) {
    const values = search[name] as unknown[];
    points = points.flatMap((p) => values.map((v) => ({ ...p, [name]: v })));
  }
  return points;
}

function sample(spec: SweepSpec["search"][string], rng: ReturnType<typeof xoroshiro128plus>): unknown {
  if (Array.isArray(spec)) return spec[uniformInt(rng, 0, spec.length - 1)];
  const d = spec as Distribution;
  switch (d.distribution) {
    case "uniform":
      return d.low + (d.high - d.low) * uniformFloat64(rng);
    case "loguniform":
      return Math.exp(Math.log(d.low) + (Math.log(d.high) - Math.log(d.low)) * uniformFloat64(rng));
    case "int":
      return uniformInt(rng, d.low, d.high);
    case "categorical":
      return d.values[uniformInt(rng, 0, d.values.length - 1)];
  }
}

/**
 * `budget` distinct random points (grid lists act as categorical), drawn from the sweep's samplerSeed. A space
 * with fewer distinct points than the budget yields all it has. The generator is pure-rand's xoroshiro128+, as in
 * `@tailsweep/random`, but seeded from `samplerSeed` directly rather than through a named stream: extending a
 * stored random sweep expands it again, and it must find the points it found when it was launched.
 */
function randomPoints(spec: SweepSpec): Point[] {
  const rng = xoroshiro128plus(spec.samplerSeed);
  const names = Object.keys(spec.search).sort();
  const seen = new Set<string>();
  const points: Point[] = [];
  const budget = spec.budget ?? 0;
  for (let tries = 0; points.length < budget && tries < budget * 50; tries++) {
    const point: Point = {};
    for (const name of names) point[name] = sample(spec.search[name]!, rng);
    const id = configKey(point);
    if (seen.has(id)) continue;
    seen.add(id);
    points.push(point);
  }
  return points;
}

/**
 * Every trial of a sweep, in a deterministic order: each search point (grid order, or the random draws in draw
 * order) crossed with every seed. Each trial's run config is resolved here, so a trial that cannot be configured
 * is caught before anything is stored. A TPE sweep's are those it starts with, its first `parallel` proposals (random
 * draws: nothing is observed yet); the controller adds the rest as results come in (`nextTpeProposals`).
 */
export function expandSweep(spec: SweepSpec): TrialPlan[] {
  const points =
    spec.method === "grid"
      ? gridPoints(spec.search)
      : spec.method === "tpe"
        ? nextTpeProposals(spec, []).proposals
        : randomPoints(spec);
  return planTrials(spec, points);
}

/**
 * The trials of the given search points, each crossed with every seed of the sweep, indexed from 0 in that order
 * (a store that adds them to a sweep numbers them after its trials).
 */
export function planTrials(spec: SweepSpec, points: readonly Record<string, unknown>[]): TrialPlan[] {
  const base: Record<string, unknown> = {
    variant: spec.variant,
    dataset: spec.dataset,
    model: spec.model,
    train: spec.train,
  };
  const trials: TrialPlan[] = [];
  for (const point of points) {
    let config: Record<string, unknown> = base;
    for (const [path, value] of Object.entries(point)) config = withParam(config, path, value);
    for (const seed of spec.seeds) {
      const resolved = resolveRunConfig(withParam(config, "train.seed", seed));
      trials.push({
        index: trials.length,
        key: trialKey(point, seed),
        params: point,
        seed,
        config: resolved,
        ...configIdentity(spec.execution, point, resolved),
      });
    }
  }
  return trials;
}

/** How many of a sweep's trials only a GPU worker may run (its `execution.gpu`), before any is stored. */
export function gpuTrialCount(spec: SweepSpec): number {
  return expandSweep(spec).filter((trial) => trial.kind === "gpu").length;
}

/** A stored trial as {@link storedPoints} reads it. */
export interface StoredPoint {
  index: number;
  configKey: string;
  params: Record<string, unknown>;
}

/**
 * Whether a configuration is among those a revision of a sweep names by `configKeys`: every one where it names none
 * (seeds for all), as a revision records it (`SweepRevision.configKeys`).
 */
export function namedConfigs(configKeys: readonly string[] = []): (configKey: string) => boolean {
  const only = new Set(configKeys);
  return (configKey) => only.size === 0 || only.has(configKey);
}

/** The configurations of a sweep's trials (those of `configKeys`, {@link namedConfigs}), each once, in the order they were planned. */
export function storedPoints(
  trials: readonly StoredPoint[],
  configKeys?: readonly string[],
): Record<string, unknown>[] {
  const named = namedConfigs(configKeys);
  const byKey = new Map<string, Record<string, unknown>>();
  for (const t of [...trials].sort((a, b) => a.index - b.index))
    if (!byKey.has(t.configKey) && named(t.configKey)) byKey.set(t.configKey, t.params);
  return [...byKey.values()];
}

/**
 * What adding seeds to a stored sweep plans: its spec with the new seeds after its own, and the trials at those seeds
 * of every configuration, or of those in `configKeys` (empty: all). A grid's or random search's configurations are
 * its expansion's; a TPE search's are those it proposed, given as `tpePoints` ({@link storedPoints} of its trials).
 * Trials already stored are among them: the store adds only new keys.
 */
export function extensionTrials(
  stored: SweepSpec,
  request: { seeds: readonly number[]; configKeys: readonly string[] },
  tpePoints: readonly Record<string, unknown>[] = [],
): { spec: SweepSpec; trials: TrialPlan[] } {
  const spec: SweepSpec = {
    ...stored,
    seeds: [...stored.seeds, ...request.seeds.filter((seed) => !stored.seeds.includes(seed))],
  };
  const named = namedConfigs(request.configKeys);
  const seeds = new Set(request.seeds);
  const planned = spec.method === "tpe" ? planTrials(spec, tpePoints) : expandSweep(spec);
  return { spec, trials: planned.filter((p) => seeds.has(p.seed) && named(p.configKey)) };
}

/** What a launch of `spec` would run, before anything is stored: a dry run's answer (`sweep run|submit --dry-run`). */
export interface LaunchPlan {
  project: string;
  name: string;
  /** Trials queued at the start. */
  trialCount: number;
  /** Trials in all, at most where results decide how many follow (a sequential design, TPE). */
  atMost: number;
  /** The same in words, as the launch form says it. */
  summary: string;
  /** Of the trials at the start, those only a GPU worker may run. */
  gpuTrials: number;
  /**
   * What the launch says without refusing it, a line each: an explicit γ that will likely train to chance, and
   * configurations that differ only in a γ their loss does not have (copies of each other's trials).
   */
  warnings: string[];
}

/** {@link LaunchPlan} of a resolved spec. */
export function launchPlan(spec: SweepSpec): LaunchPlan {
  const trials = expandSweep(spec);
  return {
    project: spec.project,
    name: spec.name,
    trialCount: trials.length,
    atMost: countTrials(spec),
    summary: trialsSummary(spec),
    gpuTrials: trials.filter((trial) => trial.kind === "gpu").length,
    warnings: launchWarnings(trials),
  };
}

/** Kinds of warning said at most by {@link launchWarnings}, and configurations named in each. */
const WARNINGS_SAID = { kinds: 5, configurations: 3 };

/**
 * The warnings of the configurations a launch starts with, one line per kind with the first few configurations: an
 * explicit γ that can train but puts the regulariser's minimum wider than the prior (explicitGammaLaunchWide: the
 * first in full, the others by their numbers), and
 * configurations whose γ has no effect, copies of another's trials (gammaWithoutEffect).
 */
function launchWarnings(trials: readonly TrialPlan[]): string[] {
  const byWarning = new Map<string, Set<string>>();
  // one trial per configuration: its seeds share its γ
  const configurations = [...new Map(trials.map((trial) => [trial.configKey, trial])).values()];
  // the first wide γ in full, the others by their numbers: why is said once
  let firstWide: string | undefined;
  for (const trial of configurations) {
    const wide = explicitGammaLaunchWide(trial.config.model, trial.config.dataset.name);
    if (!wide) continue;
    const full = wideGammaText(wide);
    firstWide ??= full;
    const warning = full === firstWide ? full : wideGammaText(wide, true);
    byWarning.set(warning, (byWarning.get(warning) ?? new Set()).add(trial.configLabel));
  }
  const named = (labels: ReadonlySet<string>) =>
    namesInBrief([...labels], { shown: WARNINGS_SAID.configurations, separator: "; " });
  const copies = gammaWithoutEffect(configurations);
  // where γ is the whole search there is no rest to name, and no second sweep to split the search into
  const copiesOf = copies.onlyGamma
    ? "model.gamma is the whole search, and it is in no loss of this model"
    : `${named(new Set(copies.without))}: model.gamma is in no loss of ${copies.without.length === 1 ? "it" : "these"}`;
  const spendNone = copies.onlyGamma ? "search no γ with it" : "leave gamma out of their search (two sweeps)";
  // a γ drawn from a distribution is a kind of its own at each draw: those past the first few are counted
  const unsaid = [...byWarning.values()].slice(WARNINGS_SAID.kinds).reduce((n, labels) => n + labels.size, 0);
  return [
    ...[...byWarning]
      .slice(0, WARNINGS_SAID.kinds)
      .map(([warning, labels]) => `${named(labels)}: ${warning}`),
    ...(unsaid === 0
      ? []
      : [
          `${unsaid} more configuration${unsaid === 1 ? "" : "s"} with another explicit γ put the regulariser's minimum wider than the prior likewise`,
        ]),
    ...(copies.copies === 0
      ? []
      : [
          `${copiesOf} (the Gaussian's KL, the Student-t KL, the classifier alone), so ${plural(copies.copies, "configuration")} with another γ train${copies.copies === 1 ? "s" : ""} what the one with the first γ does, copies of its trials; ${spendNone} to spend no seeds on copies`,
        ]),
  ];
}

/**
 * The configurations whose explicit γ has no effect, as their loss has none in it (usesGamma), while one that differs
 * from them only in γ runs too: copies of its trials under another label (the first of each such set is not one).
 * `without`: each such set as the search names it without γ (`variant=gaussian`); `copies`: how many copies in all;
 * `onlyGamma`: γ is the only knob searched, so that there is no rest to name.
 */
function gammaWithoutEffect(trials: readonly TrialPlan[]): {
  without: string[];
  copies: number;
  onlyGamma: boolean;
} {
  const byRest = new Map<string, { label: string; labels: Set<string> }>();
  for (const trial of trials) {
    if (usesGamma(trial.config.model)) continue;
    const rest = Object.fromEntries(Object.entries(trial.params).filter(([path]) => path !== "model.gamma"));
    const key = configKey(rest);
    const group = byRest.get(key) ?? { label: configLabel(rest), labels: new Set<string>() };
    byRest.set(key, { ...group, labels: group.labels.add(trial.configLabel) });
  }
  const copied = [...byRest.values()].filter(({ labels }) => labels.size > 1);
  return {
    // each as the search names it without γ (`variant=gaussian`), the configurations it is run as counted apart
    without: copied.map(({ label }) => label),
    copies: copied.reduce((n, { labels }) => n + labels.size - 1, 0),
    onlyGamma: copied.length === 1 && copied[0]!.label === configLabel({}),
  };
}
