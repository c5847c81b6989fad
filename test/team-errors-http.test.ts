// Issue #20: removing or demoting a project's last owner answered HTTP 500. Under `tailsweep ui` the access store's
// LastOwnerError is the CLI's class while the router runs in Next's bundle, which has its own copy of
// @tailsweep/access: a match by class fails there. Over the API's HTTP handler (the one the Next route mounts), the
// refusal is a 409 with the error's code, whether the store throws this copy's class or another copy's.
import { type AccessStore, LAST_OWNER_CODE } from "@tailsweep/access";
import { type ApiContext, apiResponse, memberCaller } from "@tailsweep/api";
import { openRunStore } from "@tailsweep/db";
import { hasErrorCode } from "@tailsweep/schemas";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/** What another bundle's copy of @tailsweep/access throws: the same name, code, category and words; another class. */
class LastOwnerErrorOfAnotherBundle extends Error {
  readonly code = "LAST_OWNER";
  readonly category = "conflict";
  override readonly name = "LastOwnerError";
}

/** The store, with its refusals re-thrown as another bundle's class (the router's copy cannot recognise it). */
function fromAnotherBundle(access: AccessStore): AccessStore {
  const rethrown =
    <A extends unknown[], R>(f: (...args: A) => Promise<R>) =>
    async (...args: A) => {
      try {
        return await f(...args);
      } catch (e) {
        if (hasErrorCode(e, LAST_OWNER_CODE)) throw new LastOwnerErrorOfAnotherBundle(e.message);
        throw e;
      }
    };
  return Object.assign(Object.create(access) as AccessStore, {
    setRole: rethrown(access.setRole.bind(access)),
    removeMember: rethrown(access.removeMember.bind(access)),
  });
}

describe("the last owner over HTTP (issue #20)", { timeout: 120_000 }, () => {
  let opened: Awaited<ReturnType<typeof openRunStore>>;
  let ada: ApiContext;
  let adaElsewhere: ApiContext;

  beforeAll(async () => {
    opened = await openRunStore({ pgliteDir: "memory", databaseUrl: "" });
    const user = await opened.access.createUser({ email: "ada@example.org", name: "Ada" });
    const mel = await opened.access.createUser({ email: "mel@example.org", name: "Mel" });
    await opened.access.setRole("alpha", user.id, "owner");
    await opened.access.setRole("alpha", mel.id, "member");
    const caller = memberCaller(user.id, "ada@example.org", await opened.access.membershipsOf(user.id));
    ada = { store: opened.store, access: opened.access, caller };
    adaElsewhere = { ...ada, access: fromAnotherBundle(opened.access) };
  });
  afterAll(() => opened?.close());

  /** A mutation as the dashboard's pages post it, through the handler the Next route runs. */
  async function post(ctx: ApiContext, path: string, input: unknown) {
    const res = await apiResponse(
      new Request(`http://127.0.0.1/api/trpc/${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(input),
      }),
      () => ctx,
    );
    const body = (await res.json()) as {
      error?: { message: string; data: { code: string; category: string; errorCode?: string } };
    };
    return { status: res.status, message: body.error?.message, data: body.error?.data };
  }

  const refusal = {
    status: 409,
    message: "project alpha must keep at least one owner",
    data: { code: "CONFLICT", category: "conflict", errorCode: "LAST_OWNER" },
  };

  for (const [which, ctx] of [
    ["this bundle's class", () => ada],
    ["another bundle's class", () => adaElsewhere],
  ] as const)
    it(`refuses demoting or removing the last owner with 409 LAST_OWNER, never 500 (${which})`, async () => {
      expect(
        await post(ctx(), "members.set", { project: "alpha", email: "ada@example.org", role: "member" }),
      ).toMatchObject(refusal);
      expect(
        await post(ctx(), "members.remove", { project: "alpha", email: "ada@example.org" }),
      ).toMatchObject(refusal);
      // Nothing changed, and what may be done still is.
      expect(
        await opened.access.roleOf((await opened.access.getUserByEmail("ada@example.org"))!.id, "alpha"),
      ).toBe("owner");
      expect(
        await post(ctx(), "members.set", { project: "alpha", email: "mel@example.org", role: "viewer" }),
      ).toMatchObject({ status: 200 });
    });
});
