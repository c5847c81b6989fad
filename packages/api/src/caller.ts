import { type Action, can, type MembershipRecord, type Role, type TokenIdentity } from "@tailsweep/access";
import { TRPCError } from "@trpc/server";

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
}

/**
 * Embedded mode's single local user (`tailsweep ui` on this machine's store, bound to 127.0.0.1): owner of every
 * project, no sign-in.
 */
export const LOCAL_CALLER: Caller = { label: "local user", roleIn: () => "owner" };

/** A signed-in user with their memberships (read once per request). */
export function memberCaller(userId: string, label: string, memberships: MembershipRecord[]): Caller {
  const roles = new Map(memberships.map((m) => [m.projectId, m.role]));
  return { userId, label, roleIn: (project) => roles.get(project) };
}

/** An API token: its user's current role in the token's one project, nothing anywhere else. */
export function tokenCaller(identity: TokenIdentity): Caller {
  return {
    userId: identity.user.id,
    label: `${identity.user.email} (token ${identity.tokenId})`,
    roleIn: (project) => (project === identity.projectId ? identity.role : undefined),
  };
}

/**
 * Checks that `caller` may do `action` in `project`. Without any role there the thing is reported as not found (a
 * guessed id must not confirm that another team's sweep exists); with a role too weak, as forbidden.
 */
export function authorize(caller: Caller, project: string, action: Action, what: string): void {
  const role = caller.roleIn(project);
  if (!role) throw new TRPCError({ code: "NOT_FOUND", message: `no ${what}` });
  if (!can(role, action))
    throw new TRPCError({
      code: "FORBIDDEN",
      message: `${caller.label} is a ${role} of project ${project}: ${action} needs a higher role`,
    });
}

/** Whether `caller` may read `project` (for filtering lists). */
export const canRead = (caller: Caller, project: string) => caller.roleIn(project) !== undefined;
