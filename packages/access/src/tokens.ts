import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** Every API token starts with this, so leaked tokens are easy to scan for. */
export const TOKEN_PREFIX = "tsk_";
/** Every dashboard session cookie value starts with this. */
export const SESSION_PREFIX = "tss_";

/** A new secret: `token` is handed out once; only `hash` is stored, and `id` names it in lists and the audit log. */
export interface GeneratedApiToken {
  id: string;
  token: string;
  hash: string;
}

/**
 * A secret is `<prefix><id>_<secret>`: 9 random bytes of id and 32 of secret, base64url. It is stored as its SHA-256,
 * not with a slow password hash: 256 random bits cannot be guessed, so the stored hash only has to be one-way, and
 * every request checks one.
 */
function generateSecret(prefix: string): GeneratedApiToken {
  const id = randomBytes(9).toString("base64url");
  const token = `${prefix}${id}_${randomBytes(32).toString("base64url")}`;
  return { id, token, hash: hashApiToken(token) };
}

/** The id part of a well-formed secret with this prefix, or undefined for anything else (checked before any lookup). */
function secretId(prefix: string, value: string): string | undefined {
  if (!value.startsWith(prefix)) return undefined;
  return /^([A-Za-z0-9_-]{12})_([A-Za-z0-9_-]{43})$/.exec(value.slice(prefix.length))?.[1];
}

/** A new API token (`tsk_…`). */
export const generateApiToken = (): GeneratedApiToken => generateSecret(TOKEN_PREFIX);

/** A new dashboard session (`tss_…`), the value of its cookie. */
export const generateSessionSecret = (): GeneratedApiToken => generateSecret(SESSION_PREFIX);

/** The stored form of a token or session secret. */
export function hashApiToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** The id part of a well-formed API token, or undefined. */
export const apiTokenId = (token: string): string | undefined => secretId(TOKEN_PREFIX, token);

/** The id part of a well-formed session secret, or undefined. */
export const sessionId = (secret: string): string | undefined => secretId(SESSION_PREFIX, secret);

/** Constant-time comparison of two stored hashes. */
export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, "hex");
  const y = Buffer.from(b, "hex");
  return x.length === y.length && timingSafeEqual(x, y);
}
