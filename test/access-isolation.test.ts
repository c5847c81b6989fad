// Project isolation through the tRPC API on real PostgreSQL (issue #7): members see and change only their projects,
// viewers only read, an API token acts in its one project with its user's current role, and every launch and cancel
// lands in that project's audit log.

import { authenticateToken, generateApiToken, type Role, TokenRefusedError } from "@tailsweep/access";
import { accountForOidc, createCaller, memberCaller, type SignInError, tokenCaller } from "@tailsweep/api";
import { InProcessBus } from "@tailsweep/bus";
import { Controller } from "@tailsweep/controller";
import { openRunStore } from "@tailsweep/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDatabase } from "./fresh-database";

const sweepYaml = (project: string, name: string) => `
name: ${name}
project: ${project}
dataset: { name: mnist-2view, headCount: 60, testPerClass: 10 }
train: { epochs: 1 }
search: { nu: [5, 30] }
seeds: 1
`;

describe("project isolation through the API", { timeout: 60_000 }, () => {
  let opened: Awaited<ReturnType<typeof openRunStore>>;
  let cleanup: (() => Promise<void>)[] = [];
  const users: Record<string, string> = {};
  let controller: Controller;
  /** An API caller acting as `who`, with their memberships as they are now. */
  const as = async (who: string) =>
    createCaller({
      store: opened.store,
      launcher: controller,
      access: opened.access,
      caller: memberCaller(users[who]!, who, await opened.access.membershipsOf(users[who]!)),
    });
  const sweeps: Record<string, string> = {};

  beforeAll(async () => {
    const db = await freshDatabase("access");
    opened = await openRunStore({ databaseUrl: db.url });
    const bus = new InProcessBus();
    controller = new Controller(opened.store, bus);
    await controller.start();
    cleanup = [() => controller.stop(), () => bus.close(), () => opened.close(), db.drop];
    const team: [string, string, Role][] = [
      ["ada", "alpha", "owner"],
      ["mel", "alpha", "member"],
      ["vic", "alpha", "viewer"],
      ["bob", "beta", "owner"],
    ];
    for (const [name, project, role] of team) {
      const u = await opened.access.createUser({ email: `${name}@example.org`, name });
      users[name] = u.id;
      await opened.access.setRole(project, u.id, role);
    }
    sweeps.alpha = (await (await as("mel")).sweeps.launch({ yaml: sweepYaml("alpha", "a1") })).id;
    sweeps.beta = (await (await as("bob")).sweeps.launch({ yaml: sweepYaml("beta", "b1") })).id;
  });
  afterAll(async () => {
    for (const f of cleanup) await f();
  });

  /** The tRPC error code a call ends with, or "ok". */
  const outcome = (p: Promise<unknown>) =>
    p.then(
      () => "ok",
      (e: { code?: string }) => e.code ?? String(e),
    );

  it("lists only the caller's projects and their sweeps", async () => {
    const mel = await as("mel");
    expect((await mel.projects()).map((p) => p.name)).toEqual(["alpha"]);
    expect((await mel.sweeps.list()).map((s) => s.id)).toEqual([sweeps.alpha]);
    expect(await mel.sweeps.list({ project: "beta" })).toEqual([]);
    expect((await mel.runs.catalog()).map((s) => s.id)).toEqual([sweeps.alpha]);
    expect((await (await as("bob")).sweeps.list()).map((s) => s.id)).toEqual([sweeps.beta]);
  });

  it("answers a guessed id of another project's sweep or trial exactly as an unknown one", async () => {
    const mel = await as("mel");
    const [betaTrial] = await opened.store.listTrials(sweeps.beta!);
    // Thunks: each call starts only when awaited, so no rejection goes unhandled meanwhile.
    for (const call of [
      () => mel.sweeps.get({ id: sweeps.beta! }),
      () => mel.sweeps.trials({ id: sweeps.beta! }),
      () => mel.sweeps.perClass({ id: sweeps.beta! }),
      () => mel.sweeps.curves({ id: sweeps.beta! }),
      () => mel.sweeps.compare({ id: sweeps.beta! }),
      () => mel.trials.get({ id: betaTrial!.id }),
      () => mel.runs.compare({ groups: [{ sweepId: sweeps.alpha! }, { sweepId: sweeps.beta! }] }),
    ])
      expect(await outcome(call())).toBe("NOT_FOUND");
    const message = (id: string) =>
      mel.sweeps.get({ id }).then(
        () => "found",
        (e: Error) => e.message,
      );
    const unknown = await message("no-such-sweep");
    const foreign = await message(sweeps.beta!);
    expect(foreign).toBe(unknown.replace("no-such-sweep", sweeps.beta!));
    // a sweep is found by the start of its id too (the 8 characters tables show), among those the caller can read
    // only: the start of another project's is as unknown as any
    const start = (id: string) => id.slice(0, 8);
    expect((await mel.sweeps.get({ id: start(sweeps.alpha!) })).id).toBe(sweeps.alpha);
    expect(await message(start(sweeps.beta!))).toBe(unknown.replace("no-such-sweep", start(sweeps.beta!)));
    expect(await outcome(mel.sweeps.cancel({ id: start(sweeps.beta!) }))).toBe("NOT_FOUND");
  });

  it("refuses launching into or cancelling in another project, and viewers any change", async () => {
    const mel = await as("mel");
    expect(await outcome(mel.sweeps.launch({ yaml: sweepYaml("beta", "intruder") }))).toBe("NOT_FOUND");
    expect(await outcome(mel.sweeps.cancel({ id: sweeps.beta! }))).toBe("NOT_FOUND");
    const vic = await as("vic");
    expect(await outcome(vic.sweeps.get({ id: sweeps.alpha! }))).toBe("ok");
    expect(await outcome(vic.sweeps.launch({ yaml: sweepYaml("alpha", "v1") }))).toBe("FORBIDDEN");
    expect(await outcome(vic.sweeps.cancel({ id: sweeps.alpha! }))).toBe("FORBIDDEN");
    expect((await opened.store.listSweeps()).map((s) => s.name).sort()).toEqual(["a1", "b1"]);
    expect((await opened.store.getSweep(sweeps.beta!))?.status).toBe("running");
  });

  it("lets a token act only in its project, with its user's current role, until revoked", async () => {
    const t = generateApiToken();
    await opened.access.createApiToken({
      id: t.id,
      userId: users.mel!,
      projectId: "alpha",
      name: "ci",
      tokenHash: t.hash,
      expiresAt: new Date(Date.now() + 86_400_000),
    });
    const viaToken = async () =>
      createCaller({
        store: opened.store,
        launcher: controller,
        access: opened.access,
        caller: tokenCaller(await authenticateToken(opened.access, t.token)),
      });
    const api = await viaToken();
    expect((await api.sweeps.list()).map((s) => s.id)).toEqual([sweeps.alpha]);
    expect(await outcome(api.sweeps.get({ id: sweeps.beta! }))).toBe("NOT_FOUND");
    const launched = await api.sweeps.launch({ yaml: sweepYaml("alpha", "from-ci") });
    await opened.access.setRole("alpha", users.mel!, "viewer");
    expect(await outcome((await viaToken()).sweeps.cancel({ id: launched.id }))).toBe("FORBIDDEN");
    await opened.access.setRole("alpha", users.mel!, "member");
    await opened.access.revokeApiToken(t.id);
    await expect(authenticateToken(opened.access, t.token)).rejects.toThrow(TokenRefusedError);
  });

  it("records who launched and cancelled what, per project", async () => {
    await (await as("ada")).sweeps.cancel({ id: sweeps.alpha! });
    const log = await opened.access.auditOf("alpha");
    expect(log.map((e) => [e.action, e.actorId])).toEqual([
      ["sweep.cancel", users.ada],
      ["sweep.launch", users.mel], // from-ci, through the token
      ["sweep.launch", users.mel], // a1
    ]);
    expect(log[0]).toMatchObject({ target: sweeps.alpha, detail: { name: "a1" } });
    expect((await opened.access.auditOf("beta")).map((e) => e.action)).toEqual(["sweep.launch"]);
    // Through the API: each caller sees their projects' entries only, with the actor's email.
    const vicSees = await (await as("vic")).audit.list();
    expect(vicSees.map((e) => [e.projectId, e.action, e.actor])).toEqual([
      ["alpha", "sweep.cancel", "ada@example.org"],
      ["alpha", "sweep.launch", "mel@example.org"],
      ["alpha", "sweep.launch", "mel@example.org"],
    ]);
    expect((await (await as("bob")).audit.list()).map((e) => e.projectId)).toEqual(["beta"]);
    expect(await outcome((await as("vic")).audit.list({ project: "beta", limit: 10 }))).toBe("NOT_FOUND");
  });

  it("lets only a project's owners delete its sweeps, and records who deleted what", async () => {
    const doomed = (await (await as("mel")).sweeps.launch({ yaml: sweepYaml("alpha", "doomed") })).id;
    expect(await outcome((await as("mel")).sweeps.delete({ id: doomed }))).toBe("FORBIDDEN");
    expect(await outcome((await as("vic")).sweeps.delete({ id: doomed }))).toBe("FORBIDDEN");
    expect(await outcome((await as("bob")).sweeps.delete({ id: doomed }))).toBe("NOT_FOUND");
    expect(await opened.store.getSweep(doomed)).toBeDefined();
    expect(await (await as("ada")).sweeps.delete({ id: doomed })).toMatchObject({
      deleted: true,
      id: doomed,
    });
    expect(await opened.store.getSweep(doomed)).toBeUndefined();
    expect(await outcome((await as("ada")).sweeps.get({ id: doomed }))).toBe("NOT_FOUND");
    expect((await opened.access.auditOf("alpha"))[0]).toMatchObject({
      action: "sweep.delete",
      actorId: users.ada,
      target: doomed,
      detail: { name: "doomed", trials: 2 },
    });
  });
});

describe("team management through the API", { timeout: 60_000 }, () => {
  let opened: Awaited<ReturnType<typeof openRunStore>>;
  let drop: () => Promise<void>;
  const ids: Record<string, string> = {};
  const as = async (who: string) =>
    createCaller({
      store: opened.store,
      access: opened.access,
      caller: memberCaller(ids[who]!, `${who}@example.org`, await opened.access.membershipsOf(ids[who]!)),
    });

  beforeAll(async () => {
    const db = await freshDatabase("team");
    drop = db.drop;
    opened = await openRunStore({ databaseUrl: db.url });
    for (const name of ["ada", "vic", "eve", "new"])
      ids[name] = (await opened.access.createUser({ email: `${name}@example.org`, name })).id;
    await opened.access.setRole("alpha", ids.ada!, "owner");
    await opened.access.setRole("alpha", ids.vic!, "viewer");
    await opened.access.setRole("gamma", ids.eve!, "owner");
  });
  afterAll(async () => {
    await opened.close();
    await drop();
  });

  it("lets owners add, change and remove members, keeps a last owner, and audits every change", async () => {
    const ada = await as("ada");
    expect((await ada.members.list({ project: "alpha" })).map((m) => [m.email, m.role])).toEqual([
      ["ada@example.org", "owner"],
      ["vic@example.org", "viewer"],
    ]);
    await ada.members.set({ project: "alpha", email: "NEW@example.org", role: "member" });
    expect(await opened.access.roleOf(ids.new!, "alpha")).toBe("member");
    // A viewer reads the list but changes nothing; another project's owner does not even see the project.
    const vic = await as("vic");
    expect(await vic.members.list({ project: "alpha" })).toHaveLength(3);
    await expect(
      vic.members.set({ project: "alpha", email: "vic@example.org", role: "owner" }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
    const eve = await as("eve");
    await expect(eve.members.list({ project: "alpha" })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(
      eve.members.set({ project: "alpha", email: "eve@example.org", role: "owner" }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(await opened.access.roleOf(ids.eve!, "alpha")).toBeUndefined();
    await expect(
      ada.members.set({ project: "alpha", email: "ada@example.org", role: "viewer" }),
    ).rejects.toMatchObject({
      code: "CONFLICT",
      message: "project alpha must keep at least one owner",
    });
    await expect(
      ada.members.set({ project: "alpha", email: "nobody@example.org", role: "member" }),
    ).rejects.toThrow(/no account for nobody@example.org/);
    await ada.members.remove({ project: "alpha", email: "new@example.org" });
    expect(await opened.access.roleOf(ids.new!, "alpha")).toBeUndefined();
    expect((await opened.access.auditOf("alpha")).map((e) => [e.action, e.target])).toEqual([
      ["member.remove", "new@example.org"],
      ["member.set", "new@example.org"],
    ]);
  });

  it("gives each user their own tokens: created in their projects, revoked by them or a project owner", async () => {
    const vic = await as("vic");
    const created = await vic.tokens.create({ project: "alpha", name: "laptop", days: 7 });
    expect(created.token).toMatch(/^tsk_/);
    const identity = await authenticateToken(opened.access, created.token);
    expect([identity.user.id, identity.projectId, identity.role]).toEqual([ids.vic, "alpha", "viewer"]);
    expect((await vic.tokens.list()).map((t) => [t.id, t.state])).toEqual([[created.id, "active"]]);
    expect(JSON.stringify(await vic.tokens.list())).not.toContain("tokenHash");
    // Not in a project you are not in; not someone else's token unless you own its project.
    await expect(vic.tokens.create({ project: "gamma", name: "x", days: 7 })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    const eve = await as("eve");
    await expect(eve.tokens.revoke({ id: created.id })).rejects.toMatchObject({ code: "NOT_FOUND" });
    // A token cannot mint a successor (which would outlive its revocation), nor revoke one.
    const viaToken = createCaller({
      store: opened.store,
      access: opened.access,
      caller: tokenCaller(await authenticateToken(opened.access, created.token)),
    });
    await expect(
      viaToken.tokens.create({ project: "alpha", name: "successor", days: 365 }),
    ).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    await expect(viaToken.tokens.revoke({ id: created.id })).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect(await (await as("ada")).tokens.revoke({ id: created.id })).toEqual({ revoked: true });
    expect((await vic.tokens.list())[0]!.state).toBe("revoked");
    expect((await opened.access.auditOf("alpha")).slice(0, 2).map((e) => e.action)).toEqual([
      "token.revoke",
      "token.create",
    ]);
  });

  it("makes no account from an OpenID sign-in whose email the provider has not verified", async () => {
    const issuer = "https://id.example.org";
    const refused = await accountForOidc(opened.access, issuer, {
      sub: "mallory",
      email: "newhire@example.org",
    }).catch((e: SignInError) => e.reason);
    expect(refused).toBe("unverified-email");
    expect(await opened.access.getUserByEmail("newhire@example.org")).toBeUndefined();
    const made = await accountForOidc(opened.access, issuer, {
      sub: "newhire",
      email: "newhire@example.org",
      email_verified: true,
    });
    expect(made).toMatchObject({ email: "newhire@example.org", oidcSubject: "newhire" });
    // The same identity again is the same account, verified claim or not.
    expect((await accountForOidc(opened.access, issuer, { sub: "newhire" })).id).toBe(made.id);
  });

  it("refuses bad input on every team procedure, naming the field, and changes nothing", async () => {
    const ada = await as("ada");
    const before = await opened.access.membersOf("alpha");
    const cases: [Promise<unknown>, RegExp][] = [
      [ada.members.list({ project: "../etc" }), /input\.project: must be 1–64 letters/],
      [ada.members.list({ project: "x".repeat(65) }), /input\.project/],
      [
        ada.members.set({ project: "alpha", email: "not an email", role: "owner" }),
        /input\.email: must be an email/,
      ],
      [
        ada.members.set({ project: "alpha", email: "vic@example.org", role: "admin" as never }),
        /input\.role/,
      ],
      [
        ada.members.set({ project: "alpha", email: `${"a".repeat(300)}@example.org`, role: "viewer" }),
        /input\.email/,
      ],
      [
        ada.members.set({
          project: "alpha'; DROP TABLE membership; --",
          email: "vic@example.org",
          role: "owner",
        }),
        /input\.project/,
      ],
      [ada.members.remove({ project: "alpha", email: 42 as never }), /input\.email/],
      [ada.tokens.create({ project: "alpha", name: "", days: 7 }), /input\.name: must not be empty/],
      [
        ada.tokens.create({ project: "alpha", name: "n".repeat(101), days: 7 }),
        /input\.name: must be at most 100/,
      ],
      [ada.tokens.create({ project: "alpha", name: "ci", days: 1e6 }), /input\.days: must be at most 365/],
      [ada.tokens.create({ project: "alpha", name: "ci", days: 1.5 }), /input\.days: must be a whole number/],
      [ada.tokens.create({ project: "alpha", name: "ci", days: "7" as never }), /input\.days/],
      [ada.tokens.revoke({ id: "x".repeat(129) }), /input\.id/],
      [
        ada.members.set({ project: "alpha", email: "vic@example.org", role: "owner", extra: 1 } as never),
        /extra/,
      ],
    ];
    for (const [call, message] of cases)
      await expect(call).rejects.toMatchObject({ code: "BAD_REQUEST", message });
    expect(await opened.access.membersOf("alpha")).toEqual(before);
    expect(await opened.access.apiTokensOf(ids.ada!)).toEqual([]);
  });
});
