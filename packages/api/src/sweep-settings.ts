import {
  type Env,
  MAX_TRIALS_CEILING,
  MAX_TRIALS_ENV,
  plainIssueMessage,
  SettingsError,
  type SweepLimits,
  SweepLimitsSchema,
} from "@tailsweep/schemas";
import { z } from "zod";

const WholeNumberText = z
  .string()
  .trim()
  .regex(/^\d{1,9}$/, `must be a whole number from 1 to ${MAX_TRIALS_CEILING}`)
  .transform(Number);

/**
 * The limits on sweeps parsed in this process, from `env` (the app's settings module passes the environment it read):
 * the one rule for `TAILSWEEP_MAX_TRIALS` (unset or empty: the default, 100,000 trials). A bad value throws a
 * SettingsError naming the variable, so a process started with one stops at once instead of refusing every sweep
 * later.
 */
export function sweepLimitsFromEnv(env: Env): SweepLimits {
  const text = env[MAX_TRIALS_ENV];
  if (text === undefined || text.trim() === "") return SweepLimitsSchema.parse({});
  // said without the value, which the error adds once
  const words = {
    error: (issue: Parameters<typeof plainIssueMessage>[0]) => plainIssueMessage(issue, false),
  };
  const whole = WholeNumberText.safeParse(text, words);
  const parsed = whole.success ? SweepLimitsSchema.safeParse({ maxTrials: whole.data }, words) : whole;
  if (!parsed.success)
    throw new SettingsError(
      [`${MAX_TRIALS_ENV}: ${parsed.error.issues[0]!.message}, got "${text}"`],
      "environment",
    );
  return parsed.data;
}
