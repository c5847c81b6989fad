// Project isolation through the tRPC API on real PostgreSQL (issue #7): members see and change only their projects,
// viewers only read, an API token acts in its one project with its user's current role, and every launch and cancel
// lands in that project's audit log.

import { authenticateToken, generateApiToken, type Role, TokenRefusedError } from "@tailsweep/access";
import { createCaller, memberCaller, tokenCaller } from "@tailsweep/api";
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
      audit: opened.access,
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
        audit: opened.access,
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
});
