import { codeOf, type ErrorCategory, errorCategory, messageOf } from "@tailsweep/schemas";
import type { Command } from "commander";
import { z } from "zod";
import packageJson from "../package.json" with { type: "json" };
import { flagProblem, TailsweepCommand, withNotedProblems } from "./command";
import { registerAccess } from "./commands/access";
import { registerBackends } from "./commands/backends";
import { registerCompare } from "./commands/compare";
import { registerLogin } from "./commands/login";
import { registerModel } from "./commands/model";
import { registerReport } from "./commands/report";
import { registerSweep } from "./commands/sweep";
import { registerTrain } from "./commands/train";
import { registerTrial } from "./commands/trial";
import { registerUi } from "./commands/ui";
import { type EnvGroup, envHelp } from "./settings-spec";

/**
 * The one mapping from an error's category (@tailsweep/schemas' error vocabulary) to the CLI's exit status. Usage
 * errors (a bad flag) are `invalid`; an error without a category (a bug, a database failure) is `internal`. A command
 * may also end with a status of its own: 1 when trials failed or the sweep was cancelled, 130 / 143 after SIGINT /
 * SIGTERM.
 */
export const EXIT_CODES: Readonly<Record<ErrorCategory, number>> = {
  internal: 1,
  invalid: 2,
  "not-found": 3,
  conflict: 4,
  unauthorized: 5,
  forbidden: 6,
  unavailable: 7,
  "rate-limited": 7,
};

const EXIT_HELP = `
Exit status:
  0  done                          4  conflicts with what is stored
  1  failed (trials failed, the    5  not signed in (no or a refused token)
     sweep cancelled, or an        6  not allowed (role too low, read-only)
     internal error)               7  unavailable: a server is down or busy,
  2  invalid input: flags, a file     try again later
     or the environment            130 / 143  stopped by SIGINT / SIGTERM
  3  not found
`;

/** The environment variables each command reads, shown in its --help (by the command's path). */
const COMMAND_ENV: Record<string, EnvGroup[]> = {
  train: ["training"],
  "sweep run": ["store", "training", "sweeps", "login"],
  "sweep submit": ["store", "nats", "sweeps", "login"],
  "sweep list": ["store", "login"],
  "sweep tag": ["store", "login"],
  "sweep note": ["store", "login"],
  "trial tag": ["store", "login"],
  "trial note": ["store", "login"],
  "sweep status": ["store", "login"],
  "sweep cancel": ["store", "nats", "login"],
  "sweep export": ["store", "login"],
  "sweep delete": ["store", "nats", "login"],
  worker: ["nats", "training"],
  workers: ["store", "login"],
  compare: ["store", "login"],
  "trial artifacts": ["store", "nats", "login"],
  evaluate: ["store", "nats", "login"],
  report: ["store", "login"],
  user: ["store"],
  member: ["store"],
  token: ["store"],
  audit: ["store"],
  controller: ["store", "nats"],
  ui: ["store", "nats", "training", "sweeps", "dashboard"],
  login: ["login"],
  whoami: ["login"],
  logout: ["login"],
};

/** The exit status for a thrown value: commander's own (0 for --help) as a usage error, else by category. */
export function exitCodeOf(e: unknown): number {
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code === "string" && code.startsWith("commander.")) {
    const exitCode = (e as { exitCode?: unknown }).exitCode;
    return exitCode === 0 ? 0 : EXIT_CODES.invalid;
  }
  return EXIT_CODES[errorCategory(e)];
}

/**
 * Commander's usage errors in the form every other refusal prints (`tailsweep: --top: must be …, got 0`): its own
 * "error: option '--top <k>' argument '0' is invalid. --top must be …" names the flag twice, in another style. A
 * problem that does not quote the value given (commander's "Allowed choices are …") gets it appended.
 */
export function usageErrorText(text: string): string {
  const invalid = /^error: option '([^']*)' argument '([^']*)' is invalid\. (.*?)\n?$/s.exec(text);
  if (!invalid) return text.replace(/^error: /, "tailsweep: ");
  const [, flags = "", given = "", problem = ""] = invalid;
  return `tailsweep: ${flagProblem(/--[\w-]+/.exec(flags)?.[0] ?? flags, given, problem)}\n`;
}

/** The stable code of a usage error (a bad flag or argument) in a `--json` error. */
export const USAGE_ERROR_CODE = "USAGE_INVALID";

/** What a coded error may carry besides its message: a problem list (ConfigError, SettingsError), a field. */
const ErrorDetailsSchema = z.object({
  problems: z.array(z.string()).optional(),
  field: z.string().optional(),
  problem: z.string().optional(),
});

/** Whether the command line asked for JSON output (`--json` before any `--`). */
function asksForJson(argv: readonly string[]): boolean {
  const end = argv.indexOf("--");
  return (end < 0 ? argv : argv.slice(0, end)).includes("--json");
}

/**
 * The error of a `--json` command as one JSON object on stdout, where its answer would have gone, so a script reads
 * what went wrong as it reads what went right: `{"error":{"code","category","exitCode","message",…}}` with the
 * problem list or the field where the error has one. The human message still goes to stderr.
 */
function jsonError(e: unknown, exitCode: number, usageText: string | undefined): string {
  const usage = codeOf(e)?.startsWith("commander.") === true;
  const details = ErrorDetailsSchema.safeParse(e);
  const usageLines = (usageText ?? messageOf(e))
    .split("\n")
    .map((line) => line.replace(/^tailsweep: /, "").trim())
    .filter((line) => line && line !== "(add --help for usage)");
  const error = usage
    ? {
        code: USAGE_ERROR_CODE,
        category: "invalid",
        exitCode,
        message: usageLines.join("\n"),
        problems: usageLines,
      }
    : {
        code: codeOf(e) ?? "INTERNAL",
        category: errorCategory(e),
        exitCode,
        message: messageOf(e),
        ...(details.success && details.data),
      };
  return `${JSON.stringify({ error })}\n`;
}

/** Builds the `tailsweep` command line; `usageText` receives what commander prints for a usage error. */
export function buildProgram(usageText: (text: string) => void = () => {}): Command {
  const program = new TailsweepCommand();
  program
    .name("tailsweep")
    .description("Student-t multimodal semi-supervised VAE under class imbalance: train, sweep, compare")
    // before the commands are added: each takes its output settings from its parent then
    .configureOutput({
      outputError: (text, write) => {
        const said = withNotedProblems(program.noted, usageErrorText(text));
        usageText(said);
        write(said);
      },
    })
    // imported, not read at run time: the bundles (the CLI's cache, the GPU kit) carry no package.json beside them
    .version(packageJson.version, "-V, --version", "print the version")
    .showHelpAfterError("(add --help for usage)")
    .exitOverride();
  registerTrain(program);
  registerModel(program);
  registerBackends(program);
  registerSweep(program);
  registerTrial(program);
  registerCompare(program);
  registerReport(program);
  registerUi(program);
  registerAccess(program);
  registerLogin(program);
  // Every command checks the whole environment before it does anything; --help reads none of it. The settings module
  // loads the packages whose rules it runs (the store's, the model's…): only now, when a command is about to run.
  program.hook("preAction", async (_, action) => {
    // every bad flag of the line at once (TailsweepCommand noted them), before the environment is read
    if (program.noted.length) {
      if (action instanceof TailsweepCommand && action.lateCheck)
        program.noted.push(...action.lateCheck(action.readableOptions()));
      if (action instanceof TailsweepCommand && action.storeCheck)
        program.noted.push(
          ...(await action.storeCheck(action.processedArgs, action.readableOptions(), action.refused)),
        );
      action.error("", { code: "commander.invalidArgument", exitCode: EXIT_CODES.invalid });
    }
    const { applySettings } = await import("./settings");
    applySettings();
  });
  program.addHelpText("after", `${envHelp()}${EXIT_HELP}`);
  for (const [path, groups] of Object.entries(COMMAND_ENV)) {
    const command = path
      .split(" ")
      .reduce<Command | undefined>((c, name) => c?.commands.find((sub) => sub.name() === name), program);
    command?.addHelpText("after", envHelp(groups));
  }
  return program;
}

/**
 * Whether to print stacks (settings.ts's debugOn): loaded here when the error came before any command ran (a flag's
 * parser), and off when even loading the settings fails (the error being reported may be why).
 */
async function debugOn(): Promise<boolean> {
  try {
    return (await import("./settings")).debugOn();
  } catch {
    return false;
  }
}

/** Runs the CLI; returns the exit code. Errors are printed as one clear message, not a stack. */
export async function main(argv: string[]): Promise<number> {
  // `tailsweep sweep status | head`: a reader that stops early is not an error worth a stack trace.
  for (const stream of [process.stdout, process.stderr])
    stream.on("error", (e: NodeJS.ErrnoException) => {
      if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
      throw e;
    });
  let usage: string | undefined;
  try {
    await buildProgram((text) => {
      usage = text;
    }).parseAsync(argv);
    // A command may have set a failing status without throwing (`sweep run` when trials failed): keep it.
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (e) {
    const code = exitCodeOf(e);
    // Commander has printed its own messages (usage errors, help).
    if (!codeOf(e)?.startsWith("commander.")) {
      process.stderr.write(`tailsweep: ${messageOf(e)}\n`);
      if ((await debugOn()) && e instanceof Error) process.stderr.write(`${e.stack}\n`);
    }
    // --help and --version end with status 0 through the same path: not errors.
    if (code !== 0 && asksForJson(argv)) process.stdout.write(jsonError(e, code, usage));
    return code;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await main(process.argv);
}
