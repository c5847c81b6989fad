import { ANNOTATION_LIMITS, badTagsProblem, MAX_SEEDS, splitTagText, TagSchema } from "@tailsweep/schemas";
import { InvalidArgumentError, Option } from "commander";
import type { TailsweepCommand } from "../command";
import {
  backendOption,
  fractionArg,
  freshSeedsArg,
  MAX_TRIALS_AT_ONCE,
  seedsArg,
  wholeNumberArg,
} from "../options";
import { EXPORT_FORMATS } from "../package-constants";
import { registerDaemons } from "./daemons";
import { lazyAction } from "./lazy-action";

/**
 * A tag-list flag as typed (`a,b`, or spaces between), checked tag by tag as the API checks them (trimmed, NFC): its
 * tags added to those of an earlier copy of the flag. A refusal names the bad tags, and TailsweepCommand gathers it
 * with every other bad flag of the line.
 */
export function tagList(value: string, previous: string[] = []): string[] {
  const typed = splitTagText(value);
  const bad = badTagsProblem(typed);
  if (bad !== undefined) throw new InvalidArgumentError(bad);
  const tags = [...new Set([...previous, ...typed.map((tag) => TagSchema.parse(tag))])];
  if (tags.length > ANNOTATION_LIMITS.tags)
    throw new InvalidArgumentError(`at most ${ANNOTATION_LIMITS.tags} tags (this makes ${tags.length})`);
  return tags;
}

/**
 * Registers `tailsweep sweep …`, `tailsweep workers`, `tailsweep worker` and `tailsweep controller`. Every command
 * but `sweep run` and the daemons goes through the API (sweep-actions.ts): the logged-in dashboard's, or the same
 * router in this process on the run store.
 */
export function registerSweep(program: TailsweepCommand): void {
  const sweep = program.command("sweep").description("run, submit, watch, cancel and export sweeps");

  sweep
    .command("run <file>")
    .description(
      "run a sweep here: controller and workers in this process (the embedded default without NATS_URL); the same file again resumes or shows its sweep, and so does a stored sweep's id (or its start) in place of the file",
    )
    .option(
      "--workers <n>",
      "trials at once in this process, each on a thread of its own with the wasm and cpu backends (default: one per core, at most the sweep's trials)",
      wholeNumberArg("--workers", 1, MAX_TRIALS_AT_ONCE),
    )
    .addOption(backendOption())
    .option("--new", "run it as a new sweep even if this file has a sweep already")
    .option(
      "--dry-run",
      "check the file as a run would (data files, GPU) and say what it would run, and run nothing",
    )
    .option("--json", "print the final trial table as JSON")
    .action(lazyAction(async () => (await import("./sweep-run")).sweepRun));

  sweep
    .command("submit <file>")
    .description(
      "store a sweep and queue its trials for the workers (logged in: on the dashboard; else needs NATS_URL and a running controller); the same file again finds its sweep",
    )
    .option("--new", "submit it as a new sweep even if this file has a sweep already")
    .option(
      "--dry-run",
      "check the file as the dashboard or controller would and say what it would queue, and store nothing",
    )
    .option("--json", "print the stored sweep as JSON")
    .action(lazyAction(async () => (await import("./sweep-actions")).sweepSubmit));

  sweep
    .command("status [id]")
    .description("trial counts and the ranking so far (default: the latest sweep)")
    .option("--json", "print JSON")
    .action(lazyAction(async () => (await import("./sweep-actions")).sweepStatus));

  sweep
    .command("watch [id]")
    .description(
      "follow a sweep as it runs (on PostgreSQL, through a dashboard login, or through the sweep run or ui that holds the embedded store) until it ends, a line each time its trial counts change, the last how it ended; where nothing runs it, how it stands; exits 0 when every trial succeeded, 1 when some failed, it was cancelled or it was left running (default: the latest sweep)",
    )
    .option("--interval <seconds>", "seconds between looks", wholeNumberArg("--interval", 1, 3600), 5)
    .option("--json", "print each change as a line of JSON")
    .action(lazyAction(async () => (await import("./sweep-actions")).sweepWatch));

  sweep
    .command("list")
    .description("every sweep (you may read), oldest first, with its trial counts and tags")
    .option("--project <name>", "only this project's sweeps")
    .option(
      "--tag <tags>",
      "only sweeps with every one of these tags (comma-separated; repeat to add more)",
      tagList,
    )
    .option(
      "--search <text>",
      "only sweeps whose project, name, id, description, notes or a tag contain this text",
    )
    // the dashboard's list filters by status too: the same API field
    .addOption(
      new Option("--status <status>", "only sweeps in this state").choices([
        "running",
        "completed",
        "cancelled",
      ]),
    )
    .option("--json", "print JSON")
    .action(lazyAction(async () => (await import("./sweep-actions")).sweepList));

  sweep
    .command("tag <id>")
    .description(
      "add, remove or set a sweep's tags (1–64 letters, digits or - _ . : /; at most 32), or print them; members and owners",
    )
    .option("--add <tags>", "tags to add (comma-separated; repeat to add more)", tagList)
    .option("--remove <tags>", "tags to remove (comma-separated)", tagList)
    .option("--set <tags>", "replace every tag with these (--set '' removes them all)", tagList)
    .option("--json", "print JSON")
    .action(lazyAction(async () => (await import("./annotate-actions")).sweepTag));

  sweep
    .command("note <id>")
    .description(
      "set a sweep's notes (Markdown, at most 16 kB; the report and the dashboard show them), or print them",
    )
    .option("--set <text>", "the notes (--set '' clears them)")
    .option("--file <path>", "the notes from this file")
    .option("--json", "print JSON")
    .action(lazyAction(async () => (await import("./annotate-actions")).sweepNote));

  sweep
    .command("cancel <id>")
    .description("cancel a sweep: queued trials are dropped, running ones stop within one epoch")
    .option("--json", "print JSON")
    .action(lazyAction(async () => (await import("./sweep-actions")).sweepCancel));

  sweep
    .command("retry <id>")
    .description(
      "queue a sweep's failed trials again as new attempts (their earlier attempts stay in each trial's history)",
    )
    .option("--dry-run", "say how many it would queue, and the compute they take, and queue nothing")
    .option("--json", "print JSON")
    .action(lazyAction(async () => (await import("./sweep-actions")).sweepRetry));

  sweep
    .command("resume <id>")
    .description("a cancelled sweep goes on where it stopped: nothing that succeeded runs again")
    .option(
      "--dry-run",
      "say how many trials it would queue again, and the compute they take, and resume nothing",
    )
    .option("--json", "print JSON")
    .action(lazyAction(async () => (await import("./sweep-actions")).sweepResume));

  sweep
    .command("extend <id>")
    .description(
      "add seeds to a sweep as a new revision: --seeds 6..10 | 6,7,9 | +5, or --to-power 0.8 for what the open comparisons need; verdicts that use them are marked post hoc",
    )
    .option(
      "--seeds <seeds>",
      "the seeds to add: a range (6..10), a list (6,7,9) or how many more (+5)",
      seedsArg,
    )
    .option(
      "--to-power <p>",
      "top up the comparisons still open to the seeds this power needs (e.g. 0.8)",
      fractionArg("--to-power"),
    )
    .option(
      "--max-seeds <n>",
      "with --to-power: the most seeds a configuration gets (default 30)",
      wholeNumberArg("--max-seeds", 2, MAX_SEEDS),
    )
    .addOption(
      new Option(
        "--only <which>",
        "all configurations, or only those whose comparison is undecided (and the baseline)",
      ).choices(["all", "undecided"]),
    )
    .option("--baseline <config>", "the baseline the comparisons are with (default: the compare default)")
    .option("--metric <metric>", "the metric they compare (default: the sweep's objective)")
    .option("--dry-run", "say what it would add, and the compute it takes, and add nothing")
    .option("--json", "print JSON")
    // what the sweep finds wrong with the rest (an unknown --baseline or --metric) when a value was refused
    .checksWithStore(async (args, options, refused) =>
      (await import("./sweep-actions")).extendStoreProblems(args, options, refused),
    )
    .action(lazyAction(async () => (await import("./sweep-actions")).sweepExtend));

  sweep
    .command("confirm <id>")
    .description(
      "run the configuration furthest ahead of the baseline (or those named) and the baseline again on fresh seeds never used to choose them: compare shows the confirmation's own test beside the selection's",
    )
    .requiredOption(
      "--seeds <seeds>",
      "fresh seeds: a range (11..20), a list, or how many after the highest used (+10)",
      freshSeedsArg,
    )
    .option(
      "--config <config>",
      "a configuration to confirm, by label or key=value pairs (repeat for several; default: the one furthest ahead of the baseline, seed by seed)",
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option(
      "--top <k>",
      "confirm the k furthest ahead of the baseline, seed by seed (default 1)",
      wholeNumberArg("--top", 1),
    )
    .option("--baseline <config>", "what they are confirmed against (default: the compare default)")
    .option("--metric <metric>", "the metric they are chosen by (default: the sweep's objective)")
    .option("--dry-run", "say what it would run, and the compute it takes, and run nothing")
    .option("--json", "print JSON")
    // what the sweep finds wrong with the rest (--config, --baseline, --metric, their clashes) when a value was refused
    .checksWithStore(async (args, options, refused) =>
      (await import("./sweep-actions")).confirmStoreProblems(args, options, refused),
    )
    .action(lazyAction(async () => (await import("./sweep-actions")).sweepConfirm));

  sweep
    .command("delete <id>")
    .description("delete a sweep with its trials and results (cancelling it first if it runs); owners only")
    .option("--yes", "really: without it nothing is deleted")
    .option("--json", "print JSON")
    .action(lazyAction(async () => (await import("./sweep-actions")).sweepDelete));

  sweep
    .command("export <id>")
    .description(
      "write a sweep's trials and results: CSV (one row per trial, headline metrics and per-class recall) or JSON (the sweep, every trial and its full result; what sweep import reads); an output file ending in .gz is gzip-compressed",
    )
    .addOption(
      new Option("-f, --format <format>", "default: from the output file's extension, else csv").choices(
        EXPORT_FORMATS,
      ),
    )
    .option("-o, --output <file>", "write here instead of stdout")
    .option("--json", "same as --format json")
    .action(lazyAction(async () => (await import("./sweep-actions")).sweepExport));

  sweep
    .command("import <file>")
    .description(
      "store a finished sweep from `sweep export --json` (a .json or .json.gz file) as it was: its trials, results and revisions, so its comparisons and report need no training",
    )
    .option("--json", "print JSON")
    .action(lazyAction(async () => (await import("./sweep-actions")).sweepImport));

  program
    .command("workers")
    .description(
      "the workers the run store has heard from: host, backend, last heartbeat, online/stopped/lost",
    )
    .option("--json", "print JSON")
    .action(lazyAction(async () => (await import("./sweep-actions")).workersCommand));

  registerDaemons(program);
}
