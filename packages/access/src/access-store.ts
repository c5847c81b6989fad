import { z } from "zod";
import type { Role } from "./roles";
import { apiTokenId, hashApiToken, sameHash } from "./tokens";

/** A user account: local (with a password hash) or from an OpenID provider (issuer + subject). */
export interface UserRecord {
  id: string;
  email: string;
  name: string;
  passwordHash?: string;
  oidcIssuer?: string;
  oidcSubject?: string;
  createdAt: Date;
}

/** A user's role in one project. */
export interface MembershipRecord {
  projectId: string;
  userId: string;
  role: Role;
  createdAt: Date;
}

/** An API token as stored: never the secret itself. */
export interface ApiTokenRecord {
  id: string;
  userId: string;
  projectId: string;
  name: string;
  tokenHash: string;
  createdAt: Date;
  expiresAt: Date;
  revokedAt?: Date;
  lastUsedAt?: Date;
}

/** One line of a project's audit log: who did what to which thing. */
export interface AuditRecord {
  id: string;
  at: Date;
  projectId: string;
  /** The user, or undefined for the local user of embedded mode and for system actions. */
  actorId?: string;
  action: string;
  target: string;
  detail: Record<string, unknown>;
}

const trimmed = (max: number) =>
  z.string().trim().min(1, "must not be empty").max(max, `must be at most ${max} characters`);

/** What creating a user takes; the email is compared and stored in lower case. */
export const NewUserSchema = z
  .object({
    email: z.email("must be an email address").max(254).toLowerCase(),
    name: trimmed(100),
    passwordHash: z.string().startsWith("$argon2").optional(),
    oidcIssuer: z.url().optional(),
    oidcSubject: trimmed(255).optional(),
  })
  .strict()
  .refine((u) => (u.oidcIssuer === undefined) === (u.oidcSubject === undefined), {
    message: "oidcIssuer and oidcSubject go together",
    path: ["oidcSubject"],
  });
export type NewUser = z.infer<typeof NewUserSchema>;

/** A project name: what sweep files give as `project`. */
export const ProjectIdSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/,
    "must be 1–64 letters, digits, '.', '_' or '-', starting with a letter or digit",
  );

/** What creating an API token takes (the caller generates the token and passes only its id and hash). */
export const NewApiTokenSchema = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9_-]{12}$/),
    userId: z.string().min(1),
    projectId: ProjectIdSchema,
    name: trimmed(100),
    tokenHash: z.string().regex(/^[0-9a-f]{64}$/),
    expiresAt: z.date(),
  })
  .strict();
export type NewApiToken = z.infer<typeof NewApiTokenSchema>;

/** Raised for a duplicate email, OIDC identity or token id. */
export class DuplicateError extends Error {
  override name = "DuplicateError";
}

/** Raised when a change would leave a project without an owner. */
export class LastOwnerError extends Error {
  override name = "LastOwnerError";
  constructor(projectId: string) {
    super(`project ${projectId} must keep at least one owner`);
  }
}

/**
 * Users, project memberships, API tokens and the audit log. Implemented over PostgreSQL and PGlite by
 * `PrismaAccessStore` (packages/db); `describeAccessStoreConformance` is the behaviour every implementation has.
 * Inputs are validated by the schemas above, in the store, so every caller gets the same errors.
 */
export interface AccessStore {
  createUser(user: NewUser, now?: Date): Promise<UserRecord>;
  getUser(id: string): Promise<UserRecord | undefined>;
  getUserByEmail(email: string): Promise<UserRecord | undefined>;
  getUserByOidc(issuer: string, subject: string): Promise<UserRecord | undefined>;

  /** Gives `userId` the role in the project (creating the project if it is new); repeating it updates the role. */
  setRole(projectId: string, userId: string, role: Role, now?: Date): Promise<MembershipRecord>;
  /** Removes a membership; true if there was one. The last owner cannot be removed or demoted
   * (LastOwnerError). */
  removeMember(projectId: string, userId: string): Promise<boolean>;
  roleOf(userId: string, projectId: string): Promise<Role | undefined>;
  /** The projects a user belongs to, by name. */
  membershipsOf(userId: string): Promise<MembershipRecord[]>;
  membersOf(projectId: string): Promise<MembershipRecord[]>;

  createApiToken(token: NewApiToken, now?: Date): Promise<ApiTokenRecord>;
  getApiToken(id: string): Promise<ApiTokenRecord | undefined>;
  apiTokensOf(userId: string): Promise<ApiTokenRecord[]>;
  /** Revokes a token; true if it was active. Revoking twice keeps the first time. */
  revokeApiToken(id: string, now?: Date): Promise<boolean>;
  touchApiToken(id: string, now: Date): Promise<void>;

  recordAudit(entry: Omit<AuditRecord, "id" | "at"> & { at?: Date }): Promise<AuditRecord>;
  /** A project's audit log, newest first. */
  auditOf(projectId: string, options?: { limit?: number }): Promise<AuditRecord[]>;
}

/** Why a token was refused, for the audit log and the caller's error message. */
export class TokenRefusedError extends Error {
  override name = "TokenRefusedError";
  constructor(readonly reason: "malformed" | "unknown" | "revoked" | "expired" | "no-membership") {
    super(
      `API token refused: ${reason === "no-membership" ? "its user is no longer a member of its project" : reason}`,
    );
  }
}

/** Who a valid token acts as: its user, in its one project, with the user's current role there. */
export interface TokenIdentity {
  user: UserRecord;
  projectId: string;
  role: Role;
  tokenId: string;
}

/**
 * Checks an API token against the store: well-formed, known, hash equal, not revoked, not expired, and its user still
 * a member of its project. A token is scoped to one project and acts with its user's *current* role there, so
 * demoting or removing a member takes effect on their tokens at once.
 */
export async function authenticateToken(
  store: AccessStore,
  token: string,
  now = new Date(),
): Promise<TokenIdentity> {
  const id = apiTokenId(token);
  if (!id) throw new TokenRefusedError("malformed");
  const record = await store.getApiToken(id);
  if (!record || !sameHash(record.tokenHash, hashApiToken(token))) throw new TokenRefusedError("unknown");
  if (record.revokedAt && record.revokedAt <= now) throw new TokenRefusedError("revoked");
  if (record.expiresAt <= now) throw new TokenRefusedError("expired");
  const [user, role] = await Promise.all([
    store.getUser(record.userId),
    store.roleOf(record.userId, record.projectId),
  ]);
  if (!user || !role) throw new TokenRefusedError("no-membership");
  await store.touchApiToken(id, now);
  return { user, projectId: record.projectId, role, tokenId: id };
}
