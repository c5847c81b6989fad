import type { Command } from "commander";
import { numberArg, numberOrWord } from "../config-input";
import { lazyAction } from "./lazy-action";

/** Registers `tailsweep model constants` and `tailsweep model loss`. */
export function registerModel(program: Command): void {
  const model = program.command("model").description("check the γ-loss against another implementation");
  model
    .command("constants")
    .description("print γ, logC(ν,n), logB, C1, τ0, τ²_alt and detExp (float64)")
    .requiredOption("--nu <nu>", "degrees of freedom (> 2)", numberArg("--nu"))
    .requiredOption("--n <n>", "data dimension", numberArg("--n"))
    .requiredOption("--m <m>", "latent dimension", numberArg("--m"))
    .option("--sigma <sigma>", "decoder scale", numberArg("--sigma"), 1)
    .option(
      "--gamma <gamma>",
      "tied (−2/(ν+n+m), the default) or an explicit γ in (−1, 0)",
      numberOrWord("--gamma", ["tied"]),
    )
    .option("--json", "print JSON")
    .action(lazyAction(async () => (await import("./model-actions")).constantsCommand));
  model
    .command("loss")
    .description("single-modality γ-loss terms of a batch at the t³VAE code's scale (reg, recon, total)")
    .requiredOption(
      "--input <file>",
      "JSON with nu, n, m, sigma, regWeight, mu, logvar (B×m), x, xRecon (B×n)",
    )
    .option("--json", "print JSON")
    .action(lazyAction(async () => (await import("./model-actions")).lossCommand));
}
