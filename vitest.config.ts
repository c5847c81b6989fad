import { chmodSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { defineConfig } from "vitest/config";
import { BaseSequencer, type TestSpecification } from "vitest/node";

/**
 * The files that run longest, in seconds of a clean-clone CI run on the 2-core machine: the order of a run that has
 * no timings of its own for them.
 */
const KNOWN_SECONDS: Readonly<Record<string, number>> = {
  "test/web.test.ts": 396,
  "apps/cli/src/cli.test.ts": 372,
  "test/fault-drills.test.ts": 330,
  "test/sweep-faults.test.ts": 224,
  "test/gpu-kit.test.ts": 190,
  "apps/cli/src/api-modes.test.ts": 131,
};

/**
 * Longest first, by the file's duration in vitest's cache, else its KNOWN_SECONDS. Vitest's own order falls back to
 * file size where its cache lacks a file (a clean clone, CI, has none): the GPU kit's short file runs for 3 minutes,
 * started last, and one fork idled through them. (A sequencer of one's own also replaces vitest's shuffling, which
 * this project does not use.)
 */
class LongestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const root = this.ctx.config.root;
    const seconds = (f: TestSpecification) => {
      const path = relative(root, f.moduleId);
      const cached = this.ctx.cache.getFileTestResults(`${f.project.name}:${path}`);
      return cached ? cached.duration / 1000 : (KNOWN_SECONDS[path] ?? 0);
    };
    // a stable sort: files of equal (unknown) length keep vitest's order
    return (await super.sort(files)).sort((a, b) => seconds(b) - seconds(a));
  }
}

export default defineConfig({
  test: {
    include: ["apps/*/src/**/*.test.ts", "packages/*/src/**/*.test.ts", "test/**/*.test.ts"],
    environment: "node",
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // tfjs keeps one global engine per process; forks keep test files from sharing it.
    pool: "forks",
    // Two files at once, not vitest's cores − 1 (one on this project's 2-core machines): most of the suite waits on
    // child processes, servers and browsers, so a second file fills the idle time (CI: 997 tests in 32 min with one).
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    sequence: { sequencer: LongestFirstSequencer },
    // A developer's `tailsweep login` must not send the tests' CLI commands to their team's dashboard.
    env: {
      XDG_CONFIG_HOME: mkdtempSync(join(tmpdir(), "tailsweep-config-")),
      TAILSWEEP_TOKEN: "",
      TAILSWEEP_URL: "",
      // scripts/test-setup.sh (run by `pnpm test`) installs lavapipe and OpenBLAS: those backends must run, not skip.
      TAILSWEEP_REQUIRE_BACKENDS: process.env.TAILSWEEP_REQUIRE_BACKENDS ?? "webgpu,wasm-blas",
      // The role scripts/test-setup.sh makes: it connects with trust or scram-sha-256 auth alike.
      TEST_DATABASE_URL:
        process.env.TEST_DATABASE_URL ?? "postgresql://tailsweep_test:tailsweep_test@127.0.0.1:5432/postgres",
      // Mesa's Vulkan driver wants a runtime directory; root on a bare machine has none.
      XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? runtimeDir(),
    },
    // CI counts passes and failures from a JSON report (TAILSWEEP_TEST_REPORT=file) beside the usual output.
    ...(process.env.TAILSWEEP_TEST_REPORT && {
      reporters: ["default", "json"],
      outputFile: { json: process.env.TAILSWEEP_TEST_REPORT },
    }),
  },
});

function runtimeDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "tailsweep-xdg-"));
  chmodSync(dir, 0o700);
  return dir;
}
