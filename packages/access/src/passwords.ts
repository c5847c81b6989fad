import { hash, verify } from "@node-rs/argon2";
import { z } from "zod";

/** A local account's password: long enough to resist guessing, short enough not to be a hashing cost attack. */
export const PasswordSchema = z
  .string()
  .min(12, "must be at least 12 characters")
  .max(256, "must be at most 256 characters");

/**
 * Argon2id with OWASP's minimum settings (19 MiB, 2 passes, 1 lane), through @node-rs/argon2 (maintained, prebuilt
 * binaries, no compiler needed). The PHC string it returns carries its own parameters and salt.
 */
export async function hashPassword(password: string): Promise<string> {
  const checked = PasswordSchema.safeParse(password);
  if (!checked.success) throw new RangeError(`password: ${checked.error.issues[0]!.message}`);
  return hash(password, { memoryCost: 19_456, timeCost: 2, parallelism: 1 });
}

/** Whether `password` matches a stored hash; false (not an error) for a malformed hash. */
export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}
