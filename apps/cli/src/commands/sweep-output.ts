import { NAMED_PER_REASON } from "@tailsweep/analysis/failure-summary";
import { duration, refusedTrialsText } from "@tailsweep/analysis/format";
import type { AppRouter } from "@tailsweep/api";
import {
  CONFIG_ERROR_CODE,
  formatCount,
  inBrief,
  namesInBrief,
  plural,
  type SweepSpec,
} from "@tailsweep/schemas";
import { gpuTrialCount, type TrialState } from "@tailsweep/sweep";
import type { inferRouterOutputs } from "@trpc/server";

/** What the sweep commands print: one place for each line's shape, whether the numbers came from a store or a server. */

export const log = (line: string) => process.stderr.write(`${line}\n`);

/** Writes `value` as one line of JSON on stdout. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

/** One reason its trials failed for, as failureSummary (@tailsweep/analysis/failure-summary) groups them. */
export interface FailureLine {
  reason: string;
  count: number;
  /** The error code all of them failed with, else null (absent from a dashboard older than it). */
  code?: string | null;
  /**
   * The first few of them (NAMED_PER_REASON, and one more where the API holds it), each with its own words where they
   * differ from the group's (absent from a dashboard older than them).
   */
  trials: readonly { config: string; seed: number; reason?: string }[];
}

/**
 * How `sweep run`, `status` and `watch` say a sweep's failed trials: one line per reason, with the first few trials,
 * then how to queue them again (after a resume, where the sweep was cancelled); none where none failed.
 */
export function failureLines(failures: readonly FailureLine[], sweepId: string, status: string): string[] {
  if (failures.length === 0) return [];
  const failed = failures.reduce((n, f) => n + f.count, 0);
  const refused = failures.reduce((n, f) => n + (f.code === CONFIG_ERROR_CODE ? f.count : 0), 0);
  return [
    ...failures.flatMap((f) => {
      const named = namesInBrief(
        f.trials.map((t) => `${t.config} seed ${t.seed}`),
        { shown: NAMED_PER_REASON, separator: "; ", total: f.count },
      );
      // what each named configuration's refusal says (the values it names), once per configuration: its seeds
      // fail alike (other groups differ only in what reasonKind leaves out: a worker's name, the seconds)
      const refusals =
        f.code !== CONFIG_ERROR_CODE
          ? []
          : inBrief(f.trials, { shown: NAMED_PER_REASON, total: f.count }).shown;
      const own = new Map<string, string>();
      for (const t of refusals) if (t.reason && !own.has(t.config)) own.set(t.config, t.reason);
      return [
        `  ${plural(f.count, "trial")} failed: ${f.reason} (${named})`,
        ...[...own].map(([config, reason]) => `    ${config}: ${reason}`),
      ];
    }),
    status === "cancelled"
      ? `  tailsweep sweep resume ${sweepId} goes on with the sweep; then sweep retry queues them again`
      : `  tailsweep sweep retry ${sweepId} queues them again as new attempts`,
    ...(refused === 0 ? [] : [`  (${refusedTrialsText(refused, failed)})`]),
  ];
}

/** A sweep's trial counts in words: `3 waiting, 1 running, 4 succeeded` (states with none left out). */
export function tallyOf(counts: Readonly<Partial<Record<TrialState, number>>>): string {
  const states = (["waiting", "running", "succeeded", "failed", "cancelled"] as const).filter(
    (k) => (counts[k] ?? 0) > 0,
  );
  return states.map((k) => `${counts[k]} ${k}`).join(", ") || "no trials";
}

/** A sweep as `sweep list` shows it. */
export interface SweepLine {
  id: string;
  createdAt: string;
  project: string;
  name: string;
  status: string;
  trials: number;
  succeeded: number;
  failed: number;
  tags: string[];
}

/** One line of `sweep list`: its tags last, each after a `#`. */
export function sweepLine(r: SweepLine): string {
  const tags = r.tags.map((tag) => ` #${tag}`).join("");
  return `${r.id}  ${r.createdAt.slice(0, 16).replace("T", " ")}  ${`${r.project}/${r.name}`.padEnd(28)} ${r.status.padEnd(9)} ${r.succeeded}/${r.trials} succeeded, ${r.failed} failed${tags}\n`;
}

/** A configuration ranked by the objective's seed mean; what JSON could not hold (NaN: one seed) is null. */
export interface Ranked {
  config: string;
  seeds: number;
  mean: number | null;
  sd: number | null;
  /** Its mean includes seeds a post-hoc top-up added (absent from a dashboard older than the field). */
  posthoc?: boolean;
}

/** The ranking as `sweep status --json` prints it: the configuration as `params`, seeds, mean and sd. */
export function rankingJson(ranked: readonly Ranked[]) {
  return ranked.map(({ config, ...r }) => ({ params: config, ...r }));
}

const percent = (v: number | null, width: number) =>
  v === null || !Number.isFinite(v) ? "n/a".padStart(width) : (100 * v).toFixed(1).padStart(width);

/** The ranking as text: `metric (direction), mean ± sd over seeds:` and one line per configuration. */
export function printRanking(
  objective: SweepSpec["objective"],
  ranked: readonly Ranked[],
  /** {@link unevenRankingNote}'s: null where the seeds match; undefined from a dashboard older than it. */
  unevenSeeds?: string | null,
): void {
  if (ranked.length === 0) return;
  process.stdout.write(`\n${objective.metric} (${objective.direction}), mean ± sd over seeds:\n`);
  for (const r of ranked)
    process.stdout.write(
      `  ${percent(r.mean, 5)} ± ${percent(r.sd, 4)}  (${plural(r.seeds, "seed")})${r.posthoc ? " †" : ""}  ${r.config}\n`,
    );
  // A ranking by mean is no comparison: said where it is least like one, with where the comparison is.
  const seeds = ranked.map((r) => r.seeds);
  const uneven =
    unevenSeeds === undefined && Math.min(...seeds) < Math.max(...seeds)
      ? `the means cover ${Math.min(...seeds)} to ${Math.max(...seeds)} seeds per configuration`
      : unevenSeeds;
  const notes = [
    ...(uneven ? [`${uneven}, so the order is no matched comparison`] : []),
    ...(ranked.some((r) => r.posthoc)
      ? ["† the mean includes seeds a post-hoc top-up added after looking at the results"]
      : []),
  ];
  if (notes.length > 0)
    process.stdout.write(
      `  note: ${notes.join("; ")}; tailsweep compare pairs the configurations seed by seed\n`,
    );
}

/** "1 of them needs a GPU worker", "3 of them need a GPU worker": `n` of a sweep's trials, written as `shown`. */
const needGpu = (n: number, shown = String(n)) =>
  `${n === 1 ? "1 of them needs" : `${shown} of them need`} a GPU worker`;

/** " (3 of them need a GPU worker: execution.gpu)", or nothing when none does. */
export function gpuNote(spec: SweepSpec): string {
  const n = gpuTrialCount(spec);
  return n === 0 ? "" : ` (${needGpu(n)}: execution.gpu)`;
}

/**
 * What `sweep run --dry-run` and `sweep submit --dry-run` found: the API's `checkLaunch` answer (its `existing`: the
 * sweep this file made, if the store has it; null when it has none, or when it was not looked for, --new), and, from a
 * run's own look at an embedded store, why whether the store has it is not known (another process holds it).
 */
export type LaunchCheck = inferRouterOutputs<AppRouter>["sweeps"]["checkLaunch"] & { unknown?: string };

/**
 * A dry run's answer: the file is valid, what it would run, and whether this file's sweep is stored already, and then
 * what the command without --dry-run does with it (`sweep run` goes on with it, shows a finished one and refuses a
 * cancelled one; `sweep submit` finds it and queues nothing). With --new (`asNew`) it would make a new sweep whatever
 * is stored.
 */
export function printLaunchCheck(
  file: string,
  check: LaunchCheck,
  command: "run" | "submit",
  o: { json: boolean; asNew?: boolean },
): void {
  if (o.json) {
    printJson({ file, valid: true, ...check });
    return;
  }
  const real = `tailsweep sweep ${command}`;
  const stored = check.existing;
  const then = o.asNew
    ? `--new: ${real} ${command === "run" ? "runs" : "stores"} it as a new sweep, whatever is stored`
    : check.unknown
      ? `whether it is stored already is not known: ${check.unknown}`
      : !stored
        ? `not stored yet: ${real} ${command === "run" ? "runs it" : "stores it and queues its trials"}`
        : `stored already as sweep ${stored.id} (${stored.status}, ${plural(stored.trialCount, "trial")}): ${real} ${
            command === "submit"
              ? "finds it and queues nothing"
              : stored.status === "completed"
                ? "shows its results"
                : stored.status === "cancelled"
                  ? `refuses it; tailsweep sweep resume ${stored.id} goes on with it`
                  : "goes on with it"
          }; --new makes a new sweep`;
  const gpu =
    check.gpuTrials === 0
      ? []
      : [`  ${needGpu(check.gpuTrials, formatCount(check.gpuTrials))} (execution.gpu)`];
  const lines = [
    `${file}: valid, sweep ${check.name} in project ${check.project}`,
    `  ${check.summary}`,
    ...(check.atMost === check.trialCount ? [] : [`  ${plural(check.trialCount, "trial")} at the start`]),
    ...gpu,
    // a dashboard older than warnings sends none
    ...(check.warnings ?? []).map((warning) => `  note: ${warning}`),
    `  ${then}`,
    "nothing was stored or run (--dry-run)",
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
}

/** A worker as `tailsweep workers` shows it (`lastHeartbeat` an ISO time, as JSON carries it). */
export interface WorkerLine {
  id: string;
  status: string;
  backend: string;
  trialKinds: string[];
  lastHeartbeat: string;
  gpu?: string | null;
}

/** The columns of `tailsweep workers`, one row per worker by {@link workerCells}. */
export const WORKER_COLUMNS = ["worker", "status", "backend", "runs", "last heard", "gpu"];

/** One row of `tailsweep workers`: which trials it runs (cpu, gpu), and how long ago it was heard from. */
export function workerCells(w: WorkerLine, now: Date): string[] {
  // a clock a little ahead of this one's must not make it heard in the future
  const ago = Math.max(0, (now.getTime() - new Date(w.lastHeartbeat).getTime()) / 1000);
  return [w.id, w.status, w.backend, w.trialKinds.join(","), `${duration(ago)} ago`, w.gpu ?? ""];
}

/** The log of a long-running process: plain lines on stderr, or with --json one JSON object per line on stdout. */
export function daemonLog(
  component: "worker" | "controller",
  json: boolean | undefined,
): (line: string) => void {
  if (!json) return log;
  return (message) => printJson({ time: new Date().toISOString(), component, pid: process.pid, message });
}
