import { describe, expect, it } from "vitest";
import {
  type AccessStore,
  authenticateSession,
  authenticateToken,
  DuplicateError,
  LastOwnerError,
  SessionRefusedError,
  TokenRefusedError,
} from "./access-store";
import { hashPassword, verifyPassword } from "./passwords";
import { generateApiToken, generateSessionSecret } from "./tokens";

/**
 * The behaviour every AccessStore must have, as one vitest suite. Each implementation's test file calls it with a
 * factory giving a fresh, empty store.
 */
export function describeAccessStoreConformance(name: string, makeStore: () => Promise<AccessStore>): void {
  const t0 = new Date("2026-01-01T00:00:00Z");
  const at = (days: number) => new Date(t0.getTime() + days * 86_400_000);

  async function withTeam() {
    const store = await makeStore();
    const ada = await store.createUser({ email: "Ada@Example.org", name: "Ada" }, t0);
    const bob = await store.createUser({ email: "bob@example.org", name: "Bob" }, t0);
    await store.setRole("alpha", ada.id, "owner", t0);
    await store.setRole("alpha", bob.id, "viewer", t0);
    await store.setRole("beta", bob.id, "owner", t0);
    return { store, ada, bob };
  }

  async function newToken(store: AccessStore, userId: string, projectId: string, expiresAt = at(30)) {
    const t = generateApiToken();
    await store.createApiToken({ id: t.id, userId, projectId, name: "ci", tokenHash: t.hash, expiresAt }, t0);
    return t;
  }

  describe(`AccessStore conformance: ${name}`, () => {
    it("stores users with lower-cased emails and refuses a second account for the same email or identity", async () => {
      const { store, ada } = await withTeam();
      expect(ada.email).toBe("ada@example.org");
      expect(await store.getUserByEmail("ADA@example.org")).toMatchObject({ id: ada.id, name: "Ada" });
      await expect(store.createUser({ email: "ada@example.org", name: "Other" })).rejects.toThrow(
        DuplicateError,
      );
      const oidc = { oidcIssuer: "https://id.example.org", oidcSubject: "u-1" };
      const carol = await store.createUser({ email: "carol@example.org", name: "Carol", ...oidc });
      expect(await store.getUserByOidc(oidc.oidcIssuer, "u-1")).toMatchObject({ id: carol.id });
      await expect(store.createUser({ email: "c2@example.org", name: "C", ...oidc })).rejects.toThrow(
        DuplicateError,
      );
      expect(await store.getUser("nobody")).toBeUndefined();
    });

    it("refuses bad input, naming the field, and stores nothing", async () => {
      const store = await makeStore();
      await expect(store.createUser({ email: "not-an-email", name: "X" })).rejects.toThrow(/email/);
      // coded as bad input (a caller in another bundle tells it from a failure by the code, not the class)
      await expect(store.createUser({ email: "not-an-email", name: "X" })).rejects.toMatchObject({
        code: "ACCESS_INPUT_INVALID",
        category: "invalid",
      });
      await expect(store.createUser({ email: "x@example.org", name: "x".repeat(101) })).rejects.toThrow(
        /name/,
      );
      await expect(
        store.createUser({ email: "x@example.org", name: "X", role: "owner" } as never),
      ).rejects.toThrow(/role/);
      expect(await store.getUserByEmail("x@example.org")).toBeUndefined();
      const u = await store.createUser({ email: "y@example.org", name: "Y" });
      await expect(store.setRole("bad project'; --", u.id, "owner")).rejects.toThrow(/must be 1–64/);
      await expect(store.setRole("p", u.id, "admin" as never)).rejects.toThrow(/role/);
      await expect(store.setRole("p", "no-such-user", "owner")).rejects.toThrow(/no user/);
      await expect(store.setRole("p", "no-such-user", "owner")).rejects.toMatchObject({
        code: "USER_NOT_FOUND",
        category: "not-found",
      });
      expect(await store.membershipsOf(u.id)).toEqual([]);
    });

    it("gives each user their roles, updates a role in place and keeps a last owner", async () => {
      const { store, ada, bob } = await withTeam();
      expect(await store.roleOf(ada.id, "alpha")).toBe("owner");
      expect(await store.roleOf(ada.id, "beta")).toBeUndefined();
      expect((await store.membershipsOf(bob.id)).map((m) => [m.projectId, m.role])).toEqual([
        ["alpha", "viewer"],
        ["beta", "owner"],
      ]);
      await store.setRole("alpha", bob.id, "member");
      expect(await store.roleOf(bob.id, "alpha")).toBe("member");
      expect((await store.membersOf("alpha")).length).toBe(2);
      await expect(store.setRole("alpha", ada.id, "member")).rejects.toThrow(LastOwnerError);
      await expect(store.removeMember("alpha", ada.id)).rejects.toThrow(LastOwnerError);
      expect(await store.roleOf(ada.id, "alpha")).toBe("owner");
      expect(await store.removeMember("alpha", bob.id)).toBe(true);
      expect(await store.removeMember("alpha", bob.id)).toBe(false);
      expect(await store.roleOf(bob.id, "alpha")).toBeUndefined();
    });

    it("authenticates a token until it is revoked or expires, or its user leaves the project", async () => {
      const { store, ada, bob } = await withTeam();
      const t = await newToken(store, bob.id, "alpha");
      const stored = await store.getApiToken(t.id);
      expect(stored).toMatchObject({ userId: bob.id, projectId: "alpha", name: "ci", tokenHash: t.hash });
      expect(JSON.stringify(stored)).not.toContain(t.token.slice(-43)); // the secret is never stored
      const who = await authenticateToken(store, t.token, at(1));
      expect(who).toMatchObject({ projectId: "alpha", role: "viewer", tokenId: t.id, user: { id: bob.id } });
      expect((await store.getApiToken(t.id))?.lastUsedAt).toEqual(at(1));
      // The token acts with its user's current role.
      await store.setRole("alpha", bob.id, "member");
      expect((await authenticateToken(store, t.token, at(1))).role).toBe("member");

      const refused = (token: string, when: Date) =>
        authenticateToken(store, token, when).then(
          () => "accepted",
          (e: unknown) => (e instanceof TokenRefusedError ? e.reason : String(e)),
        );
      expect(await refused("tsk_garbage", at(1))).toBe("malformed");
      expect(await refused(`${t.token.slice(0, -1)}${t.token.endsWith("A") ? "B" : "A"}`, at(1))).toBe(
        "unknown",
      );
      expect(await refused(generateApiToken().token, at(1))).toBe("unknown");
      expect(await refused(t.token, at(30))).toBe("expired");

      expect(await store.revokeApiToken(t.id, at(2))).toBe(true);
      expect(await store.revokeApiToken(t.id, at(3))).toBe(false);
      expect((await store.getApiToken(t.id))?.revokedAt).toEqual(at(2));
      expect(await refused(t.token, at(2))).toBe("revoked");

      const u = await newToken(store, bob.id, "alpha");
      await store.removeMember("alpha", bob.id);
      expect(await refused(u.token, at(1))).toBe("no-membership");
      expect((await store.apiTokensOf(bob.id)).map((x) => x.id).sort()).toEqual([t.id, u.id].sort());
      expect(await store.apiTokensOf(ada.id)).toEqual([]);
      await expect(
        newToken(store, ada.id, "alpha").then((x) =>
          store.createApiToken({
            id: x.id,
            userId: ada.id,
            projectId: "alpha",
            name: "again",
            tokenHash: x.hash,
            expiresAt: at(1),
          }),
        ),
      ).rejects.toThrow(DuplicateError);
    });

    it("links an OpenID identity to an account without one, once, and never to two accounts", async () => {
      const { store, ada, bob } = await withTeam();
      expect(await store.linkOidcIdentity(ada.id, "https://id.example.org", "ada")).toBe(true);
      expect(await store.getUserByOidc("https://id.example.org", "ada")).toMatchObject({ id: ada.id });
      // An account keeps the identity it has; an identity stays with its account.
      expect(await store.linkOidcIdentity(ada.id, "https://id.example.org", "other")).toBe(false);
      await expect(store.linkOidcIdentity(bob.id, "https://id.example.org", "ada")).rejects.toThrow(
        DuplicateError,
      );
      expect(await store.getUser(bob.id)).not.toHaveProperty("oidcSubject");
      expect(await store.linkOidcIdentity("nobody", "https://id.example.org", "x")).toBe(false);
    });

    it("sets or replaces a password, ending the user's sessions, and refuses what is no argon2 hash", async () => {
      const { store, ada, bob } = await withTeam();
      const open = async (userId: string) => {
        const s = generateSessionSecret();
        await store.createSession(
          { id: s.id, userId, tokenHash: s.hash, method: "password", expiresAt: at(7) },
          t0,
        );
        return s;
      };
      const [a, b] = [await open(ada.id), await open(bob.id)];
      const hash = await hashPassword("a new long password");
      expect(await store.setPasswordHash(ada.id, hash)).toBe(true);
      expect((await store.getUser(ada.id))?.passwordHash).toBe(hash);
      expect(await verifyPassword(hash, "a new long password")).toBe(true);
      // hers end, his stay
      expect(await store.getSession(a.id)).toBeUndefined();
      expect(await store.getSession(b.id)).toBeDefined();
      expect(await store.setPasswordHash("nobody", hash)).toBe(false);
      await expect(store.setPasswordHash(bob.id, "plain text")).rejects.toThrow(/passwordHash/);
      expect((await store.getUser(bob.id))?.passwordHash).toBeUndefined();
    });

    it("keeps sessions until sign-out or expiry, and ends all of a user's at once", async () => {
      const { store, ada, bob } = await withTeam();
      const open = async (userId: string, expiresAt = at(7)) => {
        const s = generateSessionSecret();
        await store.createSession({ id: s.id, userId, tokenHash: s.hash, method: "password", expiresAt }, t0);
        return s;
      };
      const refused = (secret: string, now: Date) =>
        authenticateSession(store, secret, now).then(
          () => "accepted",
          (e: unknown) => (e instanceof SessionRefusedError ? e.reason : String(e)),
        );
      const a1 = await open(ada.id);
      const a2 = await open(ada.id);
      const b1 = await open(bob.id, at(1));
      expect((await authenticateSession(store, a1.token, at(1))).user.id).toBe(ada.id);
      expect(await refused(b1.token, at(1))).toBe("expired");
      const tampered = `${a1.token.slice(0, -1)}${a1.token.endsWith("A") ? "B" : "A"}`;
      expect(await refused(tampered, at(1))).toBe("unknown");
      expect(await refused("tss_nonsense", at(1))).toBe("malformed");
      expect(await refused(generateApiToken().token, at(1))).toBe("malformed");
      expect(await store.deleteSession(a1.id)).toBe(true);
      expect(await store.deleteSession(a1.id)).toBe(false);
      expect(await refused(a1.token, at(1))).toBe("unknown");
      expect(await refused(a2.token, at(1))).toBe("accepted");
      expect(await store.deleteSessions({ expiredBefore: at(2) })).toBe(1);
      expect(await store.getSession(b1.id)).toBeUndefined();
      expect(await store.deleteSessions({ userId: ada.id })).toBe(1);
      expect(await refused(a2.token, at(1))).toBe("unknown");
      expect(await store.deleteSessions({})).toBe(0);
      await expect(
        store.createSession({
          id: "x",
          userId: ada.id,
          tokenHash: "y",
          method: "magic" as never,
          expiresAt: at(1),
        }),
      ).rejects.toThrow(/session\.id.*session\.tokenHash.*session\.method/);
    });

    it("keeps each project's audit log apart, newest first", async () => {
      const { store, ada, bob } = await withTeam();
      await store.recordAudit({
        projectId: "alpha",
        actorId: ada.id,
        action: "sweep.launch",
        target: "sw1",
        detail: { trials: 8 },
        at: at(1),
      });
      await store.recordAudit({
        projectId: "alpha",
        actorId: bob.id,
        action: "sweep.cancel",
        target: "sw1",
        detail: {},
        at: at(2),
      });
      await store.recordAudit({
        projectId: "beta",
        action: "sweep.delete",
        target: "sw9",
        detail: {},
        at: at(3),
      });
      const alpha = await store.auditOf("alpha");
      expect(alpha.map((e) => [e.action, e.actorId, e.target])).toEqual([
        ["sweep.cancel", bob.id, "sw1"],
        ["sweep.launch", ada.id, "sw1"],
      ]);
      expect(alpha[1]!.detail).toEqual({ trials: 8 });
      expect(await store.auditOf("alpha", { limit: 1 })).toHaveLength(1);
      const [beta] = await store.auditOf("beta");
      expect(beta).toMatchObject({ action: "sweep.delete", target: "sw9" });
      expect(beta!.actorId).toBeUndefined();
    });
  });
}
