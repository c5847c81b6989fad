import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { AppRouter } from "@tailsweep/api";
import { describeIssues, messageOf, SettingsError } from "@tailsweep/schemas";
import { createTRPCClient, httpBatchStreamLink, httpLink, splitLink } from "@trpc/client";
import { z } from "zod";
import { type CliSettings, settings } from "./settings";
import { ApiTokenSchema, DashboardUrlSchema } from "./settings-spec";

/** A dashboard server and the API token the CLI uses there (`tailsweep login`, or TAILSWEEP_URL + TAILSWEEP_TOKEN). */
export const RemoteLoginSchema = z.object({ url: DashboardUrlSchema, token: ApiTokenSchema }).strict();
export type RemoteLogin = z.infer<typeof RemoteLoginSchema>;

/** The login settings of this process (TAILSWEEP_URL, TAILSWEEP_TOKEN, the login file under XDG_CONFIG_HOME). */
type LoginSettings = CliSettings["login"];

/** Where `tailsweep login` keeps its login: $XDG_CONFIG_HOME/tailsweep/login.json, readable by this user only. */
export function loginFile(login: LoginSettings = settings().login): string {
  return login.file;
}

/** The saved login in `file`, if there is one, checked: a bad one names the file and the field. */
function savedLogin(file: string): RemoteLogin | undefined {
  if (!existsSync(file)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new SettingsError([`${file}: not JSON (${messageOf(e)}); tailsweep login again`], "login");
  }
  const parsed = RemoteLoginSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new SettingsError(
    describeIssues(parsed.error).map((line) => `${file}: ${line}`),
    "login",
  );
}

/**
 * The server this CLI talks to, if any: TAILSWEEP_TOKEN (with TAILSWEEP_URL, or the saved login's URL) wins over the
 * saved login. Undefined when there is neither: commands then use the run store directly. The variables were checked
 * with the settings; the saved file is checked here, where it is read.
 */
export function currentLogin(login: LoginSettings = settings().login): RemoteLogin | undefined {
  const saved = savedLogin(login.file);
  if (!login.token) return saved;
  const url = login.url ?? saved?.url;
  if (!url)
    throw new SettingsError(
      ["TAILSWEEP_TOKEN: needs TAILSWEEP_URL (the dashboard's address), or a `tailsweep login`"],
      "environment",
    );
  return { url, token: login.token };
}

/** Saves a login for later commands (this user only: the token acts as them). */
export function saveLogin(login: RemoteLogin, settingsOfLogin: LoginSettings = settings().login): string {
  const file = settingsOfLogin.file;
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, `${JSON.stringify(login, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return file;
}

/** Forgets the saved login; whether there was one. */
export function removeLogin(login: LoginSettings = settings().login): boolean {
  if (!existsSync(login.file)) return false;
  rmSync(login.file);
  return true;
}

/** The procedures whose answer streams: tRPC sends them only to `httpBatchStreamLink` (JSON lines), one at a time. */
const STREAMED = new Set(["sweeps.exportStream"]);

/** The dashboard's typed API at `login.url`, sending the token with every call. */
export function remoteApi(login: RemoteLogin) {
  return httpApi({ url: `${login.url}/api/trpc`, headers: { authorization: `Bearer ${login.token}` } });
}

/**
 * The typed API over HTTP at `url` (a dashboard's, or the socket of the process holding the embedded store, through
 * its own `fetch`): a streamed procedure through the stream link, the rest a request each.
 */
export function httpApi(options: { url: string; headers?: Record<string, string>; fetch?: typeof fetch }) {
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => STREAMED.has(op.path),
        true: httpBatchStreamLink({ ...options, maxItems: 1 }),
        false: httpLink(options),
      }),
    ],
  });
}
