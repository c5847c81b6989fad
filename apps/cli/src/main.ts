import { Command, CommanderError } from "commander";
import { registerAccess } from "./commands/access";
import { registerBackends } from "./commands/backends";
import { registerCompare } from "./commands/compare";
import { registerLogin } from "./commands/login";
import { registerModel } from "./commands/model";
import { registerReport } from "./commands/report";
import { registerSweep } from "./commands/sweep";
import { registerTrain } from "./commands/train";
import { registerUi } from "./commands/ui";

/** Builds the `tailsweep` command line. */
export function buildProgram(): Command {
  const program = new Command()
    .name("tailsweep")
    .description("Student-t multimodal semi-supervised VAE under class imbalance: train, sweep, compare")
    .showHelpAfterError("(add --help for usage)")
    .exitOverride();
  registerTrain(program);
  registerModel(program);
  registerBackends(program);
  registerSweep(program);
  registerCompare(program);
  registerReport(program);
  registerUi(program);
  registerAccess(program);
  registerLogin(program);
  return program;
}

/** Runs the CLI; returns the exit code. Errors are printed as one clear message, not a stack. */
export async function main(argv: string[]): Promise<number> {
  // `tailsweep sweep status | head`: a reader that stops early is not an error worth a stack trace.
  for (const stream of [process.stdout, process.stderr])
    stream.on("error", (e: NodeJS.ErrnoException) => {
      if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
      throw e;
    });
  try {
    await buildProgram().parseAsync(argv);
    // A command may have set a failing status without throwing (`sweep run` when trials failed): keep it.
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode; // commander has printed the message
    process.stderr.write(`tailsweep: ${(e as Error).message}\n`);
    if (process.env.TAILSWEEP_DEBUG) process.stderr.write(`${(e as Error).stack}\n`);
    return 1;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await main(process.argv);
}
