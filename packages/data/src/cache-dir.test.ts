import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { CACHE_DIR_ENV, resolveCacheDir } from "./cache-dir";

describe("resolveCacheDir", () => {
  const saved = process.env[CACHE_DIR_ENV];
  afterEach(() => {
    if (saved === undefined) delete process.env[CACHE_DIR_ENV];
    else process.env[CACHE_DIR_ENV] = saved;
  });

  it("prefers the option, then $TAILSWEEP_CACHE_DIR, then <repo>/.tailsweep/cache/data", () => {
    delete process.env[CACHE_DIR_ENV];
    const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
    expect(resolveCacheDir()).toBe(join(repoRoot, ".tailsweep", "cache", "data"));
    process.env[CACHE_DIR_ENV] = "/tmp/from-env";
    expect(resolveCacheDir()).toBe("/tmp/from-env");
    expect(resolveCacheDir("/tmp/explicit")).toBe("/tmp/explicit");
  });
});
