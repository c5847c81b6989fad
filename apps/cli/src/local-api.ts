import { type ApiContext, type AppRouter, appRouter, LOCAL_CALLER, type SweepLauncher } from "@tailsweep/api";
import { createTRPCClient, unstable_localLink } from "@trpc/client";
import type { Api, ApiOptions } from "./api-client";
import { openRuntime, type Runtime } from "./runtime";
import { settings } from "./settings";

const log = (line: string) => process.stderr.write(`${line}\n`);

/**
 * The local user's API context on the run store `rt` opened, with `what` this process can do besides reading (a
 * launcher, or the `readOnly` words that say why there is none; which sweeps it trains, where that is not all): the
 * context of a command's own API, and of the socket a process holding the embedded store answers other commands on
 * (store-socket.ts).
 */
export function localApiContext(
  rt: Runtime,
  what: Pick<ApiContext, "launcher" | "readOnly" | "cancelsOwn" | "controllerServing">,
): ApiContext {
  return {
    store: rt.opened.store,
    access: rt.opened.access,
    caller: LOCAL_CALLER,
    sweepLimits: settings().sweepLimits,
    artifacts: rt.artifacts,
    ...what,
    ...(rt.opened.controllerServing && { controllerServing: rt.opened.controllerServing }),
  };
}

/** The API in this process on the run store: the context `tailsweep ui` gives the dashboard, for one command. */
export async function localApi(options: ApiOptions) {
  // Trial files live in the NATS object store when NATS_URL is set: reading them needs the connection too.
  const rt = await openRuntime(options.quiet ? () => {} : log, {
    needsBus: options.launches === true || options.trialFiles === true,
  });
  let launcher: SweepLauncher | undefined;
  if (options.launches) {
    // Over NATS the team's controller persists what follows; this one only stores, queues and notifies. Loaded only
    // here: the commands that only read have no use for it.
    const { Controller } = await import("@tailsweep/controller");
    launcher = new Controller(rt.opened.store, rt.bus, { artifacts: rt.artifacts });
  }
  const context = localApiContext(rt, launcher ? { launcher } : {});
  const api: Api = createTRPCClient<AppRouter>({
    links: [unstable_localLink({ router: appRouter, createContext: async () => context })],
  });
  return { api, close: () => rt.close() };
}
