// What tests of any package use to exercise a RunStore: the conformance suite every store passes, and scripted
// results in place of training (the statistics, revisions and views under test need numbers, not a model).
import { parseSweepFile, type SweepSpec } from "@tailsweep/schemas";
import { expandSweep } from "./expand";
import {
  type RunStore,
  type SweepRevision,
  type TrialRecord,
  type TrialResult,
  unionSeeds,
} from "./run-store";

export { describeRunStoreConformance } from "./run-store-conformance";

/**
 * A sequential grid as a store may hold it from before sweep files were checked for an open baseline (the file refuses
 * it now): `decide.baseline: variant=gaussian` over `variant: [gaussian, proposed]` and `nu: [5, 10]` matches two
 * configurations. Parsed with the baseline named whole, then stored with the open one.
 */
export function openBaselineSpec(seeds: { initial: number; step: number; max: number }): SweepSpec {
  const checked = parseSweepFile({
    name: "legacy",
    project: "p",
    search: { variant: ["gaussian", "proposed"], nu: [5, 10] },
    seeds,
    decide: { baseline: "variant=gaussian nu=5" },
  });
  const design = checked.sequential!;
  return {
    ...checked,
    sequential: { ...design, decide: { ...design.decide, baseline: "variant=gaussian" } },
  };
}

/** A finished trial's result whose every score is `value`: what a test scripts instead of training. */
export function scriptedResult(value: number, seconds = 1): TrialResult {
  const test = { n: 10, accuracy: value, balancedAccuracy: value, macroF1: value, gMean: value };
  return {
    metrics: {
      test: { ...test, perClassRecall: [], perClassPrecision: [], confusion: [] },
      minorityRecall: value,
      minorityClasses: [],
      perModality: [],
    },
    backend: "cpu",
    seconds,
  };
}

/** Claims and completes every waiting trial of a sweep with `scriptedResult(scoreOf(trial), seconds)`, at `now`. */
export async function finishWaiting(
  store: RunStore,
  sweepId: string,
  scoreOf: (trial: TrialRecord) => number,
  options: { seconds?: number; now?: Date } = {},
): Promise<void> {
  const now = options.now ?? new Date("2026-01-01T00:00:00Z");
  for (const t of await store.listTrials(sweepId)) {
    if (t.state !== "waiting") continue;
    const claimed = await store.claimTrial(t.id, "scripted", now);
    await store.completeTrial(t.id, claimed!.attempt, scriptedResult(scoreOf(t), options.seconds), now);
  }
}

/** The calls a test counts of {@link countReads}: the reads a view or the controller repeats when it should not. */
export interface StoreReads {
  listTrials: number;
  listResults: number;
  listRevisions: number;
  getTrial: number;
}

/**
 * Counts the calls of the store's per-sweep and per-trial reads: each method is replaced on `store` by one that counts,
 * then calls the original. Returns the live counts, and the originals for a test's own reads, which are not counted.
 */
export function countReads(store: RunStore): {
  reads: StoreReads;
  uncounted: Pick<RunStore, keyof StoreReads>;
} {
  const reads: StoreReads = { listTrials: 0, listResults: 0, listRevisions: 0, getTrial: 0 };
  const uncounted = {
    listTrials: store.listTrials.bind(store),
    listResults: store.listResults.bind(store),
    listRevisions: store.listRevisions.bind(store),
    getTrial: store.getTrial.bind(store),
  };
  const counting =
    <R>(name: keyof StoreReads, read: (id: string) => R) =>
    (id: string): R => {
      reads[name]++;
      return read(id);
    };
  store.listTrials = counting("listTrials", uncounted.listTrials);
  store.listResults = counting("listResults", uncounted.listResults);
  store.listRevisions = counting("listRevisions", uncounted.listRevisions);
  store.getTrial = counting("getTrial", uncounted.getTrial);
  return { reads, uncounted };
}

/**
 * Adds `seeds` to a stored sweep as a post-hoc top-up, what `sweep extend` stores (to every configuration, or to
 * those in `configKeys`), without a controller: a test's way to a revision. Returns the revision (undefined when
 * nothing was new).
 */
export async function topUp(
  store: RunStore,
  sweepId: string,
  seeds: readonly number[],
  options: { configKeys?: readonly string[]; now?: Date } = {},
): Promise<SweepRevision | undefined> {
  const sweep = await store.getSweep(sweepId);
  if (!sweep) throw new Error(`topUp: no sweep ${sweepId}`);
  const spec = { ...sweep.spec, seeds: unionSeeds(sweep.spec.seeds, seeds) };
  const only = new Set(options.configKeys ?? []);
  const { revision } = await store.reviseSweep({
    sweepId,
    spec,
    trials: expandSweep(spec).filter(
      (p) => seeds.includes(p.seed) && (only.size === 0 || only.has(p.configKey)),
    ),
    kind: "extend",
    seeds: [...seeds],
    configKeys: [...only],
    posthoc: true,
    by: "test",
    note: "top-up",
    now: options.now ?? new Date("2026-01-01T00:00:00Z"),
  });
  return revision;
}

/**
 * Stores the round a sequential design's look asks for (`next`: its seeds and the configurations still open), as the
 * controller stores it: a planned revision, not post hoc. A test's way through a design's looks without a controller.
 */
export async function addRound(
  store: RunStore,
  sweepId: string,
  next: { seeds: readonly number[]; configKeys: readonly string[] },
  now: Date = new Date("2026-01-01T00:00:00Z"),
): Promise<SweepRevision | undefined> {
  const sweep = await store.getSweep(sweepId);
  if (!sweep) throw new Error(`addRound: no sweep ${sweepId}`);
  const spec = { ...sweep.spec, seeds: unionSeeds(sweep.spec.seeds, next.seeds) };
  const { revision } = await store.reviseSweep({
    sweepId,
    spec,
    trials: expandSweep(spec).filter(
      (p) => next.seeds.includes(p.seed) && next.configKeys.includes(p.configKey),
    ),
    kind: "round",
    seeds: [...next.seeds],
    configKeys: [...next.configKeys],
    posthoc: false,
    by: "controller",
    note: "round",
    now,
  });
  return revision;
}
