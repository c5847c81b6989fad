/**
 * What a trial keeps in the artifact store: its latest checkpoint while it runs, and its artifacts once it has
 * succeeded (test-set class probabilities, the confusion matrix, the final weights). Every object is stored
 * in gzip's format (readers see gzip's magic bytes and inflate it); checkpoints stored uncompressed inside it
 * (CHECKPOINT_GZIP_LEVEL), artifacts compressed at the default level but for the weights (ARTIFACT_LEVEL).
 */
import { createHash } from "node:crypto";
import { promisify } from "node:util";
import { gzip } from "node:zlib";
import {
  decodeCheckpoint,
  encodeCheckpoint,
  encodeWeights,
  type TrainingCheckpoint,
  type TrainResult,
} from "@tailsweep/model";
import {
  type ArtifactFile,
  type MultimodalDataset,
  messageOf,
  type RunConfig,
  trialArtifactKey,
  trialCheckpointKey,
} from "@tailsweep/schemas";
import { ARTIFACT_ZLIB_CHUNK, type ArtifactStore, inflateStored } from "@tailsweep/sweep";
import { stringify } from "csv-stringify/sync";

const gzipAsync = promisify(gzip);

/** The bytes of a stored object as written, inflating what was stored compressed. */
export async function readStored(store: ArtifactStore, key: string): Promise<Uint8Array | undefined> {
  const stored = await store.get(key);
  return stored && inflateStored(stored);
}

/** What a trial's stored checkpoint turned out to be. */
export type StoredCheckpoint =
  | { state: "found"; checkpoint: TrainingCheckpoint }
  | { state: "none" }
  /** The store did not answer: whether there is one is unknown, so this attempt must not write over it. */
  | { state: "unknown"; reason: string };

/**
 * The trial's latest checkpoint. One that cannot be decoded counts as none (`log` says so): it costs a retry its head
 * start, never the trial.
 */
export async function loadCheckpoint(
  store: ArtifactStore,
  trialId: string,
  log: (line: string) => void,
): Promise<StoredCheckpoint> {
  let bytes: Uint8Array | undefined;
  try {
    bytes = await readStored(store, trialCheckpointKey(trialId));
  } catch (e) {
    return { state: "unknown", reason: messageOf(e) };
  }
  if (!bytes) return { state: "none" };
  try {
    return { state: "found", checkpoint: decodeCheckpoint(bytes) };
  } catch (e) {
    log(`trial ${trialId}: its checkpoint cannot be read (${messageOf(e)}); training from the start`);
    return { state: "none" };
  }
}

/**
 * SHA-256 of a data set's contents (every value, label and the recipe) and of the versions that compute: what a
 * checkpoint must have been made with to be resumed (`TrainHooks.runIdentity`). Hashed natively: ≈ 40 ms for the
 * quick example's data here, under a second at the paper's.
 */
export function runIdentity(dataset: MultimodalDataset, versions: Record<string, string>): string {
  const hash = createHash("sha256");
  hash.update(JSON.stringify({ recipe: dataset.recipe, classes: dataset.classNames, versions }));
  const tables = [
    dataset.labeled,
    dataset.unlabeled,
    dataset.test,
    ...(dataset.validation ? [dataset.validation] : []),
  ];
  for (const table of tables) {
    for (const x of table.x) hash.update(new Uint8Array(x.buffer, x.byteOffset, x.byteLength));
    hash.update(new Uint8Array(table.y.buffer, table.y.byteOffset, table.y.byteLength));
  }
  return hash.digest("hex");
}

/**
 * gzip's level for checkpoints: 0, gzip's framing around the bytes as they are. A checkpoint is float32 weights and
 * Adam's moments, whose bits are close to random: level 1 took the quick preset's 15.0 MB to 12.6 MB for ≈ 0.3–0.4 s of
 * CPU on libuv's pool, every epoch of every trial, where level 0 takes 30–80 ms; with as many workers as cores that
 * CPU came out of training (docs/sweeps.md, "What it costs").
 */
export const CHECKPOINT_GZIP_LEVEL = 0;

/** Stores a checkpoint in place of the trial's previous one; returns the bytes stored. */
export async function storeCheckpoint(
  store: ArtifactStore,
  trialId: string,
  checkpoint: TrainingCheckpoint,
): Promise<number> {
  const stored = await gzipAsync(encodeCheckpoint(checkpoint), {
    level: CHECKPOINT_GZIP_LEVEL,
    chunkSize: ARTIFACT_ZLIB_CHUNK,
  });
  await store.put(trialCheckpointKey(trialId), stored);
  return stored.length;
}

/** The contents of a succeeded trial's artifact files, uncompressed, in ARTIFACT_FILES order. */
export function artifactContents(
  result: TrainResult,
  dataset: MultimodalDataset,
  config: RunConfig,
): { name: ArtifactFile; data: Uint8Array }[] {
  const artifacts = result.artifacts;
  if (!artifacts) throw new Error("artifactContents: the training run returned no artifacts");
  const K = dataset.classNames.length;
  const probabilities = artifacts.testProbabilities;
  const rows: (string | number)[][] = [];
  for (let i = 0; i < dataset.test.n; i++) {
    const p = Array.from(probabilities.subarray(i * K, (i + 1) * K));
    let predicted = 0;
    for (let c = 1; c < K; c++) if (p[c]! > p[predicted]!) predicted = c;
    rows.push([i, dataset.test.y[i]!, predicted, ...p]);
  }
  const predictions = stringify(rows, {
    header: true,
    columns: ["row", "label", "predicted", ...dataset.classNames.map((name) => `p_${name}`)],
  });
  const confusion = {
    classNames: dataset.classNames,
    /** confusion[t][p]: test rows of true class t predicted as p, every used modality observed. */
    confusion: result.metrics.test.confusion,
  };
  const weights = encodeWeights(artifacts.weights, {
    model: result.model,
    train: result.train,
    dataset: config.dataset,
    modalityDims: dataset.modalities.map((m) => m.dim),
    classNames: dataset.classNames,
    backend: result.backend,
    // which epoch's weights these are (train.select), when the trial chose one on a validation set
    ...(result.selection && { selection: result.selection }),
  });
  const text = (s: string) => new TextEncoder().encode(s);
  return [
    { name: "predictions.csv", data: text(predictions) },
    { name: "confusion.json", data: text(`${JSON.stringify(confusion, null, 2)}\n`) },
    { name: "weights.json", data: text(weights.manifest) },
    { name: "weights.bin", data: weights.bin },
  ];
}

/**
 * gzip's level for each artifact: the default, but none for the float32 weights, whose bits are close to random (the
 * quick preset's 2.4 MB shrank by 8 % at ≈ 70 ms of CPU between one trial and the next on its thread).
 */
const ARTIFACT_LEVEL: Partial<Record<ArtifactFile, number>> = { "weights.bin": 0 };

/**
 * Stores an attempt's artifacts, all at once (each a compression on libuv's pool and a put, which from a training
 * thread is a round trip to the worker's thread); returns each file's name and uncompressed size, in `files`' order.
 */
export async function storeArtifacts(
  store: ArtifactStore,
  trialId: string,
  attempt: number,
  files: readonly { name: ArtifactFile; data: Uint8Array }[],
): Promise<{ name: ArtifactFile; bytes: number }[]> {
  const stored = await Promise.allSettled(
    files.map(async ({ name, data }) => {
      const level = ARTIFACT_LEVEL[name];
      const compressed = await gzipAsync(data, {
        chunkSize: ARTIFACT_ZLIB_CHUNK,
        ...(level !== undefined && { level }),
      });
      await store.put(trialArtifactKey(trialId, attempt, name), compressed);
      return { name, bytes: data.length };
    }),
  );
  // Every put has ended before a failure is reported: none is left writing after the trial has moved on.
  const failed = stored.find((s) => s.status === "rejected");
  if (failed) throw failed.reason;
  return stored.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
}

/**
 * Waits between tries of storing a finished trial's artifacts, in milliseconds: a minute or so in all, for an artifact
 * store that comes back from an outage (a NATS restart) a moment after the connection does, whose first puts then time
 * out. The result itself waits through any outage in the event stream; its files get this long.
 */
export const ARTIFACT_RETRY_DELAYS_MS = [2_000, 5_000, 10_000, 20_000, 30_000] as const;

/**
 * {@link storeArtifacts}, tried again after each of `delaysMs` while it fails and `stopped` (its sweep cancelled) is
 * not true: the files' list, or why they could not be stored (the last failure's words), which the result then says
 * instead of listing none, as if its sweep kept none.
 */
export async function storeArtifactsPersistently(
  store: ArtifactStore,
  trialId: string,
  attempt: number,
  files: readonly { name: ArtifactFile; data: Uint8Array }[],
  options: { log: (line: string) => void; stopped?: () => boolean; delaysMs?: readonly number[] },
): Promise<{ kept: { name: ArtifactFile; bytes: number }[] } | { notStored: string }> {
  const delays = options.delaysMs ?? ARTIFACT_RETRY_DELAYS_MS;
  for (let tried = 0; ; tried++) {
    try {
      return { kept: await storeArtifacts(store, trialId, attempt, files) };
    } catch (e) {
      const delay = delays[tried];
      if (delay === undefined || options.stopped?.()) {
        options.log(
          `trial ${trialId}: artifacts not stored (${messageOf(e)}), after ${tried + 1} ${tried === 0 ? "try" : "tries"}; its result says so`,
        );
        return { notStored: messageOf(e) };
      }
      options.log(
        `trial ${trialId}: artifacts not stored (${messageOf(e)}); trying again in ${Math.round(delay / 1000)} s`,
      );
      // in short steps: a sweep cancelled meanwhile stops the tries at once
      for (const end = Date.now() + delay; Date.now() < end && !options.stopped?.(); )
        await new Promise((r) => setTimeout(r, Math.min(250, end - Date.now())));
    }
  }
}
