import { ROLES } from "@tailsweep/access";
import type { Command } from "commander";
import { wholeNumberArg } from "../options";
import { lazyAction } from "./lazy-action";

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
    .action(lazyAction(async () => (await import("./access-actions")).userAdd));
  user
    .command("password <email>")
    .description(
      "set or reset a user's password for local sign-in, read from standard input (argon2id-hashed); ends their sessions",
    )
    .action(lazyAction(async () => (await import("./access-actions")).userPassword));

  const member = program.command("member").description("who belongs to a project, with which role");
  member
    .command("set <project> <email>")
    // checked by the action with the project and the email, so that every bad one is said at once
    .argument("<role>", ROLES.join(" | "))
    .description(
      "give a user a role in a project: viewer (read), member (also launch, cancel), owner (also manage)",
    )
    .option("--json", "print the membership as JSON")
    .action(lazyAction(async () => (await import("./access-actions")).memberSet));
  member
    .command("remove <project> <email>")
    .description("remove a user from a project (its last owner stays)")
    .action(lazyAction(async () => (await import("./access-actions")).memberRemove));
  member
    .command("list <project>")
    .description("a project's members and roles")
    .option("--json", "print JSON")
    .action(lazyAction(async () => (await import("./access-actions")).memberList));

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
    .action(lazyAction(async () => (await import("./access-actions")).tokenCreate));
  token
    .command("list")
    .description("a user's tokens (never their secrets)")
    .requiredOption("--user <email>", "whose tokens")
    .option("--json", "print JSON")
    .action(lazyAction(async () => (await import("./access-actions")).tokenList));
  token
    .command("revoke <id>")
    .description("revoke a token: refused from the next request on")
    .action(lazyAction(async () => (await import("./access-actions")).tokenRevoke));

  program
    .command("audit")
    .description(
      "who launched, cancelled or deleted what, and changed members or tokens, in a project, newest first",
    )
    .requiredOption("--project <name>", "the project")
    .option("--limit <n>", "entries (1–1000)", wholeNumberArg("--limit", 1, 1000), 50)
    .option("--json", "print JSON")
    .action(lazyAction(async () => (await import("./access-actions")).auditCommand));
}
