import { VariantSchema } from "@tailsweep/schemas";
import { InvalidArgumentError } from "commander";
import type { TailsweepCommand } from "../command";
import { intListArg, numberArg, numberOrWord, parseSetting } from "../config-input";
import { backendOption } from "../options";
import { PRESETS } from "../presets";
import { lazyAction } from "./lazy-action";
import { trainConfigProblems } from "./train-config";

/** Registers `tailsweep train`. */
export function registerTrain(program: TailsweepCommand): void {
  program
    .command("train")
    .description("train one model on one data set and print its test metrics")
    .option("-p, --preset <name>", `start from a preset: ${Object.keys(PRESETS).join(", ")}`, (v) => {
      if (!(v in PRESETS))
        throw new InvalidArgumentError(`must be one of ${Object.keys(PRESETS).join(", ")}, got '${v}'`);
      return v;
    })
    .option("-c, --config <file>", "YAML or JSON run config (variant, dataset, model, train)")
    .option(
      "--set <section.key=value>",
      "set any knob, e.g. model.priorExpert=false (repeatable)",
      parseSetting,
    )
    .option("--variant <name>", VariantSchema.options.join(" | "))
    .option("--dataset <name>", "mnist-2view | mnist-fashion | user")
    .option("--data-path <file>", "manifest of a user data set (with --dataset user)")
    .option(
      "--imbalance-ratio <rho>",
      "ρ = N_max/N_min of the labeled classes",
      numberArg("--imbalance-ratio"),
    )
    .option("--label-ratio <beta>", "β, labeled fraction", numberArg("--label-ratio"))
    .option(
      "--unlabeled-imbalance <rho_u>",
      "same | uniform | reversed | a number",
      numberOrWord("--unlabeled-imbalance", ["same", "uniform", "reversed"]),
    )
    .option("--head-count <n>", "training rows of the largest class", numberArg("--head-count"))
    .option("--test-per-class <n>", "rows per class in the balanced test set", numberArg("--test-per-class"))
    .option("--class-order <order>", "natural | random | a permutation like 9,8,7,…")
    .option("--nu <nu>", "degrees of freedom ν (> 2)", numberArg("--nu"))
    .option("--gamma <gamma>", "tied (−2/(ν+n+m)) or a value in (−1, 0)", numberOrWord("--gamma", ["tied"]))
    .option("--latent-dim <m>", "latent dimension m", numberArg("--latent-dim"))
    .option("--sigma <sigma>", "decoder scale σ", numberArg("--sigma"))
    .option("--reg-weight <beta>", "weight of the regulariser", numberArg("--reg-weight"))
    .option("--alpha <alpha>", "classification weight: auto or a number", numberOrWord("--alpha", ["auto"]))
    .option("--widths <list>", "encoder and decoder hidden widths, e.g. 512,512", intListArg("--widths"))
    .option("--seed <seed>", "seed of the split, initialisation and sampling", numberArg("--seed"))
    .option("--epochs <n>", "epochs (passes over the unlabeled rows)", numberArg("--epochs"))
    .option("--batch-size <n>", "labeled and unlabeled rows per step", numberArg("--batch-size"))
    .option("--lr <rate>", "Adam learning rate", numberArg("--lr"))
    .option(
      "--max-steps-per-epoch <n>",
      "cap steps per epoch (smoke runs)",
      numberArg("--max-steps-per-epoch"),
    )
    .addOption(backendOption("compute backend (env TAILSWEEP_BACKEND)"))
    .option("--json", "print the result as JSON on stdout")
    .option("-o, --out <file>", "also write the result JSON to a file")
    // the config's problems too when a flag could not be read: model.nu with --lr abc, not on the next run
    .checksWithNotedProblems(trainConfigProblems)
    .action(lazyAction(async () => (await import("./train-action")).trainCommand));
}
