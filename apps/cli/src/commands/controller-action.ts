import { Controller } from "@tailsweep/controller";
import { natsUrlFor, openRuntime } from "../runtime";
import { daemonLog } from "./sweep-output";

/** `tailsweep controller`: the single writer of trial state, until SIGINT or SIGTERM. */
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
  const controller = new Controller(rt.opened.store, rt.bus, { log, artifacts: rt.artifacts });
  await controller.start();
  log("controller ready");
  await new Promise<void>((resolve) => {
    process.once("SIGTERM", () => resolve());
    process.once("SIGINT", () => resolve());
  });
  await controller.stop();
  await rt.close();
}
