import { codeOf, UnavailableError } from "@tailsweep/schemas";

/** The stable code of a run store whose database stopped answering while in use. */
export const STORE_UNAVAILABLE_CODE = "DATABASE_UNAVAILABLE";

/**
 * Codes that say the store's database is down or out of reach, not that the request was wrong: Prisma's "can't reach
 * the server" (P1001, what its PostgreSQL adapter makes of a refused or reset socket), "timed out reaching it" (P1002),
 * "the server closed the connection" (P1017) and "no pooled connection in time" (P2024); PostgreSQL's shutting down
 * (57P01) and "cannot connect now" (57P03). Not a bare socket's codes: a procedure may also talk to NATS, and its
 * ECONNRESET is not the database's.
 */
const UNREACHABLE_CODES = new Set(["P1001", "P1002", "P1017", "P2024", "57P01", "57P03"]);

/**
 * A store failure that means its database is not answering, as an UnavailableError (the same request may work once
 * it is back: a client waits or retries, exit 7), or undefined for any other error. Its message names no host: it
 * goes to remote callers, and the server's log has the cause.
 */
export function storeUnavailable(e: unknown): UnavailableError | undefined {
  const code = codeOf(e);
  if (code === undefined || !UNREACHABLE_CODES.has(code)) return undefined;
  return new UnavailableError(
    STORE_UNAVAILABLE_CODE,
    `the run store's database is not answering (${code}); try again when it is back`,
    { cause: e },
  );
}
