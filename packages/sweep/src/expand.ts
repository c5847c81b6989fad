import {
  type Distribution,
  type RunConfig,
  resolveRunConfig,
  type SweepSpec,
  trialNeedsGpu,
  withParam,
} from "@tailsweep/schemas";
import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";
import { uniformInt } from "pure-rand/distribution/uniformInt";
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";
import { trialKey } from "./trial-key";

/** One planned trial: a point of the search space and a seed, with its fully resolved run config. */
export interface TrialPlan {
  /** Position in the sweep's deterministic order (0-based). */
  index: number;
  key: string;
  /** The searched knobs only, by canonical path (`model.nu`), in sorted order. */
  params: Record<string, unknown>;
  seed: number;
  config: RunConfig;
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
 * with fewer distinct points than the budget yields all it has.
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
    const id = trialKey(point, 0);
    if (seen.has(id)) continue;
    seen.add(id);
    points.push(point);
  }
  return points;
}

/**
 * Every trial of a sweep, in a deterministic order: each search point (grid order, or the random draws in draw
 * order) crossed with every seed. Each trial's run config is resolved here, so a trial that cannot be configured
 * is caught before anything is stored.
 */
export function expandSweep(spec: SweepSpec): TrialPlan[] {
  const points = spec.method === "grid" ? gridPoints(spec.search) : randomPoints(spec);
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
      trials.push({
        index: trials.length,
        key: trialKey(point, seed),
        params: point,
        seed,
        config: resolveRunConfig(withParam(config, "train.seed", seed)),
      });
    }
  }
  return trials;
}

/** How many of a sweep's trials only a GPU worker may run (its `execution.gpu`). */
export function gpuTrialCount(spec: SweepSpec): number {
  return expandSweep(spec).filter((trial) => trialNeedsGpu(spec.execution, trial.config)).length;
}
