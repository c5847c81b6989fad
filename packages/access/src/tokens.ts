import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** Every API token starts with this, so leaked tokens are easy to scan for. */
export const TOKEN_PREFIX = "tsk_";

/** A new API token: the secret is shown once; only `hash` is stored, and `id` names it in lists and the audit log. */
export interface GeneratedApiToken {
  id: string;
  token: string;
  hash: string;
}

/**
 * A token is `tsk_<id>_<secret>`: 9 random bytes of id and 32 of secret, base64url. It is stored as its SHA-256, not
 * with a slow password hash: 256 random bits cannot be guessed, so the stored hash only has to be one-way, and every
 * API request checks one.
 */
export function generateApiToken(): GeneratedApiToken {
  const id = randomBytes(9).toString("base64url");
  const token = `${TOKEN_PREFIX}${id}_${randomBytes(32).toString("base64url")}`;
  return { id, token, hash: hashApiToken(token) };
}

/** The stored form of a token. */
export function hashApiToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** The id part of a well-formed token, or undefined for anything else (checked before any lookup). */
export function apiTokenId(token: string): string | undefined {
  const match = /^tsk_([A-Za-z0-9_-]{12})_([A-Za-z0-9_-]{43})$/.exec(token);
  return match?.[1];
}

/** Constant-time comparison of two stored hashes. */
export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, "hex");
  const y = Buffer.from(b, "hex");
  return x.length === y.length && timingSafeEqual(x, y);
}
