import { createHash, randomBytes } from "node:crypto";
import { CURRENT_CALIBRATION_VERSION, CURRENT_DATASET_VERSION, type SweepSpec } from "@tailsweep/schemas";
import stringify from "safe-stable-stringify";

/** SHA-256 of a value's canonical JSON (keys sorted), as `length` hex characters. */
function canonicalHash(value: object, length: number): string {
  return createHash("sha256")
    .update(stringify(value) ?? "")
    .digest("hex")
    .slice(0, length);
}

/**
 * The stable identity of a trial within its sweep: SHA-256 of the canonical JSON (keys sorted) of its searched
 * parameters and seed, as 16 hex characters. The same configuration and seed give the same key in every process,
 * which is what makes re-submission and duplicate delivery harmless.
 */
export function trialKey(params: Record<string, unknown>, seed: number): string {
  return canonicalHash({ params, seed }, 16);
}

/**
 * The stable identity of a configuration: {@link trialKey}'s hash without the seed, so that the trials of one
 * configuration (one per seed) share it. What comparisons, reports and curves join and group on; a label is for
 * people and may change its wording, this never does.
 */
export function configKey(params: Record<string, unknown>): string {
  return canonicalHash({ params }, 16);
}

/**
 * The id a sweep gets from its resolved spec (project, name, every setting, seeds): SHA-256 of its canonical JSON,
 * as 32 hex characters. Submitting or running the same file again finds the sweep it made instead of training
 * everything twice; a new sweep from the same file needs a fresh id (`--new`).
 */
export function sweepIdFor(spec: object): string {
  return canonicalHash({ sweep: spec }, 32);
}

/**
 * A fresh sweep id for a sweep no file names yet (a launch form's, one run again with `--new`): 32 random hex
 * characters, the shape of {@link sweepIdFor}'s, so that every id lines up in tables and takes the same starts.
 */
export function newSweepId(): string {
  return randomBytes(16).toString("hex");
}

/**
 * The id a sweep file's spec is stored under in `store`: {@link sweepIdFor} of the spec, or — when no sweep has that
 * id — the id the same file had before specs carried a dataset version and a sequential calibration (the spec
 * without the current ones `parseSweepFile` writes in), when a sweep has that one. A run interrupted before the
 * upgrade then resumes on its own data and boundaries (its stored spec reads them back as version 1) instead of
 * starting over. Without a stored sweep under either, the spec's own id.
 */
export async function storedSweepIdFor(
  store: { getSweep(id: string): Promise<unknown> },
  spec: SweepSpec,
): Promise<string> {
  const id = sweepIdFor(spec);
  if (spec.dataset.version !== CURRENT_DATASET_VERSION || (await store.getSweep(id))) return id;
  const { version: _, ...dataset } = spec.dataset;
  let sequential = spec.sequential;
  if (sequential) {
    if (sequential.calibration !== CURRENT_CALIBRATION_VERSION) return id;
    const { calibration: __, ...rest } = sequential;
    sequential = rest;
  }
  const legacy = sweepIdFor({ ...spec, dataset, ...(sequential && { sequential }) });
  return (await store.getSweep(legacy)) ? legacy : id;
}
