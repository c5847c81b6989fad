import { readFileSync } from "node:fs";
import {
  EmailSchema,
  generateApiToken,
  hashPassword,
  NewApiTokenSchema,
  NewUserSchema,
  PasswordSchema,
  ProjectIdSchema,
  RoleSchema,
} from "@tailsweep/access";
import { AppError, describeIssues, InputError, NotFoundError } from "@tailsweep/schemas";
import { remoteLogin } from "../api-client";
import { openRuntime } from "../runtime";
import { printAligned } from "./aligned";

/**
 * The team administration commands (access.ts registers them): on the run store directly, as its administrator.
 * Their changes go to the project's audit log as the dashboard's do, by the local user (no account).
 */

const log = (line: string) => process.stderr.write(`${line}\n`);

/**
 * Opens the run store's access side, runs `f`, closes it. Refused on a laptop logged in to a dashboard without
 * DATABASE_URL: there the run store would be an empty embedded one of this machine, whose answers ("no members")
 * would read as the team's.
 */
async function withAccess<T>(
  f: (access: Awaited<ReturnType<typeof openRuntime>>["opened"]["access"]) => Promise<T>,
) {
  const login = remoteLogin();
  if (login)
    throw new AppError(
      "NEEDS_RUN_STORE",
      "invalid",
      `user, member, token and audit work on the team's run store itself (DATABASE_URL), not through a dashboard; you are logged in to ${login.url}: manage members and tokens on its Team page (${login.url}/team), or set DATABASE_URL where you may reach the database`,
    );
  const rt = await openRuntime(log, { needsBus: false });
  try {
    return await f(rt.opened.access);
  } finally {
    await rt.close();
  }
}

async function userId(
  access: Awaited<ReturnType<typeof openRuntime>>["opened"]["access"],
  email: string,
): Promise<string> {
  const user = await access.getUserByEmail(email);
  if (!user)
    throw new NotFoundError("USER_NOT_FOUND", `no user with email ${email} (tailsweep user add creates one)`);
  return user.id;
}

/**
 * The arguments of a member, token or audit command, checked before the store opens: every bad one in one error
 * (exit 2), where the store named the first as an internal failure (exit 1) or looked up an email that could not be
 * one ("no user", exit 3). Each key is the argument as the command's usage names it.
 */
function checkArgs(
  args: { project?: string; email?: string; "--user"?: string; "--name"?: string },
  /** Problems the caller found with the same arguments, said with these. */
  more: readonly string[] = [],
): void {
  const checks = [
    ["project", ProjectIdSchema, args.project],
    ["email", EmailSchema, args.email],
    ["--user", EmailSchema, args["--user"]],
    ["--name", NewApiTokenSchema.shape.name, args["--name"]],
  ] as const;
  const problems = checks.flatMap(([name, schema, value]) => {
    if (value === undefined) return [];
    const parsed = schema.safeParse(value);
    return parsed.success ? [] : describeIssues(parsed.error, name);
  });
  problems.push(...more);
  if (problems.length > 0) throw new AppError("ACCESS_ARGS_INVALID", "invalid", problems.join("; "));
}

const print = (json: boolean | undefined, value: unknown, text: string) =>
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${text}\n`);

/** `user add <email>`: a user, with a password hash when one comes on stdin. */
export async function userAdd(
  email: string,
  o: { name: string; passwordStdin?: boolean; json?: boolean },
): Promise<void> {
  const password = o.passwordStdin ? readFileSync(0, "utf8").replace(/\r?\n$/, "") : undefined;
  // every problem at once: the password is checked here, the email and name by the store, which would come second
  const user = NewUserSchema.safeParse({ email, name: o.name });
  const secret = password === undefined ? undefined : PasswordSchema.safeParse(password);
  const problems = [
    ...(user.success ? [] : describeIssues(user.error, "user")),
    ...(secret && !secret.success ? describeIssues(secret.error, "password") : []),
  ];
  if (problems.length) throw new AppError("INVALID_USER", "invalid", problems.join("; "));
  const passwordHash = password === undefined ? undefined : await hashPassword(password);
  const created = await withAccess((a) =>
    a.createUser({ email, name: o.name, ...(passwordHash && { passwordHash }) }),
  );
  const { passwordHash: _, ...shown } = created;
  print(o.json, shown, `user ${created.email} (${created.id})`);
}

/**
 * `user password <email>`: the password read from standard input, checked with the email before the store opens;
 * the store ends the user's sessions with it. There was no way to give a password to a user added without one, or to
 * reset a forgotten one.
 */
export async function userPassword(email: string): Promise<void> {
  const secret = PasswordSchema.safeParse(readFileSync(0, "utf8").replace(/\r?\n$/, ""));
  checkArgs({ email }, secret.success ? [] : describeIssues(secret.error, "password"));
  if (!secret.success) return; // said above
  const passwordHash = await hashPassword(secret.data);
  await withAccess(async (a) => {
    if (!(await a.setPasswordHash(await userId(a, email), passwordHash)))
      throw new NotFoundError(
        "USER_NOT_FOUND",
        `no user with email ${email} (tailsweep user add creates one)`,
      );
  });
  process.stdout.write(`password of ${email} set; their sessions were ended\n`);
}

/** `member set <project> <email> <role>`. */
export async function memberSet(
  project: string,
  email: string,
  asked: string,
  o: { json?: boolean },
): Promise<void> {
  const role = RoleSchema.safeParse(asked);
  checkArgs({ project, email }, role.success ? [] : describeIssues(role.error, "role"));
  if (!role.success) return; // said above
  const m = await withAccess(async (a) => {
    const member = await a.setRole(project, await userId(a, email), role.data);
    await a.recordAudit({
      projectId: project,
      action: "member.set",
      target: email,
      detail: { role: role.data },
    });
    return member;
  });
  print(o.json, m, `${email} is now ${m.role} of ${project}`);
}

/** `member remove <project> <email>`. */
export async function memberRemove(project: string, email: string): Promise<void> {
  checkArgs({ project, email });
  const removed = await withAccess(async (a) => {
    const done = await a.removeMember(project, await userId(a, email));
    if (done) await a.recordAudit({ projectId: project, action: "member.remove", target: email, detail: {} });
    return done;
  });
  log(removed ? `${email} removed from ${project}` : `${email} was not a member of ${project}`);
}

/** `member list <project>`: members with their emails. */
export async function memberList(project: string, o: { json?: boolean }): Promise<void> {
  checkArgs({ project });
  const rows = await withAccess(async (a) =>
    Promise.all(
      (await a.membersOf(project)).map(async (m) => ({
        ...m,
        email: (await a.getUser(m.userId))?.email,
      })),
    ),
  );
  print(
    o.json,
    rows,
    rows.map((m) => `${m.role.padEnd(7)} ${m.email}`).join("\n") || `no members in ${project}`,
  );
}

/** `token create <project>`: the token is printed once; only its hash is stored. */
export async function tokenCreate(
  project: string,
  o: { user: string; name: string; days: number; json?: boolean },
): Promise<void> {
  checkArgs({ project, "--user": o.user, "--name": o.name });
  const t = generateApiToken();
  const record = await withAccess(async (a) => {
    const id = await userId(a, o.user);
    if (!(await a.roleOf(id, project)))
      throw new InputError("--user", `${o.user} is not a member of project ${project}`);
    const created = await a.createApiToken({
      id: t.id,
      userId: id,
      projectId: project,
      name: o.name,
      tokenHash: t.hash,
      expiresAt: new Date(Date.now() + o.days * 86_400_000),
    });
    await a.recordAudit({
      projectId: project,
      action: "token.create",
      target: created.id,
      detail: { name: created.name, user: o.user },
    });
    return created;
  });
  if (o.json) print(true, { token: t.token, ...record }, "");
  else {
    process.stdout.write(`${t.token}\n`);
    log(
      `token ${t.id} for ${o.user} in ${project}, expires ${record.expiresAt.toISOString()}; shown only now`,
    );
  }
}

/** `token list --user <email>`: never the secrets. */
export async function tokenList(o: { user: string; json?: boolean }): Promise<void> {
  checkArgs({ "--user": o.user });
  const rows = await withAccess(async (a) => a.apiTokensOf(await userId(a, o.user)));
  const state = (t: { revokedAt?: Date; expiresAt: Date }) =>
    t.revokedAt ? "revoked" : t.expiresAt <= new Date() ? "expired" : "active";
  if (o.json || rows.length === 0) {
    print(
      o.json,
      rows.map(({ tokenHash: _, ...t }) => ({ ...t, state: state(t) })),
      `no tokens of ${o.user}`,
    );
    return;
  }
  const day = (d: Date | undefined) => d?.toISOString().slice(0, 10) ?? "never";
  printAligned(
    ["id", "project", "name", "state", "expires", "last used"],
    rows.map((t) => [t.id, t.projectId, t.name, state(t), day(t.expiresAt), day(t.lastUsedAt)]),
    (line) => process.stdout.write(`${line}\n`),
  );
}

/** `token revoke <id>`. */
export async function tokenRevoke(id: string): Promise<void> {
  const revoked = await withAccess(async (a) => {
    const token = await a.getApiToken(id);
    if (!token || !(await a.revokeApiToken(id))) return false;
    await a.recordAudit({
      projectId: token.projectId,
      action: "token.revoke",
      target: id,
      detail: { name: token.name },
    });
    return true;
  });
  if (!revoked) throw new NotFoundError("TOKEN_NOT_FOUND", `no active token with id ${id}`);
  log(`token ${id} revoked`);
}

/** `audit --project <name>`: newest first, actors by email. */
export async function auditCommand(o: { project: string; limit: number; json?: boolean }): Promise<void> {
  checkArgs({ project: o.project });
  const rows = await withAccess(async (a) =>
    Promise.all(
      (await a.auditOf(o.project, { limit: o.limit })).map(async (e) => ({
        ...e,
        actor: e.actorId ? ((await a.getUser(e.actorId))?.email ?? e.actorId) : "local user",
      })),
    ),
  );
  print(
    o.json,
    rows,
    rows.map((e) => `${e.at.toISOString()}  ${e.actor}  ${e.action}  ${e.target}`).join("\n") || "no entries",
  );
}
