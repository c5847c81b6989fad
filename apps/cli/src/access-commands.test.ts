import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { authenticateToken, generateApiToken, TokenRefusedError, verifyPassword } from "@tailsweep/access";
import { openRunStore } from "@tailsweep/db";
import { describe, expect, it } from "vitest";

const bin = join(__dirname, "..", "bin", "tailsweep.mjs");
const dbDir = mkdtempSync(join(tmpdir(), "tailsweep-access-"));

/** The real CLI on this test's embedded store; never throws. */
function tailsweep(
  args: string[],
  stdin?: string,
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [bin, ...args],
      { env: { ...process.env, TAILSWEEP_DB_DIR: dbDir, DATABASE_URL: "", ...env } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin?.end(stdin ?? "");
  });
}

/** Runs `f` on the same embedded store, between CLI runs (PGlite serves one process at a time). */
async function withStore<T>(f: (o: Awaited<ReturnType<typeof openRunStore>>) => Promise<T>): Promise<T> {
  const o = await openRunStore({ pgliteDir: dbDir, databaseUrl: "" });
  try {
    return await f(o);
  } finally {
    await o.close();
  }
}

describe("tailsweep user, member, token and audit", { timeout: 300_000 }, () => {
  it("creates a token that works until it is revoked, and never stores its secret", async () => {
    const ada = await tailsweep(["user", "add", "Ada@Example.org", "--name", "Ada"]);
    expect(ada.code, ada.stderr).toBe(0);
    const withPassword = await tailsweep(
      ["user", "add", "bob@example.org", "--name", "Bob", "--password-stdin"],
      "correct horse battery\n",
    );
    expect(withPassword.code, withPassword.stderr).toBe(0);
    const member = await tailsweep(["member", "set", "alpha", "ada@example.org", "owner"]);
    expect(member.code, member.stderr).toBe(0);

    const created = await tailsweep(["token", "create", "alpha", "--user", "ada@example.org", "--days", "7"]);
    expect(created.code, created.stderr).toBe(0);
    const token = created.stdout.trim();
    expect(token).toMatch(/^tsk_/);
    expect(created.stderr).toContain("shown only now");

    await withStore(async ({ access }) => {
      const who = await authenticateToken(access, token);
      expect(who).toMatchObject({ projectId: "alpha", role: "owner", user: { email: "ada@example.org" } });
      const bob = await access.getUserByEmail("bob@example.org");
      expect(await verifyPassword(bob!.passwordHash!, "correct horse battery")).toBe(true);
      expect((await access.getUserByEmail("ada@example.org"))?.passwordHash).toBeUndefined();
    });

    // a password for a user added without one, and a reset: there was no command for either
    const set = await tailsweep(["user", "password", "ADA@example.org"], "a long new password\n");
    expect([set.code, set.stdout, set.stderr]).toEqual([
      0,
      "password of ADA@example.org set; their sessions were ended\n",
      "",
    ]);
    const badReset = await tailsweep(["user", "password", "not-an-email"], "short\n");
    expect([badReset.code, badReset.stderr]).toEqual([
      2,
      "tailsweep: email: must be an email address, got 'not-an-email'; password: must be at least 12 characters\n",
    ]);
    const nobodyReset = await tailsweep(["user", "password", "nobody@example.org"], "a long new password\n");
    expect(nobodyReset.stderr).toContain("no user with email nobody@example.org");
    await withStore(async ({ access }) => {
      const ada = await access.getUserByEmail("ada@example.org");
      expect(await verifyPassword(ada!.passwordHash!, "a long new password")).toBe(true);
    });

    const listed = JSON.parse(
      (await tailsweep(["token", "list", "--user", "ada@example.org", "--json"])).stdout,
    );
    expect(listed).toEqual([expect.objectContaining({ projectId: "alpha", name: "cli", state: "active" })]);
    expect(JSON.stringify(listed)).not.toContain(token.slice(-20));
    // in words: a table with when it expires and when it was last used (the token just authenticated)
    const table = (await tailsweep(["token", "list", "--user", "ada@example.org"])).stdout.split("\n");
    expect(table[0]).toMatch(/^id +project +name +state +expires +last used$/);
    expect(table[1]).toMatch(
      new RegExp(
        `^${listed[0].id} +alpha +cli +active +${listed[0].expiresAt.slice(0, 10)} +\\d{4}-\\d\\d-\\d\\d$`,
      ),
    );

    // with its stderr: a clean-clone CI run saw this exit 2 once, and passed on its own three times here
    const revoked = await tailsweep(["token", "revoke", listed[0].id]);
    expect(revoked.code, revoked.stderr).toBe(0);
    await withStore(async ({ access }) => {
      await expect(authenticateToken(access, token)).rejects.toThrow(TokenRefusedError);
    });
    const again = await tailsweep(["token", "revoke", listed[0].id]);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain(`no active token with id ${listed[0].id}`);

    // every change is in the project's audit log, as the dashboard's Team page writes it, by the local user
    const removed = await tailsweep(["member", "remove", "alpha", "bob@example.org"]);
    expect(removed.stderr).toContain("bob@example.org was not a member of alpha");
    await tailsweep(["member", "set", "alpha", "bob@example.org", "viewer"]);
    await tailsweep(["member", "remove", "alpha", "bob@example.org"]);
    const audit = JSON.parse((await tailsweep(["audit", "--project", "alpha", "--json"])).stdout);
    expect(
      audit.map((e: { actor: string; action: string; target: string }) => [e.actor, e.action, e.target]),
    ).toEqual([
      ["local user", "member.remove", "bob@example.org"],
      ["local user", "member.set", "bob@example.org"],
      ["local user", "token.revoke", listed[0].id],
      ["local user", "token.create", listed[0].id],
      ["local user", "member.set", "ada@example.org"],
    ]);
    expect(audit[3].detail).toEqual({ name: "cli", user: "ada@example.org" });
    expect(audit[4].detail).toEqual({ role: "owner" });
  });

  it("refuses on a laptop logged in to a dashboard, where the run store would be an empty one of its own", async () => {
    const login = { TAILSWEEP_URL: "http://127.0.0.1:9", TAILSWEEP_TOKEN: generateApiToken().token };
    for (const args of [
      ["member", "list", "alpha"],
      ["audit", "--project", "alpha"],
      ["token", "create", "alpha", "--user", "ada@example.org"],
    ]) {
      const r = await tailsweep(args, undefined, login);
      expect(r.code, args.join(" ")).not.toBe(0);
      expect(r.stderr).toContain(
        "work on the team's run store itself (DATABASE_URL), not through a dashboard; you are logged in to http://127.0.0.1:9",
      );
      expect(r.stdout).toBe("");
    }
  });

  it("names what is wrong and changes nothing", async () => {
    const role = await tailsweep(["member", "set", "alpha", "ada@example.org", "admin"]);
    expect(role.stderr).toContain("role: must be one of viewer, member, owner, got 'admin'");
    const nobody = await tailsweep(["member", "set", "alpha", "nobody@example.org", "viewer"]);
    expect(nobody.stderr).toContain("no user with email nobody@example.org");
    const stranger = await tailsweep(["token", "create", "beta", "--user", "ada@example.org"]);
    expect(stranger.stderr).toContain("ada@example.org is not a member of project beta");
    const days = await tailsweep(["token", "create", "alpha", "--user", "ada@example.org", "--days", "1000"]);
    expect(days.stderr).toContain("tailsweep: --days: must be a whole number from 1 to 365, got 1000");
    const short = await tailsweep(
      ["user", "add", "c@example.org", "--name", "C", "--password-stdin"],
      "short\n",
    );
    expect(short.stderr).toContain("password: must be at least 12 characters");
    const email = await tailsweep(["user", "add", "not-an-email", "--name", "X"]);
    expect(email.stderr).toContain("user.email: must be an email address, got 'not-an-email'");
    // every problem of one user at once, the password's with the store's
    const all = await tailsweep(
      ["user", "add", "c-at-example.org", "--name", " ", "--password-stdin"],
      "short\n",
    );
    expect(all.stderr).toBe(
      "tailsweep: user.email: must be an email address, got 'c-at-example.org'; user.name: must not be empty; password: must be at least 12 characters\n",
    );
    // a member's, a token's and the audit's arguments: every bad one at once, before the store (which named the first
    // as an internal error, exit 1, or looked up an email that could be none: "no user", exit 3)
    const member = await tailsweep(["member", "set", "bad project!", "not-an-email", "admin"]);
    expect(member.stderr).toBe(
      "tailsweep: project: must be 1–64 letters, digits, '.', '_' or '-', starting with a letter or digit; email: must be an email address, got 'not-an-email'; role: must be one of viewer, member, owner, got 'admin'\n",
    );
    const token = await tailsweep(["token", "create", "bad project!", "--user", "ada", "--name", " "]);
    expect(token.stderr).toBe(
      "tailsweep: project: must be 1–64 letters, digits, '.', '_' or '-', starting with a letter or digit; --user: must be an email address, got 'ada'; --name: must not be empty\n",
    );
    const audit = await tailsweep(["audit", "--project", "bad project!"]);
    expect(audit.stderr).toMatch(/^tailsweep: project: must be 1–64 letters/);
    for (const r of [role, days, short, email, all, member, token, audit]) expect(r.code).toBe(2);
    for (const r of [nobody, stranger]) expect(r.code).not.toBe(0);
    const members = JSON.parse((await tailsweep(["member", "list", "alpha", "--json"])).stdout);
    expect(members.map((m: { email: string; role: string }) => [m.email, m.role])).toEqual([
      ["ada@example.org", "owner"],
    ]);
    await withStore(async ({ access }) => {
      expect(await access.getUserByEmail("c@example.org")).toBeUndefined();
      expect(await access.apiTokensOf((await access.getUserByEmail("ada@example.org"))!.id)).toHaveLength(1);
    });
  });
});
