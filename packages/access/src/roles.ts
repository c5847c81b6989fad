import { z } from "zod";

/** A member's role in a project, weakest first. */
export const ROLES = ["viewer", "member", "owner"] as const;
export const RoleSchema = z.enum(ROLES);
export type Role = z.infer<typeof RoleSchema>;

/** What a request can ask to do in a project. */
export const ACTIONS = [
  "read",
  "annotate",
  "launch",
  "cancel",
  "delete",
  "manage-members",
  "manage-tokens",
] as const;
export const ActionSchema = z.enum(ACTIONS);
export type Action = z.infer<typeof ActionSchema>;

/**
 * The weakest role allowed each action: viewers read, members also tag and write notes on sweeps and trials, launch
 * and cancel, owners manage.
 */
const NEEDS: Record<Action, Role> = {
  read: "viewer",
  annotate: "member",
  launch: "member",
  cancel: "member",
  delete: "owner",
  "manage-members": "owner",
  "manage-tokens": "owner",
};

const rank = (role: Role) => ROLES.indexOf(role);

/** The weakest role that may do `action`: what a refusal tells the caller to ask for. */
export function roleNeeded(action: Action): Role {
  return NEEDS[action];
}

/** Whether `role` may do `action`. */
export function can(role: Role, action: Action): boolean {
  return rank(role) >= rank(roleNeeded(action));
}
