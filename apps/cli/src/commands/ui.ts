import type { Command } from "commander";
import { backendOption, MAX_TRIALS_AT_ONCE, wholeNumberArg } from "../options";
import { lazyAction } from "./lazy-action";

/**
 * Registers `tailsweep ui`: the dashboard (apps/web) served by this process on this run store. Next runs inside the
 * process that opened the store, so the embedded store (PGlite, one process only) can be read by the pages and
 * written by the controller and worker that run launched sweeps here.
 */
export function registerUi(program: Command): void {
  program
    .command("ui")
    .description(
      "serve the dashboard on this run store (DATABASE_URL, or the embedded store in .tailsweep/db); sweeps launched " +
        "from it run here, or over NATS when NATS_URL is set (then a `tailsweep controller` persists them)",
    )
    // checked here, not when Next listens after a build of minutes
    .option("--port <n>", "port (1–65535)", wholeNumberArg("--port", 1, 65_535), 3000)
    .option("--host <address>", "address to listen on", "127.0.0.1")
    .option(
      "--rebuild",
      "build the app again before serving it (it is rebuilt anyway when a source changed since)",
    )
    .option(
      "--workers <n>",
      "trials at once in this process for sweeps launched here without NATS_URL (0: launch, but train nothing here)",
      wholeNumberArg("--workers", 0, MAX_TRIALS_AT_ONCE),
      1,
    )
    .addOption(backendOption("compute backend of those trials"))
    .option("--read-only", "no launching or cancelling from the browser")
    .action(lazyAction(async () => (await import("./ui-action")).uiCommand));
}
