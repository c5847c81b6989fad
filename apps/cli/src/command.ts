import { messageOf, nearestName } from "@tailsweep/schemas";
import { type Argument, Command, type Option, type OptionValues, type ParseOptionsResult } from "commander";

/**
 * One bad value in the form every refusal prints (`--top: must be a whole number ≥ 1, got 0`): the parsers' own
 * messages start with the flag (`--top must be …`), commander's choices do not quote the value given, so it is
 * appended where the message lacks it.
 */
export function flagProblem(flag: string, given: string, problem: string): string {
  const own = problem.startsWith(flag) ? problem.slice(flag.length).replace(/^:? /, "") : problem;
  // commander's `.choices()` refusal ("Allowed choices are csv, json."), in the words of every other one
  const choices = /^Allowed choices are (.*)\.$/.exec(own)?.[1];
  const said = choices === undefined ? own : `must be one of ${choices}`;
  const quoted = said.includes(`'${given}'`) || said.includes(`"${given}"`) || said.endsWith(`got ${given}`);
  return `${flag}: ${said}${quoted ? "" : `, got '${given}'`}`;
}

/**
 * {@link TailsweepCommand.storeCheck}: the problems the store finds with a command line, given its arguments, its
 * readable options and the text of each refused one (by attribute name).
 */
export type StoreCheck = (
  args: readonly unknown[],
  options: OptionValues,
  refused: ReadonlyMap<string, string>,
) => Promise<string[]>;

const isInvalidArgument = (e: unknown) =>
  (e as { code?: unknown } | null)?.code === "commander.invalidArgument";

/**
 * A command that names every bad flag and argument of a command line at once. Commander stops at the first value
 * its parser refuses; here each parser's refusal is noted, parsing goes on, and main.ts's preAction hook refuses
 * them together before the action (in {@link withNotedProblems}' words). Subcommands made with `.command()` are of
 * this class too, and share the root's list. Unknown options are named all together with the bad values, where
 * commander names the first and reads nothing after it. (Commander still checks missing required options before
 * arguments: a line with one names it with the bad flags before it, not a bad argument after.)
 */
export class TailsweepCommand extends Command {
  /** The command line's bad values so far, each as {@link flagProblem} words it. */
  readonly noted: string[];

  constructor(name?: string, noted: string[] = []) {
    super(name);
    this.noted = noted;
  }

  /**
   * What this command's options still get wrong together when some of them could not be read (their values left
   * out): main.ts's preAction hook adds it to the noted problems, so one run names every bad flag, not the unreadable
   * ones first and the rest on the next run. Only checks that need nothing but the options (no store, no data).
   */
  lateCheck?: (options: OptionValues) => string[];

  override createCommand(name?: string): TailsweepCommand {
    return new TailsweepCommand(name, this.noted);
  }

  /** Sets {@link lateCheck}. */
  checksWithNotedProblems(check: (options: OptionValues) => string[]): this {
    this.lateCheck = check;
    return this;
  }

  /**
   * As {@link lateCheck}, for what only the run store or dashboard can tell (a metric no trial reports, a baseline
   * that is no configuration): given the arguments and the readable options, it asks the API, so that a bad --alpha
   * and an unknown --metric are named by one run. It opens the store, so only a command that would open it anyway has
   * one, and only a line with refused values pays for it. It never throws: what it cannot check it leaves out.
   */
  storeCheck?: StoreCheck;

  /** Sets {@link storeCheck}. */
  checksWithStore(check: StoreCheck): this {
    this.storeCheck = check;
    return this;
  }

  /**
   * The options (by attribute name) whose values were refused, each with the text refused: left out of what
   * {@link lateCheck} is given; a {@link storeCheck} may still read what it can of the text.
   */
  readonly refused = new Map<string, string>();

  override addOption(option: Option): this {
    this.noteInsteadOfStopping(option, option.long ?? option.name(), option.attributeName());
    return super.addOption(option);
  }

  /** This command's options as {@link lateCheck} takes them: those whose values were refused left out. */
  readableOptions(): OptionValues {
    return Object.fromEntries(Object.entries(this.opts()).filter(([name]) => !this.refused.has(name)));
  }

  /**
   * Commander reads every known flag of the line but names only the first unknown option (what follows it that is not
   * a known flag is filed as unknown with it). Here a command with no subcommands (those hand their unknown options
   * on) names every unknown option, after the bad values, and refuses the line once. With --help anywhere,
   * commander's own handling stands (help wins).
   */
  override parseOptions(argv: string[]): ParseOptionsResult {
    const parsed = super.parseOptions(argv);
    if (this.commands.length > 0 || parsed.unknown.length === 0) return parsed;
    const end = parsed.unknown.indexOf("--");
    // an unknown option's value, or an operand after it, is not an option; nor is a negative number (commander's form)
    const options = (end < 0 ? parsed.unknown : parsed.unknown.slice(0, end)).filter(
      (arg) => arg.startsWith("-") && arg.length > 1 && !/^-(\d+|\d*\.\d+)(e[+-]?\d+)?$/.test(arg),
    );
    // (this CLI keeps commander's help flags and allows no unknown options anywhere)
    if (options.length === 0 || options.some((arg) => arg === "--help" || arg === "-h")) return parsed;
    this.noted.push(...options.map((flag) => this.unknownOptionProblem(flag)));
    if (this.lateCheck) this.noted.push(...this.lateCheck(this.readableOptions()));
    this.error("", { code: "commander.unknownOption" });
  }

  /** `unknown option '--sedes' (did you mean --seeds?)`: the guess among this command's and its parents' flags. */
  private unknownOptionProblem(flag: string): string {
    const flags: string[] = [];
    for (let command: Command | null = this; command; command = command.parent)
      for (const option of command.createHelp().visibleOptions(command))
        if (option.long) flags.push(option.long.slice(2));
    const name = /^--([^=]+)/.exec(flag)?.[1];
    const near = name === undefined ? undefined : nearestName(name, flags);
    return `unknown option '${flag}'${near === undefined ? "" : ` (did you mean --${near}?)`}`;
  }

  override addArgument(argument: Argument): this {
    this.noteInsteadOfStopping(argument, argument.name());
    return super.addArgument(argument);
  }

  /**
   * A refused value is noted and stands as what came before it (the default), so the command line is read to its end;
   * the action never sees it: main.ts's preAction hook stops first.
   */
  private noteInsteadOfStopping(target: Option | Argument, name: string, attribute?: string) {
    const parse = target.parseArg;
    if (!parse) return;
    const noted = this.noted;
    const refused = this.refused;
    target.parseArg = <T>(value: string, previous: T): T => {
      try {
        return parse(value, previous);
      } catch (e) {
        if (!isInvalidArgument(e)) throw e;
        noted.push(flagProblem(name, value, messageOf(e)));
        if (attribute !== undefined) refused.set(attribute, value);
        return previous;
      }
    };
  }
}

/**
 * The noted problems before commander's error text (as usageErrorText words it), and the list emptied: before an
 * action, every bad value at once; with commander's own refusal of the same line (an unknown option), the noted ones
 * first. (A refused required option is not also "not specified": commander stores '' for a value its parser gave none.)
 */
export function withNotedProblems(noted: string[], commanderText: string): string {
  return [...noted.splice(0).map((p) => `tailsweep: ${p}\n`), commanderText.trim() ? commanderText : ""].join(
    "",
  );
}
