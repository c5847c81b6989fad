import type { Command } from "commander";
import { lazyAction } from "./lazy-action";

/** The metrics `tailsweep evaluate` takes (the analysis package's EVALUATION_METRICS, without loading it for --help). */
const EVALUATE_METRICS = "accuracy, balancedAccuracy, macroF1, gMean, minorityRecall, logLoss, brier, ece";

/** Registers `tailsweep trial artifacts` and `tailsweep evaluate`. */
export function registerTrial(program: Command): void {
  const trial = program.command("trial").description("one trial's stored files");
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
