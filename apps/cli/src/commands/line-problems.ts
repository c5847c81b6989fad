import { SWEEP_NOT_FOUND_CODE } from "@tailsweep/analysis/sweep-runs";
import { codeOf, errorCategory } from "@tailsweep/schemas";
import { refusalProblems } from "../api-client";

/**
 * For a command's store check (TailsweepCommand.storeCheck): what `ask` — the command's request with the values of
 * its line that could be read, as a dry run — is refused for as bad input, a problem a line, so that one run names
 * them beside the values refused before it ran. A sweep the line names (`given`) that the store does not have is the
 * line's problem too. Nothing where it answers, or fails otherwise (no store, no server): that is said once the values
 * are fixed. The settings are applied first, as the command would have; a bad one is said once the line is fixed.
 */
export async function lineProblems(given: unknown, ask: () => Promise<unknown>): Promise<string[]> {
  try {
    (await import("../settings")).applySettings();
  } catch {
    return [];
  }
  try {
    await ask();
    return [];
  } catch (e) {
    if (typeof given === "string" && codeOf(e) === SWEEP_NOT_FOUND_CODE)
      return [`sweep: ${refusalProblems(e).join("; ")}`];
    return errorCategory(e) === "invalid" ? refusalProblems(e) : [];
  }
}
