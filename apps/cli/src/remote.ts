import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import type { AppRouter } from "@tailsweep/api";
import { createTRPCClient, httpLink, TRPCClientError } from "@trpc/client";
import { z } from "zod";

/** A dashboard server and the API token the CLI uses there (`tailsweep login`, or TAILSWEEP_URL + TAILSWEEP_TOKEN). */
export const RemoteLoginSchema = z
  .object({
    url: z
      .url("must be the dashboard's address, e.g. https://ml.example.org")
      .transform((u) => u.replace(/\/+$/, "")),
    token: z.string().regex(/^tsk_[A-Za-z0-9_-]{12}_[A-Za-z0-9_-]{43}$/, "must be an API token (tsk_…)"),
  })
  .strict();
export type RemoteLogin = z.infer<typeof RemoteLoginSchema>;

/** Where `tailsweep login` keeps its login: $XDG_CONFIG_HOME/tailsweep/login.json, readable by this user only. */
export function loginFile(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CONFIG_HOME || join(homedir(), ".config"), "tailsweep", "login.json");
}

/** Validates a login, naming the field (TAILSWEEP_URL / TAILSWEEP_TOKEN, or the file's) in the error. */
function parseLogin(value: unknown, where: { url: string; token: string }): RemoteLogin {
  const parsed = RemoteLoginSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new Error(`${issue.path[0] === "url" ? where.url : where.token}: ${issue.message}`);
}

/**
 * The server this CLI talks to, if any: TAILSWEEP_TOKEN (with TAILSWEEP_URL, or the saved login's URL) wins over the
 * saved login. Undefined when there is neither: commands then use the run store directly.
 */
export function currentLogin(env: NodeJS.ProcessEnv = process.env): RemoteLogin | undefined {
  const file = loginFile(env);
  const saved = existsSync(file)
    ? parseLogin(JSON.parse(readFileSync(file, "utf8")), { url: `${file}: url`, token: `${file}: token` })
    : undefined;
  if (env.TAILSWEEP_TOKEN) {
    const url = env.TAILSWEEP_URL || saved?.url;
    if (!url)
      throw new Error(
        "TAILSWEEP_TOKEN needs TAILSWEEP_URL (the dashboard's address), or a `tailsweep login`",
      );
    return parseLogin(
      { url, token: env.TAILSWEEP_TOKEN },
      { url: "TAILSWEEP_URL", token: "TAILSWEEP_TOKEN" },
    );
  }
  return saved;
}

/** Saves a login for later commands (this user only: the token acts as them). */
export function saveLogin(login: RemoteLogin, env: NodeJS.ProcessEnv = process.env): string {
  const file = loginFile(env);
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, `${JSON.stringify(login, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return file;
}

/** Forgets the saved login; whether there was one. */
export function removeLogin(env: NodeJS.ProcessEnv = process.env): boolean {
  const file = loginFile(env);
  if (!existsSync(file)) return false;
  rmSync(file);
  return true;
}

/** The dashboard's typed API at `login.url`, sending the token with every call. */
export function remoteApi(login: RemoteLogin) {
  return createTRPCClient<AppRouter>({
    links: [httpLink({ url: `${login.url}/api/trpc`, headers: { authorization: `Bearer ${login.token}` } })],
  });
}

/** A server's refusal as one line: what it said, and what to do about a refused token. */
export function remoteError(e: unknown, login: RemoteLogin): Error {
  const status =
    e instanceof TRPCClientError ? (e.data as { httpStatus?: number } | undefined)?.httpStatus : undefined;
  if (status !== undefined) {
    const hint = status === 401 ? " (tailsweep login with a valid token, or unset TAILSWEEP_TOKEN)" : "";
    return new Error(`${login.url}: ${(e as Error).message}${hint}`);
  }
  // No answer from a server: fetch's own error, perhaps wrapped by tRPC, with the socket's code underneath.
  let cause: unknown = e;
  while ((cause as { cause?: unknown })?.cause) cause = (cause as { cause: unknown }).cause;
  const code = (cause as { code?: string }).code ?? (cause as Error).message;
  return new Error(`${login.url}: no answer (${code}): is the dashboard running there?`);
}
