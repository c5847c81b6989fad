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
