import { type ApiContext, type AppRouter, appRouter, LOCAL_CALLER, type SweepLauncher } from "@tailsweep/api";
import { createTRPCClient, unstable_localLink } from "@trpc/client";
import type { Api, ApiOptions } from "./api-client";
import { openRuntime } from "./runtime";
import { settings } from "./settings";

const log = (line: string) => process.stderr.write(`${line}\n`);

/** The API in this process on the run store: the context `tailsweep ui` gives the dashboard, for one command. */
export async function localApi(options: ApiOptions) {
  // Trial files live in the NATS object store when NATS_URL is set: reading them needs the connection too.
  const rt = await openRuntime(log, { needsBus: options.launches === true || options.trialFiles === true });
  let launcher: SweepLauncher | undefined;
  if (options.launches) {
    // Over NATS the team's controller persists what follows; this one only stores, queues and notifies. Loaded only
    // here: the commands that only read have no use for it.
    const { Controller } = await import("@tailsweep/controller");
    launcher = new Controller(rt.opened.store, rt.bus, { artifacts: rt.artifacts });
  }
  const context: ApiContext = {
    store: rt.opened.store,
    access: rt.opened.access,
    caller: LOCAL_CALLER,
    sweepLimits: settings().sweepLimits,
    artifacts: rt.artifacts,
    ...(launcher && { launcher }),
    ...(rt.opened.controllerServing && { controllerServing: rt.opened.controllerServing }),
  };
  const api: Api = createTRPCClient<AppRouter>({
    links: [unstable_localLink({ router: appRouter, createContext: async () => context })],
  });
  return { api, close: () => rt.close() };
}
