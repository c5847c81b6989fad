import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it, vi } from "vitest";
import { CACHE_DIR_ENV, configureCacheDir, resolveCacheDir } from "./cache-dir";

describe("resolveCacheDir", () => {
  afterEach(() => {
    configureCacheDir(undefined);
    vi.unstubAllEnvs();
  });

  it("prefers the option, then the configured folder, then <repo>/.tailsweep/cache/data", () => {
    const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
    expect(resolveCacheDir()).toBe(join(repoRoot, ".tailsweep", "cache", "data"));
    configureCacheDir("/tmp/configured");
    expect(resolveCacheDir()).toBe("/tmp/configured");
    expect(resolveCacheDir("/tmp/explicit")).toBe("/tmp/explicit");
  });

  it("reads no environment itself: the app's settings pass TAILSWEEP_CACHE_DIR", () => {
    vi.stubEnv(CACHE_DIR_ENV, "/tmp/from-env");
    expect(resolveCacheDir()).not.toBe("/tmp/from-env");
  });
});
