import {
  type AccessStore,
  DUPLICATE_CODE,
  EmailSchema,
  generateApiToken,
  NewApiTokenSchema,
  ProjectIdSchema,
  RoleSchema,
} from "@tailsweep/access";
import { hasErrorCode } from "@tailsweep/schemas";
import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { authorize } from "../caller";
import { checked, idField } from "../input";
import { type ApiContext, audited, t } from "../trpc";

/** The access store, or FORBIDDEN where the app keeps none (a bare run store without accounts). */
function accessOf(ctx: ApiContext): AccessStore {
  if (!ctx.access) throw new TRPCError({ code: "FORBIDDEN", message: "this server keeps no accounts" });
  return ctx.access;
}

/** The signed-in user's id; embedded mode's local user has no account to own tokens, and a token makes none. */
function userOf(ctx: ApiContext): string {
  if (ctx.caller.via === "token")
    throw new TRPCError({
      code: "FORBIDDEN",
      message: "an API token cannot create, list or revoke tokens: sign in to the dashboard (its Team page)",
    });
  if (ctx.caller.userId === undefined)
    throw new TRPCError({
      code: "FORBIDDEN",
      message: "API tokens belong to accounts: embedded mode's local user has none (use a team store)",
    });
  return ctx.caller.userId;
}

/** Who belongs to a project: any member may see it, owners change it. Every change goes to the audit log. */
export const membersRouter = t.router({
  list: t.procedure
    .input(checked(z.object({ project: ProjectIdSchema }).strict()))
    .query(async ({ ctx, input }) => {
      authorize(ctx.caller, input.project, "read", `project ${input.project}`);
      const access = accessOf(ctx);
      const members = await access.membersOf(input.project);
      return Promise.all(
        members.map(async (m) => {
          const user = await access.getUser(m.userId);
          return {
            userId: m.userId,
            email: user?.email ?? "?",
            name: user?.name ?? "?",
            role: m.role,
            since: m.createdAt,
          };
        }),
      );
    }),

  /** Gives an existing account a role in the project (adding it, or changing its role). */
  set: t.procedure
    .input(checked(z.object({ project: ProjectIdSchema, email: EmailSchema, role: RoleSchema }).strict()))
    .mutation(async ({ ctx, input }) => {
      authorize(ctx.caller, input.project, "manage-members", `project ${input.project}`);
      const access = accessOf(ctx);
      const user = await access.getUserByEmail(input.email);
      if (!user)
        throw new TRPCError({
          code: "NOT_FOUND",
          message: `no account for ${input.email}: they sign in once (or an admin runs tailsweep user add)`,
        });
      // The last owner's demotion is refused by the store (LastOwnerError: LAST_OWNER, a conflict → 409), matched
      // by category in trpc.ts: under `tailsweep ui` the store's class is not the one this bundle imports.
      await access.setRole(input.project, user.id, input.role);
      await audited(ctx, input.project, "member.set", input.email, { role: input.role });
      return { email: user.email, role: input.role };
    }),

  remove: t.procedure
    .input(checked(z.object({ project: ProjectIdSchema, email: EmailSchema }).strict()))
    .mutation(async ({ ctx, input }) => {
      authorize(ctx.caller, input.project, "manage-members", `project ${input.project}`);
      const access = accessOf(ctx);
      const user = await access.getUserByEmail(input.email);
      // The last owner's removal: LAST_OWNER, a conflict (409), as above.
      const removed = user ? await access.removeMember(input.project, user.id) : false;
      if (!removed)
        throw new TRPCError({
          code: "NOT_FOUND",
          message: `${input.email} is not a member of ${input.project}`,
        });
      await audited(ctx, input.project, "member.remove", input.email);
      return { removed };
    }),
});

/**
 * The caller's own API tokens: listed without secrets, created in a project they belong to (acting with their role
 * there; the secret is returned once), revoked by their owner or by an owner of the token's project.
 */
export const tokensRouter = t.router({
  list: t.procedure.query(async ({ ctx }) => {
    const now = new Date();
    return (await accessOf(ctx).apiTokensOf(userOf(ctx))).map(({ tokenHash: _, ...token }) => ({
      ...token,
      state: token.revokedAt ? "revoked" : token.expiresAt <= now ? "expired" : "active",
    }));
  }),

  create: t.procedure
    .input(
      checked(
        z
          .object({
            project: ProjectIdSchema,
            name: NewApiTokenSchema.shape.name,
            days: z
              .number()
              .int("must be a whole number")
              .min(1, "must be at least 1")
              .max(365, "must be at most 365"),
          })
          .strict(),
      ),
    )
    .mutation(async ({ ctx, input }) => {
      const userId = userOf(ctx);
      authorize(ctx.caller, input.project, "read", `project ${input.project}`);
      const secret = generateApiToken();
      try {
        const record = await accessOf(ctx).createApiToken({
          id: secret.id,
          userId,
          projectId: input.project,
          name: input.name,
          tokenHash: secret.hash,
          expiresAt: new Date(Date.now() + input.days * 86_400_000),
        });
        await audited(ctx, input.project, "token.create", record.id, { name: record.name });
        return { id: record.id, token: secret.token, expiresAt: record.expiresAt };
      } catch (e) {
        // A token id drawn twice (as good as never): the same category, in words that say what to do.
        if (hasErrorCode(e, DUPLICATE_CODE))
          throw new TRPCError({ code: "CONFLICT", message: "try again", cause: e });
        throw e;
      }
    }),

  revoke: t.procedure.input(checked(z.object({ id: idField }).strict())).mutation(async ({ ctx, input }) => {
    userOf(ctx); // a browser's or the admin's call, never a token's
    const access = accessOf(ctx);
    const token = await access.getApiToken(input.id);
    const mayRevoke =
      token !== undefined &&
      (token.userId === ctx.caller.userId || ctx.caller.roleIn(token.projectId) === "owner");
    if (!token || !mayRevoke)
      throw new TRPCError({ code: "NOT_FOUND", message: `no token with id ${input.id}` });
    const revoked = await access.revokeApiToken(token.id);
    if (revoked) await audited(ctx, token.projectId, "token.revoke", token.id, { name: token.name });
    return { revoked };
  }),
});
