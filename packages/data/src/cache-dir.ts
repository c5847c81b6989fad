import { resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The monorepo root, found from this file's location so it does not depend on the working directory. */
const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/** Environment variable that moves the data cache, read by the app's settings (CLI), which passes it to configureCacheDir. */
export const CACHE_DIR_ENV = "TAILSWEEP_CACHE_DIR";

/** The data cache folder when nothing moves it: `<repo>/.tailsweep/cache/data`. */
export const DEFAULT_CACHE_DIR = resolve(REPO_ROOT, ".tailsweep", "cache", "data");

let configured: string | undefined;

/**
 * Sets this process's data cache folder (undefined: back to the default). The app's settings module calls it once,
 * before any command runs, with its TAILSWEEP_CACHE_DIR; this package reads no environment itself.
 */
export function configureCacheDir(dir: string | undefined): void {
  configured = dir ? resolve(dir) : undefined;
}

/** The data cache folder: the explicit option, else the configured one, else {@link DEFAULT_CACHE_DIR}. */
export function resolveCacheDir(explicit?: string): string {
  if (explicit) return resolve(explicit);
  return configured ?? DEFAULT_CACHE_DIR;
}
