import { MAX_TRIALS_ENV, type SweepLimits, SweepLimitsSchema } from "@tailsweep/schemas";
import { z } from "zod";

const WholeNumberText = z
  .string()
  .trim()
  .regex(/^\d{1,9}$/, "must be a whole number")
  .transform(Number);

/**
 * The limits on sweeps parsed in this process, from the environment: the one place that reads `TAILSWEEP_MAX_TRIALS`
 * (unset or empty: the default, 100,000 trials). A bad value throws a RangeError naming the variable, so a process
 * started with one stops at once instead of refusing every sweep later.
 */
export function sweepLimitsFromEnv(env: NodeJS.ProcessEnv = process.env): SweepLimits {
  const text = env[MAX_TRIALS_ENV];
  if (text === undefined || text.trim() === "") return SweepLimitsSchema.parse({});
  const whole = WholeNumberText.safeParse(text);
  const parsed = whole.success ? SweepLimitsSchema.safeParse({ maxTrials: whole.data }) : whole;
  if (!parsed.success)
    throw new RangeError(`${MAX_TRIALS_ENV}: ${parsed.error.issues[0]!.message}, got '${text}'`);
  return parsed.data;
}
