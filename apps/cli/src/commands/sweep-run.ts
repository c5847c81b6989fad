import { existsSync } from "node:fs";
// The modules, not the package's index, which also holds the reports and their charts: through tsx the index loads
// every module it re-exports, ECharts and d3 with them (≈ 0.6–0.9 s of every start).
import { rankSelection, unevenRankingNote } from "@tailsweep/analysis/comparison";
import { trialRows } from "@tailsweep/analysis/export";
import { failureSummary } from "@tailsweep/analysis/failure-summary";
import { loadSweepRuns, SWEEP_NOT_FOUND_CODE } from "@tailsweep/analysis/sweep-runs";
import { checkLaunchData } from "@tailsweep/api/launch-data";
import { Controller } from "@tailsweep/controller";
import { checkDatasetFiles } from "@tailsweep/data";
import { builtInSplitProblems } from "@tailsweep/data/built-in-capacity";
import { openRunStore, STORE_LOCKED_CODE } from "@tailsweep/db";
import { type BackendInfo, initBackend, releaseWebGpu } from "@tailsweep/model";
import {
  AppError,
  ConfigError,
  hasErrorCode,
  InputError,
  isConfigError,
  messageLineOf,
  messageOf,
  NotFoundError,
  plural,
  type SweepSpec,
  UnavailableError,
} from "@tailsweep/schemas";
import {
  countByState,
  expandSweep,
  isOpen,
  launchDatasets,
  launchPlan,
  newSweepId,
  type RunStore,
  type SweepRecord,
  storedSweepIdFor,
  sweepProgress,
  tpeProgress,
  trialsAtMost,
} from "@tailsweep/sweep";
import { defaultTrialKinds, TrialThreads, Worker } from "@tailsweep/worker";
import cliProgress from "cli-progress";
import { z } from "zod";
import type { BackendChoice } from "../options";
import { localControllerLease, openRuntime, type Runtime } from "../runtime";
import { settings } from "../settings";
import { serveHeldStore } from "../store-socket";
import { trainsOnThreads, trialThreadsOptions } from "../trial-threads";
import { readSweepFile } from "./sweep-file";
import { failureLines, type LaunchCheck, log, printLaunchCheck, printRanking, tallyOf } from "./sweep-output";

/** The flags of `tailsweep sweep run`. */
export interface RunFlags {
  /** Trials at once; unset: one per core, at most the sweep's trials (see threadPlan). */
  workers?: number;
  backend?: BackendChoice;
  new?: boolean;
  dryRun?: boolean;
  json?: boolean;
}

/**
 * What goes on with sweep `id` after this run stopped: the same command, but not with --new, which would make yet
 * another sweep.
 */
const resumedBy = (o: RunFlags, id: string) => (o.new ? `tailsweep sweep run ${id}` : "the same command");

/**
 * `tailsweep sweep run <file>`: trains the file's sweep in this process (controller and workers here) until it is
 * final or a signal stops it, then prints the trial table (--json) or the ranking. The same file again resumes or
 * shows its sweep. Exits 1 when trials failed or the sweep was cancelled (from another terminal, through this
 * process).
 */
export async function sweepRun(file: string, o: RunFlags): Promise<void> {
  // Not a file: a stored sweep named by its id (or the start of it), run from its own spec (an imported archive, a
  // sweep resumed after a cancel) where no file is at hand.
  const named = existsSync(file) ? undefined : await storedSweepNamed(file);
  // a name that could be an id, where the store says no sweep's id starts with it: not found, as for every command
  if (named === null)
    throw new NotFoundError(
      SWEEP_NOT_FOUND_CODE,
      `'${file}' is no file, and no stored sweep's id starts with it (tailsweep sweep list names them)`,
    );
  const spec = named?.spec ?? readSweepFile(file);
  // This process trains it: a user data file that is not there, or a built-in split some seed cannot draw, is said
  // now, not when its trial runs.
  const stored = await checkRunData(spec, o);
  // a sweep named by its id is that one, whatever its spec's own id would be now (a revision, an import)
  if (o.dryRun) return dryRun(file, spec, o, named && !o.new ? { existing: named.existing } : stored);
  const plan = launchPlan(spec);
  // The store opens while the backend starts: each waits on its WebAssembly's compilation in turn (≈ 0.4 s for
  // PGlite's), time the other uses. Not for a sweep with GPU trials, which the backend may refuse (below) before
  // anything is opened.
  const needGpu = plan.gpuTrials;
  const early = needGpu > 0 ? undefined : openRuntime(log);
  // Awaited below; a failure that comes while the backend starts is not an unhandled rejection meanwhile.
  early?.catch(() => {});
  let backend: BackendInfo;
  try {
    backend = await initBackend({ ...(o.backend && { prefer: o.backend }), log });
  } catch (e) {
    await closeOpening(early);
    throw e;
  }
  // The only worker is this process's: GPU trials on another backend would wait for ever.
  if (needGpu > 0 && !defaultTrialKinds(backend).includes("gpu")) {
    releaseWebGpu();
    throw gpuRefusal(needGpu, backend);
  }
  // Started now, so that each thread's backend starts while the store opens (a finished sweep's are simply closed).
  const threads = startThreads(spec, backend, o);
  // Awaited below, and closed in the finally whatever happens: a rejection meanwhile is not an unhandled one.
  threads.catch(() => {});
  let id: string;
  let final: SweepRecord;
  let runs: Awaited<ReturnType<typeof loadSweepRuns>>;
  try {
    const rt = await (early ?? openRuntime(log));
    try {
      id = o.new ? newSweepId() : (named?.existing.id ?? (await storedSweepIdFor(rt.opened.store, spec)));
      final = await runOrShow(rt, spec, id, backend, o, threads, {
        noted: Boolean(stored?.noted),
        warnings: plan.warnings,
      });
      runs = await loadSweepRuns(rt.opened.store, final);
    } finally {
      await rt.close();
    }
  } finally {
    // After the worker stopped (runHere): no trial is on a thread now. Terminated, so that none keeps the process.
    await (await threads)?.close();
  }
  const rows = trialRows(runs.trials, runs.results, runs.revisions);
  if (o.json)
    process.stdout.write(
      // tags as the list the sweep's own `tags` are, not the CSV cell's joined text; `failures` as `sweep status --json`
      `${JSON.stringify({ sweep: { ...final, spec: undefined }, failures: failureSummary(runs.trials), trials: rows.map((r, i) => ({ ...r, tags: runs.trials[i]!.tags })) }, null, 2)}\n`,
    );
  else {
    // how it ended, in the words `sweep status` and `watch` end with
    process.stdout.write(`\nsweep ${final.id} ${final.status}: ${tallyOf(countByState(runs.trials))}\n`);
    // why it exits 1, as `sweep status` says it; a cancelled sweep's failed trials wait for its resume
    for (const line of failureLines(failureSummary(runs.trials), final.id, final.status))
      process.stdout.write(`${line}\n`);
    printRanking(spec.objective, rankSelection(runs), unevenRankingNote(runs) ?? null);
  }
  const count = (...states: (typeof rows)[number]["state"][]) =>
    rows.filter((r) => states.includes(r.state)).length;
  if (final.status === "running")
    log(
      `interrupted: ${rows.length - count("waiting", "running")}/${rows.length} trials done; ${resumedBy(o, id)} resumes the sweep (tailsweep sweep cancel ${id} drops it)`,
    );
  // by `tailsweep sweep cancel` from another terminal (through this process's socket on the embedded store); the
  // progress counted the cancelled trials as done, said apart here
  else if (final.status === "cancelled")
    log(
      `cancelled while it ran: ${count("succeeded", "failed")} of ${plural(rows.length, "trial")} finished, ${count("cancelled")} cancelled; tailsweep sweep resume ${id} goes on with it, then tailsweep sweep run ${id} trains it`,
    );
  // as `sweep watch` exits: a script goes on to compare the sweep only when it finished
  if (
    process.exitCode === undefined &&
    (final.status === "cancelled" || rows.some((r) => r.state === "failed"))
  )
    process.exitCode = 1;
}

/**
 * `sweep run --dry-run`: what the run checks before it trains (the file, its data files, a GPU for GPU trials on
 * this process's backend), then what it would run and whether this file's sweep is stored already; nothing trains.
 */
async function dryRun(
  file: string,
  spec: SweepSpec,
  o: RunFlags,
  known: StoredSweep | undefined,
): Promise<void> {
  const plan = launchPlan(spec);
  if (plan.gpuTrials > 0) {
    const backend = await initBackend({ ...(o.backend && { prefer: o.backend }), log });
    releaseWebGpu();
    if (!defaultTrialKinds(backend).includes("gpu")) throw gpuRefusal(plan.gpuTrials, backend);
  }
  let stored: StoredSweep = { existing: null };
  if (known) stored = known;
  else if (!o.new) {
    const found = await storedSweepOf(spec);
    // the file passed the check; the sweep stored under its id may still draw other rows (version 1's)
    if (found.found.existing && found.spec) noteStoredSplits(found.found.existing.id, found.spec);
    stored = found.found;
  }
  const { noted: _, ...check } = stored;
  printLaunchCheck(file, { ...plan, ...check }, "run", { json: Boolean(o.json), asNew: Boolean(o.new) });
}

/**
 * Whether the store holds this file's sweep: {@link storedSweepOf}. `noted`: its trials that fail at load were said
 * already ({@link noteStoredSplits}).
 */
type StoredSweep = Pick<LaunchCheck, "existing" | "unknown"> & { noted?: boolean };

/**
 * The launch's data check before this process trains (checkLaunchData: the data files, the built-in splits), whose
 * problems refuse a new sweep. A sweep this file stored before a check existed goes on as the same command always did:
 * its data files are still checked, and its splits that cannot be drawn are said as a note — its trials of them fail
 * at load whatever this run does (`sweep resume` goes on with it too). Answers the store's answer, where asked.
 */
async function checkRunData(spec: SweepSpec, o: RunFlags): Promise<StoredSweep | undefined> {
  try {
    await checkLaunchData(spec, { checkFiles: (s) => checkDatasetFiles(s) });
    return undefined;
  } catch (e) {
    if (!isConfigError(e) || o.new) throw e;
    // A store that cannot be read leaves the refusal as it is: the file's problems are what to say.
    const stored = await storedSweepOf(spec).catch(() => undefined);
    if (!stored?.found.existing || !stored.spec) throw e;
    await checkDatasetFiles(spec);
    noteStoredSplits(stored.found.existing.id, stored.spec, e.problems);
    return { ...stored.found, noted: true };
  }
}

/**
 * Says which of a stored sweep's trials fail at load because a built-in split cannot be drawn: a sweep stored before
 * launches checked this, or one found under its id from before dataset versions, whose version-1 rows can be short
 * where the file's version-2 rows are not (its class order drawn by another generator). The stored sweep's own spec
 * decides; one that cannot be planned today is said by `fallback` (the file's problems), where there are any.
 */
function noteStoredSplits(id: string, storedSpec: SweepSpec, fallback: readonly string[] = []): void {
  let problems: readonly string[];
  try {
    problems = builtInSplitProblems(launchDatasets(storedSpec));
  } catch {
    problems = fallback;
  }
  if (problems.length > 0)
    log(
      `note: sweep ${id} was stored before launches checked this; its trials with these splits fail at load:\n${problems.map((p) => `  - ${p}`).join("\n")}`,
    );
}

/** What a StoreLockedError carries (read by its fields: the error may come from another copy of the db package). */
const LockedStoreSchema = z.object({
  dir: z.string(),
  holder: z.object({ pid: z.number(), command: z.string() }),
});

/**
 * The sweep this file made, if the store has it; read from the store alone (no bus, no artifacts), and an embedded
 * store that is not there yet is not made for it. One that another process holds (a `tailsweep ui`, a `sweep run`) is
 * said as such: whether it holds this sweep is not known then. `spec`: the stored sweep's own, where found.
 */
async function storedSweepOf(spec: SweepSpec): Promise<{ found: StoredSweep; spec?: SweepSpec }> {
  const { store } = settings();
  if (store.kind === "embedded" && store.pgliteDir !== "memory" && !existsSync(store.pgliteDir))
    return { found: { existing: null } };
  let opened: Awaited<ReturnType<typeof openRunStore>>;
  try {
    opened = await openRunStore(store);
  } catch (e) {
    const locked = hasErrorCode(e, STORE_LOCKED_CODE) ? LockedStoreSchema.safeParse(e) : undefined;
    if (locked?.success)
      return {
        found: {
          existing: null,
          unknown: `the embedded store ${locked.data.dir} is in use by process ${locked.data.holder.pid} (${locked.data.holder.command})`,
        },
      };
    throw e;
  }
  try {
    const before = await opened.store.getSweep(await storedSweepIdFor(opened.store, spec));
    if (!before) return { found: { existing: null } };
    return {
      found: { existing: { id: before.id, status: before.status, trialCount: before.trialCount } },
      spec: before.spec,
    };
  } finally {
    await opened.close();
  }
}

/**
 * The stored sweep whose id is `name` or starts with it, read from the store alone; null where the store has none,
 * undefined where `name` cannot be an id or the store cannot be read (none yet, or held by another process), so that
 * the argument is then read as a file and its absence said as such. Several sweeps starting with it are an
 * InputError naming them.
 */
async function storedSweepNamed(
  name: string,
): Promise<{ spec: SweepSpec; existing: NonNullable<LaunchCheck["existing"]> } | null | undefined> {
  const { store } = settings();
  if (!/^[\w-]+$/.test(name)) return undefined;
  if (store.kind === "embedded" && store.pgliteDir !== "memory" && !existsSync(store.pgliteDir))
    return undefined;
  // A store that cannot be opened now (down, or held by a `tailsweep ui`): the argument is read as a file, whose
  // absence is then the error, not the store's trouble over what may be a typo.
  const opened = await openRunStore(store).catch(() => undefined);
  if (!opened) return undefined;
  try {
    const exact = await opened.store.getSweep(name);
    const matches = exact ? [exact] : (await opened.store.listSweeps()).filter((s) => s.id.startsWith(name));
    if (matches.length > 1)
      throw new InputError(
        "<file>",
        `'${name}' is no file, and the start of ${matches.length} stored sweep ids (${matches
          .slice(0, 5)
          .map((s) => s.id)
          .join(", ")}); give more of it`,
      );
    const [sweep] = matches;
    if (!sweep) return null;
    return {
      spec: sweep.spec,
      existing: { id: sweep.id, status: sweep.status, trialCount: sweep.trialCount },
    };
  } finally {
    await opened.close();
  }
}

/** The refusal of GPU trials where this process, the run's only worker, trains on a backend without one. */
function gpuRefusal(needGpu: number, backend: BackendInfo): ConfigError {
  return new ConfigError([
    `execution.gpu: ${needGpu} trial${needGpu === 1 ? " needs" : "s need"} a GPU worker, and this run trains on ${backend.name}; run it with --backend webgpu on a machine with a GPU, or submit it to workers (NATS_URL) with tailsweep sweep submit`,
  ]);
}

/** Closes a store that was opening when the backend failed; that failure is the one to report, not the store's. */
async function closeOpening(opening: Promise<Runtime> | undefined): Promise<void> {
  const rt = await opening?.catch(() => undefined);
  await rt?.close().catch(() => {});
}

/**
 * The threads that train this run's trials, or undefined where they train on the main thread: a backend that does not
 * gain from threads (trainsOnThreads), or threads that could not start (said, and the run goes on without them).
 */
async function startThreads(
  spec: SweepSpec,
  backend: BackendInfo,
  o: RunFlags,
): Promise<TrialThreads | undefined> {
  if (!trainsOnThreads(backend.name)) return undefined;
  const trials = expandSweep(spec);
  const plan = trialThreadsOptions(backend.name, o.workers, trials.length);
  // One recipe per kind of data set: the sources depend on its name only.
  const preload = [...new Map(trials.map((t) => [t.config.dataset.name, t.config.dataset])).values()];
  try {
    // how it trains is said once it does (runHere), not before a held store or a finished sweep is found
    return await TrialThreads.start({ ...plan, preload, log });
  } catch (e) {
    log(`training on the main thread: the trial threads did not start (${messageOf(e)})`);
    return undefined;
  }
}

/** Runs the sweep here, or, when this file's sweep has finished already, returns it as it is. */
async function runOrShow(
  rt: Runtime,
  spec: SweepSpec,
  id: string,
  backend: BackendInfo,
  o: RunFlags,
  threads: Promise<TrialThreads | undefined>,
  said: { noted: boolean; warnings: readonly string[] },
): Promise<SweepRecord> {
  const before = await rt.opened.store.getSweep(id);
  if (before?.status === "cancelled") {
    releaseWebGpu();
    throw new AppError(
      "SWEEP_CANCELLED",
      "conflict",
      `sweep ${id} was cancelled: tailsweep sweep resume ${id} goes on with it, --new runs it again as a new sweep`,
    );
  }
  if (before?.status === "completed") {
    releaseWebGpu();
    log(`sweep ${id} has finished already: its results follow (--new runs it again)`);
    return before;
  }
  if (before && !said.noted) noteStoredSplits(id, before.spec);
  // what the launch does not refuse, said as the sweep is stored (not again when it goes on)
  if (!before) for (const warning of said.warnings) log(`note: ${warning}`);
  return runHere(rt, spec, id, before, backend, o, threads);
}

/**
 * Trains a sweep in this process until it is final or a signal stops it: SIGINT or SIGTERM hand the running trial
 * back after its epoch (its attempt not used up) and leave the sweep to be resumed by the same command; a second
 * signal quits at once. Returns the sweep as it stands then.
 */
async function runHere(
  rt: Runtime,
  spec: SweepSpec,
  id: string,
  before: SweepRecord | undefined,
  backend: BackendInfo,
  o: RunFlags,
  starting: Promise<TrialThreads | undefined>,
): Promise<SweepRecord> {
  // This sweep only: an interrupted earlier run of another file is not trained under this one's name.
  // The progress below looks again as soon as a trial settles or a look is taken, not at its next second: the sweep's
  // end is seen then.
  const progressed = { since: false };
  const controller = new Controller(rt.opened.store, rt.bus, {
    log,
    sweepIds: [id],
    artifacts: rt.artifacts,
    exclusive: rt.exclusive,
    onProgress: () => {
      progressed.since = true;
    },
  });
  // On PostgreSQL without NATS: refused where a team's controller serves the store (it would reap this run's trials).
  const lease = await localControllerLease(rt, "tailsweep sweep run", id);
  await controller.start().catch(async (e: unknown) => {
    await lease.release();
    throw e;
  });
  // Other commands (sweep status, watch, compare…) read the store through this process while it holds it.
  const socket = await serveHeldStore(
    rt,
    {
      readOnly: `the embedded store is held by tailsweep sweep run (pid ${process.pid}), which serves other commands' reads, tags and notes and a cancel of its own sweep, but launches, cancels and deletes nothing else: this works once it ends (Ctrl-C there stops it; ${resumedBy(o, id)} resumes its sweep)`,
      // its sweep cancelled, the run sees it final and ends
      cancelsOwn: { sweepId: id, cancel: (sweepId) => controller.cancel(sweepId) },
      // it trains its own sweep only: another running sweep's waiting trials wait, as `sweep status` and `watch` say
      controllerServing: async (sweepId) =>
        sweepId === undefined || sweepId === id ? `tailsweep sweep run (pid ${process.pid})` : undefined,
    },
    log,
  );
  let worker: Worker | undefined;
  const startWorker = async (threads: TrialThreads | undefined) => {
    worker = new Worker(rt.bus, {
      backend,
      concurrency: threads?.size ?? o.workers ?? 1,
      log,
      // the controller in this process says how each trial ended (`trial … attempt 1: … → failed`): not again here
      onTrialEnd: () => {},
      artifacts: rt.artifacts,
      ...(threads && { runTrial: threads.runner(rt.artifacts) }),
    });
    await worker.start();
  };
  const stopping = { signal: undefined as NodeJS.Signals | undefined };
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping.signal) process.exit(signal === "SIGINT" ? 130 : 143);
    stopping.signal = signal;
    log(
      worker
        ? `\n${signal}: stopping after this epoch; the running trial is handed back and ${resumedBy(o, id)} resumes the sweep (${signal} again quits at once, and the running trial then counts as lost: it uses up one of its attempts)`
        : `\n${signal}: stopping once the trial threads have started; nothing has been claimed here, and ${resumedBy(o, id)} resumes the sweep (${signal} again quits at once)`,
    );
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  // A lease lost (the database restarted or cut off) ends the run: another controller may serve from then on.
  let leaseLost = false;
  let watched: SweepRecord;
  try {
    // Without trial threads (webgpu, native TensorFlow) the worker starts first, as it always did: its presence is
    // stored before the sweep is, so submitting a GPU sweep does not warn that no GPU worker is online.
    if (!trainsOnThreads(backend.name)) await startWorker(await starting);
    // Otherwise a new sweep's trials are queued while the threads finish starting (their modules and backends take
    // about as long as the store's opening), and wait for them. A resumed sweep's were queued again when the
    // controller started (embedded: it alone reaches the store and bus), or are by its upkeep (NATS).
    // a new sweep's count the controller says as it queues them ("sweep … (project/name): 8 trials queued")
    const submitted = await controller.submit(spec, id);
    if (before) {
      const left = (await rt.opened.store.listTrials(id)).filter(isOpen).length;
      log(`sweep ${id}: resuming, ${left} of ${plural(submitted.trialCount, "trial")} left`);
    }
    const threads = await starting;
    if (threads)
      log(
        `training on ${plural(threads.size, "thread")}, ${plural(threads.blasThreads, "BLAS thread")} each`,
      );
    // A signal before this process's worker exists: it claims nothing, and the sweep is left to be resumed.
    if (!worker && !stopping.signal) await startWorker(threads);
    watched = await Promise.race([
      watch(
        rt.opened.store,
        id,
        Boolean(o.json),
        () => stopping.signal !== undefined || leaseLost,
        () => {
          const since = progressed.since;
          progressed.since = false;
          return since;
        },
      ),
      lease.lost.then((e): never => {
        leaseLost = true;
        throw new UnavailableError(
          e.code,
          `${e.message}: this run stopped, since another controller may serve its sweep now; ${resumedBy(o, id)} resumes it`,
        );
      }),
    ]);
  } finally {
    try {
      // With the lease lost, serving stops first: the worker's hand-back could not be stored anyway, and another
      // controller may be serving already.
      if (leaseLost) await controller.stop();
      await worker?.stop(); // hands a running trial back
      releaseWebGpu(); // Dawn would keep the process alive
      await controller.stop(); // after the worker: its hand-back is persisted
    } finally {
      // other commands open the store themselves from here on
      await socket?.close().catch(() => {});
      // whatever the stops did: a lease left held would keep every other controller out
      await lease.release();
    }
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    if (stopping.signal) process.exitCode = stopping.signal === "SIGINT" ? 130 : 143;
  }
  // The sweep as it ended: a cancel may have come while the run stopped (Ctrl-C, then `sweep cancel` through the
  // socket, which serves until the stops are done).
  return (await rt.opened.store.getSweep(id).catch(() => undefined)) ?? watched;
}

/**
 * Polls the store and draws trials done/running/failed with an ETA until the sweep is final: each second, or within a
 * tenth of one once `progressedSince` says the controller wrote progress since it last asked.
 */
async function watch(
  store: RunStore,
  sweepId: string,
  json: boolean,
  interrupted: () => boolean = () => false,
  progressedSince: () => boolean = () => false,
): Promise<SweepRecord> {
  const bar =
    process.stderr.isTTY && !json
      ? new cliProgress.SingleBar(
          {
            stream: process.stderr,
            format:
              "trials |{bar}| {value}/{total} done{upTo} · {running} running · {failed} failed · ETA {eta_formatted}",
            hideCursor: true,
          },
          cliProgress.Presets.shades_classic,
        )
      : undefined;
  let last = "";
  let outage: string | undefined;
  // The bar stops however this ends: its redraw timer would keep the process up after an error (cli-progress
  // re-arms it until stopped).
  try {
    for (;;) {
      let sweep: SweepRecord;
      let trials: Awaited<ReturnType<RunStore["listTrials"]>>;
      try {
        sweep = (await store.getSweep(sweepId))!;
        trials = await store.listTrials(sweepId);
      } catch (e) {
        // The store out for a moment (PostgreSQL restarting): the next look may work, and a lease lost meanwhile
        // ends the run with one line of its own. Said once, not every second.
        const why = messageLineOf(e);
        if (why !== outage) log(`the run store does not answer (${why}); looking again`);
        outage = why;
        if (interrupted()) throw e;
        await new Promise((r) => setTimeout(r, 1_000));
        continue;
      }
      outage = undefined;
      const { counts: c, done } = sweepProgress(trials);
      // A TPE sweep stores each configuration's trials as it proposes it: its total is its budget's, from the start.
      const tpe = tpeProgress(sweep.spec, trials);
      const total = tpe ? Math.max(sweep.trialCount, tpe.budget * sweep.spec.seeds.length) : sweep.trialCount;
      // a sequential design's total grows look by look: the most it can come to is said beside it
      const most = trialsAtMost(sweep, total);
      const upTo = most ? ` (up to ${most})` : "";
      if (bar) {
        const payload = { running: c.running, failed: c.failed, upTo };
        if (!bar.isActive) bar.start(total, done, payload);
        bar.setTotal(total);
        bar.update(done, payload);
      } else {
        const configurations = tpe
          ? `; TPE: ${tpe.proposed}/${tpe.budget} configurations proposed, ${tpe.finished} finished`
          : "";
        const line = `trials: ${done}/${total} done${upTo}, ${c.running} running, ${c.failed} failed${configurations}`;
        if (line !== last && !json) log(line);
        last = line;
      }
      if (sweep.status !== "running" || interrupted()) return sweep;
      for (let waited = 0; waited < 1_000 && !interrupted() && !progressedSince(); waited += 100)
        await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    bar?.stop();
  }
}
