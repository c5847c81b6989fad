import type { Command } from "commander";
import { lazyAction } from "./lazy-action";
import { tagList } from "./sweep";

/** The metrics `tailsweep evaluate` takes (the analysis package's EVALUATION_METRICS, without loading it for --help). */
const EVALUATE_METRICS = "accuracy, balancedAccuracy, macroF1, gMean, minorityRecall, logLoss, brier, ece";

/** Registers `tailsweep trial artifacts|tag|note` and `tailsweep evaluate`. */
export function registerTrial(program: Command): void {
  const trial = program.command("trial").description("one trial's stored files, tags and notes");
  trial
    .command("tag <id>")
    .description("add, remove or set a trial's tags (as sweep tag does a sweep's), or print them")
    .option("--add <tags>", "tags to add (comma-separated; repeat to add more)", tagList)
    .option("--remove <tags>", "tags to remove (comma-separated)", tagList)
    .option("--set <tags>", "replace every tag with these (--set '' removes them all)", tagList)
    .option("--json", "print JSON")
    .action(lazyAction(async () => (await import("./annotate-actions")).trialTag));
  trial
    .command("note <id>")
    .description("set a trial's notes (Markdown, at most 16 kB), or print them")
    .option("--set <text>", "the notes (--set '' clears them)")
    .option("--file <path>", "the notes from this file")
    .option("--json", "print JSON")
    .action(lazyAction(async () => (await import("./annotate-actions")).trialNote));
  trial
    .command("artifacts <id>")
    .description(
      "list what a trial kept (test-set predictions, confusion matrix, weights; its checkpoint while it has one) and, with -o, download them",
    )
    .option("-o, --output <dir>", "write the files into this directory (made if missing)")
    .option("--json", "print the listing as JSON")
    .action(lazyAction(async () => (await import("./trial-actions")).trialArtifacts));

  program
    .command("evaluate <trial>")
    .description(
      "recompute test metrics from a trial's stored predictions, without training again (e.g. a calibration metric it never reported)",
    )
    .requiredOption("--metric <names>", `comma-separated: ${EVALUATE_METRICS}`)
    .option("--json", "print JSON")
    .action(lazyAction(async () => (await import("./trial-actions")).evaluateCommand));
}
