import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["apps/*/src/**/*.test.ts", "packages/*/src/**/*.test.ts", "test/**/*.test.ts"],
    environment: "node",
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // tfjs keeps one global engine per process; forks keep test files from sharing it.
    pool: "forks",
    // A developer's `tailsweep login` must not send the tests' CLI commands to their team's dashboard.
    env: {
      XDG_CONFIG_HOME: mkdtempSync(join(tmpdir(), "tailsweep-config-")),
      TAILSWEEP_TOKEN: "",
      TAILSWEEP_URL: "",
    },
  },
});
