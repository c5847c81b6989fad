// The real CLI in a child process, for the CLI's own tests.
import { execFile } from "node:child_process";
import { join } from "node:path";

/** What a CLI process did: its exit code (0 when it succeeded) and its output. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

const bin = join(__dirname, "..", "..", "bin", "tailsweep.mjs");

/**
 * Runs `tailsweep <args>` in a child process on an embedded store, logged out (no DATABASE_URL, NATS_URL, token or
 * dashboard URL from the developer's environment), with `env` on top: the test's TAILSWEEP_DB_DIR and
 * XDG_CONFIG_HOME at least. Never throws: a failure is its code and stderr.
 */
export function runCli(args: readonly string[], env: Record<string, string>): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      {
        env: {
          ...process.env,
          DATABASE_URL: "",
          NATS_URL: "",
          TAILSWEEP_TOKEN: "",
          TAILSWEEP_URL: "",
          ...env,
        },
        maxBuffer: 64 << 20,
      },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}
