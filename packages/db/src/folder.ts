import { statSync } from "node:fs";
import { codeOf, messageOf } from "@tailsweep/schemas";

/**
 * Why `dir` cannot be a folder this process makes when absent, or undefined when it can: a file there or above it, or
 * a path it may not look at. For the settings that name such folders (TAILSWEEP_DB_DIR, TAILSWEEP_ARTIFACTS_DIR,
 * TAILSWEEP_CACHE_DIR), checked where the environment is read: a file there was found only when a store or a trial
 * first wrote to it, as a raw EEXIST or ENOTDIR. Its own module, without Prisma, so the CLI's settings load it cheaply.
 */
export function folderProblem(dir: string): string | undefined {
  try {
    const stat = statSync(dir, { throwIfNoEntry: false });
    return stat === undefined || stat.isDirectory()
      ? undefined
      : "must be a folder (made if absent), not a file";
  } catch (e) {
    const code = codeOf(e);
    if (code === "ENOTDIR") return "must be a folder (made if absent): a file is in its path";
    return `must be a folder this process may use (looking at it failed: ${code ?? messageOf(e)})`;
  }
}

/** Whether `dir` is a folder there now (a path that cannot be looked at is not one). */
export function isExistingFolder(dir: string): boolean {
  try {
    return statSync(dir, { throwIfNoEntry: false })?.isDirectory() === true;
  } catch {
    return false;
  }
}
