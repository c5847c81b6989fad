import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { pipeline } from "node:stream/promises";
import { createGzip, gunzipSync } from "node:zlib";
import type { ExportFormat } from "@tailsweep/analysis";
import {
  cappedTopUpText,
  checkpointSavingsText,
  computeText,
  decisionText,
  failingTrialsText,
  NO_CONTROLLER_TEXT,
  ONLY_ALL_TO_POWER,
  OPEN_BY_DESIGN_TEXT,
  pct,
  pValue,
  refusedTrialsText,
  retryTrainingText,
  seedRanges,
  withPlus,
} from "@tailsweep/analysis/format";
import { STORE_LOCKED_CODE } from "@tailsweep/db/store-lock";
import {
  AppError,
  codeOf,
  DEFAULT_TOP_UP_MAX_SEEDS,
  errorCategory,
  InputError,
  messageOf,
  NotFoundError,
  plural,
  type SeedRequest,
  SettingsError,
} from "@tailsweep/schemas";
import { launchPlan, type TrialState } from "@tailsweep/sweep";
import { z } from "zod";
import {
  type ApiRoute,
  apiError,
  apiRoute,
  type RunsOn,
  refusalProblems,
  sweepOrLatest,
  withApi,
} from "../api-client";
import type { SeedsArg } from "../options";
import { settings } from "../settings";
import { holderAnswers, STORE_HOLDER_GONE_CODE } from "../store-socket";
import { wholeFileWriter } from "../write-file-whole";
import { printAligned } from "./aligned";
import { lineProblems } from "./line-problems";
import { readSweepFile } from "./sweep-file";
import {
  failureLines,
  gpuNote,
  log,
  printJson,
  printLaunchCheck,
  printRanking,
  rankingJson,
  type SweepLine,
  sweepLine,
  tallyOf,
  WORKER_COLUMNS,
  workerCells,
} from "./sweep-output";

/**
 * The sweep commands that go through the API ({@link withApi}): the logged-in dashboard's, or the same router in this
 * process on the run store. Loaded when one of them runs (sweep.ts registers them).
 */

/** The flag every listing command has. */
interface JsonFlag {
  json?: boolean;
}

/**
 * `sweep submit <file>`: checked here for clear errors, then launched through the API (which checks it again), as
 * this token's user on a dashboard or on the run store with NATS_URL's workers. The same file finds its sweep unless
 * --new.
 */
export async function sweepSubmit(
  file: string,
  o: { new?: boolean; dryRun?: boolean } & JsonFlag,
): Promise<void> {
  const spec = readSweepFile(file);
  // Checked before the store is opened: nothing is stored for a sweep no worker would ever see. A `tailsweep ui` that
  // holds the embedded store runs it on its own workers.
  const route = await apiRoute();
  if (!route.login && !route.held && !settings().nats.url)
    throw new SettingsError(
      [
        "NATS_URL: sweep submit needs it (workers elsewhere) when not logged in to a dashboard and no tailsweep ui holds the embedded store; use `tailsweep sweep run` to run here",
      ],
      "environment",
    );
  if (o.dryRun) {
    const check = await withApi(
      (api) => api.sweeps.checkLaunch.mutate({ yaml: readFileSync(file, "utf8"), reuse: !o.new }),
      { launches: true, route },
    );
    printLaunchCheck(file, check, "submit", { json: Boolean(o.json), asNew: Boolean(o.new) });
    return;
  }
  const launched = await withApi(
    async (api, remote) => {
      const done = await api.sweeps.launch.mutate({ yaml: readFileSync(file, "utf8"), reuse: !o.new });
      // submitted with no controller to serve it: its trials would wait, queued, with nothing saying why
      const { servedBy } = await api.sweeps.get.query({ id: done.id });
      return { ...done, server: remote?.url, ...(servedBy !== undefined && { servedBy }) };
    },
    { launches: true, route },
  );
  if (launched.servedBy === null) log(`note: ${NO_CONTROLLER_TEXT}`);
  // what the launch does not refuse, from the file as read here (the dry run has the server's)
  if (!launched.existing) for (const warning of launchPlan(spec).warnings) log(`note: ${warning}`);
  const to = launched.server ? ` to ${launched.server}` : "";
  if (o.json) printJson({ ...launched, project: spec.project, name: spec.name });
  else if (launched.existing)
    process.stdout.write(
      `sweep ${launched.id} from this file was submitted${to} before; nothing queued again (--new submits it as a new sweep)\n`,
    );
  else
    process.stdout.write(
      `submitted sweep ${launched.id}${to}: ${plural(launched.trialCount, "trial")}${gpuNote(spec)}\n`,
    );
}

/** `sweep status [id]`: trial counts and the ranking by the sweep's objective so far. */
export async function sweepStatus(id: string | undefined, o: JsonFlag): Promise<void> {
  const { sweep, ranking, sequential, on } = await withApi(async (api, _login, on) => {
    const target = await sweepOrLatest(api, id);
    const [sweep, ranking] = await Promise.all([
      api.sweeps.get.query({ id: target }),
      api.sweeps.ranking.query({ id: target }),
    ]);
    const sequential = sweep.spec.sequential ? await api.sweeps.sequential.query({ id: target }) : null;
    return { sweep, ranking, sequential, on };
  });
  const { id: sweepId, name, project, status, counts, checkpoints } = sweep;
  // a dashboard older than the summary has none
  const failures = sweep.failures ?? [];
  if (o.json)
    printJson({
      id: sweepId,
      name,
      project,
      status,
      counts,
      checkpoints,
      failures,
      ranking: rankingJson(ranking.configurations),
      ...(sequential && { sequential }),
      ...(sweep.tpe && { tpe: sweep.tpe }),
      ...(sweep.servedBy !== undefined && { servedBy: sweep.servedBy }),
    });
  else {
    process.stdout.write(`sweep ${sweepId} (${project}/${name}) ${status}: ${tallyOf(counts)}\n`);
    if (sweep.servedBy === null) process.stdout.write(`  ${unservedText(on, sweepId)}\n`);
    // read here from the embedded store, which no process holds: nothing trains its waiting trials until one does
    else if (status === "running" && (counts.waiting ?? 0) > 0 && on === "here" && !teamStore())
      process.stdout.write(`  nothing trains its waiting trials now: ${whereTheyRun(on, sweepId)}\n`);
    for (const line of failureLines(failures, sweepId, status)) process.stdout.write(`${line}\n`);
    if (checkpoints.resumedTrials > 0) process.stdout.write(`${checkpointSavingsText(checkpoints)}\n`);
    printRanking(ranking.objective, ranking.configurations, ranking.unevenSeeds);
    if (sweep.tpe) {
      const t = sweep.tpe;
      process.stdout.write(
        `TPE: ${t.proposed} of ${t.budget} configurations proposed, ${t.finished} finished, ${t.open} in flight (${t.startup} random start-up, ${t.parallel} at once), each on ${sweep.spec.seeds.length === 1 ? "seed" : "seeds"} ${seedRanges(sweep.spec.seeds)}\n`,
      );
    }
    if (sequential) {
      const design = sweep.spec.sequential!;
      const how = `vs ${design.decide.baseline} on ${design.decide.metric}, family-wise α = ${design.decide.alpha} (${design.decide.correction})`;
      process.stdout.write(
        sequential.blocked
          ? `sequential design: no look taken of the ${sequential.looks.length} planned (seeds ${sequential.looks.join(", ")}), ${how}\n`
          : sequential.stage === "search"
            ? `sequential design: after the search, the best ${design.decide.top} ${how}, on fresh seeds in ${sequential.looks.length} looks (seeds ${sequential.looks.join(", ")})\n`
            : `sequential design${sequential.stage === "decision" ? ` (decision stage: the search's best ${design.decide.top})` : ""}: look ${sequential.look + 1} of ${sequential.looks.length} (seeds ${sequential.looks.join(", ")}), ${how}\n`,
      );
      if (sequential.waiting) process.stdout.write(`  ${sequential.waiting}\n`);
      const previous = sequential.previous;
      if (previous)
        process.stdout.write(
          `  as of look ${previous.look + 1}, standing until look ${sequential.look + 1} is taken:\n`,
        );
      for (const r of sequential.result?.rows ?? previous?.result.rows ?? [])
        process.stdout.write(
          `  ${r.config}: ${decisionText(r.decision)}${r.stopped ? ` (${r.stopped} at look ${r.stoppedAt! + 1})` : ""}, ${r.seeds} seeds, Δ ${withPlus(pct(r.meanDiff, 2))} pp, the design's adjusted p ${pValue(r.adjustedP)}\n`,
        );
    }
  }
}

/**
 * The sweep `id` names (or the newest), read once through withApi where the store may still be held for a moment by
 * a process that is ending (the holder of the embedded store, its lock not yet released): looked for again briefly.
 */
async function readOnceFree(id: string | undefined) {
  for (let tries = 1; ; tries++) {
    try {
      return await withApi(async (api) => api.sweeps.get.query({ id: await sweepOrLatest(api, id) }));
    } catch (e) {
      if (codeOf(e) !== STORE_LOCKED_CODE || tries >= 50) throw e;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/**
 * `sweep watch [id]`: looks at the sweep every `interval` seconds until it ends, a line (or a JSON line) each time its
 * status or trial counts change, then its failures (as JSON, a last line with them). Exit 0 when every trial
 * succeeded, 1 when some failed or the sweep was cancelled, so a script can go on to `compare` or stop. A store or
 * dashboard that does not answer for a while (a restart) is waited for, said once. On the embedded store it follows
 * the sweep through the process that holds the store (`sweep run`, `tailsweep ui`); when that process ends, or where
 * none holds it, the sweep is read once from the store, free then, and its last line is how it stands: ended, or left
 * running with nothing to run it (exit 1).
 */
export async function sweepWatch(id: string | undefined, o: { interval: number } & JsonFlag): Promise<void> {
  let target = id;
  let last = "";
  /** One line for the sweep as it stands, where that changed since the last. */
  const say = (
    sweep: { id: string; status: string; counts: Record<TrialState, number> },
    stopped = false,
  ) => {
    const seen = `${sweep.status}: ${tallyOf(sweep.counts)}`;
    if (seen === last && !stopped) return;
    last = seen;
    const now = new Date();
    if (o.json)
      printJson({
        id: sweep.id,
        status: sweep.status,
        counts: sweep.counts,
        at: now.toISOString(),
        ...(stopped && { stopped: true }),
      });
    else process.stdout.write(`${now.toISOString().slice(11, 19)} UTC  ${seen}\n`);
  };
  /** The sweep followed through `route` until it ends; undefined where the holder ended first. */
  const follow = (route: ApiRoute) =>
    withApi(
      async (api, remote, on) => {
        try {
          target = await sweepOrLatest(api, id);
        } catch (e) {
          // the holder ended between finding it and asking it: read below, from the store itself
          if (codeOf(apiError(e, remote)) === STORE_HOLDER_GONE_CODE) return undefined;
          throw e;
        }
        let waiting = false;
        let unserved = false;
        for (;;) {
          const sweep = await api.sweeps.get.query({ id: target }).catch((e: unknown) => {
            const error = apiError(e, remote);
            // the process that held the embedded store ended: what it left is read below, from the store itself
            if (codeOf(error) === STORE_HOLDER_GONE_CODE) return null;
            if (errorCategory(error) !== "unavailable") throw error;
            if (!waiting) log(`${messageOf(error)}; looking again every ${o.interval} s`);
            waiting = true;
            return undefined;
          });
          if (sweep === null) return undefined;
          if (sweep) {
            if (waiting) log("answering again");
            waiting = false;
            // said when it changes: none serving it (its trials wait), and one serving it again
            if (sweep.servedBy !== undefined && (sweep.servedBy === null) !== unserved) {
              unserved = sweep.servedBy === null;
              log(unserved ? unservedText(on, target) : `a controller serves it again: ${sweep.servedBy}`);
            }
            say(sweep);
            if (sweep.status !== "running") return sweep;
          }
          await new Promise((r) => setTimeout(r, o.interval * 1000));
        }
      },
      { route },
    );
  let alone: boolean;
  let final: Awaited<ReturnType<typeof readOnceFree>>;
  for (;;) {
    const route = await apiRoute();
    // on the embedded store with no process holding it, nothing runs a sweep: it is read once, below
    alone = !route.login && !route.held && settings().store.kind === "embedded";
    const watched = alone ? undefined : await follow(route);
    // the holder ended, or none held the store: what is there, read from the store itself
    final = watched ?? (await readOnceFree(target));
    // a `sweep run` that was opening the store as this looked holds it now (the read waited for it): followed
    if (!(alone && final.status === "running" && (await holderAnswers()))) break;
  }
  if (final.status === "running") {
    // its process was stopped (Ctrl-C, a kill) before the sweep ended, or none was running it: nothing runs it now
    say(final, true);
    if (!o.json)
      process.stdout.write(
        alone
          ? `  no process runs it now (sweep watch follows a sweep a tailsweep sweep run or tailsweep ui runs): tailsweep sweep run ${final.id} goes on with it\n`
          : `  the process that ran it ended before it did: tailsweep sweep run ${final.id} goes on with it\n`,
      );
    process.exitCode = 1;
    return;
  }
  say(final);
  const failures = final.failures ?? [];
  if (o.json && failures.length > 0) printJson({ id: final.id, status: final.status, failures });
  if (!o.json) {
    for (const line of failureLines(failures, final.id, final.status)) process.stdout.write(`${line}\n`);
    if (final.status === "cancelled" && failures.length === 0)
      process.stdout.write(`  cancelled: tailsweep sweep resume ${final.id} goes on with it\n`);
  }
  if (final.status === "cancelled" || final.counts.failed > 0) process.exitCode = 1;
}

/** `sweep list`: the sweeps the caller can read, oldest first, with their trial counts and tags. */
export async function sweepList(
  o: {
    project?: string;
    tag?: string[];
    search?: string;
    status?: "running" | "completed" | "cancelled";
  } & JsonFlag,
): Promise<void> {
  const tags = o.tag;
  const listed = await withApi((api) =>
    api.sweeps.list.query({
      ...(o.project && { project: o.project }),
      ...(tags && { tags }),
      ...(o.search !== undefined && { search: o.search }),
      ...(o.status && { status: o.status }),
    }),
  );
  // The API lists newest first.
  const rows: SweepLine[] = listed.reverse().map((s) => ({
    id: s.id,
    project: s.project,
    name: s.name,
    status: s.status,
    createdAt: s.createdAt,
    trials: s.trialCount,
    ...s.counts,
    tags: s.tags,
  }));
  const filtered = tags !== undefined || o.search !== undefined || o.status !== undefined;
  if (o.json) printJson(rows);
  else if (rows.length === 0)
    process.stdout.write(
      filtered ? "no sweep matches\n" : o.project ? `no sweeps in project ${o.project}\n` : "no sweeps yet\n",
    );
  else for (const r of rows) process.stdout.write(sweepLine(r));
}

/** `sweep cancel <id>`: its waiting trials are dropped, running ones stop within an epoch. */
export async function sweepCancel(given: string, o: JsonFlag): Promise<void> {
  const answer = await withApi((api) => api.sweeps.cancel.mutate({ id: given }), { launches: true });
  // A dashboard older than these fields cancelled what it was asked to (it answered only `stopped`), by the id given.
  const { id = given, stopped, status = "cancelled", cancelled = true } = answer;
  if (o.json) printJson({ id, status, stopped, cancelled });
  else if (!cancelled) process.stdout.write(`sweep ${id} is ${status}: nothing to cancel\n`);
  else process.stdout.write(`cancelled sweep ${id}: ${stopped} trial${stopped === 1 ? "" : "s"} stopped\n`);
}

/** NATS workers or a PostgreSQL store's controller may train waiting trials: not only a process on this machine. */
const teamStore = () => Boolean(settings().nats.url || settings().store.databaseUrl);

/**
 * Where re-queued trials of sweep `id` train: a dashboard's, the holding `tailsweep ui`'s or NATS workers take them
 * (a `sweep run` holding the store queues nothing for others); on a PostgreSQL store without NATS_URL here, the
 * controller on that database queues them for its workers (it finds waiting trials nobody queued); on the embedded
 * store without NATS_URL nothing runs until `sweep run` serves the sweep here, named by its id (its file would find
 * another sweep where this one was run with --new).
 */
function whereTheyRun(on: RunsOn, id: string): string {
  if (on === "holder") return "the tailsweep ui holding the store trains them";
  if (on === "dashboard" || settings().nats.url) return "the workers take them";
  return settings().store.databaseUrl
    ? `a controller on this database queues them for its workers (if none runs, \`tailsweep sweep run ${id}\` trains them here)`
    : `\`tailsweep sweep run ${id}\` trains them here`;
}

/**
 * Why a running sweep's trials wait where nothing trains them (the API's `servedBy` null): no team controller serves
 * the store, or the `sweep run` holding the embedded store trains its own sweep only.
 */
function unservedText(on: RunsOn, id: string): string {
  return on === "holder"
    ? `nothing trains its waiting trials now: the tailsweep sweep run holding the store trains its own sweep only; once it ends, \`tailsweep sweep run ${id}\` trains them`
    : NO_CONTROLLER_TEXT;
}

/**
 * A retry's or resume's dry run in `--json`: how many trials it would queue again and what they cost (null where a
 * dashboard older than the estimate sent none).
 */
function dryRunJson(answer: {
  trialCount: number;
  estimatedSeconds?: number | null;
  unmeasuredTrials?: number;
  timedByFailedAttempt?: number;
}) {
  return {
    dryRun: true,
    trialCount: answer.trialCount,
    estimatedSeconds: answer.estimatedSeconds ?? null,
    unmeasuredTrials: answer.unmeasuredTrials ?? null,
    ...(answer.timedByFailedAttempt !== undefined && { timedByFailedAttempt: answer.timedByFailedAttempt }),
  };
}

/** The flags of `sweep retry` and `sweep resume`. */
interface QueueAgainFlags extends JsonFlag {
  dryRun?: boolean;
}

/**
 * A dry run's ", at most about 2 min of training" for trials queued again ({@link computeText}), and nothing from a
 * dashboard older than the estimate.
 */
function trainingText(estimate: {
  estimatedSeconds?: number | null;
  unmeasuredTrials?: number;
  timedByFailedAttempt?: number;
}): string {
  const { estimatedSeconds, ...rest } = estimate;
  if (estimatedSeconds === undefined) return "";
  return `, ${computeText({ estimatedSeconds, ...rest }, "training", true)}`;
}

/** A retry's dry run's ", at most about 2 min of training if they train to the end", or nothing (retryTrainingText). */
function retryText(
  answer: Parameters<typeof trainingText>[0] & { refusedTrials?: number },
  n: number,
): string {
  const { estimatedSeconds, ...rest } = answer;
  // a dashboard older than the estimate says none
  if (estimatedSeconds === undefined) return "";
  const training = retryTrainingText({ estimatedSeconds, ...rest }, n, answer.refusedTrials ?? 0, "training");
  return training ? `, ${training}` : "";
}

/**
 * What a sequential design or TPE search does once the trials queued again are back (`; its sequential design
 * decided every comparison at look 2: it adds no trials`), as the API read it from the results; from a dashboard
 * older than `afterwards`, what its spec alone says.
 */
function afterwardsText(answer: { addsTrials?: boolean; afterwards?: string | null }): string {
  if (answer.afterwards) return `; ${answer.afterwards}`;
  return answer.afterwards === undefined && answer.addsTrials
    ? "; it then adds its next trials as it runs"
    : "";
}

/** `sweep retry <id>`: its failed trials queued again as new attempts; `--dry-run` says how many and the compute. */
export async function sweepRetry(given: string, o: QueueAgainFlags): Promise<void> {
  const answer = await withApi(
    async (api, _login, on) => ({
      // dryRun only when asked: a dashboard older than it refuses the field
      ...(await api.sweeps.retry.mutate({ id: given, ...(o.dryRun && { dryRun: true }) })),
      runsOn: on,
    }),
    { launches: true },
  );
  // the whole id; a dashboard older than it in this answer: the id as given
  const { id = given, retried, trialCount, refusedTrials, runsOn: on } = answer;
  const n = o.dryRun ? trialCount : retried;
  // a dashboard older than the count says nothing of them
  const refused = refusedTrials ? `\n  ${refusedTrialsText(refusedTrials, n)}` : "";
  if (o.json)
    printJson({
      id,
      retried,
      ...(refusedTrials !== undefined && { refusedTrials }),
      ...(o.dryRun && dryRunJson(answer)),
      // what the design or search adds once they are back (a dashboard older than it does not say)
      ...(answer.afterwards !== undefined && {
        addsTrials: answer.addsTrials,
        afterwards: answer.afterwards,
      }),
    });
  else if (n === 0) process.stdout.write(`sweep ${id}: no failed trials to retry\n`);
  else if (o.dryRun)
    process.stdout.write(
      `sweep ${id} would queue ${n} failed trial${n === 1 ? "" : "s"} again${retryText(answer, n)}${afterwardsText(answer)}${refused}\n`,
    );
  else
    process.stdout.write(
      `sweep ${id}: ${n} failed trial${n === 1 ? "" : "s"} queued again; ${whereTheyRun(on, id)}${refused}\n`,
    );
}

/** `sweep resume <id>`: a cancelled sweep goes on; nothing that succeeded runs again. */
export async function sweepResume(given: string, o: QueueAgainFlags): Promise<void> {
  const answer = await withApi(
    async (api, _login, on) => ({
      ...(await api.sweeps.resume.mutate({ id: given, ...(o.dryRun && { dryRun: true }) })),
      runsOn: on,
    }),
    { launches: true },
  );
  // the whole id; a dashboard older than it in this answer: the id as given
  const { id = given, resumed, wasCancelled, status, trialCount, runsOn: on } = answer;
  // With no trial to queue again, only what the design or search adds runs: said as the API read it.
  const nothingQueued = answer.afterwards
    ? `no trial was cancelled; ${answer.afterwards}`
    : answer.afterwards === null && !answer.addsTrials
      ? "no trial was cancelled, and it adds none of its own: nothing is left to run"
      : "no trial was cancelled; it adds its next trials as it runs";
  if (o.json)
    printJson({
      id,
      resumed,
      wasCancelled,
      ...(o.dryRun && dryRunJson(answer)),
      // what the design or search adds once they are back (a dashboard older than it does not say)
      ...(answer.afterwards !== undefined && {
        addsTrials: answer.addsTrials,
        afterwards: answer.afterwards,
      }),
    });
  else if (o.dryRun && wasCancelled)
    process.stdout.write(
      trialCount === 0
        ? `sweep ${id} would resume: ${nothingQueued}\n`
        : `sweep ${id} would resume: ${trialCount} cancelled trial${trialCount === 1 ? "" : "s"} queued again${trainingText(answer)}${afterwardsText(answer)}\n`,
    );
  // A dashboard older than wasCancelled said only how many trials it queued again.
  else if (!(wasCancelled ?? resumed > 0))
    // A sweep interrupted with Ctrl-C is still running: its trials wait for whatever trains them. (A dashboard older
    // than status does not say it.)
    process.stdout.write(
      status === "running"
        ? `sweep ${id} is running, not cancelled: nothing to resume; its waiting trials run as they are: ${whereTheyRun(on, id)}\n`
        : `sweep ${id} is ${status ? `${status}, ` : ""}not cancelled: nothing to resume\n`,
    );
  else if (resumed === 0)
    process.stdout.write(`sweep ${id} resumed: ${nothingQueued}; ${whereTheyRun(on, id)}\n`);
  else
    process.stdout.write(
      `sweep ${id} resumed: ${resumed} trial${resumed === 1 ? "" : "s"} queued again${afterwardsText(answer)}; ${whereTheyRun(on, id)}\n`,
    );
}

/** Several problems of one command line, a line each, with their list (`--json`'s `problems`). */
class FlagProblems extends AppError {
  constructor(
    code: string,
    readonly problems: string[],
  ) {
    super(code, "invalid", problems.join("\n"));
    this.name = "FlagProblems";
  }
}

/**
 * A command line's clashing flags, said with everything else wrong with it: `rest` asks the API about the line with
 * the clashing flags left out (as a dry run: it adds nothing whatever it answers), and what it refuses as bad input
 * (a seed used already, an unknown configuration) is named beside the clashes. One problem in all is its own
 * InputError (its field the flags), several one refusal under `code`, a line each. Nothing for no clash; a `rest`
 * that fails otherwise (no such sweep, no store) leaves the clashes alone, to be fixed first.
 */
async function refuseFlags(
  clashes: readonly InputError[],
  code: string,
  rest?: () => Promise<unknown>,
): Promise<void> {
  if (clashes.length === 0) return;
  const others = rest
    ? await rest().then(
        () => [],
        (e: unknown) => (errorCategory(e) === "invalid" ? refusalProblems(e) : []),
      )
    : [];
  if (clashes.length === 1 && others.length === 0) throw clashes[0];
  throw new FlagProblems(code, [...clashes.map((p) => p.message), ...others]);
}

/** The flags of `sweep extend`. */
interface ExtendFlags extends JsonFlag {
  seeds?: SeedsArg;
  toPower?: number;
  maxSeeds?: number;
  only?: "all" | "undecided";
  baseline?: string;
  metric?: string;
  dryRun?: boolean;
}

/**
 * What `sweep extend` adds (as a dry run, or adding it): its flags' clashes first, named with what the API refuses of
 * the rest of the line, then the API's plan and where it runs.
 */
async function extendPlan(given: string, o: ExtendFlags, dryRun: boolean, quiet = false) {
  // Which seeds: exactly one of the two ways; --max-seeds only caps --to-power. Both slips at once.
  const problems = [
    ...((o.seeds === undefined) === (o.toPower === undefined)
      ? [
          new InputError(
            "--seeds, --to-power",
            `give --seeds (6..10, 6,7,9 or +5) or --to-power (e.g. 0.8): ${o.seeds === undefined ? "neither was given" : "not both"}`,
          ),
        ]
      : []),
    ...(o.maxSeeds !== undefined && o.toPower === undefined
      ? [new InputError("--max-seeds", "caps --to-power's seeds: use it with --to-power, not --seeds")]
      : []),
    ...(o.only === "all" && o.toPower !== undefined ? [new InputError("--only", ONLY_ALL_TO_POWER)] : []),
  ];
  const flags = {
    baseline: "--baseline",
    metric: "--metric",
    seeds: "--seeds",
    "seeds.toPower": "--to-power",
    "seeds.maxSeeds": "--max-seeds",
    only: "--only",
  };
  const ask = (seeds: SeedRequest, dryRun: boolean) =>
    withApi(
      async (api, _login, on) => ({
        plan: await api.sweeps.extend.mutate({
          id: given,
          seeds,
          ...(o.only && { only: o.only }),
          ...(o.baseline !== undefined && { baseline: o.baseline }),
          ...(o.metric !== undefined && { metric: o.metric }),
          dryRun,
        }),
        runsOn: on,
      }),
      { launches: true, flags, quiet },
    );
  // the rest of a line that names seeds both ways is asked about with --seeds alone; one with neither has no request
  await refuseFlags(problems, "EXTEND_FLAGS_INVALID", o.seeds && (() => ask(o.seeds!, true)));
  const seeds: SeedRequest = o.seeds ?? {
    toPower: o.toPower!,
    maxSeeds: o.maxSeeds ?? DEFAULT_TOP_UP_MAX_SEEDS,
  };
  return ask(seeds, dryRun);
}

/**
 * `sweep extend <id>`: seeds added as a revision — named, `+n` more, or as many as the open comparisons need for
 * `--to-power` — to every configuration or only the undecided ones; `--dry-run` says what and at what cost first.
 */
export async function sweepExtend(given: string, o: ExtendFlags): Promise<void> {
  const { plan, runsOn: on } = await extendPlan(given, o, o.dryRun === true);
  // the whole id; a dashboard older than it in this answer: the id as given
  const { id = given } = plan;
  if (o.json) {
    printJson({ ...plan, id });
    return;
  }
  if (plan.trialCount === 0) {
    process.stdout.write(`sweep ${id}: nothing to add (${plan.reason})\n`);
    return;
  }
  // The seeds that are new to some configuration, not every seed the request names (1..30 of which 1..9 ran).
  // A dashboard older than addedSeeds: the seeds named.
  const added = plan.addedSeeds ?? plan.seeds;
  const cost = plan.estimatedSeconds === null ? "" : `, ${computeText(plan, "training", false)}`;
  const what = `seed${added.length === 1 ? "" : "s"} ${seedRanges(added)} for ${plan.configurations.length} configuration${plan.configurations.length === 1 ? "" : "s"} (${plan.configurations.join("; ")}), each where it lacks them: ${plan.trialCount} trial${plan.trialCount === 1 ? "" : "s"}${cost}`;
  const capped = plan.target ? cappedTopUpText(plan.target, "raise --max-seeds, or accept it") : "";
  if (capped) process.stdout.write(`${capped}\n`);
  if (plan.baselineNote) process.stdout.write(`note: ${plan.baselineNote}\n`);
  if (plan.openBy) process.stdout.write(`note: ${OPEN_BY_DESIGN_TEXT}\n`);
  if (plan.failingTrials) process.stdout.write(`note: ${failingTrialsText(plan.failingTrials)}\n`);
  if (o.dryRun) process.stdout.write(`sweep ${id} would get ${what}\n`);
  else
    process.stdout.write(
      `sweep ${id} revision ${plan.revision}: ${what}; ${whereTheyRun(on, id)}\n` +
        "verdicts that use these seeds are marked post hoc († in compare and the report): seeds chosen after looking at the results make a fixed-n p-value optimistic\n",
    );
}

/** The flags of `sweep confirm`. */
interface ConfirmFlags extends JsonFlag {
  seeds: SeedsArg;
  config?: string[];
  top?: number;
  baseline?: string;
  metric?: string;
  dryRun?: boolean;
}

/**
 * What `sweep confirm` runs (as a dry run, or running it): its flags' clashes first, named with what the API refuses
 * of the rest of the line, then the API's plan and where it runs.
 */
async function confirmPlan(given: string, o: ConfirmFlags, dryRun: boolean, quiet = false) {
  // the flags' own clashes, both at once where a line has both, with what else the API finds wrong
  const clashes = [
    ...(o.config !== undefined && o.top !== undefined
      ? [
          new InputError(
            "--config, --top",
            "name the configurations (--config) or how many of the best (--top), not both",
          ),
        ]
      : []),
    ...(o.config !== undefined && o.metric !== undefined
      ? [
          new InputError(
            "--metric",
            "chooses the configurations to confirm by their lead on it; with --config naming them it would change nothing",
          ),
        ]
      : []),
  ];
  const ask = (flags: Pick<ConfirmFlags, "top" | "metric">, dryRun: boolean) =>
    withApi(
      async (api, _login, on) => ({
        plan: await api.sweeps.confirm.mutate({
          id: given,
          seeds: o.seeds,
          ...(o.config && { configs: o.config }),
          ...(flags.top !== undefined && { top: flags.top }),
          ...(o.baseline !== undefined && { baseline: o.baseline }),
          ...(flags.metric !== undefined && { metric: flags.metric }),
          dryRun,
        }),
        runsOn: on,
      }),
      {
        launches: true,
        flags: {
          baseline: "--baseline",
          metric: "--metric",
          seeds: "--seeds",
          top: "--top",
          configs: "--config",
        },
        quiet,
      },
    );
  // the rest asked about with the configurations named and without what clashes with them (--top, --metric)
  await refuseFlags(clashes, "CONFIRM_FLAGS_INVALID", () => ask({}, true));
  return ask(o, dryRun);
}

/**
 * `sweep confirm <id> --seeds 11..20`: the selected configurations and the baseline on fresh seeds, as a revision
 * of its own; `compare` then shows the confirmation's test beside the selection's.
 */
export async function sweepConfirm(given: string, o: ConfirmFlags): Promise<void> {
  const { plan, runsOn: on } = await confirmPlan(given, o, o.dryRun === true);
  // the whole id; a dashboard older than it in this answer: the id as given
  const { id = given } = plan;
  if (o.json) {
    printJson({ ...plan, id });
    return;
  }
  const cost = plan.estimatedSeconds === null ? "" : `, ${computeText(plan, "training", false)}`;
  const what = `${plan.selected.join("; ")} and the baseline ${plan.baseline} on fresh seeds ${seedRanges(plan.seeds)}: ${plan.trialCount} trials${cost}`;
  if (plan.failingTrials) process.stdout.write(`note: ${failingTrialsText(plan.failingTrials)}\n`);
  if (o.dryRun) process.stdout.write(`sweep ${id} would confirm ${what}\n`);
  else
    process.stdout.write(
      `sweep ${id} revision ${plan.revision}: confirming ${what}; ${whereTheyRun(on, id)}\n` +
        `tailsweep compare ${id} shows the confirmation's own test beside the selection's once they finish\n`,
    );
}

/** `sweep delete <id> --yes`: the sweep with its trials and results, for good (the audit log keeps its name). */
export async function sweepDelete(id: string, o: { yes?: boolean } & JsonFlag): Promise<void> {
  if (!o.yes)
    throw new InputError(
      "--yes",
      `sweep delete removes sweep ${id} and every result of it for good: add --yes`,
    );
  const gone = await withApi((api) => api.sweeps.delete.mutate({ id }), { launches: true });
  // Found a moment ago, gone now: deleted by someone else in between.
  if (!gone.deleted) throw new NotFoundError("SWEEP_NOT_FOUND", `no sweep with id ${id} (deleted meanwhile)`);
  if (o.json) printJson({ id: gone.id, name: gone.name, deleted: gone.deleted });
  else process.stdout.write(`deleted sweep ${gone.id} (${gone.name})\n`);
}

/** `sweep export <id>`: the same file as the dashboard's download, to stdout or `--output`. */
export async function sweepExport(
  id: string,
  o: { format?: ExportFormat; output?: string } & JsonFlag,
): Promise<void> {
  const output = o.output;
  // `study.json.gz`: JSON, gzip-compressed (what `sweep import` reads back); `.csv.gz` alike.
  const gzipped = /\.gz$/i.test(output ?? "");
  const named = output?.replace(/\.gz$/i, "");
  const byName =
    named === undefined
      ? undefined
      : /\.json$/i.test(named)
        ? "json"
        : /\.csv$/i.test(named)
          ? "csv"
          : undefined;
  const asked = o.json ? "json" : o.format;
  // Two sayings of the format that disagree: refused, not one silently chosen (a .csv file of JSON).
  const clashes = [
    ...(o.json && o.format && o.format !== "json" ? [`--json asks for JSON, --format ${o.format}`] : []),
    ...(asked && byName && asked !== byName
      ? [
          `${o.json ? "--json" : `--format ${asked}`} asks for ${asked}, the file name ${output} for ${byName}`,
        ]
      : []),
  ];
  if (clashes.length > 0)
    throw new InputError("--format", `${clashes.join("; ")}: say one format (or leave it to the file name)`);
  // A name that says another format (`runs.xlsx`) would get CSV under it: said, unless the format is asked for.
  const otherExtension = named?.match(/\.([A-Za-z0-9]+)$/)?.[1];
  if (!asked && !byName && otherExtension)
    throw new InputError(
      "--output",
      `${output} names a format sweep export does not write (.${otherExtension}); it writes .csv or .json, each optionally .gz: name the file so, or add --format csv or --format json to write one under this name`,
    );
  const format: ExportFormat = asked ?? byName ?? "csv";
  // The path is looked at first (nothing is opened yet), so the stream is read as soon as the query answers.
  const writeFile = output ? await wholeFileWriter(output) : undefined;
  const { trials, whole } = await withApi(async (api) => {
    // the whole id for the line that says where it went (the sweep may be named by its start); stdout has no line
    const whole = output ? (await api.sweeps.get.query({ id })).id : id;
    // Refused (an unknown sweep) before a byte is written or the file is opened.
    const text = await api.sweeps.exportStream.query({ id, format });
    let count = 0;
    // The stream's return value is the trial count: kept here, where the chunks pass through.
    async function* chunks() {
      count = yield* text;
    }
    // Piped a chunk at a time, waiting while the file or stdout is behind; stdout stays open for what follows. A file
    // is complete or left as it was: a stream that fails midway leaves no half-written export behind.
    if (writeFile) {
      // compressed as it is written: a failure on either side reaches the writer, which then leaves no partial file
      const gzip = gzipped ? createGzip() : undefined;
      if (gzip)
        pipeline(chunks(), gzip).catch((e: unknown) =>
          gzip.destroy(e instanceof Error ? e : new Error(String(e))),
        );
      await writeFile(gzip ?? chunks());
    } else await pipeline(chunks(), process.stdout, { end: false });
    return { trials: count, whole };
  });
  if (output)
    log(
      `exported ${plural(trials, "trial")} of sweep ${whole} to ${output} (${format}${gzipped ? ", gzip" : ""})`,
    );
}

/** The most a sweep archive may unpack to: well above a study's (about 30 kB a trial), far below the memory. */
const MAX_ARCHIVE_BYTES = 1 << 30;

/**
 * `sweep import <file>`: a finished sweep from `sweep export --json` (plain or gzip-compressed, told apart by its first
 * bytes) into the store this command works on, as it was, so its comparisons and report are rebuilt without training.
 * The file is checked where the API takes it (every problem named); here it is only read and parsed as JSON.
 */
export async function sweepImport(file: string, o: JsonFlag): Promise<void> {
  const bytes = await readFile(file).catch((e: NodeJS.ErrnoException) => {
    throw new InputError("file", `${file} cannot be read (${e.code ?? e.message})`);
  });
  let text: string;
  try {
    // a bound on what a compressed file may unpack to: a few bytes of gzip must not fill the memory
    text = (
      bytes[0] === 0x1f && bytes[1] === 0x8b
        ? gunzipSync(bytes, { maxOutputLength: MAX_ARCHIVE_BYTES })
        : bytes
    ).toString("utf8");
  } catch (e) {
    throw new InputError(
      "file",
      `${file} is not a whole gzip file of at most ${MAX_ARCHIVE_BYTES >> 20} MiB unpacked (${e instanceof Error ? e.message : String(e)})`,
    );
  }
  let archive: unknown;
  try {
    archive = JSON.parse(text);
  } catch (e) {
    throw new InputError(
      "file",
      `${file} is not JSON (${e instanceof Error ? e.message : String(e)}): import reads what sweep export --json writes`,
    );
  }
  // an import writes a sweep, as a launch does: a read-only API refuses it
  const imported = await withApi((api) => api.sweeps.import.mutate({ archive }), { launches: true });
  if (o.json) printJson(imported);
  else
    process.stdout.write(
      `imported sweep ${imported.id} (${imported.project}/${imported.name}): ${imported.trialCount} trials with their results\n`,
    );
}

/** `tailsweep workers`: every worker the store has heard from, with whether it is online, stopped or lost. */
export async function workersCommand(o: JsonFlag): Promise<void> {
  const rows = await withApi((api) => api.workers.query());
  const now = new Date();
  if (o.json) printJson(rows);
  else if (rows.length === 0) process.stdout.write("no workers seen yet\n");
  else
    printAligned(
      WORKER_COLUMNS,
      rows.map((w) => workerCells(w, now)),
      (line) => process.stdout.write(`${line}\n`),
    );
}

/** The flags of an `extend` or `confirm` line that could be read, for its store check (seeds as parsed). */
const ReadableSeedFlagsSchema = z.object({
  seeds: z.union([z.object({ seeds: z.array(z.number()) }), z.object({ more: z.number() })]).optional(),
  toPower: z.number().optional(),
  maxSeeds: z.number().optional(),
  only: z.enum(["all", "undecided"]).optional(),
  config: z.array(z.string()).optional(),
  top: z.number().optional(),
  baseline: z.string().optional(),
  metric: z.string().optional(),
});

/**
 * The sweep and the readable flags of an `extend` or `confirm` line for its store check, each flag as read, or where
 * its value was refused the stand-in `standIns` gives it (a value that names nothing of its own); undefined where the
 * line cannot be read so.
 */
function readableSeedLine(
  args: readonly unknown[],
  options: unknown,
  refused: ReadonlyMap<string, string>,
  standIns: Partial<z.infer<typeof ReadableSeedFlagsSchema>>,
) {
  const [given] = args;
  const flags = ReadableSeedFlagsSchema.safeParse(options);
  if (typeof given !== "string" || !flags.success) return undefined;
  const read = { ...flags.data };
  for (const [flag, standIn] of Object.entries(standIns))
    if (refused.has(flag) && !(flag in read)) Object.assign(read, { [flag]: standIn });
  return { given, flags: read };
}

/**
 * What the sweep finds wrong with the rest of a `sweep extend` line some of whose values were refused (`--only x`): the
 * plan asked for as a dry run with the values that could be read, a refused value standing as one that names nothing
 * of its own (`--seeds` as `+1`, `--to-power` as 0.8, `--max-seeds` as its default), so that its clashes and an
 * unknown --baseline or --metric are named by the same run.
 */
export async function extendStoreProblems(
  args: readonly unknown[],
  options: unknown,
  refused: ReadonlyMap<string, string>,
): Promise<string[]> {
  const line = readableSeedLine(args, options, refused, {
    seeds: { more: 1 },
    toPower: 0.8,
    maxSeeds: DEFAULT_TOP_UP_MAX_SEEDS,
  });
  if (!line) return [];
  const { seeds, toPower, maxSeeds, only, baseline, metric } = line.flags;
  const o: ExtendFlags = {
    ...(seeds && { seeds }),
    ...(toPower !== undefined && { toPower }),
    ...(maxSeeds !== undefined && { maxSeeds }),
    ...(only && { only }),
    ...(baseline !== undefined && { baseline }),
    ...(metric !== undefined && { metric }),
  };
  return lineProblems(line.given, () => extendPlan(line.given, o, true, true));
}

/**
 * As {@link extendStoreProblems}, for `sweep confirm`: a refused `--seeds` stands as `+2` (no seed it names can have
 * run), a refused `--top` as 1, so that a clash with --config is named too.
 */
export async function confirmStoreProblems(
  args: readonly unknown[],
  options: unknown,
  refused: ReadonlyMap<string, string>,
): Promise<string[]> {
  const line = readableSeedLine(args, options, refused, { top: 1 });
  if (!line) return [];
  const { seeds, config, top, baseline, metric } = line.flags;
  const o: ConfirmFlags = {
    // required: refused, or left out of a line commander refused for it
    seeds: seeds ?? { more: 2 },
    ...(config && { config }),
    ...(top !== undefined && { top }),
    ...(baseline !== undefined && { baseline }),
    ...(metric !== undefined && { metric }),
  };
  return lineProblems(line.given, () => confirmPlan(line.given, o, true, true));
}
