import { randomUUID } from "node:crypto";
import {
  type AccessStore,
  type ApiTokenRecord,
  type AuditRecord,
  DuplicateError,
  LastOwnerError,
  type MembershipRecord,
  type NewApiToken,
  NewApiTokenSchema,
  type NewSession,
  NewSessionSchema,
  type NewUser,
  NewUserSchema,
  PasswordHashSchema,
  ProjectIdSchema,
  type Role,
  RoleSchema,
  type SessionRecord,
  type SignInMethod,
  type UserRecord,
} from "@tailsweep/access";
import { AppError, codeOf, describeIssues, NotFoundError } from "@tailsweep/schemas";
import type { z } from "zod";
import type {
  ApiToken,
  AuditEvent,
  Membership,
  Prisma,
  PrismaClient,
  Session,
  User,
} from "./generated/prisma/client";

/** Validates with `schema`, naming the field in the error (`user.email: must be an email address`). */
function valid<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  // coded, so that a caller across a bundle or process boundary tells bad input (exit 2) from a failure
  throw new AppError("ACCESS_INPUT_INVALID", "invalid", describeIssues(parsed.error, what).join("; "));
}

/** Prisma's unique-constraint violation (P2002), read by its code field. */
const isUniqueViolation = (e: unknown) => codeOf(e) === "P2002";

function toUser(u: User): UserRecord {
  return {
    id: u.id,
    email: u.email,
    name: u.name,
    ...(u.passwordHash !== null && { passwordHash: u.passwordHash }),
    ...(u.oidcIssuer !== null && { oidcIssuer: u.oidcIssuer }),
    ...(u.oidcSubject !== null && { oidcSubject: u.oidcSubject }),
    createdAt: u.createdAt,
  };
}

const toMembership = (m: Membership): MembershipRecord => ({
  projectId: m.projectId,
  userId: m.userId,
  role: m.role as Role,
  createdAt: m.createdAt,
});

function toToken(t: ApiToken): ApiTokenRecord {
  return {
    id: t.id,
    userId: t.userId,
    projectId: t.projectId,
    name: t.name,
    tokenHash: t.tokenHash,
    createdAt: t.createdAt,
    expiresAt: t.expiresAt,
    ...(t.revokedAt !== null && { revokedAt: t.revokedAt }),
    ...(t.lastUsedAt !== null && { lastUsedAt: t.lastUsedAt }),
  };
}

const toSession = (s: Session): SessionRecord => ({
  id: s.id,
  userId: s.userId,
  tokenHash: s.tokenHash,
  method: s.method as SignInMethod,
  createdAt: s.createdAt,
  expiresAt: s.expiresAt,
});

const toAudit = (e: AuditEvent): AuditRecord => ({
  id: e.id,
  at: e.at,
  projectId: e.projectId,
  ...(e.actorId !== null && { actorId: e.actorId }),
  action: e.action,
  target: e.target,
  detail: e.detail as Record<string, unknown>,
});

/** Users, memberships, API tokens and the audit log on PostgreSQL or PGlite through Prisma. */
export class PrismaAccessStore implements AccessStore {
  constructor(private readonly db: PrismaClient) {}

  async createUser(input: NewUser, now = new Date()): Promise<UserRecord> {
    const user = valid(NewUserSchema, input, "user");
    try {
      return toUser(await this.db.user.create({ data: { id: randomUUID(), ...user, createdAt: now } }));
    } catch (e) {
      if (isUniqueViolation(e))
        throw new DuplicateError(`a user with email ${user.email} or that identity exists`);
      throw e;
    }
  }

  async getUser(id: string): Promise<UserRecord | undefined> {
    const u = await this.db.user.findUnique({ where: { id } });
    return u ? toUser(u) : undefined;
  }

  async getUserByEmail(email: string): Promise<UserRecord | undefined> {
    const u = await this.db.user.findUnique({ where: { email: email.trim().toLowerCase() } });
    return u ? toUser(u) : undefined;
  }

  async getUserByOidc(issuer: string, subject: string): Promise<UserRecord | undefined> {
    const u = await this.db.user.findUnique({
      where: { oidcIssuer_oidcSubject: { oidcIssuer: issuer, oidcSubject: subject } },
    });
    return u ? toUser(u) : undefined;
  }

  async linkOidcIdentity(userId: string, issuer: string, subject: string): Promise<boolean> {
    try {
      const linked = await this.db.user.updateMany({
        where: { id: userId, oidcIssuer: null },
        data: { oidcIssuer: issuer, oidcSubject: subject },
      });
      return linked.count > 0;
    } catch (e) {
      if (isUniqueViolation(e)) throw new DuplicateError("that identity belongs to another account");
      throw e;
    }
  }

  async setPasswordHash(userId: string, passwordHash: string): Promise<boolean> {
    valid(PasswordHashSchema, passwordHash, "passwordHash");
    return this.db.$transaction(async (tx) => {
      const set = await tx.user.updateMany({ where: { id: userId }, data: { passwordHash } });
      if (set.count === 0) return false;
      await tx.session.deleteMany({ where: { userId } });
      return true;
    });
  }

  async setRole(projectId: string, userId: string, role: Role, now = new Date()): Promise<MembershipRecord> {
    valid(ProjectIdSchema, projectId, "project");
    valid(RoleSchema, role, "role");
    return this.db.$transaction(async (tx) => {
      if (!(await tx.user.findUnique({ where: { id: userId } })))
        throw new NotFoundError("USER_NOT_FOUND", `no user with id ${userId}`);
      if (role !== "owner") await assertOtherOwner(tx, projectId, userId);
      await tx.project.createMany({ data: [{ id: projectId }], skipDuplicates: true });
      return toMembership(
        await tx.membership.upsert({
          where: { projectId_userId: { projectId, userId } },
          create: { projectId, userId, role, createdAt: now },
          update: { role },
        }),
      );
    });
  }

  async removeMember(projectId: string, userId: string): Promise<boolean> {
    return this.db.$transaction(async (tx) => {
      await assertOtherOwner(tx, projectId, userId);
      return (await tx.membership.deleteMany({ where: { projectId, userId } })).count > 0;
    });
  }

  async roleOf(userId: string, projectId: string): Promise<Role | undefined> {
    const m = await this.db.membership.findUnique({ where: { projectId_userId: { projectId, userId } } });
    return m ? (m.role as Role) : undefined;
  }

  async membershipsOf(userId: string): Promise<MembershipRecord[]> {
    return (await this.db.membership.findMany({ where: { userId }, orderBy: { projectId: "asc" } })).map(
      toMembership,
    );
  }

  async membersOf(projectId: string): Promise<MembershipRecord[]> {
    return (await this.db.membership.findMany({ where: { projectId }, orderBy: { createdAt: "asc" } })).map(
      toMembership,
    );
  }

  async createApiToken(input: NewApiToken, now = new Date()): Promise<ApiTokenRecord> {
    const token = valid(NewApiTokenSchema, input, "token");
    try {
      return toToken(await this.db.apiToken.create({ data: { ...token, createdAt: now } }));
    } catch (e) {
      if (isUniqueViolation(e)) throw new DuplicateError(`an API token with id ${token.id} exists`);
      throw e;
    }
  }

  async getApiToken(id: string): Promise<ApiTokenRecord | undefined> {
    const t = await this.db.apiToken.findUnique({ where: { id } });
    return t ? toToken(t) : undefined;
  }

  async apiTokensOf(userId: string): Promise<ApiTokenRecord[]> {
    return (await this.db.apiToken.findMany({ where: { userId }, orderBy: { createdAt: "desc" } })).map(
      toToken,
    );
  }

  async revokeApiToken(id: string, now = new Date()): Promise<boolean> {
    return (
      (await this.db.apiToken.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: now } }))
        .count > 0
    );
  }

  async touchApiToken(id: string, now: Date): Promise<void> {
    await this.db.apiToken.updateMany({ where: { id }, data: { lastUsedAt: now } });
  }

  async createSession(input: NewSession, now = new Date()): Promise<SessionRecord> {
    const session = valid(NewSessionSchema, input, "session");
    try {
      return toSession(await this.db.session.create({ data: { ...session, createdAt: now } }));
    } catch (e) {
      if (isUniqueViolation(e)) throw new DuplicateError(`a session with id ${session.id} exists`);
      throw e;
    }
  }

  async getSession(id: string): Promise<SessionRecord | undefined> {
    const s = await this.db.session.findUnique({ where: { id } });
    return s ? toSession(s) : undefined;
  }

  async deleteSession(id: string): Promise<boolean> {
    return (await this.db.session.deleteMany({ where: { id } })).count > 0;
  }

  async deleteSessions(filter: { userId?: string; expiredBefore?: Date }): Promise<number> {
    if (filter.userId === undefined && filter.expiredBefore === undefined) return 0;
    const where = {
      OR: [
        ...(filter.userId !== undefined ? [{ userId: filter.userId }] : []),
        ...(filter.expiredBefore !== undefined ? [{ expiresAt: { lt: filter.expiredBefore } }] : []),
      ],
    };
    return (await this.db.session.deleteMany({ where })).count;
  }

  async recordAudit(entry: Parameters<AccessStore["recordAudit"]>[0]): Promise<AuditRecord> {
    valid(ProjectIdSchema, entry.projectId, "audit.projectId");
    const { at = new Date(), ...rest } = entry;
    // race-free (ON CONFLICT DO NOTHING): two audits of a new project at once had one fail on its key
    await this.db.project.createMany({ data: [{ id: entry.projectId }], skipDuplicates: true });
    return toAudit(
      await this.db.auditEvent.create({
        data: { id: randomUUID(), at, ...rest, detail: rest.detail as Prisma.InputJsonValue },
      }),
    );
  }

  async auditOf(projectId: string, options: { limit?: number } = {}): Promise<AuditRecord[]> {
    const rows = await this.db.auditEvent.findMany({
      where: { projectId },
      orderBy: [{ at: "desc" }, { id: "desc" }],
      take: Math.min(Math.max(1, options.limit ?? 200), 1_000),
    });
    return rows.map(toAudit);
  }
}

/** Throws LastOwnerError if `userId` is the project's only owner (so it cannot be demoted or removed). */
async function assertOtherOwner(
  tx: Prisma.TransactionClient,
  projectId: string,
  userId: string,
): Promise<void> {
  const owners = await tx.membership.findMany({
    where: { projectId, role: "owner" },
    select: { userId: true },
  });
  if (owners.length === 1 && owners[0]!.userId === userId) throw new LastOwnerError(projectId);
}
