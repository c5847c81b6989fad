import { SESSION_REFUSED_CODE } from "@tailsweep/access";
import { AppError } from "@tailsweep/schemas";
import { TRPCError } from "@trpc/server";
import { describe, expect, it } from "vitest";
import { authorize, isUnauthorized, tokenCaller } from "./caller";

describe("isUnauthorized", () => {
  it("matches a refusal by its fields, from this bundle or another", () => {
    expect(isUnauthorized(new TRPCError({ code: "UNAUTHORIZED", message: "sign in first" }))).toBe(true);
    // Another bundle's copy of tRPC: the same name and code, another class.
    const foreign = Object.assign(new Error("sign in first"), { name: "TRPCError", code: "UNAUTHORIZED" });
    expect(isUnauthorized(foreign)).toBe(true);
    expect(isUnauthorized(new AppError(SESSION_REFUSED_CODE, "unauthorized", "session expired"))).toBe(true);
    expect(isUnauthorized(new TRPCError({ code: "FORBIDDEN", message: "no" }))).toBe(false);
    expect(isUnauthorized(new AppError("LAST_OWNER", "conflict", "keep one"))).toBe(false);
    expect(isUnauthorized(Object.assign(new Error("pg"), { code: "UNAUTHORIZED" }))).toBe(false);
    for (const other of [undefined, null, "UNAUTHORIZED", 401]) expect(isUnauthorized(other)).toBe(false);
  });
});

describe("authorize", () => {
  const ada = { id: "u1", email: "ada@lab", name: "Ada", createdAt: new Date(0) };
  const token = tokenCaller({ user: ada, projectId: "alpha", role: "owner", tokenId: "t1" });

  it("says which projects the caller is in where a project refuses them, and how one is joined", () => {
    // the README's team flow: a token for alpha, then a sweep file whose project is another; it read "no project …"
    expect(() => authorize(token, "yoon-kim", "launch", "project yoon-kim")).toThrow(
      "no project yoon-kim that you may use: ada@lab (token t1) is a member of alpha (a token works in its one project). A sweep file's project: must be one of those, or an owner of the project adds you (tailsweep member set <project> <email> <role>)",
    );
  });

  it("names nothing but 'no …' for a sweep or trial not theirs, which must not confirm it exists", () => {
    expect(() => authorize(token, "beta", "read", "sweep s-1")).toThrow(/^no sweep s-1$/);
    expect(() => authorize(token, "alpha", "launch", "project alpha")).not.toThrow();
  });
});
