import {
  type AccessStore,
  type Action,
  authenticateSession,
  authenticateToken,
  can,
  type MembershipRecord,
  type Role,
  roleNeeded,
  SESSION_REFUSED_CODE,
  TOKEN_REFUSED_CODE,
  type TokenIdentity,
  type TokenLookup,
} from "@tailsweep/access";
import { errorCategory, hasErrorCode, isAppError } from "@tailsweep/schemas";
import { TRPCError } from "@trpc/server";
import type { AuthSettings } from "./auth-settings";
import { sessionCookie } from "./sign-in";

/**
 * Who is calling the API, as far as authorization goes: the role they have in a project, if any. Every procedure
 * asks it before touching a project's sweeps.
 */
export interface Caller {
  /** The user's id, for the audit log; undefined for the local user of embedded mode. */
  userId?: string;
  /** Shown in errors and the audit log. */
  label: string;
  roleIn(project: string): Role | undefined;
  /** Every project the caller has a role in, or "all" for embedded mode's local user (owner everywhere). */
  scope: { project: string; role: Role }[] | "all";
  /** How the caller proved who they are: an API token may not mint or revoke tokens (a leaked one must not outlive
   * its revocation through a successor). */
  via: "local" | "session" | "token";
}

/**
 * Embedded mode's single local user (`tailsweep ui` on this machine's store, bound to 127.0.0.1): owner of every
 * project, no sign-in.
 */
export const LOCAL_CALLER: Caller = {
  label: "local user",
  roleIn: () => "owner",
  scope: "all",
  via: "local",
};

/** A signed-in user with their memberships (read once per request). */
export function memberCaller(userId: string, label: string, memberships: MembershipRecord[]): Caller {
  const roles = new Map(memberships.map((m) => [m.projectId, m.role]));
  return {
    userId,
    label,
    roleIn: (project) => roles.get(project),
    scope: memberships.map((m) => ({ project: m.projectId, role: m.role })),
    via: "session",
  };
}

/** An API token: its user's current role in the token's one project, nothing anywhere else. */
export function tokenCaller(identity: TokenIdentity): Caller {
  return {
    userId: identity.user.id,
    label: `${identity.user.email} (token ${identity.tokenId})`,
    roleIn: (project) => (project === identity.projectId ? identity.role : undefined),
    scope: [{ project: identity.projectId, role: identity.role }],
    via: "token",
  };
}

/**
 * Checks that `caller` may do `action` in `project`. Without any role there the thing is reported as not found (a
 * guessed id must not confirm that another team's sweep exists); with a role too weak, as forbidden.
 */
export function authorize(caller: Caller, project: string, action: Action, what: string): void {
  const role = caller.roleIn(project);
  if (!role) throw new TRPCError({ code: "NOT_FOUND", message: `no ${what}${projectHint(caller, what)}` });
  if (!can(role, action))
    throw new TRPCError({
      code: "FORBIDDEN",
      message: `${caller.label} is a ${role} of project ${project}: ${action} needs the role ${roleNeeded(action)} or higher (an owner of the project gives it)`,
    });
}

/**
 * Where the thing refused is a project (a launch, a team page), the projects the caller has a role in and how a
 * project is joined: the README's own team flow (a token for project alpha, then `sweep submit examples/paper.yaml`,
 * whose project is another) ended in a bare "no project yoon-kim-2605.06289". Naming the caller's own projects tells
 * nothing about anyone else's.
 */
function projectHint(caller: Caller, what: string): string {
  if (!what.startsWith("project ") || caller.scope === "all") return "";
  const mine = caller.scope.map((s) => s.project);
  const where =
    mine.length === 0
      ? `${caller.label} is a member of no project`
      : `${caller.label} is a member of ${mine.join(", ")}${caller.via === "token" ? " (a token works in its one project)" : ""}`;
  return ` that you may use: ${where}. A sweep file's project: must be one of those, or an owner of the project adds you (tailsweep member set <project> <email> <role>)`;
}

/** Whether `caller` may read `project` (for filtering lists). */
export const canRead = (caller: Caller, project: string) => caller.roleIn(project) !== undefined;

/**
 * The caller of one HTTP request in embedded mode, or of any request with an `Authorization` header: the API token
 * in `Authorization: Bearer tsk_…`, checked against the access store (UNAUTHORIZED with the reason when it is
 * malformed, unknown, revoked or expired), or — without the header — the local user.
 */
export async function callerFromAuthorization(
  access: TokenLookup | undefined,
  header: string | null,
): Promise<Caller> {
  if (header === null) return LOCAL_CALLER;
  const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
  if (!token)
    throw new TRPCError({ code: "UNAUTHORIZED", message: "Authorization must be 'Bearer <API token>'" });
  if (!access) throw new TRPCError({ code: "UNAUTHORIZED", message: "this server keeps no API tokens" });
  try {
    return tokenCaller(await authenticateToken(access, token));
  } catch (e) {
    if (hasErrorCode(e, TOKEN_REFUSED_CODE))
      throw new TRPCError({ code: "UNAUTHORIZED", message: e.message });
    throw e;
  }
}

/** The part of the access store that resolving a request's caller reads. */
export type CallerLookup = TokenLookup & Pick<AccessStore, "getSession" | "membershipsOf">;

/**
 * The caller of one request in either mode. An `Authorization: Bearer` API token wins; otherwise embedded mode's
 * requests are the local user's, and team mode's need a valid session cookie (UNAUTHORIZED without one).
 */
export async function callerOfRequest(
  access: CallerLookup | undefined,
  auth: Pick<AuthSettings, "mode" | "publicUrl">,
  headers: { get(name: string): string | null },
): Promise<Caller> {
  const authorization = headers.get("authorization");
  if (authorization !== null || auth.mode === "local") return callerFromAuthorization(access, authorization);
  const session = await signedInUser(access, auth, headers.get("cookie"));
  if (!session) throw new TRPCError({ code: "UNAUTHORIZED", message: "sign in first" });
  return memberCaller(session.id, session.email, await access!.membershipsOf(session.id));
}

/** The user of a valid session cookie in a `Cookie` header, or undefined (none, expired, signed out, malformed). */
export async function signedInUser(
  access: Pick<AccessStore, "getSession" | "getUser"> | undefined,
  auth: Pick<AuthSettings, "publicUrl">,
  cookieHeader: string | null,
) {
  const value = sessionCookie(auth, cookieHeader);
  if (!value || !access) return undefined;
  try {
    return (await authenticateSession(access, value)).user; // base64url: nothing to decode
  } catch (e) {
    if (hasErrorCode(e, SESSION_REFUSED_CODE)) return undefined;
    throw e;
  }
}

/**
 * Whether a thrown value says the caller has not proved who they are: tRPC's UNAUTHORIZED (what
 * {@link callerOfRequest} throws) or a coded error of category unauthorized (a refused token or session). Matched by
 * fields, never by class: the page or route that asks is compiled into another bundle than the code that threw.
 */
export function isUnauthorized(e: unknown): boolean {
  if (errorCategory(e) === "unauthorized") return true;
  const { name, code } = (typeof e === "object" && e !== null ? e : {}) as { name?: unknown; code?: unknown };
  return name === "TRPCError" && code === "UNAUTHORIZED";
}

/**
 * The stable code of a coded error, thrown as it is or wrapped by tRPC (a server-side caller throws a TRPCError whose
 * cause is the procedure's error); read by shape, since either may come from another bundle's copy of the class.
 */
export function appErrorCode(e: unknown): string | undefined {
  if (isAppError(e)) return e.code;
  const cause = typeof e === "object" && e !== null && "cause" in e ? e.cause : undefined;
  return isAppError(cause) ? cause.code : undefined;
}
