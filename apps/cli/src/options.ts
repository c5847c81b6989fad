import type { BackendName } from "@tailsweep/model";
import { FreshSeedsSchema, isInputError, parseSeedsArg } from "@tailsweep/schemas";
import { InvalidArgumentError, Option } from "commander";
import { numberArg } from "./config-input";
import { BACKEND_NAMES } from "./package-constants";

/** What `--backend` takes: a backend, or `auto` (the first that works here). */
export const BACKEND_CHOICES = ["auto", ...BACKEND_NAMES] as const;
export type BackendChoice = BackendName | "auto";

/** `--backend <name>`, checked by the parser against {@link BACKEND_CHOICES}. */
export function backendOption(what = "compute backend"): Option {
  return new Option("--backend <name>", `${what}: ${BACKEND_CHOICES.join(" | ")}`).choices(BACKEND_CHOICES);
}

/**
 * The most trials one process or host trains at once (--workers, --concurrency): a thread or process each, so a
 * mistyped 1e9 would allocate until the process dies. Far above the cores of any machine this runs on.
 */
export const MAX_TRIALS_AT_ONCE = 256;

/** Commander parser for a whole-number flag from `min` (to `max`): names the flag, the range and the bad text. */
export function wholeNumberArg(flag: string, min: number, max = Number.POSITIVE_INFINITY) {
  return (text: string): number => {
    const value = numberArg(flag)(text);
    if (!(Number.isInteger(value) && value >= min && value <= max))
      throw new InvalidArgumentError(
        `${flag} must be a whole number ${max === Number.POSITIVE_INFINITY ? `≥ ${min}` : `from ${min} to ${max}`}, got ${text}`,
      );
    return value;
  };
}

/** What `--seeds` of `sweep extend` and `sweep confirm` asks for: named seeds, or how many more. */
export type SeedsArg = ReturnType<typeof parseSeedsArg>;

/**
 * Commander parser for `--seeds` of `sweep extend` and `sweep confirm` (parseSeedsArg): a bad one is said with the
 * command line's other bad flags, not after them.
 */
export function seedsArg(text: string): SeedsArg {
  try {
    return parseSeedsArg(text);
  } catch (e) {
    if (!isInputError(e)) throw e;
    throw new InvalidArgumentError(e.message);
  }
}

/**
 * Commander parser for `sweep confirm --seeds`: as {@link seedsArg}, and at least two seeds, which the confirmation's
 * own paired t-test needs (FreshSeedsSchema): said of the flag here, where the API would name its field
 * (`input.seeds.more`).
 */
export function freshSeedsArg(text: string): SeedsArg {
  const seeds = seedsArg(text);
  if (!FreshSeedsSchema.safeParse(seeds).success)
    throw new InvalidArgumentError(
      `a confirmation needs at least 2 fresh seeds (its own paired t-test), got ${JSON.stringify(text)}`,
    );
  return seeds;
}

/** Commander parser for a number strictly between 0 and 1 (a significance level). */
export function fractionArg(flag: string) {
  return (text: string): number => {
    const value = numberArg(flag)(text);
    if (!(value > 0 && value < 1)) throw new InvalidArgumentError(`${flag} must be in (0, 1), got ${text}`);
    return value;
  };
}
