import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { exportSweep, rankConfigurations, SWEEP_NOT_FOUND_CODE, trialRows } from "@tailsweep/analysis";
import { Controller } from "@tailsweep/controller";
import { checkDatasetFiles } from "@tailsweep/data";
import { type BackendInfo, initBackend, releaseWebGpu } from "@tailsweep/model";
import {
  hasErrorCode,
  NotFoundError,
  parseSweepFile,
  type SweepSpec,
  type TrialKind,
  TrialKindSchema,
} from "@tailsweep/schemas";
import {
  countByState,
  gpuTrialCount,
  type RunStore,
  type SweepRecord,
  sweepIdFor,
  sweepProgress,
  workerStatus,
} from "@tailsweep/sweep";
import { defaultTrialKinds, gpuName, Worker } from "@tailsweep/worker";
import cliProgress from "cli-progress";
import { type Command, InvalidArgumentError } from "commander";
import { numberArg, readConfigFile } from "../config-input";
import { currentLogin, type RemoteLogin, remoteApi, remoteError } from "../remote";
import { natsPrefix, openRuntime } from "../runtime";
import { settings } from "../settings";

const log = (line: string) => process.stderr.write(`${line}\n`);

/**
 * The team dashboard a command goes through instead of a run store: the login (`tailsweep login`, TAILSWEEP_TOKEN),
 * unless DATABASE_URL points at the store itself.
 */
function remoteLogin(): RemoteLogin | undefined {
  return settings().store.databaseUrl ? undefined : currentLogin();
}

/** Runs one call against the dashboard, turning its refusals into one clear line. */
async function remote<T>(
  login: RemoteLogin,
  call: (api: ReturnType<typeof remoteApi>) => Promise<T>,
): Promise<T> {
  try {
    return await call(remoteApi(login));
  } catch (e) {
    throw remoteError(e, login);
  }
}

/** One line of `sweep list`, the same from a store or a server. */
function sweepLine(r: {
  id: string;
  createdAt: string;
  project: string;
  name: string;
  status: string;
  trials: number;
  succeeded: number;
  failed: number;
}): string {
  return `${r.id}  ${r.createdAt.slice(0, 16).replace("T", " ")}  ${`${r.project}/${r.name}`.padEnd(28)} ${r.status.padEnd(9)} ${r.succeeded}/${r.trials} succeeded, ${r.failed} failed\n`;
}

/** The log of a long-running process: plain lines on stderr, or with --json one JSON object per line on stdout. */
function daemonLog(component: "worker" | "controller", json: boolean | undefined): (line: string) => void {
  if (!json) return log;
  return (message) =>
    process.stdout.write(
      `${JSON.stringify({ time: new Date().toISOString(), component, pid: process.pid, message })}\n`,
    );
}

function readSweepFile(path: string): SweepSpec {
  return parseSweepFile(readConfigFile(path), settings().sweepLimits);
}

/** A sweep's trials and their results, read once for everything a command prints. */
async function loadSweep(store: RunStore, sweepId: string) {
  const [trials, results] = await Promise.all([store.listTrials(sweepId), store.listResults(sweepId)]);
  return { trials, results };
}

/** The ranking as `sweep status --json` prints it: configuration, seeds, mean and sd of the objective. */
function ranking(spec: SweepSpec, loaded: Awaited<ReturnType<typeof loadSweep>>) {
  return rankConfigurations(loaded.trials, loaded.results, spec.objective).map(({ config, ...r }) => ({
    params: config,
    ...r,
  }));
}

function printRanking(spec: SweepSpec, loaded: Awaited<ReturnType<typeof loadSweep>>): void {
  const ranked = ranking(spec, loaded);
  if (ranked.length === 0) return;
  process.stdout.write(`\n${spec.objective.metric} (${spec.objective.direction}), mean ± sd over seeds:\n`);
  for (const r of ranked) {
    process.stdout.write(
      `  ${(100 * r.mean).toFixed(1).padStart(5)} ± ${Number.isNaN(r.sd) ? "  n/a" : (100 * r.sd).toFixed(1).padStart(4)}  (${r.seeds} seeds)  ${r.params}\n`,
    );
  }
}

/** Polls the store and draws trials done/running/failed with an ETA until the sweep is final. */
async function watch(
  store: RunStore,
  sweepId: string,
  json: boolean,
  interrupted: () => boolean = () => false,
): Promise<SweepRecord> {
  const bar =
    process.stderr.isTTY && !json
      ? new cliProgress.SingleBar(
          {
            stream: process.stderr,
            format:
              "trials |{bar}| {value}/{total} done · {running} running · {failed} failed · ETA {eta_formatted}",
            hideCursor: true,
          },
          cliProgress.Presets.shades_classic,
        )
      : undefined;
  let last = "";
  for (;;) {
    const sweep = (await store.getSweep(sweepId))!;
    const { counts: c, done } = sweepProgress(await store.listTrials(sweepId));
    if (bar) {
      if (!bar.isActive) bar.start(sweep.trialCount, done, { running: c.running, failed: c.failed });
      bar.update(done, { running: c.running, failed: c.failed });
    } else {
      const line = `trials: ${done}/${sweep.trialCount} done, ${c.running} running, ${c.failed} failed`;
      if (line !== last && !json) log(line);
      last = line;
    }
    if (sweep.status !== "running" || interrupted()) {
      bar?.stop();
      return sweep;
    }
    for (let waited = 0; waited < 1_000 && !interrupted(); waited += 100)
      await new Promise((r) => setTimeout(r, 100));
  }
}

/** A sweep's export through the dashboard's download route (the same file, made by the same code there). */
async function exportFromServer(login: RemoteLogin, id: string, format: "csv" | "json") {
  const response = await fetch(`${login.url}/api/sweeps/${encodeURIComponent(id)}/export?format=${format}`, {
    headers: { authorization: `Bearer ${login.token}` },
  }).catch((e: unknown) => {
    throw remoteError(e, login);
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${login.url}: ${text.trim()} (HTTP ${response.status})`);
  return { text, trials: Number(response.headers.get("x-tailsweep-trials")) };
}

/** A sweep's export from the run store; an unknown id's error says where to find the right one. */
async function exportFromStore(id: string, format: "csv" | "json") {
  const rt = await openRuntime(log, { needsBus: false });
  return exportSweep(rt.opened.store, id, format)
    .catch((e: unknown) => {
      throw hasErrorCode(e, SWEEP_NOT_FOUND_CODE)
        ? new NotFoundError(SWEEP_NOT_FOUND_CODE, `${e.message} (tailsweep sweep list shows them)`)
        : e;
    })
    .finally(() => rt.close());
}

/** " (3 of them need a GPU worker: execution.gpu)", or nothing when none does. */
function gpuNote(spec: SweepSpec): string {
  const n = gpuTrialCount(spec);
  return n === 0 ? "" : ` (${n === 1 ? "1 of them needs" : `${n} of them need`} a GPU worker: execution.gpu)`;
}

/** `--trials gpu,cpu`: trial kinds, preferred first, each once. */
function trialKindsArg(value: string): TrialKind[] {
  const kinds = value.split(",").map((k) => k.trim());
  const bad = kinds.find((k) => !TrialKindSchema.safeParse(k).success);
  if (bad !== undefined || new Set(kinds).size !== kinds.length)
    throw new InvalidArgumentError(
      `--trials: a comma-separated list of gpu and cpu, each at most once (got ${JSON.stringify(value)})`,
    );
  return kinds as TrialKind[];
}

/**
 * Trains a sweep in this process (`sweep run`) until it is final or a signal stops it: SIGINT or SIGTERM hand the
 * running trial back after its epoch (its attempt not used up) and leave the sweep to be resumed by the same
 * command; a second signal quits at once. Returns the sweep as it stands then.
 */
async function runHere(
  rt: Awaited<ReturnType<typeof openRuntime>>,
  spec: SweepSpec,
  id: string,
  before: SweepRecord | undefined,
  backend: BackendInfo,
  o: { workers: number; json?: boolean },
): Promise<SweepRecord> {
  // This sweep only: an interrupted earlier run of another file is not trained under this one's name.
  const controller = new Controller(rt.opened.store, rt.bus, { log, sweepIds: [id] });
  await controller.start();
  const worker = new Worker(rt.bus, { backend, concurrency: o.workers, log });
  await worker.start();
  const stopping = { signal: undefined as NodeJS.Signals | undefined };
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping.signal) process.exit(signal === "SIGINT" ? 130 : 143);
    stopping.signal = signal;
    log(
      `\n${signal}: stopping after this epoch; the running trial is handed back and the same command resumes the sweep (${signal} again quits at once)`,
    );
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    const submitted = await controller.submit(spec, id);
    if (before) {
      const left = (await rt.opened.store.listTrials(id)).filter(
        (t) => t.state === "waiting" || t.state === "running",
      ).length;
      log(`sweep ${id}: resuming, ${left} of ${submitted.trialCount} trials left`);
    } else log(`sweep ${id}: ${submitted.trialCount} trials`);
    return await watch(rt.opened.store, id, Boolean(o.json), () => stopping.signal !== undefined);
  } finally {
    await worker.stop(); // hands a running trial back
    releaseWebGpu(); // Dawn would keep the process alive
    await controller.stop(); // after the worker: its hand-back is persisted
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    if (stopping.signal) process.exitCode = stopping.signal === "SIGINT" ? 130 : 143;
  }
}

/** Registers `tailsweep sweep …`, `tailsweep worker` and `tailsweep controller`. */
export function registerSweep(program: Command): void {
  const sweep = program.command("sweep").description("run, submit, watch, cancel and export sweeps");

  sweep
    .command("run <file>")
    .description(
      "run a sweep here: controller and workers in this process (the embedded default without NATS_URL); the same file again resumes or shows its sweep",
    )
    .option(
      "--workers <n>",
      "trials at once in this process (they interleave on one thread; for parallel trials run `tailsweep worker` processes with NATS_URL)",
      numberArg("--workers"),
      1,
    )
    .option("--backend <name>", "compute backend: auto | webgpu | tensorflow | wasm-blas | wasm | cpu")
    .option("--new", "run it as a new sweep even if this file has a sweep already")
    .option("--json", "print the final trial table as JSON")
    .action(async (file: string, o: { workers: number; backend?: string; new?: boolean; json?: boolean }) => {
      const spec = readSweepFile(file);
      // This process trains it: a user data file that is not there is said now, not when its trial runs.
      await checkDatasetFiles(spec);
      const backend = await initBackend({ prefer: o.backend as never, log });
      // The only worker is this process's: GPU trials on another backend would wait for ever. Refused before
      // anything is opened or stored.
      const needGpu = gpuTrialCount(spec);
      if (needGpu > 0 && !defaultTrialKinds(backend).includes("gpu")) {
        releaseWebGpu();
        throw new Error(
          `execution.gpu: ${needGpu} trial${needGpu === 1 ? " needs" : "s need"} a GPU worker, and this run trains on ${backend.name}; run it with --backend webgpu on a machine with a GPU, or submit it to workers (NATS_URL) with tailsweep sweep submit`,
        );
      }
      const id = o.new ? randomUUID() : sweepIdFor(spec);
      const rt = await openRuntime(log);
      const before = await rt.opened.store.getSweep(id);
      if (before?.status === "cancelled") {
        await rt.close();
        throw new Error(
          `sweep ${id} from this file was cancelled; run it again as a new sweep with --new (tailsweep sweep list shows it)`,
        );
      }
      let final: SweepRecord;
      if (before?.status === "completed") {
        releaseWebGpu();
        log(`sweep ${id} from this file has finished already: its results follow (--new runs it again)`);
        final = before;
      } else {
        final = await runHere(rt, spec, id, before, backend, o);
      }
      const loaded = await loadSweep(rt.opened.store, id);
      const rows = trialRows(loaded.trials, loaded.results);
      await rt.close();
      if (o.json)
        process.stdout.write(
          `${JSON.stringify({ sweep: { ...final, spec: undefined }, trials: rows }, null, 2)}\n`,
        );
      else {
        process.stdout.write(`\nsweep ${final.id} ${final.status}\n`);
        printRanking(spec, loaded);
      }
      if (final.status === "running") {
        const done = rows.filter((r) => r.state !== "waiting" && r.state !== "running").length;
        log(
          `interrupted: ${done}/${rows.length} trials done; the same command resumes the sweep (tailsweep sweep cancel ${id} drops it)`,
        );
      }
      if (process.exitCode === undefined && rows.some((r) => r.state === "failed")) process.exitCode = 1;
    });

  sweep
    .command("submit <file>")
    .description(
      "store a sweep and queue its trials for the workers (needs NATS_URL and a running controller); the same file again finds its sweep",
    )
    .option("--new", "submit it as a new sweep even if this file has a sweep already")
    .option("--json", "print the stored sweep as JSON")
    .action(async (file: string, o: { new?: boolean; json?: boolean }) => {
      const spec = readSweepFile(file);
      const login = remoteLogin();
      if (login) {
        // Checked here for clear errors, checked again by the server, which launches it as this token's user.
        const launched = await remote(login, (api) =>
          api.sweeps.launch.mutate({ yaml: readFileSync(file, "utf8"), reuse: !o.new }),
        );
        process.stdout.write(
          o.json
            ? `${JSON.stringify({ ...launched, project: spec.project, name: spec.name, server: login.url })}\n`
            : launched.existing
              ? `sweep ${launched.id} from this file was submitted to ${login.url} before; nothing queued again (--new submits it as a new sweep)\n`
              : `submitted sweep ${launched.id} to ${login.url}: ${launched.trialCount} trials${gpuNote(spec)}\n`,
        );
        return;
      }
      if (!settings().nats.url)
        throw new Error(
          "sweep submit needs NATS_URL (workers elsewhere); use `tailsweep sweep run` to run here",
        );
      const rt = await openRuntime(log);
      const id = o.new ? randomUUID() : sweepIdFor(spec);
      const before = await rt.opened.store.getSweep(id);
      // The controller persists everything after this point; submitting only stores the sweep and queues it.
      const submitted = before ?? (await new Controller(rt.opened.store, rt.bus).submit(spec, id));
      const counts = before && countByState(await rt.opened.store.listTrials(id));
      await rt.close();
      if (o.json) process.stdout.write(`${JSON.stringify({ ...submitted, existing: Boolean(before) })}\n`);
      else if (before)
        process.stdout.write(
          `sweep ${id} from this file was submitted before (${before.status}: ${counts!.succeeded}/${before.trialCount} succeeded); nothing queued again (--new submits it as a new sweep)\n`,
        );
      else
        process.stdout.write(
          `submitted sweep ${submitted.id}: ${submitted.trialCount} trials${gpuNote(spec)}\n`,
        );
    });

  sweep
    .command("status [id]")
    .description("trial counts and the ranking so far (default: the latest sweep)")
    .option("--json", "print JSON")
    .action(async (id: string | undefined, o: { json?: boolean }) => {
      const login = remoteLogin();
      if (login) {
        const s = await remote(login, async (api) => {
          const target = id ?? (await api.sweeps.list.query({}))[0]?.id;
          if (!target) throw new Error("no sweeps yet");
          return api.sweeps.get.query({ id: target });
        });
        if (o.json)
          process.stdout.write(
            `${JSON.stringify({ id: s.id, name: s.name, project: s.project, status: s.status, counts: s.counts })}\n`,
          );
        else
          process.stdout.write(
            `sweep ${s.id} (${s.project}/${s.name}) ${s.status}: ${JSON.stringify(s.counts)}\n`,
          );
        return;
      }
      const rt = await openRuntime(log, { needsBus: false });
      const sweeps = await rt.opened.store.listSweeps();
      const s = id ? await rt.opened.store.getSweep(id) : sweeps.at(-1);
      if (!s) throw new Error(id ? `no sweep with id ${id}` : "no sweeps yet");
      const loaded = await loadSweep(rt.opened.store, s.id);
      const counts = countByState(loaded.trials);
      await rt.close();
      if (o.json)
        process.stdout.write(
          `${JSON.stringify({ id: s.id, name: s.name, project: s.project, status: s.status, counts, ranking: ranking(s.spec, loaded) })}\n`,
        );
      else {
        process.stdout.write(
          `sweep ${s.id} (${s.project}/${s.name}) ${s.status}: ${JSON.stringify(counts)}\n`,
        );
        printRanking(s.spec, loaded);
      }
    });

  sweep
    .command("list")
    .description("every stored sweep, oldest first, with its trial counts")
    .option("--project <name>", "only this project's sweeps")
    .option("--json", "print JSON")
    .action(async (o: { project?: string; json?: boolean }) => {
      const login = remoteLogin();
      let rows: (Parameters<typeof sweepLine>[0] & Record<string, unknown>)[];
      if (login) {
        // The server lists newest first and only what this token may read.
        const listed = await remote(login, (api) =>
          api.sweeps.list.query(o.project ? { project: o.project } : {}),
        );
        rows = listed.reverse().map((s) => ({
          id: s.id,
          project: s.project,
          name: s.name,
          status: s.status,
          createdAt: new Date(s.createdAt).toISOString(),
          trials: s.trialCount,
          ...s.counts,
        }));
      } else {
        const rt = await openRuntime(log, { needsBus: false });
        const sweeps = await rt.opened.store.listSweeps(o.project);
        rows = await Promise.all(
          sweeps.map(async (s) => ({
            id: s.id,
            project: s.project,
            name: s.name,
            status: s.status,
            createdAt: s.createdAt.toISOString(),
            trials: s.trialCount,
            ...countByState(await rt.opened.store.listTrials(s.id)),
          })),
        );
        await rt.close();
      }
      if (o.json) process.stdout.write(`${JSON.stringify(rows)}\n`);
      else if (rows.length === 0) process.stdout.write("no sweeps yet\n");
      else for (const r of rows) process.stdout.write(sweepLine(r));
    });

  sweep
    .command("cancel <id>")
    .description("cancel a sweep: queued trials are dropped, running ones stop within one epoch")
    .option("--json", "print JSON")
    .action(async (id: string, o: { json?: boolean }) => {
      const login = remoteLogin();
      if (login) {
        const { stopped } = await remote(login, (api) => api.sweeps.cancel.mutate({ id }));
        process.stdout.write(
          o.json
            ? `${JSON.stringify({ id, status: "cancelled", stopped })}\n`
            : `cancelled sweep ${id}: ${stopped} trials stopped\n`,
        );
        return;
      }
      // The cancel notice must reach the workers: this one needs the real bus.
      const rt = await openRuntime(log);
      if (!(await rt.opened.store.getSweep(id))) {
        await rt.close();
        throw new Error(`no sweep with id ${id} (tailsweep sweep list shows them)`);
      }
      const stopped = await new Controller(rt.opened.store, rt.bus).cancel(id);
      await rt.close();
      process.stdout.write(
        o.json
          ? `${JSON.stringify({ id, status: "cancelled", stopped })}\n`
          : `cancelled sweep ${id}: ${stopped} trials stopped\n`,
      );
    });

  sweep
    .command("delete <id>")
    .description("delete a sweep with its trials and results (cancelling it first if it runs); owners only")
    .option("--yes", "really: without it nothing is deleted")
    .option("--json", "print JSON")
    .action(async (id: string, o: { yes?: boolean; json?: boolean }) => {
      if (!o.yes)
        throw new Error(`sweep delete removes sweep ${id} and every result of it for good: add --yes`);
      const login = remoteLogin();
      let deleted: boolean;
      if (login) deleted = (await remote(login, (api) => api.sweeps.delete.mutate({ id }))).deleted;
      else {
        // Cancelling a running sweep must reach its workers: the real bus.
        const rt = await openRuntime(log);
        try {
          const sweep = await rt.opened.store.getSweep(id);
          deleted = await new Controller(rt.opened.store, rt.bus).delete(id);
          if (sweep && deleted)
            await rt.opened.access.recordAudit({
              projectId: sweep.project,
              action: "sweep.delete",
              target: id,
              detail: {
                name: sweep.name,
                trials: sweep.trialCount,
                via: "tailsweep sweep delete on the run store",
              },
            });
        } finally {
          await rt.close();
        }
      }
      if (!deleted) throw new Error(`no sweep with id ${id} (tailsweep sweep list shows them)`);
      process.stdout.write(o.json ? `${JSON.stringify({ id, deleted })}\n` : `deleted sweep ${id}\n`);
    });

  sweep
    .command("export <id>")
    .description(
      "write a sweep's trials and results: CSV (one row per trial, headline metrics and per-class recall) or JSON (the sweep, every trial and its full result)",
    )
    .option("-f, --format <format>", "csv | json (default: from the output file's extension, else csv)")
    .option("-o, --output <file>", "write here instead of stdout")
    .option("--json", "same as --format json")
    .action(async (id: string, o: { format?: string; output?: string; json?: boolean }) => {
      const format = o.json ? "json" : (o.format ?? (o.output?.endsWith(".json") ? "json" : "csv"));
      if (format !== "csv" && format !== "json")
        throw new Error(`--format must be csv or json, got '${format}'`);
      const login = remoteLogin();
      const exported = login ? await exportFromServer(login, id, format) : await exportFromStore(id, format);
      if (o.output) {
        writeFileSync(o.output, exported.text);
        log(`exported ${exported.trials} trials of sweep ${id} to ${o.output} (${format})`);
      } else process.stdout.write(exported.text);
    });

  program
    .command("worker")
    .description("pull trials from NATS and train them (needs NATS_URL; no database access)")
    .option(
      "--concurrency <n>",
      "trials at once on this host, one worker process each (default: the number of cores)",
      numberArg("--concurrency"),
    )
    .option("--backend <name>", "compute backend: auto | webgpu | tensorflow | wasm-blas | wasm | cpu")
    .option(
      "--trials <kinds>",
      "which trials to take, preferred first: gpu,cpu (the default on webgpu) | gpu (leave CPU trials to others) | cpu",
      trialKindsArg,
    )
    .option("--json", "log one JSON object per line on stdout")
    .action(async (o: { concurrency?: number; backend?: string; trials?: TrialKind[]; json?: boolean }) => {
      const log = daemonLog("worker", o.json);
      const servers = settings().nats.url;
      if (!servers) throw new Error("tailsweep worker needs NATS_URL (e.g. nats://127.0.0.1:4222)");
      const concurrency = o.concurrency ?? availableParallelism();
      if (!(Number.isInteger(concurrency) && concurrency >= 1)) {
        throw new Error(`--concurrency must be a whole number ≥ 1, got ${concurrency}`);
      }
      // TensorFlow.js trains on one thread per process, so parallel trials need processes: the first runs here, the
      // others as children that share this one's lifetime and signals.
      const children = Array.from({ length: concurrency - 1 }, () =>
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
      const backend = await initBackend({ prefer: o.backend as never, log });
      if (o.trials?.includes("gpu") && backend.name !== "webgpu") {
        for (const c of children) c.kill("SIGTERM");
        throw new Error(
          `--trials: gpu needs the webgpu backend, and this worker trains on ${backend.name}; use --backend webgpu, or --trials cpu`,
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
        ...settings().nats.credentials,
      });
      const worker = new Worker(bus, {
        backend,
        trialKinds,
        concurrency: 1,
        log,
        onTrialEnd: (trialId, outcome) => log(`trial ${trialId}: ${outcome}`),
      });
      await worker.start();
      log(
        `worker ${worker.id} ready (${backend.name}${backend.adapter ? ` on ${gpuName(backend.adapter)}` : ""}; takes ${trialKinds.join(" then ")} trials${children.length ? `; ${children.length} more worker processes` : ""})`,
      );
      await new Promise<void>((resolve) => {
        let stoppingSince: number | undefined;
        // Ctrl-C reaches the whole process group, and the parent passes its signal on too: a child must survive
        // that second copy (the default action would kill it before it hands its trial back). A signal that comes
        // later is the operator's second word: quit at once.
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
      log("shutting down: running trials stop after this epoch and are handed back");
      await worker.stop();
      releaseWebGpu();
      await bus.close();
      await Promise.all(
        children.map((c) => (c.exitCode !== null ? undefined : new Promise((r) => c.once("exit", r)))),
      );
      // A child's IPC channel keeps its event loop alive: close it, or the child (and its waiting parent) never exit.
      if (process.connected) process.disconnect();
    });

  program
    .command("workers")
    .description(
      "the workers the run store has heard from: host, backend, last heartbeat, online/stopped/lost",
    )
    .option("--json", "print JSON")
    .action(async (o: { json?: boolean }) => {
      const rt = await openRuntime(log, { needsBus: false });
      const now = new Date();
      const rows = (await rt.opened.store.listWorkers()).map((w) => ({
        ...w,
        status: workerStatus(w, now),
      }));
      await rt.close();
      if (o.json) process.stdout.write(`${JSON.stringify(rows)}\n`);
      else if (rows.length === 0) process.stdout.write("no workers seen yet\n");
      else
        for (const w of rows)
          process.stdout.write(
            `${w.id.padEnd(28)} ${w.status.padEnd(8)} ${w.backend.padEnd(10)} ${w.trialKinds.join(",").padEnd(8)} last heard ${((now.getTime() - w.lastHeartbeat.getTime()) / 1000).toFixed(0)} s ago${w.gpu ? `  ${w.gpu}` : ""}\n`,
          );
    });

  program
    .command("controller")
    .description(
      "the single writer: grants claims, persists events, re-queues trials of silent workers (needs NATS_URL)",
    )
    .option("--json", "log one JSON object per line on stdout")
    .action(async (o: { json?: boolean }) => {
      const log = daemonLog("controller", o.json);
      if (!settings().nats.url) throw new Error("tailsweep controller needs NATS_URL");
      const rt = await openRuntime(log);
      const controller = new Controller(rt.opened.store, rt.bus, { log });
      await controller.start();
      log("controller ready");
      await new Promise<void>((resolve) => {
        process.once("SIGTERM", () => resolve());
        process.once("SIGINT", () => resolve());
      });
      await controller.stop();
      await rt.close();
    });
}
