import { setTimeout as sleep } from "node:timers/promises";
import { Controller } from "@tailsweep/controller";
import type { ControllerLease } from "@tailsweep/db";
import { messageLineOf } from "@tailsweep/schemas";
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
  const stop = (signal: NodeJS.Signals) => {
    log(`${signal}: stopping`);
    stopping.abort();
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
  const stopped = new Promise<"stopped">((resolve) =>
    stopping.signal.addEventListener("abort", () => resolve("stopped"), { once: true }),
  );
  try {
    const takeLease = rt.opened.controllerLease;
    let lastFailure: string | undefined;
    let retryMs = 2_000;
    while (!stopping.signal.aborted) {
      let lease: ControllerLease | undefined;
      if (takeLease) {
        lease = await takeLease({
          signal: stopping.signal,
          onWait: (holder) =>
            log(`standby: this run store's controller lease is held by ${holder}; serving once it is free`),
          onUnreachable: (reason) => log(`standby: waiting for the run store (${reason})`),
        });
        if (!lease) break;
      }
      const controller = new Controller(rt.opened.store, rt.bus, {
        log,
        logTrials: true,
        artifacts: rt.artifacts,
      });
      let failed: string | undefined;
      try {
        await controller.start();
        log("controller ready");
        const outcome = await Promise.race([stopped, lease?.lost ?? new Promise<never>(() => {})]);
        if (outcome !== "stopped")
          log(`warning: ${outcome.message}; stopped serving, another controller may take over`);
      } catch (e) {
        // With a lease, a start that fails (the store or NATS gone again the moment the lease was taken) is waited
        // out as a standby would; without one (the embedded store) it is the command's error, as always.
        if (!lease) throw e;
        failed = messageLineOf(e);
        // said once per reason, not every try: a setting that stays wrong would fill the log
        if (failed !== lastFailure)
          log(`warning: the controller did not start (${failed}); trying again, waiting longer each time`);
      } finally {
        try {
          await controller.stop();
        } finally {
          // only now, and whatever stop did: the lock is held until this one has stopped serving
          await lease?.release();
        }
      }
      // what failed may come back (or another controller take the lease meanwhile): 2 s, doubling to a minute
      retryMs = failed === undefined ? 2_000 : Math.min(60_000, retryMs * (failed === lastFailure ? 2 : 1));
      lastFailure = failed;
      // a stop during the wait ends it early (the loop then sees it): not an error
      if (failed !== undefined) await sleep(retryMs, undefined, { signal: stopping.signal }).catch(() => {});
    }
  } finally {
    process.off("SIGTERM", stop);
    process.off("SIGINT", stop);
    await rt.close();
  }
}
