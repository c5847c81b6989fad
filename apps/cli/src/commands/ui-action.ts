import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { hostName, isLoopbackHost, type SweepLauncher, setDashboardHost } from "@tailsweep/api";
import { Controller } from "@tailsweep/controller";
import { checkDatasetFiles } from "@tailsweep/data";
import { initBackend } from "@tailsweep/model";
import { InputError, type UnavailableError } from "@tailsweep/schemas";
import { OnDemandTrialThreads, trainingRunner, Worker } from "@tailsweep/worker";
import { arrivedAfterClose, lingerAfterEarlyAnswer } from "../lingering-close";
import type { BackendChoice } from "../options";
import { localControllerLease, openRuntime } from "../runtime";
import { ServingGate } from "../serving-gate";
import { settings } from "../settings";
import { type StoreSocket, serveHeldStore } from "../store-socket";
import { trainsOnThreads, trialThreadsOptions } from "../trial-threads";
import { ensureDashboardBuild } from "./dashboard-build";

const log = (line: string) => process.stderr.write(`${line}\n`);

/** How long the trial threads are kept after a launched sweep's last trial: the next launch soon after finds them. */
const THREADS_IDLE_MS = 5 * 60_000;

interface UiOptions {
  port: number;
  host: string;
  rebuild?: boolean;
  workers: number;
  backend?: BackendChoice;
  readOnly?: boolean;
}

/** The part of Next's programmatic server this command uses. */
interface NextApp {
  prepare(): Promise<void>;
  getRequestHandler(): (req: unknown, res: unknown) => Promise<void>;
  close(): Promise<void>;
}

/**
 * `tailsweep ui`: the dashboard (apps/web) served by this process on this run store, until SIGINT or SIGTERM (ui.ts
 * registers it).
 */
export async function uiCommand(o: UiOptions): Promise<void> {
  const web = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "web");
  const nextBin = join(web, "node_modules", ".bin", "next");
  if (!existsSync(nextBin))
    throw new Error(`the dashboard is not installed: no ${nextBin} (run pnpm install)`);
  // Checked before anything is built or opened: DATABASE_URL is what makes the store PostgreSQL.
  const { auth, sweepLimits, nats } = settings();
  if (auth.mode === "local" && !isLoopbackHost(o.host))
    throw new InputError(
      `--host ${o.host}`,
      "the embedded store's dashboard has no sign-in, so it serves 127.0.0.1 only; " +
        "for a team, use PostgreSQL (DATABASE_URL), where everyone signs in",
    );
  // Next reads this itself, in this process and in the build's.
  process.env.NEXT_TELEMETRY_DISABLED = "1";
  await ensureDashboardBuild({
    web,
    rebuild: o.rebuild ?? false,
    log,
    build: () => {
      // The build prerenders the not-found page, whose layout opens the store. An embedded store serves one
      // process, and the build's workers may outlive the build by a moment: the build gets a store in memory, not
      // the user's folder (nothing it reads there ends up in the build).
      const env = { ...process.env, TAILSWEEP_DB_DIR: "memory" };
      const built = spawnSync(nextBin, ["build"], { cwd: web, env, stdio: ["ignore", "ignore", "inherit"] });
      if (built.status !== 0) throw new Error(`next build failed (exit ${built.status})`);
    },
  });

  const rt = await openRuntime(log, { needsBus: !o.readOnly });
  const overNats = !rt.embeddedBus;
  // Over NATS the team's controller persists events and grants claims: this one only stores and queues.
  const controller = new Controller(rt.opened.store, rt.bus, {
    log,
    artifacts: rt.artifacts,
    exclusive: rt.exclusive,
  });
  let worker: Worker | undefined;
  let threads: OnDemandTrialThreads | undefined;
  let app: NextApp | undefined;
  let server: Server | undefined;
  let launchTarget: string | null;
  let lease: Awaited<ReturnType<typeof localControllerLease>> | undefined;
  let socket: StoreSocket | undefined;
  // What stops, in this order, after the server: training first (the running trials are handed back), the store last.
  const stops = [
    // other commands first, as the pages: nothing reaches a controller that is stopping
    () => socket?.close(),
    () => worker?.stop(),
    () => threads?.close(),
    () => controller.stop(),
    () => lease?.release(),
    () => app?.close(),
    () => rt.close(),
  ];
  try {
    let localBackend = "no backend (--workers 0)";
    const gate = new ServingGate();
    if (!o.readOnly && !overNats) {
      // On PostgreSQL: refused where another controller serves the store (this one serves every sweep).
      lease = await localControllerLease(rt, "tailsweep ui");
      await controller.start();
      if (o.workers > 0) {
        const backend = await initBackend({ ...(o.backend && { prefer: o.backend }), log });
        // Pages first. Where the backend trains on threads, trials train there, so a request never waits for a step
        // under way, and the threads hold training while requests are answered; otherwise, or when the threads
        // cannot start, training here waits at its yield points while a request is being answered.
        const onMainThread = trainingRunner(backend, { pause: gate.pause, artifacts: rt.artifacts, log });
        if (trainsOnThreads(backend.name)) {
          threads = new OnDemandTrialThreads({
            ...trialThreadsOptions(backend.name, o.workers, o.workers),
            idleMs: THREADS_IDLE_MS,
            serving: gate.requests,
            servingMaxWaitMs: gate.maxWaitMs,
            log,
          });
        }
        const runTrial = threads?.runner(onMainThread, rt.artifacts) ?? onMainThread;
        worker = new Worker(rt.bus, {
          backend,
          concurrency: o.workers,
          log,
          runTrial,
          artifacts: rt.artifacts,
        });
        localBackend = backend.name;
        await worker.start();
      }
    }
    launchTarget = o.readOnly
      ? null
      : overNats
        ? `NATS ${nats.url} (workers and a controller elsewhere)`
        : `this process (${o.workers} worker${o.workers === 1 ? "" : "s"})`;
    const launcher: SweepLauncher | undefined = o.readOnly
      ? undefined
      : {
          submit: (spec, id) => controller.submit(spec, id),
          cancel: (id) => controller.cancel(id),
          retry: (id) => controller.retry(id),
          resume: (id) => controller.resume(id),
          extend: (id, request) => controller.extend(id, request),
          delete: (id) => controller.delete(id),
          // On the in-process bus this process's worker is the only one there is, and it reads this disk.
          ...(!overNats && {
            localWorkers: worker?.trialKinds.includes("gpu")
              ? { gpu: true as const }
              : { gpu: false as const, backend: localBackend },
            checkFiles: (spec) => checkDatasetFiles(spec),
          }),
        };
    setDashboardHost(
      Promise.resolve({
        store: rt.opened.store.pageReads(),
        access: rt.opened.access,
        artifacts: rt.artifacts,
        launcher,
        launchTarget,
        storeLocation: `${rt.opened.kind} ${rt.opened.location}`,
        // over NATS the team's controller serves the sweeps; without, this process's does (it holds the lease)
        ...(overNats && rt.opened.controllerServing && { controllerServing: rt.opened.controllerServing }),
        auth,
        sweepLimits,
        clientAddressHeader: true,
      }),
    );
    // Other commands (sweep status, compare, submit…) reach the embedded store through this process while it holds
    // it, with what its dashboard may do.
    socket = await serveHeldStore(
      rt,
      launcher
        ? { launcher }
        : {
            readOnly: `the embedded store is held by tailsweep ui --read-only (pid ${process.pid}), which launches, cancels and deletes nothing: this works once it ends`,
          },
      log,
      // held as a page's request is: training waits while it is answered
      (_req, res) => res.once("close", gate.enter()),
    );

    const next = createRequire(join(web, "package.json"))("next") as (options: {
      dev: boolean;
      dir: string;
      hostname: string;
      port: number;
    }) => NextApp;
    app = next({ dev: false, dir: web, hostname: o.host, port: o.port });
    await app.prepare();
    const handle = app.getRequestHandler();
    const http = createServer((req, res) => {
      if (arrivedAfterClose(req)) {
        req.socket.destroy();
        return;
      }
      lingerAfterEarlyAnswer(req, res);
      // Without sign-in, only this machine's own names may reach the dashboard: a web page whose name an attacker
      // points at 127.0.0.1 (DNS rebinding) would otherwise be same-origin with it.
      if (auth.mode === "local" && !isLoopbackHost(hostName(req.headers.host))) {
        res.writeHead(403, { "Content-Type": "text/plain; charset=utf-8" });
        res.end(
          `embedded mode answers to 127.0.0.1 and localhost only, not ${req.headers.host ?? "no Host"}\n`,
        );
        return;
      }
      res.once("close", gate.enter());
      // The client's address, for login rate limits; whatever a client sent under this name is replaced. Behind
      // the TLS proxy that TAILSWEEP_PUBLIC_URL implies, it is the address the proxy appended last.
      const forwarded = auth.publicUrl
        ? String(req.headers["x-forwarded-for"] ?? "")
            .split(",")
            .at(-1)
            ?.trim()
        : "";
      req.headers["x-tailsweep-client"] = forwarded || req.socket.remoteAddress || "unknown";
      void handle(req, res);
    });
    server = http;
    await new Promise<void>((ok, fail) => {
      http.once("error", fail);
      http.listen(o.port, o.host, ok);
    });
  } catch (e) {
    // A failed start (a port in use, a dashboard that does not load) leaves nothing running that keeps the process
    // alive: the worker, its threads, the controller and the store are stopped, then the error is reported.
    for (const stop of stops) await stop()?.catch(() => {});
    throw e;
  }
  log(
    `dashboard on http://${o.host}:${o.port} · run store: ${rt.opened.kind} ${rt.opened.location} · launches: ${launchTarget ?? "off (--read-only)"} · ${auth.mode === "team" ? `sign-in required (password${auth.oidc ? `, ${auth.oidc.name}` : ""}; API tokens)` : "local user, no sign-in"}`,
  );
  const signal = await new Promise<NodeJS.Signals | UnavailableError>((ok) => {
    process.once("SIGINT", ok);
    process.once("SIGTERM", ok);
    // A lease lost (the database restarted or cut off): another controller may serve from then on, so this stops.
    void lease?.lost.then(ok);
  });
  log(
    typeof signal === "string"
      ? `${signal}: stopping (running trials here stop after this epoch and are handed back)`
      : `${signal.message}: stopping, since another controller may serve the store now; start the dashboard again to go on`,
  );
  server.close();
  server.closeAllConnections();
  // Every stop runs whatever an earlier one did (the lease's release last but one, the store's last); the first
  // failure is reported after.
  let failure: unknown;
  for (const stop of stops)
    await Promise.resolve()
      .then(stop)
      .catch((e: unknown) => {
        failure ??= e;
      });
  if (typeof signal !== "string") throw signal;
  if (failure !== undefined) throw failure;
}
