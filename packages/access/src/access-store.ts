import { AppError, noNul } from "@tailsweep/schemas";
import { z } from "zod";
import type { Role } from "./roles";
import { apiTokenId, hashApiToken, sameHash, sessionId } from "./tokens";

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

/** A dashboard sign-in as stored: never the cookie's value itself. */
export interface SessionRecord {
  id: string;
  userId: string;
  tokenHash: string;
  method: SignInMethod;
  createdAt: Date;
  expiresAt: Date;
}

/** How a user signed in to the dashboard. */
export type SignInMethod = "password" | "oidc";

/**
 * What the audit log records, by name: one list, so that the API and the CLI's team commands write the same names,
 * and a new action is named once.
 */
export type AuditAction =
  | "sweep.launch"
  | "sweep.import"
  | "sweep.retry"
  | "sweep.resume"
  | "sweep.extend"
  | "sweep.confirm"
  | "sweep.annotate"
  | "sweep.cancel"
  | "sweep.delete"
  | "trial.annotate"
  | "member.set"
  | "member.remove"
  | "token.create"
  | "token.revoke";

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
  noNul(z.string().trim().min(1, "must not be empty").max(max, `must be at most ${max} characters`));

/** An account's email, compared and stored in lower case. */
export const EmailSchema = z
  .email({ error: (issue) => `must be an email address, got '${String(issue.input)}'` })
  .max(254, "must be at most 254 characters")
  .toLowerCase();

/** A stored password: its argon2 hash (passwords.ts), never the password. */
export const PasswordHashSchema = z.string().startsWith("$argon2", "must be an argon2 hash (hashPassword)");

/** What creating a user takes. */
export const NewUserSchema = z
  .object({
    email: EmailSchema,
    name: trimmed(100),
    passwordHash: PasswordHashSchema.optional(),
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

/** What creating a session takes (the caller generates the secret and passes only its id and hash). */
export const NewSessionSchema = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9_-]{12}$/),
    userId: z.string().min(1),
    tokenHash: z.string().regex(/^[0-9a-f]{64}$/),
    method: z.enum(["password", "oidc"]),
    expiresAt: z.date(),
  })
  .strict();
export type NewSession = z.infer<typeof NewSessionSchema>;

/** The stable code of {@link DuplicateError}. */
export const DUPLICATE_CODE = "DUPLICATE";

/** Raised for a duplicate email, OIDC identity or token id (code DUPLICATE, a conflict). */
export class DuplicateError extends AppError {
  constructor(message: string) {
    super(DUPLICATE_CODE, "conflict", message);
    this.name = "DuplicateError";
  }
}

/** The stable code of {@link LastOwnerError}. */
export const LAST_OWNER_CODE = "LAST_OWNER";

/** Raised when a change would leave a project without an owner (code LAST_OWNER, a conflict). */
export class LastOwnerError extends AppError {
  constructor(projectId: string) {
    super(LAST_OWNER_CODE, "conflict", `project ${projectId} must keep at least one owner`);
    this.name = "LastOwnerError";
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
  /**
   * Links an OpenID identity to an existing account that has none (DuplicateError if the identity belongs to another
   * account); false if the account already has an identity or does not exist.
   */
  linkOidcIdentity(userId: string, issuer: string, subject: string): Promise<boolean>;
  /**
   * Sets or replaces a user's password (its argon2 hash) and ends every session they have, at once: a password reset
   * because one leaked must not leave a session signed in with it. False where there is no such user.
   */
  setPasswordHash(userId: string, passwordHash: string): Promise<boolean>;

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

  createSession(session: NewSession, now?: Date): Promise<SessionRecord>;
  getSession(id: string): Promise<SessionRecord | undefined>;
  /** Ends one session (sign-out); true if it existed. */
  deleteSession(id: string): Promise<boolean>;
  /** Ends every session of a user and those that expired before `expiredBefore`; how many ended. */
  deleteSessions(filter: { userId?: string; expiredBefore?: Date }): Promise<number>;

  /** `action` is an {@link AuditAction}; entries read back as stored (`action` a string: older names stay). */
  recordAudit(
    entry: Omit<AuditRecord, "id" | "at" | "action"> & { action: AuditAction; at?: Date },
  ): Promise<AuditRecord>;
  /** A project's audit log, newest first. */
  auditOf(projectId: string, options?: { limit?: number }): Promise<AuditRecord[]>;
}

/** The stable code of {@link TokenRefusedError}. */
export const TOKEN_REFUSED_CODE = "TOKEN_REFUSED";

/** Why a token was refused, for the audit log and the caller's error message (code TOKEN_REFUSED, unauthorized). */
export class TokenRefusedError extends AppError {
  constructor(readonly reason: "malformed" | "unknown" | "revoked" | "expired" | "no-membership") {
    super(
      TOKEN_REFUSED_CODE,
      "unauthorized",
      `API token refused: ${reason === "no-membership" ? "its user is no longer a member of its project" : reason}`,
    );
    this.name = "TokenRefusedError";
  }
}

/** The part of the access store that checking a token reads (and touches). */
export type TokenLookup = Pick<AccessStore, "getApiToken" | "getUser" | "roleOf" | "touchApiToken">;

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
  store: TokenLookup,
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

/** The stable code of {@link SessionRefusedError}. */
export const SESSION_REFUSED_CODE = "SESSION_REFUSED";

/**
 * Why a session cookie was refused (code SESSION_REFUSED, unauthorized); the dashboard then asks the browser to sign
 * in again.
 */
export class SessionRefusedError extends AppError {
  constructor(readonly reason: "malformed" | "unknown" | "expired") {
    super(SESSION_REFUSED_CODE, "unauthorized", `session refused: ${reason}`);
    this.name = "SessionRefusedError";
  }
}

/**
 * Checks a session cookie's value against the store: well-formed, known, hash equal, not expired, user still there.
 * Memberships are not part of a session: each request reads the user's current roles.
 */
export async function authenticateSession(
  store: Pick<AccessStore, "getSession" | "getUser">,
  secret: string,
  now = new Date(),
): Promise<{ user: UserRecord; session: SessionRecord }> {
  const id = sessionId(secret);
  if (!id) throw new SessionRefusedError("malformed");
  const session = await store.getSession(id);
  if (!session || !sameHash(session.tokenHash, hashApiToken(secret)))
    throw new SessionRefusedError("unknown");
  if (session.expiresAt <= now) throw new SessionRefusedError("expired");
  const user = await store.getUser(session.userId);
  if (!user) throw new SessionRefusedError("unknown");
  return { user, session };
}
