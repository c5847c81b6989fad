/**
 * A sweep with `method: tpe` (issue #23; docs/sweeps.md, "method: tpe"): which configurations it proposes next, read
 * from its stored trials alone, so that a controller that restarts, or another one, proposes exactly what this one
 * would have. The sampler is {@link proposeTpe}; this module decides when it is asked and with what.
 *
 * The rule: the first `parallel` configurations are proposed at submission (no results yet: random draws from the
 * prior); after that, configuration number k (0-based, k ≥ parallel) is proposed when the (k − parallel + 1)-th
 * configuration finishes, seeing as observations exactly the configurations that had finished by then, in the order
 * they finished, and every other configuration proposed before it as pending (the constant liar), as is one the model
 * refused (CONFIG_INVALID on every trial), which would otherwise teach the sampler nothing. So the proposals
 * depend on the sampler seed and the order configurations finished in, not on when the controller's upkeep ran: a
 * round that finds two configurations finished proposes the two it would have proposed one at a time.
 */

import { randomStream } from "@tailsweep/random";
import {
  CONFIG_ERROR_CODE,
  DEFAULT_TPE_PARALLEL,
  DEFAULT_TPE_STARTUP,
  type Distribution,
  metricDirection,
  metricOf,
  type SweepSpec,
} from "@tailsweep/schemas";
import { searchStageTrials } from "./decision-stage";
import type { TrialRecord, TrialResult } from "./run-store";
import { proposeTpe, type TpeAnyObservation, type TpeDirection } from "./tpe";
import { configKey } from "./trial-key";
import { TERMINAL_STATES } from "./trial-state";

/**
 * Proposals in a row that repeat a configuration before the sampler is given up for this one: in a finite space a
 * configuration it has not run is then picked by {@link unrunPick}; in a space with a continuous knob a repeat is a
 * float collision, so 64 in a row do not happen.
 */
const MAX_REPEATS = 64;

/** Up to this many configurations, a finite space's unrun ones are listed for the fallback pick; past it, drawn. */
const ENUMERATE_MAX = 100_000;

/** Uniform draws the fallback makes in a finite space too large to list before it gives up (then exhausted). */
const FALLBACK_DRAWS = 10_000;

/** The defaults `parseSweepFile` writes into a tpe spec, for a spec built by hand without them. */
const FALLBACK_SETTINGS = { startup: DEFAULT_TPE_STARTUP, parallel: DEFAULT_TPE_PARALLEL };

/** The search space as TPE sees it: a knob that lists its values is a categorical knob over them. */
export function tpeSpace(search: SweepSpec["search"]): Record<string, Distribution> {
  return Object.fromEntries(
    Object.entries(search).map(([key, spec]) => [
      key,
      Array.isArray(spec) ? { distribution: "categorical" as const, values: spec } : spec,
    ]),
  );
}

/** One configuration of a TPE sweep, as its stored trials show it. */
export interface TpeConfiguration {
  configKey: string;
  params: Record<string, unknown>;
  /** The lowest index of its trials: the order it was proposed in. */
  index: number;
  /** Some trial of it is waiting or running. */
  open: boolean;
  /** When its last trial finished (ms since the epoch); 0 while it is open. */
  finishedAt: number;
  /**
   * The objective on each seed that succeeded and reports it; with `objectives`, one value per objective in their
   * order, on each seed that reports every one of them.
   */
  values: { seed: number; value: number | number[] }[];
  /**
   * Every trial of it failed because the model refused its configuration (CONFIG_INVALID, stored with each failure):
   * a point of the space that cannot train, which the sampler counts as bad. False (or absent) where some trial did
   * not.
   */
  refused?: boolean;
}

/**
 * A TPE sweep's configurations in the order they were proposed, with their objective values so far (every
 * objective's, for a sweep with `objectives`).
 */
export function tpeConfigurations(
  spec: Pick<SweepSpec, "objective" | "objectives" | "method" | "sequential">,
  trials: readonly TrialRecord[],
  results: ReadonlyMap<string, TrialResult>,
): TpeConfiguration[] {
  const byKey = new Map<string, TpeConfiguration>();
  // A decision stage's trials (fresh seeds, the baseline) are not the search's: it proposes from its own seeds alone.
  for (const t of searchStageTrials(spec, trials).sort((a, b) => a.index - b.index)) {
    const c = byKey.get(t.configKey) ?? {
      configKey: t.configKey,
      params: t.params,
      index: t.index,
      open: false,
      finishedAt: 0,
      values: [],
      refused: true,
    };
    byKey.set(t.configKey, c);
    c.refused &&= t.state === "failed" && t.errorCode === CONFIG_ERROR_CODE;
    if (!TERMINAL_STATES.includes(t.state)) c.open = true;
    else c.finishedAt = Math.max(c.finishedAt, t.finishedAt?.getTime() ?? 0);
    const result = t.state === "succeeded" ? results.get(t.id) : undefined;
    if (!result) continue;
    if (spec.objectives) {
      const vector = spec.objectives.map((o) => metricOf(result.metrics, o.metric));
      if (vector.every((v) => v !== undefined)) c.values.push({ seed: t.seed, value: vector });
      continue;
    }
    const value = metricOf(result.metrics, spec.objective.metric);
    if (value !== undefined) c.values.push({ seed: t.seed, value });
  }
  for (const c of byKey.values()) if (c.open) c.finishedAt = 0;
  return [...byKey.values()];
}

/** What a TPE sweep does next ({@link nextTpeProposals}). */
export interface TpeStep {
  /** The configurations to add now, in order; each runs on every seed of the sweep. */
  proposals: Record<string, unknown>[];
  /**
   * Nothing is left to propose: `budget` configurations exist (with these proposals), or the space has no
   * configuration it has not run. The sweep completes once no configuration is open.
   */
  exhausted: boolean;
}

/**
 * The configurations a TPE sweep proposes now, given the ones it has (in proposal order, {@link tpeConfigurations}):
 * enough that `min(budget, parallel + finished)` exist, each made as the module comment describes. A proposal that
 * repeats a configuration the sweep has is put with the pending ones (so the next draw comes from another stream,
 * and the liar pushes it away) and drawn again, up to {@link MAX_REPEATS} times, and then, in a finite space, one it
 * has not run is picked ({@link unrunPick}); only a space with no new configuration left ends the proposing
 * (`exhausted`) below the budget.
 */
export function nextTpeProposals(
  spec: Pick<SweepSpec, "search" | "budget" | "samplerSeed" | "objective" | "objectives" | "tpe">,
  configurations: readonly TpeConfiguration[],
): TpeStep {
  const { startup, parallel } = spec.tpe ?? FALLBACK_SETTINGS;
  const budget = spec.budget ?? 0;
  const space = tpeSpace(spec.search);
  // Several objectives: one direction each, and the sampler splits by non-dominated sorting (T4–T5).
  const direction: TpeDirection | TpeDirection[] = spec.objectives
    ? spec.objectives.map((o) => metricDirection(o.metric) ?? o.direction)
    : (metricDirection(spec.objective.metric) ?? spec.objective.direction);
  // Finished in the order they finished; ties (one clock reading) in the order they were proposed.
  const finished = configurations
    .filter((c) => !c.open)
    .sort((a, b) => a.finishedAt - b.finishedAt || a.index - b.index);
  const have = new Set(configurations.map((c) => c.configKey));
  const proposed: Record<string, unknown>[] = configurations.map((c) => c.params);
  const proposals: Record<string, unknown>[] = [];
  const size = spaceSize(space);
  const target = Math.min(budget, parallel + finished.length);
  for (let k = configurations.length; k < target; k++) {
    if (have.size >= size) return { proposals, exhausted: true };
    const seen = finished.slice(0, Math.max(0, k - parallel + 1));
    const seenKeys = new Set(seen.map((c) => c.configKey));
    const observations: TpeAnyObservation[] = seen.map((c) => ({ params: c.params, values: c.values }));
    // A configuration the model refused (every trial failed with CONFIG_INVALID) goes with the pending ones, into the
    // rest at full weight: the sampler moves away from it rather than learning nothing and proposing its neighbours
    // again. A failure that says nothing of the configuration (a lost worker, a timeout) is left out, as before.
    const pending = [
      ...proposed.filter((p) => !seenKeys.has(configKey(p))),
      ...seen.filter((c) => c.refused).map((c) => c.params),
    ];
    let point: Record<string, unknown> | undefined;
    for (let repeat = 0; repeat < MAX_REPEATS && !point; repeat++) {
      const candidate = proposeTpe(space, observations, pending, spec.samplerSeed, { direction, startup });
      if (have.has(configKey(candidate))) pending.push(candidate);
      else point = candidate;
    }
    // The sampler keeps landing on configurations that ran (it has concentrated there): a finite space that still has
    // unrun ones is not done, so one of them is picked, deterministically (the proposals stay a function of the
    // store), rather than the sweep ending below its budget.
    point ??= unrunPick(space, size, have, spec.samplerSeed, k);
    if (!point) return { proposals, exhausted: true };
    have.add(configKey(point));
    proposed.push(point);
    proposals.push(point);
  }
  return { proposals, exhausted: configurations.length + proposals.length >= budget };
}

/** A knob's distinct values in a finite space, in the order written (an int knob's ascending); undefined if continuous. */
function knobValues(d: Distribution): unknown[] | undefined {
  if (d.distribution === "categorical") {
    const seen = new Set<string>();
    return d.values.filter((v) => {
      const key = JSON.stringify(v);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  }
  if (d.distribution === "int") return Array.from({ length: d.high - d.low + 1 }, (_, i) => d.low + i);
  return undefined;
}

/**
 * The fallback of {@link nextTpeProposals} when the sampler only repeats: a configuration of a finite space not in
 * `have`, picked at random from a stream keyed by the sampler seed and the proposal's number k, so a restarted
 * controller picks the same. Small spaces list their unrun configurations (in canonical order: by config key) and
 * pick one; large ones draw uniformly until one is unrun. Undefined when the space is continuous or nothing is left.
 */
function unrunPick(
  space: Record<string, Distribution>,
  size: number,
  have: ReadonlySet<string>,
  samplerSeed: number,
  k: number,
): Record<string, unknown> | undefined {
  if (!Number.isFinite(size) || have.size >= size) return undefined;
  const knobs: [string, unknown[]][] = [];
  for (const [key, d] of Object.entries(space)) {
    const values = knobValues(d);
    if (!values) return undefined;
    knobs.push([key, values]);
  }
  const rng = randomStream(samplerSeed, `tpe/fallback/${k}`);
  if (size <= ENUMERATE_MAX) {
    let points: Record<string, unknown>[] = [{}];
    for (const [key, values] of knobs)
      points = points.flatMap((p) => values.map((v) => ({ ...p, [key]: v })));
    const unrun = points
      .map((p) => ({ p, key: configKey(p) }))
      .filter(({ key }) => !have.has(key))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return unrun.length > 0 ? unrun[rng.int(unrun.length)]!.p : undefined;
  }
  for (let draw = 0; draw < FALLBACK_DRAWS; draw++) {
    const p = Object.fromEntries(knobs.map(([key, values]) => [key, values[rng.int(values.length)]]));
    if (!have.has(configKey(p))) return p;
  }
  return undefined;
}

/** How many distinct configurations the space holds: Infinity when a knob is continuous. */
function spaceSize(space: Record<string, Distribution>): number {
  let size = 1;
  for (const d of Object.values(space)) {
    if (d.distribution === "categorical") size *= new Set(d.values.map((v) => JSON.stringify(v))).size;
    else if (d.distribution === "int") size *= d.high - d.low + 1;
    else return Number.POSITIVE_INFINITY;
  }
  return size;
}

/** Where a TPE sweep stands: of its budget's configurations, how many are proposed, finished and in flight. */
export interface TpeProgress {
  budget: number;
  proposed: number;
  finished: number;
  open: number;
  /**
   * Configurations it may still propose: its budget, or its space's size where that is smaller, less those proposed.
   * While this is above 0 the search is not over, whatever the sweep's status: resumed or retried, it proposes again.
   */
  left: number;
  startup: number;
  parallel: number;
}

/** {@link TpeProgress} of a sweep's trials; undefined for a sweep whose method is not tpe. */
export function tpeProgress(
  spec: Pick<SweepSpec, "method" | "budget" | "tpe" | "search" | "sequential">,
  trials: readonly Pick<TrialRecord, "configKey" | "state" | "seed">[],
): TpeProgress | undefined {
  if (spec.method !== "tpe") return undefined;
  const open = new Map<string, boolean>();
  for (const t of searchStageTrials(spec, trials))
    open.set(t.configKey, (open.get(t.configKey) ?? false) || !TERMINAL_STATES.includes(t.state));
  const inFlight = [...open.values()].filter(Boolean).length;
  return {
    budget: spec.budget ?? 0,
    proposed: open.size,
    finished: open.size - inFlight,
    open: inFlight,
    left: Math.max(0, Math.min(spec.budget ?? 0, spaceSize(tpeSpace(spec.search))) - open.size),
    ...(spec.tpe ?? FALLBACK_SETTINGS),
  };
}
