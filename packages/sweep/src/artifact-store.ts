import { promisify } from "node:util";
import { gunzip } from "node:zlib";

/** What a store holds under one key. */
export interface ArtifactInfo {
  key: string;
  bytes: number;
  modified: Date;
}

/**
 * The artifact store port: trial checkpoints (overwritten every few epochs) and final artifacts (weights,
 * predictions, confusion matrices) as bytes under `/`-separated keys (see `checkArtifactKey` in @tailsweep/bus).
 * Implemented over a directory (`FileArtifactStore`, embedded mode) and over the NATS JetStream object store
 * (`NatsArtifactStore`, team mode); both pass the conformance suite in `@tailsweep/bus/testing`.
 *
 * A prefix names a key and everything below it, in whole segments: `a/b` (or `a/b/`) is `a/b`, `a/b/c`, … but never
 * `a/bc`; the empty prefix is every key.
 */
export interface ArtifactStore {
  /** Stores (replaces) the bytes under key. Atomic: a reader sees the old or the new bytes, never a part. */
  put(key: string, data: Uint8Array): Promise<ArtifactInfo>;
  /** The bytes, or undefined when there is none. */
  get(key: string): Promise<Uint8Array | undefined>;
  /**
   * What is stored under one key, or undefined: one lookup, where `list` may read every object's description (the
   * object store has no index by prefix), so a page showing one trial's files asks for each by name.
   */
  info(key: string): Promise<ArtifactInfo | undefined>;
  /** Objects under prefix, sorted by key. */
  list(prefix: string): Promise<ArtifactInfo[]>;
  /** Removes one; false when there was none. */
  delete(key: string): Promise<boolean>;
  /** Removes every key under prefix; returns how many. */
  deletePrefix(prefix: string): Promise<number>;
  close(): Promise<void>;
}

/**
 * zlib's output chunk for stored objects: its async API hands back every chunk through a turn of the event loop,
 * which a training thread grants only between steps. At the default 16 KiB one quick-preset checkpoint took ≈ 845
 * turns and its upload ran 3–4× longer behind training than alone (bench/checkpoint.ts); at 4 MiB, 40–50.
 */
export const ARTIFACT_ZLIB_CHUNK = 4 << 20;

const gunzipAsync = promisify(gunzip);

/** Whether stored bytes are gzip-compressed (gzip's first two bytes): every object the worker writes is. */
function isGzipped(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Stored bytes as they were written: inflated where they were stored gzip-compressed. */
export async function inflateStored(bytes: Uint8Array): Promise<Uint8Array> {
  return isGzipped(bytes)
    ? new Uint8Array(await gunzipAsync(bytes, { chunkSize: ARTIFACT_ZLIB_CHUNK }))
    : bytes;
}
