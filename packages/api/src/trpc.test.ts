import {
  AppError,
  ConfigError,
  ERROR_CATEGORIES,
  type ErrorCategory,
  NotFoundError,
  UnavailableError,
} from "@tailsweep/schemas";
import { TRPCError } from "@trpc/server";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { API_ENDPOINT, apiResponse } from "./http";
import { type ApiContext, categoryOfTrpcCode, TRPC_CODE_OF_CATEGORY, t } from "./trpc";

/** What PostgreSQL's driver throws when the server goes away: an Error with a code, but no category. */
const databaseError = () =>
  Object.assign(new Error("terminating connection due to administrator command"), { code: "57P01" });

const router = t.router({
  category: t.procedure.input(z.object({ category: z.enum(ERROR_CATEGORIES) })).query(({ input }) => {
    throw new AppError("TEST_FAILURE", input.category, `a ${input.category} failure`);
  }),
  config: t.procedure.query(() => {
    throw new ConfigError(["search.nu[2]: must be > 2"]);
  }),
  sweep: t.procedure.query(() => {
    throw new NotFoundError("SWEEP_NOT_FOUND", "no sweep with id x");
  }),
  database: t.procedure.query(() => {
    throw databaseError();
  }),
  // Prisma's, when the database went away: its message names the server's address
  unreachable: t.procedure.query(() => {
    throw Object.assign(new Error("Can't reach database server at 10.0.0.5:5432"), { code: "P1001" });
  }),
  broken: t.procedure.query(() => {
    throw Object.assign(new Error("could not read block 7"), { code: "XX001" });
  }),
  unavailable: t.procedure.query(async () => {
    throw new UnavailableError("DATABASE_UNAVAILABLE", "PostgreSQL is not answering");
  }),
  explicit: t.procedure.query(() => {
    throw new TRPCError({ code: "PRECONDITION_FAILED", message: "kept as thrown" });
  }),
  // A coded error from another copy of the schemas module (another bundle): matched by its fields, not its class.
  foreign: t.procedure.query(() => {
    throw Object.assign(new Error("from elsewhere"), { code: "SOMETHING_TAKEN", category: "conflict" });
  }),
});
const caller = t.createCallerFactory(router)({} as ApiContext);

/** The tRPC code a call was refused with. */
const refusedWith = (call: Promise<unknown>) =>
  call.then(
    () => "no error",
    (e: unknown) => (e instanceof TRPCError ? e.code : `not a TRPCError: ${String(e)}`),
  );

/** One call over HTTP: the status and the error's JSON. */
async function overHttp(path: string, input?: unknown) {
  const query = input === undefined ? "" : `?input=${encodeURIComponent(JSON.stringify(input))}`;
  const res = await fetchRequestHandler({
    endpoint: "/api/trpc",
    req: new Request(`http://localhost/api/trpc/${path}${query}`),
    router,
    createContext: () => ({}) as ApiContext,
    onError: () => {},
  });
  const body = (await res.json()) as {
    error: {
      message: string;
      data: { code: string; httpStatus: number; category: string; errorCode?: string };
    };
  };
  return { status: res.status, error: body.error };
}

describe("errors by category, mapped once", () => {
  it("gives each category its tRPC code through a server-side caller", async () => {
    const codes: Record<string, string> = {};
    for (const category of ERROR_CATEGORIES)
      codes[category] = await refusedWith(caller.category({ category }));
    expect(codes).toEqual(TRPC_CODE_OF_CATEGORY);
    // what docs/design.md promises, written out once so a change to the table is a change to this line
    expect(Object.entries(codes).map(([category, code]) => `${category}→${code}`)).toEqual(
      "invalid→BAD_REQUEST unauthorized→UNAUTHORIZED forbidden→FORBIDDEN not-found→NOT_FOUND conflict→CONFLICT rate-limited→TOO_MANY_REQUESTS unavailable→SERVICE_UNAVAILABLE internal→INTERNAL_SERVER_ERROR".split(
        " ",
      ),
    );
    expect(await refusedWith(caller.config())).toBe("BAD_REQUEST");
    expect(await refusedWith(caller.sweep())).toBe("NOT_FOUND");
    expect(await refusedWith(caller.unavailable())).toBe("SERVICE_UNAVAILABLE");
    expect(await refusedWith(caller.foreign())).toBe("CONFLICT");
    expect(await refusedWith(caller.explicit())).toBe("PRECONDITION_FAILED");
  });

  it("answers a database error as INTERNAL_SERVER_ERROR, never BAD_REQUEST", async () => {
    expect(await refusedWith(caller.broken())).toBe("INTERNAL_SERVER_ERROR");
    const { status, error } = await overHttp("broken");
    expect(status).toBe(500);
    expect(error.data).toMatchObject({ code: "INTERNAL_SERVER_ERROR", category: "internal" });
    expect(error.data.errorCode).toBeUndefined();
  });

  it("answers a database that stopped answering as unavailable (503: a client waits), naming no address", async () => {
    for (const path of ["database", "unreachable"]) {
      const { status, error } = await overHttp(path);
      expect(status).toBe(503);
      expect(error.data).toMatchObject({ category: "unavailable", errorCode: "DATABASE_UNAVAILABLE" });
      expect(error.message).toMatch(
        /^the run store's database is not answering \((57P01|P1001)\); try again/,
      );
      expect(error.message).not.toContain("10.0.0.5");
    }
    // a request whose context could not be made (its token is looked up in the store) is answered the same way, by
    // the dashboard's handler (it was a 500 naming the address)
    const res = await apiResponse(new Request(`http://localhost${API_ENDPOINT}/sweeps.list`), () => {
      throw Object.assign(new Error("Can't reach database server at 10.0.0.5:5432"), { code: "P1001" });
    });
    expect(res.status).toBe(503);
    const text = await res.text();
    expect(text).toContain("the run store's database is not answering (P1001)");
    expect(text).not.toContain("10.0.0.5");
  });

  it("sends the HTTP status of the category, with the category and the stable code in the error's data", async () => {
    const statuses: Record<string, number> = {};
    for (const category of ERROR_CATEGORIES) {
      const { status, error } = await overHttp("category", { category });
      statuses[category] = status;
      expect(error.data).toMatchObject({ category, errorCode: "TEST_FAILURE" });
      expect(error.message).toBe(`a ${category} failure`);
    }
    expect(statuses).toEqual({
      invalid: 400,
      unauthorized: 401,
      forbidden: 403,
      "not-found": 404,
      conflict: 409,
      "rate-limited": 429,
      unavailable: 503,
      internal: 500,
    });
    const config = await overHttp("config");
    expect(config).toMatchObject({
      status: 400,
      error: { data: { category: "invalid", errorCode: "CONFIG_INVALID" } },
    });
    // tRPC's own refusals (bad input here) carry a category too, so a client needs no table of codes.
    const input = await overHttp("category", { category: "nonsense" });
    expect(input).toMatchObject({
      status: 400,
      error: { data: { code: "BAD_REQUEST", category: "invalid" } },
    });
    const explicit = await overHttp("explicit");
    expect(explicit).toMatchObject({ status: 412, error: { data: { category: "conflict" } } });
  });

  it("reads a tRPC code back as its category", () => {
    for (const category of ERROR_CATEGORIES)
      expect(categoryOfTrpcCode(TRPC_CODE_OF_CATEGORY[category])).toBe(category satisfies ErrorCategory);
    expect(categoryOfTrpcCode("PAYLOAD_TOO_LARGE")).toBe("invalid");
    expect(categoryOfTrpcCode("GATEWAY_TIMEOUT")).toBe("unavailable");
    expect(categoryOfTrpcCode("NOT_IMPLEMENTED")).toBe("internal");
  });
});
