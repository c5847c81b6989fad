import { type TrialKind, TrialKindSchema } from "@tailsweep/schemas";
import { type Command, InvalidArgumentError } from "commander";
import { backendOption, MAX_TRIALS_AT_ONCE, wholeNumberArg } from "../options";
import { lazyAction } from "./lazy-action";

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

/** Registers `tailsweep worker` and `tailsweep controller`: the processes of a team's deployment. */
export function registerDaemons(program: Command): void {
  program
    .command("worker")
    .description("pull trials from NATS and train them (needs NATS_URL; no database access)")
    .option(
      "--concurrency <n>",
      "trials at once on this host, one worker process each (default: the number of cores)",
      wholeNumberArg("--concurrency", 1, MAX_TRIALS_AT_ONCE),
    )
    .addOption(backendOption())
    .option(
      "--trials <kinds>",
      "which trials to take, preferred first: gpu,cpu (the default on webgpu) | gpu (leave CPU trials to others) | cpu",
      trialKindsArg,
    )
    .option("--json", "log one JSON object per line on stdout")
    .action(lazyAction(async () => (await import("./worker-action")).workerCommand));

  program
    .command("controller")
    .description(
      "the single writer: grants claims, persists events, re-queues trials of silent workers (needs NATS_URL); one serves a PostgreSQL store at a time, a second waits as its standby",
    )
    .option("--json", "log one JSON object per line on stdout")
    .action(lazyAction(async () => (await import("./controller-action")).controllerCommand));
}
