/**
 * A sweep with `method: tpe` (issue #23; docs/sweeps.md, "method: tpe"): which configurations it proposes next, read
 * from its stored trials alone, so that a controller that restarts, or another one, proposes exactly what this one
 * would have. The sampler is {@link proposeTpe}; this module decides when it is asked and with what.
 *
 * The rule: the first `parallel` configurations are proposed at submission (no results yet: random draws from the
 * prior); after that, configuration number k (0-based, k ≥ parallel) is proposed when the (k − parallel + 1)-th
 * configuration finishes, seeing as observations exactly the configurations that had finished by then, in the order
 * they finished, and every other configuration proposed before it as pending (the constant liar). So the proposals
 * depend on the sampler seed and the order configurations finished in, not on when the controller's upkeep ran: a
 * round that finds two configurations finished proposes the two it would have proposed one at a time.
 */

import {
  DEFAULT_TPE_PARALLEL,
  DEFAULT_TPE_STARTUP,
  type Distribution,
  metricDirection,
  metricOf,
  type SweepSpec,
} from "@tailsweep/schemas";
import type { TrialRecord, TrialResult } from "./run-store";
import { proposeTpe, type TpeAnyObservation, type TpeDirection } from "./tpe";
import { configKey } from "./trial-key";
import { TERMINAL_STATES } from "./trial-state";

/** Proposals in a row that repeat a configuration before the space is taken to have no new one left. */
const MAX_REPEATS = 64;

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
}

/**
 * A TPE sweep's configurations in the order they were proposed, with their objective values so far (every
 * objective's, for a sweep with `objectives`).
 */
export function tpeConfigurations(
  spec: Pick<SweepSpec, "objective" | "objectives">,
  trials: readonly TrialRecord[],
  results: ReadonlyMap<string, TrialResult>,
): TpeConfiguration[] {
  const byKey = new Map<string, TpeConfiguration>();
  for (const t of [...trials].sort((a, b) => a.index - b.index)) {
    const c = byKey.get(t.configKey) ?? {
      configKey: t.configKey,
      params: t.params,
      index: t.index,
      open: false,
      finishedAt: 0,
      values: [],
    };
    byKey.set(t.configKey, c);
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
 * and the liar pushes it away) and drawn again, up to {@link MAX_REPEATS} times; a space with no new configuration
 * left ends the proposing (`exhausted`).
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
    const pending = proposed.filter((p) => !seenKeys.has(configKey(p)));
    let point: Record<string, unknown> | undefined;
    for (let repeat = 0; repeat < MAX_REPEATS && !point; repeat++) {
      const candidate = proposeTpe(space, observations, pending, spec.samplerSeed, { direction, startup });
      if (have.has(configKey(candidate))) pending.push(candidate);
      else point = candidate;
    }
    if (!point) return { proposals, exhausted: true };
    have.add(configKey(point));
    proposed.push(point);
    proposals.push(point);
  }
  return { proposals, exhausted: configurations.length + proposals.length >= budget };
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
  startup: number;
  parallel: number;
}

/** {@link TpeProgress} of a sweep's trials; undefined for a sweep whose method is not tpe. */
export function tpeProgress(
  spec: Pick<SweepSpec, "method" | "budget" | "tpe">,
  trials: readonly Pick<TrialRecord, "configKey" | "state">[],
): TpeProgress | undefined {
  if (spec.method !== "tpe") return undefined;
  const open = new Map<string, boolean>();
  for (const t of trials)
    open.set(t.configKey, (open.get(t.configKey) ?? false) || !TERMINAL_STATES.includes(t.state));
  const inFlight = [...open.values()].filter(Boolean).length;
  return {
    budget: spec.budget ?? 0,
    proposed: open.size,
    finished: open.size - inFlight,
    open: inFlight,
    ...(spec.tpe ?? FALLBACK_SETTINGS),
  };
}
