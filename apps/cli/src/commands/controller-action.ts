import { Controller } from "@tailsweep/controller";
import type { ControllerLease } from "@tailsweep/db";
import { natsUrlFor, openRuntime } from "../runtime";
import { daemonLog } from "./sweep-output";

/**
 * `tailsweep controller`: the single writer of trial state, until SIGINT or SIGTERM. On PostgreSQL it serves only
 * while it holds the store's controller lease: a second controller started beside it waits as a standby and takes
 * over when the first stops or loses its database, and one that loses the lease stops serving and waits again.
 */
export async function controllerCommand(o: { json?: boolean }): Promise<void> {
  const log = daemonLog("controller", o.json);
  natsUrlFor("tailsweep controller");
  const rt = await openRuntime(log);
  if (rt.opened.kind === "pglite" && rt.opened.location === "memory")
    log(
      "warning: the run store is in this process's memory (TAILSWEEP_DB_DIR=memory): what this controller stores is seen by nothing else and lost when it stops. A team's controller, dashboard and CLI share PostgreSQL: set DATABASE_URL for each.",
    );
  else if (rt.opened.kind === "pglite")
    log(
      `warning: the run store is this machine's embedded one (${rt.opened.location}; DATABASE_URL unset), which one process opens at a time: while this controller runs, tailsweep ui, sweep submit and sweep status on it are refused. A team's controller, dashboard and CLI share PostgreSQL: set DATABASE_URL for each.`,
    );
  const stopping = new AbortController();
  const stop = () => stopping.abort();
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
  const stopped = new Promise<"stopped">((resolve) =>
    stopping.signal.addEventListener("abort", () => resolve("stopped"), { once: true }),
  );
  try {
    const takeLease = rt.opened.controllerLease;
    while (!stopping.signal.aborted) {
      let lease: ControllerLease | undefined;
      if (takeLease) {
        lease = await takeLease({
          signal: stopping.signal,
          onWait: (holder) =>
            log(`standby: ${holder} is this run store's controller; taking over when it stops`),
          onUnreachable: (reason) => log(`standby: the run store is out (${reason}); trying again`),
        });
        if (!lease) break;
      }
      const controller = new Controller(rt.opened.store, rt.bus, { log, artifacts: rt.artifacts });
      try {
        await controller.start();
        log("controller ready");
        const outcome = await Promise.race([stopped, lease?.lost ?? new Promise<never>(() => {})]);
        if (outcome !== "stopped")
          log(`warning: ${outcome.message}; stopped serving, another controller may take over`);
      } finally {
        await controller.stop();
        await lease?.release();
      }
    }
  } finally {
    process.off("SIGTERM", stop);
    process.off("SIGINT", stop);
    await rt.close();
  }
}
