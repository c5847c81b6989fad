import { chmodSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defineConfig } from "vitest/config";
import { BaseSequencer, type TestSpecification } from "vitest/node";

/**
 * The slowest test files, each in seconds as it ran in CI (clean clone, `.ci/run`, 2026-12-06): started first, so that
 * the short files fill the other fork at the end. A clean clone has no durations cached, and vitest's own order then
 * left gpu-kit to start at 1,331 s and run its last 210 s alone, one fork idle for 680 s in all.
 */
const SLOWEST = [
  "test/fault-drills.test.ts", // 434
  "apps/cli/src/cli.test.ts", // 322
  "test/sweep-faults.test.ts", // 251
  "test/web.test.ts", // 211
  "test/gpu-kit.test.ts", // 210
  "test/embedded-sweep.test.ts", // 84
  "packages/db/src/pglite-template.test.ts", // 77
  "apps/cli/src/compare-pareto.test.ts", // 72
];

/** vitest's order (cached durations where a developer has them), with {@link SLOWEST} first. */
class SlowestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (file: TestSpecification) => {
      const at = SLOWEST.findIndex((path) => file.moduleId.endsWith(`/${path}`));
      return at === -1 ? SLOWEST.length : at;
    };
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b));
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
    sequence: { sequencer: SlowestFirst },
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
