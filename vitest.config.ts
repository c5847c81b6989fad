import { chmodSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defineConfig } from "vitest/config";
import { SlowestFirstSequencer } from "./test/slowest-first-sequencer";

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
    // Longest first, from test/durations.json where vitest has no results cache (a clean clone): the forks end together.
    sequence: { sequencer: SlowestFirstSequencer },
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
