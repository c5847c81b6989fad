import { readFileSync } from "node:fs";
import { createInterface } from "node:readline/promises";
import { Writable } from "node:stream";
import { AppError, describeIssues } from "@tailsweep/schemas";
import { apiError, remoteLogin } from "../api-client";
import { currentLogin, loginFile, RemoteLoginSchema, remoteApi, removeLogin, saveLogin } from "../remote";
import { settings } from "../settings";
import { DEFAULT_DASHBOARD_URL } from "../settings-spec";

const log = (line: string) => process.stderr.write(`${line}\n`);

/** Reads an API token: the whole of stdin when it is not a terminal, else a prompt that does not echo it. */
async function readToken(fromStdin: boolean): Promise<string> {
  if (fromStdin || !process.stdin.isTTY) return readFileSync(0, "utf8").trim();
  let muted = false;
  const output = new Writable({
    write(chunk, _encoding, done) {
      if (!muted) process.stderr.write(chunk);
      done();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  try {
    const asked = rl.question("API token (tsk_…, from `tailsweep token create` or your admin): ");
    muted = true;
    return (await asked).trim();
  } finally {
    rl.close();
    process.stderr.write("\n");
  }
}

/** What the server says the caller can reach, in one line. */
function describeScope(projects: { project: string; role: string }[] | "all"): string {
  if (projects === "all") return "every project (local user)";
  return projects.length ? projects.map((p) => `${p.project} (${p.role})`).join(", ") : "no project yet";
}

/** `tailsweep login [url]`: checks the token with that dashboard, then saves the login. */
export async function loginCommand(url: string | undefined, o: { tokenStdin?: boolean }): Promise<void> {
  const parsed = RemoteLoginSchema.safeParse({
    url: url ?? settings().login.url ?? DEFAULT_DASHBOARD_URL,
    token: await readToken(o.tokenStdin === true),
  });
  // a bad URL and a bad token are said together
  if (!parsed.success)
    throw new AppError("INVALID_LOGIN", "invalid", describeIssues(parsed.error).join("; "));
  const login = parsed.data;
  const me = await remoteApi(login)
    .me.query()
    .catch((e: unknown) => {
      throw apiError(e, login);
    });
  const file = saveLogin(login);
  log(`logged in to ${login.url} as ${me.label}: ${describeScope(me.projects)} · saved in ${file}`);
}

/** `tailsweep logout`: forgets the saved login. */
export function logoutCommand(): void {
  log(removeLogin() ? `logged out (removed ${loginFile()})` : "not logged in");
}

/** `tailsweep whoami`: the dashboard and the identity the CLI uses there, as that server sees it. */
export async function whoamiCommand(o: { json?: boolean }): Promise<void> {
  // What the commands use, not only what is saved: DATABASE_URL wins over a login (remoteLogin).
  const login = remoteLogin();
  if (!login) {
    const unused = currentLogin();
    log(
      unused
        ? `DATABASE_URL is set: commands use that run store directly, as the local user; the login to ${unused.url} is not used while it is set`
        : "not logged in: commands use the run store directly (DATABASE_URL, or the embedded store)",
    );
    return;
  }
  const me = await remoteApi(login)
    .me.query()
    .catch((e: unknown) => {
      throw apiError(e, login);
    });
  process.stdout.write(
    o.json
      ? `${JSON.stringify({ url: login.url, ...me })}\n`
      : `${me.label} at ${login.url}: ${describeScope(me.projects)}\n`,
  );
}
