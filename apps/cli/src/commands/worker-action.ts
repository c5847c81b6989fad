import { type ChildProcess, spawn } from "node:child_process";
import { availableParallelism } from "node:os";
import { type BackendInfo, initBackend, releaseWebGpu } from "@tailsweep/model";
import { AppError, InputError, messageOf, problemList, type TrialKind } from "@tailsweep/schemas";
import { defaultTrialKinds, gpuName, TrialThreads, Worker } from "@tailsweep/worker";
import type { BackendChoice } from "../options";
import { natsPrefix, natsUrlFor } from "../runtime";
import { settings } from "../settings";
import { trainsOnThreads, trialThreadsOptions } from "../trial-threads";
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
  // GPU trials on a named CPU backend are the flags' problem, said with a missing NATS_URL rather than after it
  const named = o.backend !== undefined && o.backend !== "auto" ? o.backend : undefined;
  const gpuProblem =
    o.trials?.includes("gpu") && named !== undefined && named !== "webgpu"
      ? `gpu needs the webgpu backend, and --backend is ${named}; use --backend webgpu, or --trials cpu`
      : undefined;
  let servers: string;
  try {
    servers = natsUrlFor("tailsweep worker");
  } catch (e) {
    if (gpuProblem === undefined) throw e;
    const unset = problemList(e) ?? [messageOf(e)];
    throw new AppError(
      "WORKER_ARGS_INVALID",
      "invalid",
      `invalid command line and environment:\n${[`--trials: ${gpuProblem}`, ...unset].map((p) => `  - ${p}`).join("\n")}`,
    );
  }
  // before the backend starts: the flags alone decide it
  if (gpuProblem !== undefined) throw new InputError("--trials", gpuProblem);
  const backend = await initBackend({ ...(o.backend && { prefer: o.backend }), log });
  // --backend auto (or none) fell back from webgpu: only now is it known
  if (o.trials?.includes("gpu") && backend.name !== "webgpu")
    throw new InputError(
      "--trials",
      `gpu needs the webgpu backend, and this worker trains on ${backend.name} (no WebGPU adapter here); use --trials cpu`,
    );
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
  // The other processes start once this one reached NATS (and found the controller's streams): a server that is not
  // there is then said once, by this process, rather than by every child and its restarts.
  const group = new WorkerChildren((o.concurrency ?? availableParallelism()) - 1, o, log);
  const started = async () => {
    // Checkpoints and artifacts go to the server's object store (made here if no one has yet).
    const artifacts = await bus.artifactStore();
    const thread = await trainingThread(backend.name, log);
    const worker = new Worker(bus, {
      backend,
      artifacts,
      trialKinds,
      concurrency: 1,
      log,
      onTrialEnd: (trialId, outcome, why) => log(`trial ${trialId}: ${outcome}${why ? ` (${why})` : ""}`),
      ...(thread && { runTrial: thread.runner(artifacts) }),
    });
    await worker.start().catch(async (e: unknown) => {
      await thread?.close();
      throw e;
    });
    return { artifacts, worker, thread };
  };
  // a child still starting may not hear this process go: it is told to stop
  const { artifacts, worker, thread } = await started().catch(async (e: unknown) => {
    group.stop("SIGTERM");
    await bus.close();
    throw e;
  });
  log(
    `worker ${worker.id} ready (${backend.name}${backend.adapter ? ` on ${gpuName(backend.adapter)}` : ""}; takes ${trialKinds.join(" then ")} trials${thread ? ", trains on a thread of its own" : ""}${group.count ? `; ${group.count} more worker processes` : ""})`,
  );
  await workerShutdownSignal(group);
  log("shutting down: running trials stop after this epoch and are handed back");
  await worker.stop();
  await thread?.close();
  await artifacts.close();
  releaseWebGpu();
  await bus.close();
  // The group holds only children whose "exit" has not come yet (its handler drops them): wait for each.
  await Promise.all([...group.children].map((c) => new Promise((r) => c.once("exit", r))));
  // A child's IPC channel keeps its event loop alive: close it, or the child (and its waiting parent) never exit.
  if (process.connected) process.disconnect();
}

/**
 * The thread this process trains on, where the backend trains on threads (wasm, cpu): its main thread then only talks
 * to NATS, so heartbeats go out on time however long a training step takes. On the main thread a step of a large
 * model on the cpu backend took 3 s and training yields every 4 steps: the controller heard no heartbeat for 13–26 s
 * and queued the trial again while it trained. Undefined for webgpu and native TensorFlow (one device, or every core
 * already), or when the thread cannot start (said; training then runs here, as it did).
 */
async function trainingThread(
  backend: BackendInfo["name"],
  log: (line: string) => void,
): Promise<TrialThreads | undefined> {
  if (!trainsOnThreads(backend)) return undefined;
  try {
    return await TrialThreads.start({ ...trialThreadsOptions(backend, 1, 1), log });
  } catch (e) {
    log(`training on the main thread: the trial thread did not start (${messageOf(e)})`);
    return undefined;
  }
}

/**
 * The `count` more worker processes of a group, with this one's flags, one trial at a time each. One that dies while
 * the group runs (killed, out of memory) is said and started again, so the group keeps its capacity; its trial is
 * handed back by the controller when its heartbeats stop. Three that die in a row within 30 s of their start are a
 * crash loop: said, and not started again.
 */
class WorkerChildren {
  readonly children = new Set<ChildProcess>();
  private stopping = false;
  private quickDeaths = 0;

  constructor(
    readonly count: number,
    private readonly o: WorkerFlags,
    private readonly log: (line: string) => void,
  ) {
    for (let i = 0; i < count; i++) this.startOne();
  }

  /** Passes `signal` on to every child, and starts none again from now on. */
  stop(signal: NodeJS.Signals): void {
    this.stopping = true;
    for (const c of this.children) c.kill(signal);
  }

  private startOne(): void {
    const started = Date.now();
    const child = spawnWorkerChild(this.o);
    this.children.add(child);
    child.once("exit", (code, signal) => {
      this.children.delete(child);
      if (this.stopping) return;
      const how = signal ? `by ${signal}` : `with code ${code}`;
      this.quickDeaths = Date.now() - started < 30_000 ? this.quickDeaths + 1 : 0;
      if (this.quickDeaths >= 3) {
        this.log(
          `worker process ${child.pid} exited ${how}, the third in a row within 30 s of its start: not started again (its log above says why); this group now runs ${this.children.size + 1} trial${this.children.size === 0 ? "" : "s"} at a time`,
        );
        return;
      }
      this.log(
        `worker process ${child.pid} exited ${how} while the group runs: starting another (a trial it held is handed back once its heartbeats stop)`,
      );
      this.startOne();
    });
  }
}

/** One more worker process with this one's flags, one trial at a time. */
function spawnWorkerChild(o: WorkerFlags): ChildProcess {
  return spawn(
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
  );
}

/**
 * Resolves on the first SIGINT or SIGTERM (passed on to the children), or when a child's parent is gone. Ctrl-C
 * reaches the whole process group, and the parent passes its signal on too: a child must survive that second copy
 * (the default action would kill it before it hands its trial back). A signal that comes later is the operator's
 * second word: quit at once.
 */
function workerShutdownSignal(group: WorkerChildren): Promise<void> {
  return new Promise<void>((resolve) => {
    let stoppingSince: number | undefined;
    const shutdown = (signal: NodeJS.Signals) => {
      if (stoppingSince !== undefined) {
        if (Date.now() - stoppingSince > 2_000) process.exit(signal === "SIGINT" ? 130 : 143);
        return;
      }
      stoppingSince = Date.now();
      group.stop(signal);
      resolve();
    };
    process.on("SIGTERM", shutdown);
    process.on("SIGINT", shutdown);
    if (process.send) process.once("disconnect", () => shutdown("SIGTERM")); // a child whose parent is gone
  });
}
