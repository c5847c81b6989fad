import type { Command } from "commander";
import { lazyAction } from "./lazy-action";

/**
 * Registers `login`, `logout` and `whoami`: the CLI as a client of a team's dashboard with an API token. Logged in (or
 * with TAILSWEEP_TOKEN), `sweep submit|list|status|cancel|delete|export`, `workers`, `compare` and `report` go to
 * that server's API instead of the run store's (the same API, in process: api-client.ts).
 */
export function registerLogin(program: Command): void {
  program
    .command("login [url]")
    .description(
      "use a team's dashboard with an API token: checks it there and saves it for later commands (this user only)",
    )
    .option("--token-stdin", "read the token from standard input (the default when stdin is not a terminal)")
    .action(lazyAction(async () => (await import("./login-actions")).loginCommand));

  program
    .command("logout")
    .description("forget the saved login (the token stays valid until revoked: tailsweep token revoke)")
    .action(lazyAction(async () => (await import("./login-actions")).logoutCommand));

  program
    .command("whoami")
    .description("which dashboard and identity the CLI uses, as that server sees it")
    .option("--json", "print JSON")
    .action(lazyAction(async () => (await import("./login-actions")).whoamiCommand));
}
