import { resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The monorepo root, found from this file's location so it does not depend on the working directory. */
const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/** Environment variable that moves the data cache (below an explicit option, above the default). */
export const CACHE_DIR_ENV = "TAILSWEEP_CACHE_DIR";

/** The data cache folder: the explicit option, else $TAILSWEEP_CACHE_DIR, else `<repo>/.tailsweep/cache/data`. */
export function resolveCacheDir(explicit?: string): string {
  if (explicit) return resolve(explicit);
  const fromEnv = process.env[CACHE_DIR_ENV];
  if (fromEnv) return resolve(fromEnv);
  return resolve(REPO_ROOT, ".tailsweep", "cache", "data");
}
