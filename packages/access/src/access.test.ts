import { describe, expect, it } from "vitest";
import { hashPassword, verifyPassword } from "./passwords";
import { ACTIONS, can, ROLES } from "./roles";
import { apiTokenId, generateApiToken, hashApiToken, TOKEN_PREFIX } from "./tokens";

describe("roles", () => {
  it("let viewers read, members also annotate, launch and cancel, and only owners delete and manage", () => {
    const allowed = Object.fromEntries(ROLES.map((r) => [r, ACTIONS.filter((a) => can(r, a))]));
    expect(allowed).toEqual({
      viewer: ["read"],
      member: ["read", "annotate", "launch", "cancel"],
      owner: ["read", "annotate", "launch", "cancel", "delete", "manage-members", "manage-tokens"],
    });
  });
});

describe("API tokens", () => {
  it("are random, carry their id, and are stored as a SHA-256 that does not contain the secret", () => {
    const a = generateApiToken();
    const b = generateApiToken();
    expect(a.token.startsWith(TOKEN_PREFIX)).toBe(true);
    expect(a.token).not.toBe(b.token);
    expect(apiTokenId(a.token)).toBe(a.id);
    expect(a.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(a.hash).toBe(hashApiToken(a.token));
    expect(a.hash).not.toContain(a.token.slice(-43));
  });

  it("reject malformed strings before any lookup", () => {
    for (const bad of [
      "",
      "tsk_",
      "Bearer x",
      `${generateApiToken().token}x`,
      "tsk_short_secret",
      "x".repeat(10_000),
    ])
      expect(apiTokenId(bad)).toBeUndefined();
  });
});

describe("passwords", () => {
  it("hash with argon2id, verify the right one only, and refuse short ones", async () => {
    const stored = await hashPassword("correct horse battery");
    expect(stored.startsWith("$argon2id$")).toBe(true);
    expect(await verifyPassword(stored, "correct horse battery")).toBe(true);
    expect(await verifyPassword(stored, "correct horse battery!")).toBe(false);
    expect(await verifyPassword("not a hash", "x")).toBe(false);
    await expect(hashPassword("short")).rejects.toThrow("password: must be at least 12 characters");
  });
});
