import { Option } from "commander";
import type { TailsweepCommand } from "../command";
import { fractionArg } from "../options";
import { lazyAction } from "./lazy-action";
import { objectivesArg } from "./objectives-arg";

/** Registers `tailsweep compare`. */
export function registerCompare(program: TailsweepCommand): void {
  program
    .command("compare [sweep]")
    .description(
      "compare a sweep's configurations with a baseline across matched seeds: paired tests, corrected p-values, effect sizes, seeds needed, verdicts (default: the latest sweep)",
    )
    .option(
      "--baseline <config>",
      "the configuration to compare with, e.g. 'variant=gaussian' (default: a sequential design's baseline, else the one gaussian variant, else the first configuration by label)",
    )
    .option(
      "--metric <name>",
      "a test metric (balancedAccuracy, accuracy, macroF1, gMean), minorityRecall, pseudoBalancedAccuracy, pseudoMinorityRecall, pseudoClassShift (lower is better) or a result path (pseudoLabels.accuracy); default: the sweep's objective",
    )
    .addOption(
      new Option("--correction <method>", "multiple-comparison correction")
        .choices(["holm", "bh"])
        .default("holm"),
    )
    .option("--alpha <level>", "significance level after correction", fractionArg("--alpha"), 0.05)
    .option(
      "--objectives <list>",
      "also the Pareto front over two or more metrics, each metric:max or metric:min (left out: the metric's own way, else max), e.g. balancedAccuracy:max,minorityRecall:max: seed means with 95% t intervals, the configurations no other beats on all of them, and which dominance claims paired two-sided tests back in the lead's direction (Holm across the claims)",
      objectivesArg("--objectives"),
    )
    .option("--json", "print the comparison as JSON (with the front as `pareto`)")
    // what the sweep finds wrong with the rest (an unknown --metric, a --baseline that is no configuration, an
    // objective's metric no trial reports) when a value was refused (--alpha 1.5): one run names them all
    .checksWithStore(async (args, options, refused) =>
      (await import("./compare-action")).compareStoreProblems(args, options, refused),
    )
    .action(lazyAction(async () => (await import("./compare-action")).compareCommand));
}
