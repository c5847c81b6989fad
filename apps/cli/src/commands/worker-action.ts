import { type ChildProcess, spawn } from "node:child_process";
import { availableParallelism } from "node:os";
import { initBackend, releaseWebGpu } from "@tailsweep/model";
import { InputError, type TrialKind } from "@tailsweep/schemas";
import { defaultTrialKinds, gpuName, Worker } from "@tailsweep/worker";
import type { BackendChoice } from "../options";
import { natsPrefix, natsUrlFor } from "../runtime";
import { settings } from "../settings";
import { daemonLog } from "./sweep-output";

/** The flags of `tailsweep worker`. */
interface WorkerFlags {
  concurrency?: number;
  backend?: BackendChoice;
  trials?: TrialKind[];
  json?: boolean;
}

/**
 * `tailsweep worker`: TensorFlow.js trains on one thread per process, so parallel trials need processes: the first
 * runs here, the others as children that share this one's lifetime and signals.
 */
export async function workerCommand(o: WorkerFlags): Promise<void> {
  const log = daemonLog("worker", o.json);
  const servers = natsUrlFor("tailsweep worker");
  const children = spawnWorkerChildren((o.concurrency ?? availableParallelism()) - 1, o);
  const backend = await initBackend({ ...(o.backend && { prefer: o.backend }), log });
  if (o.trials?.includes("gpu") && backend.name !== "webgpu") {
    for (const c of children) c.kill("SIGTERM");
    throw new InputError(
      "--trials",
      `gpu needs the webgpu backend, and this worker trains on ${backend.name}; use --backend webgpu, or --trials cpu`,
    );
  }
  const trialKinds = o.trials ?? defaultTrialKinds(backend);
  const { NatsBus } = await import("@tailsweep/bus");
  const bus = await NatsBus.connect({
    servers,
    name: "tailsweep-worker",
    prefix: natsPrefix(),
    role: "worker",
    kinds: trialKinds,
    onWait: log,
    onConnection: log,
    ...settings().nats.credentials,
  });
  // Checkpoints and artifacts go to the server's object store (made here if no one has yet).
  const artifacts = await bus.artifactStore();
  const worker = new Worker(bus, {
    backend,
    artifacts,
    trialKinds,
    concurrency: 1,
    log,
    onTrialEnd: (trialId, outcome) => log(`trial ${trialId}: ${outcome}`),
  });
  await worker.start();
  log(
    `worker ${worker.id} ready (${backend.name}${backend.adapter ? ` on ${gpuName(backend.adapter)}` : ""}; takes ${trialKinds.join(" then ")} trials${children.length ? `; ${children.length} more worker processes` : ""})`,
  );
  await workerShutdownSignal(children);
  log("shutting down: running trials stop after this epoch and are handed back");
  await worker.stop();
  await artifacts.close();
  releaseWebGpu();
  await bus.close();
  await Promise.all(
    // A child ended by a signal has no exit code but a signal code: it has exited too, and waiting for its "exit"
    // event, already past, would leave this process with nothing to wait on (Node then exits 13).
    children.map((c) =>
      c.exitCode !== null || c.signalCode !== null ? undefined : new Promise((r) => c.once("exit", r)),
    ),
  );
  // A child's IPC channel keeps its event loop alive: close it, or the child (and its waiting parent) never exit.
  if (process.connected) process.disconnect();
}

/** `count` more worker processes with this one's flags, one trial at a time each. */
function spawnWorkerChildren(count: number, o: WorkerFlags): ChildProcess[] {
  return Array.from({ length: count }, () =>
    spawn(
      process.execPath,
      [
        ...process.execArgv,
        process.argv[1]!,
        "worker",
        "--concurrency",
        "1",
        ...(o.backend ? ["--backend", o.backend] : []),
        ...(o.trials ? ["--trials", o.trials.join(",")] : []),
        ...(o.json ? ["--json"] : []),
      ],
      {
        // The IPC channel closes when this process dies, even by SIGKILL: children then shut down too.
        stdio: ["ignore", "inherit", "inherit", "ipc"],
        env: process.env,
      },
    ),
  );
}

/**
 * Resolves on the first SIGINT or SIGTERM (passed on to the children), or when a child's parent is gone. Ctrl-C
 * reaches the whole process group, and the parent passes its signal on too: a child must survive that second copy
 * (the default action would kill it before it hands its trial back). A signal that comes later is the operator's
 * second word: quit at once.
 */
function workerShutdownSignal(children: ChildProcess[]): Promise<void> {
  return new Promise<void>((resolve) => {
    let stoppingSince: number | undefined;
    const shutdown = (signal: NodeJS.Signals) => {
      if (stoppingSince !== undefined) {
        if (Date.now() - stoppingSince > 2_000) process.exit(signal === "SIGINT" ? 130 : 143);
        return;
      }
      stoppingSince = Date.now();
      for (const c of children) c.kill(signal);
      resolve();
    };
    process.on("SIGTERM", shutdown);
    process.on("SIGINT", shutdown);
    if (process.send) process.once("disconnect", () => shutdown("SIGTERM")); // a child whose parent is gone
  });
}
