/**
 * Where a trial's checkpoint and artifacts live in the artifact store (the NATS object store in team mode, a
 * directory under the store in embedded mode): under `sweeps/<sweep>/trials/<trial key>/`, so deleting a sweep is
 * one prefix and every reader and writer names the same objects. The checkpoint is one per trial (any attempt goes
 * on from the latest); artifacts are per attempt (`attempt-<n>/`), so an attempt given up for dead that still
 * finishes never overwrites the files of the attempt whose result was stored.
 */

/** The latest checkpoint of a trial (see @tailsweep/model's checkpoint encoding); replaced every N epochs. */
export const CHECKPOINT_FILE = "checkpoint.tsck";

/** The files a succeeded trial keeps, in the order they are listed. */
export const ARTIFACT_FILES = ["predictions.csv", "confusion.json", "weights.json", "weights.bin"] as const;
export type ArtifactFile = (typeof ARTIFACT_FILES)[number];

/** The object-name prefix of everything a sweep's trials stored. */
export function sweepArtifactPrefix(sweepId: string): string {
  return `sweeps/${sweepId}/`;
}

/** The object-name prefix of one trial (its id is `<sweep>:<key>`). */
export function trialArtifactPrefix(trialId: string): string {
  const colon = trialId.lastIndexOf(":");
  if (colon <= 0) throw new RangeError(`not a trial id: ${trialId}`);
  return `${sweepArtifactPrefix(trialId.slice(0, colon))}trials/${trialId.slice(colon + 1)}/`;
}

/** The object name of a trial's checkpoint. */
export function trialCheckpointKey(trialId: string): string {
  return `${trialArtifactPrefix(trialId)}${CHECKPOINT_FILE}`;
}

/** The object-name prefix of one attempt's artifacts. */
export function attemptArtifactPrefix(trialId: string, attempt: number): string {
  if (!Number.isSafeInteger(attempt) || attempt < 1)
    throw new RangeError(`not an attempt number: ${attempt}`);
  return `${trialArtifactPrefix(trialId)}attempt-${attempt}/`;
}

/** The object name of one of an attempt's artifacts. */
export function trialArtifactKey(trialId: string, attempt: number, file: ArtifactFile): string {
  return `${attemptArtifactPrefix(trialId, attempt)}${file}`;
}
