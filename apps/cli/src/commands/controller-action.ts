import { Controller } from "@tailsweep/controller";
import { natsUrlFor, openRuntime } from "../runtime";
import { daemonLog } from "./sweep-output";

/** `tailsweep controller`: the single writer of trial state, until SIGINT or SIGTERM. */
export async function controllerCommand(o: { json?: boolean }): Promise<void> {
  const log = daemonLog("controller", o.json);
  natsUrlFor("tailsweep controller");
  const rt = await openRuntime(log);
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
