import { createHash } from "node:crypto";
import stringify from "safe-stable-stringify";

/**
 * The stable identity of a trial within its sweep: SHA-256 of the canonical JSON (keys sorted) of its searched
 * parameters and seed, as 16 hex characters. The same configuration and seed give the same key in every process,
 * which is what makes re-submission and duplicate delivery harmless.
 */
export function trialKey(params: Record<string, unknown>, seed: number): string {
  return createHash("sha256")
    .update(stringify({ params, seed }) ?? "")
    .digest("hex")
    .slice(0, 16);
}

/**
 * The id a sweep gets from its resolved spec (project, name, every setting, seeds): SHA-256 of its canonical JSON,
 * as 32 hex characters. Submitting or running the same file again finds the sweep it made instead of training
 * everything twice; a new sweep from the same file needs a fresh id (`--new`).
 */
export function sweepIdFor(spec: object): string {
  return createHash("sha256")
    .update(stringify({ sweep: spec }) ?? "")
    .digest("hex")
    .slice(0, 32);
}
