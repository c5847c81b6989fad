import { SESSION_REFUSED_CODE } from "@tailsweep/access";
import { AppError } from "@tailsweep/schemas";
import { TRPCError } from "@trpc/server";
import { describe, expect, it } from "vitest";
import { isUnauthorized } from "./caller";

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
