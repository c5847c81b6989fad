import { readFileSync } from "node:fs";
import { generateApiToken, hashPassword, ROLES, type Role, RoleSchema } from "@tailsweep/access";
import { InputError, NotFoundError } from "@tailsweep/schemas";
import { Argument, type Command, InvalidArgumentError } from "commander";
import { wholeNumberArg } from "../options";
import { openRuntime } from "../runtime";

const log = (line: string) => process.stderr.write(`${line}\n`);

/** Opens the run store's access side, runs `f`, closes it. */
async function withAccess<T>(
  f: (access: Awaited<ReturnType<typeof openRuntime>>["opened"]["access"]) => Promise<T>,
) {
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

/** A role argument, checked by the parser. */
function roleArg(value: string): Role {
  const parsed = RoleSchema.safeParse(value);
  if (!parsed.success)
    throw new InvalidArgumentError(`role must be one of ${ROLES.join(", ")}; got '${value}'`);
  return parsed.data;
}

const print = (json: boolean | undefined, value: unknown, text: string) =>
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${text}\n`);

/**
 * Registers the team administration commands: `user`, `member`, `token` and `audit`. They work on the run store
 * directly (DATABASE_URL, or the embedded store), so they are for whoever runs the database.
 */
export function registerAccess(program: Command): void {
  const user = program
    .command("user")
    .description("team accounts in the run store (for whoever runs the database)");
  user
    .command("add <email>")
    .description("create a user; --password-stdin reads a password for local sign-in (argon2id-hashed)")
    .requiredOption("--name <name>", "the name shown in the dashboard and the audit log")
    .option("--password-stdin", "read the password from standard input")
    .option("--json", "print the user as JSON")
    .action(async (email: string, o: { name: string; passwordStdin?: boolean; json?: boolean }) => {
      const password = o.passwordStdin ? readFileSync(0, "utf8").replace(/\r?\n$/, "") : undefined;
      const passwordHash = password === undefined ? undefined : await hashPassword(password);
      const created = await withAccess((a) =>
        a.createUser({ email, name: o.name, ...(passwordHash && { passwordHash }) }),
      );
      const { passwordHash: _, ...shown } = created;
      print(o.json, shown, `user ${created.email} (${created.id})`);
    });

  const member = program.command("member").description("who belongs to a project, with which role");
  member
    .command("set <project> <email>")
    .addArgument(new Argument("<role>", ROLES.join(" | ")).argParser(roleArg))
    .description(
      "give a user a role in a project: viewer (read), member (also launch, cancel), owner (also manage)",
    )
    .option("--json", "print the membership as JSON")
    .action(async (project: string, email: string, role: Role, o: { json?: boolean }) => {
      const m = await withAccess(async (a) => a.setRole(project, await userId(a, email), role));
      print(o.json, m, `${email} is now ${m.role} of ${project}`);
    });
  member
    .command("remove <project> <email>")
    .description("remove a user from a project (its last owner stays)")
    .action(async (project: string, email: string) => {
      const removed = await withAccess(async (a) => a.removeMember(project, await userId(a, email)));
      log(removed ? `${email} removed from ${project}` : `${email} was not a member of ${project}`);
    });
  member
    .command("list <project>")
    .description("a project's members and roles")
    .option("--json", "print JSON")
    .action(async (project: string, o: { json?: boolean }) => {
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
    });

  const token = program
    .command("token")
    .description("API tokens: one user, one project, expiring, revocable");
  token
    .command("create <project>")
    .description("create an API token; it is printed once, on stdout, and only its hash is stored")
    .requiredOption("--user <email>", "whose token: it acts with this user's role in the project")
    .option("--name <name>", "what it is for (shown in lists and the audit log)", "cli")
    .option("--days <n>", "days until it expires (1–365)", wholeNumberArg("--days", 1, 365), 90)
    .option("--json", "print the token and its record as JSON")
    .action(async (project: string, o: { user: string; name: string; days: number; json?: boolean }) => {
      const t = generateApiToken();
      const record = await withAccess(async (a) => {
        const id = await userId(a, o.user);
        if (!(await a.roleOf(id, project)))
          throw new InputError("--user", `${o.user} is not a member of project ${project}`);
        return a.createApiToken({
          id: t.id,
          userId: id,
          projectId: project,
          name: o.name,
          tokenHash: t.hash,
          expiresAt: new Date(Date.now() + o.days * 86_400_000),
        });
      });
      if (o.json) print(true, { token: t.token, ...record }, "");
      else {
        process.stdout.write(`${t.token}\n`);
        log(
          `token ${t.id} for ${o.user} in ${project}, expires ${record.expiresAt.toISOString()}; shown only now`,
        );
      }
    });
  token
    .command("list")
    .description("a user's tokens (never their secrets)")
    .requiredOption("--user <email>", "whose tokens")
    .option("--json", "print JSON")
    .action(async (o: { user: string; json?: boolean }) => {
      const rows = await withAccess(async (a) => a.apiTokensOf(await userId(a, o.user)));
      const state = (t: { revokedAt?: Date; expiresAt: Date }) =>
        t.revokedAt ? "revoked" : t.expiresAt <= new Date() ? "expired" : "active";
      print(
        o.json,
        rows.map(({ tokenHash: _, ...t }) => ({ ...t, state: state(t) })),
        rows.map((t) => `${t.id}  ${t.projectId}  ${t.name}  ${state(t)}`).join("\n") || "no tokens",
      );
    });
  token
    .command("revoke <id>")
    .description("revoke a token: refused from the next request on")
    .action(async (id: string) => {
      const revoked = await withAccess((a) => a.revokeApiToken(id));
      if (!revoked) throw new NotFoundError("TOKEN_NOT_FOUND", `no active token with id ${id}`);
      log(`token ${id} revoked`);
    });

  program
    .command("audit")
    .description("who launched, cancelled or deleted what in a project, newest first")
    .requiredOption("--project <name>", "the project")
    .option("--limit <n>", "entries (1–1000)", wholeNumberArg("--limit", 1, 1000), 50)
    .option("--json", "print JSON")
    .action(async (o: { project: string; limit: number; json?: boolean }) => {
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
        rows.map((e) => `${e.at.toISOString()}  ${e.actor}  ${e.action}  ${e.target}`).join("\n") ||
          "no entries",
      );
    });
}
