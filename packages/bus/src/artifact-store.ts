import { AppError } from "@tailsweep/schemas";
import type { ArtifactInfo } from "@tailsweep/sweep";

// The port itself lives with the other ports in @tailsweep/sweep, so that the analysis layer can read trial files
// without depending on this package; the key rules and the two implementations are here.
export type { ArtifactInfo, ArtifactStore } from "@tailsweep/sweep";

/** The stable code of {@link ArtifactKeyError}. */
export const ARTIFACT_KEY_INVALID_CODE = "ARTIFACT_KEY_INVALID";

/** A key or prefix that breaks the key rules ({@link checkArtifactKey}): the caller's to fix. */
export class ArtifactKeyError extends AppError {
  constructor(
    readonly key: string,
    readonly problem: string,
  ) {
    super(ARTIFACT_KEY_INVALID_CODE, "invalid", `artifact key ${JSON.stringify(key)}: ${problem}`);
    this.name = "ArtifactKeyError";
  }
}

/** The longest key. */
export const MAX_ARTIFACT_KEY_LENGTH = 512;
/**
 * The longest segment: each becomes a file or folder name in `FileArtifactStore`, and file systems stop at 255
 * bytes; this leaves room for its folder mark. Both stores refuse the same keys, so a key never works in one mode only.
 */
export const MAX_ARTIFACT_SEGMENT_LENGTH = 200;

const SEGMENT = /^[A-Za-z0-9._-]+$/;

/** Why `key` is not a valid key, or undefined when it is. */
function keyProblem(key: string): string | undefined {
  if (key.length === 0) return "is empty";
  if (key.length > MAX_ARTIFACT_KEY_LENGTH) return `is longer than ${MAX_ARTIFACT_KEY_LENGTH} characters`;
  for (const segment of key.split("/")) {
    if (segment.length === 0) return "has an empty segment (a leading, trailing or doubled '/')";
    if (segment === "." || segment === "..") return `has a '${segment}' segment`;
    if (segment.length > MAX_ARTIFACT_SEGMENT_LENGTH)
      return `has a segment longer than ${MAX_ARTIFACT_SEGMENT_LENGTH} characters`;
    if (!SEGMENT.test(segment))
      return `segment ${JSON.stringify(segment)} may hold only letters, digits, '.', '_' and '-'`;
  }
  return undefined;
}

/**
 * Checks a key and returns its segments: `/`-separated segments of letters, digits, `.`, `_` and `-`, none empty, none
 * `.` or `..`, each at most {@link MAX_ARTIFACT_SEGMENT_LENGTH} characters and the whole at most
 * {@link MAX_ARTIFACT_KEY_LENGTH}. A key so made can never name a path outside a store's folder. Throws an
 * {@link ArtifactKeyError}.
 */
export function checkArtifactKey(key: string): string[] {
  const problem = keyProblem(key);
  if (problem !== undefined) throw new ArtifactKeyError(key, problem);
  return key.split("/");
}

/** Whether `key` is a valid key (for skipping what a store holds that tailsweep did not write). */
export function isArtifactKey(key: string): boolean {
  return keyProblem(key) === undefined;
}

/**
 * Checks a prefix and returns its segments: the empty prefix (every key, `[]`) or a key, with or without one
 * trailing `/`. Throws an {@link ArtifactKeyError}.
 */
export function checkArtifactPrefix(prefix: string): string[] {
  if (prefix === "") return [];
  return checkArtifactKey(prefix.endsWith("/") ? prefix.slice(0, -1) : prefix);
}

/** Whether `key` is under the prefix whose segments are `prefix` (the key itself or below it). */
export function isUnderPrefix(key: string, prefix: readonly string[]): boolean {
  if (prefix.length === 0) return true;
  const path = prefix.join("/");
  return key === path || key.startsWith(`${path}/`);
}

/** Orders artifacts by key, as `list` returns them (code-unit order, which for key characters is byte order). */
export function byArtifactKey(a: ArtifactInfo, b: ArtifactInfo): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}
