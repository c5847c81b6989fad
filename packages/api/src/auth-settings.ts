import { describeIssues, type Env, SettingsError } from "@tailsweep/schemas";
import { z } from "zod";

const isLoopback = (host: string) =>
  host === "localhost" || host === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(host);

/** An OIDC issuer over https, or plain http on this machine (a provider for tests or development). */
const isSecureIssuer = (url: URL) => url.protocol === "https:" || isLoopback(url.hostname);

/** How long a dashboard sign-in lasts unless TAILSWEEP_SESSION_HOURS says otherwise: a week. */
export const DEFAULT_SESSION_HOURS = 24 * 7;
/** The longest sign-in TAILSWEEP_SESSION_HOURS may ask for: 90 days. */
export const MAX_SESSION_HOURS = 24 * 90;

/** A team's OpenID Connect provider, for "Sign in with …" on the dashboard. */
export const OidcSettingsSchema = z
  .object({
    issuer: z.url("must be the provider's issuer URL"),
    clientId: z.string().min(1, "must not be empty"),
    /** Absent for a public client (PKCE only). */
    clientSecret: z.string().min(1).optional(),
    /** Shown on the button: "Sign in with <name>". */
    name: z.string().trim().min(1).max(60).default("single sign-on"),
  })
  .strict()
  // zod runs this even where z.url failed (its issue does not abort): an address that does not parse is z.url's to
  // name, not a TypeError that hid every other setting's problem ("tailsweep: Invalid URL" for any command)
  .refine((o) => !URL.canParse(o.issuer) || isSecureIssuer(new URL(o.issuer)), {
    message: "must be https (plain http only for a provider on this machine)",
    path: ["issuer"],
  });
export type OidcSettings = z.infer<typeof OidcSettingsSchema>;

/**
 * How the dashboard knows who is calling. `local`: embedded mode, one local user who owns everything, served on
 * 127.0.0.1 only. `team`: every browser signs in (password or OIDC) and every script brings an API token.
 */
export const AuthSettingsSchema = z
  .object({
    mode: z.enum(["local", "team"]),
    /**
     * The dashboard's address as browsers reach it (behind a proxy, the proxy's). Mutations must come from this
     * origin, and OIDC redirects back to it. Unset: the address each request was sent to.
     */
    publicUrl: z
      .url("must be the dashboard's address as browsers reach it, e.g. https://ml.example.org")
      .optional(),
    oidc: OidcSettingsSchema.optional(),
    /** How long a sign-in lasts. */
    sessionHours: z
      .number({ error: `must be a whole number of hours from 1 to ${MAX_SESSION_HOURS}` })
      .int(`must be a whole number of hours from 1 to ${MAX_SESSION_HOURS}`)
      .min(1, `must be a whole number of hours from 1 to ${MAX_SESSION_HOURS}`)
      .max(MAX_SESSION_HOURS, `must be a whole number of hours from 1 to ${MAX_SESSION_HOURS}`)
      .default(DEFAULT_SESSION_HOURS),
  })
  .strict();
export type AuthSettings = z.infer<typeof AuthSettingsSchema>;

/**
 * The settings for a dashboard on a store of this kind, from `env` (the app's settings module passes the environment
 * it read): team mode on PostgreSQL, local mode on the embedded store. Bad values throw one SettingsError naming each
 * variable and what it takes.
 */
export function authSettingsFromEnv(storeKind: "embedded" | "postgres", env: Env): AuthSettings {
  const names: Record<string, string> = {
    publicUrl: "TAILSWEEP_PUBLIC_URL",
    sessionHours: "TAILSWEEP_SESSION_HOURS",
    "oidc.issuer": "TAILSWEEP_OIDC_ISSUER",
    "oidc.clientId": "TAILSWEEP_OIDC_CLIENT_ID",
    "oidc.clientSecret": "TAILSWEEP_OIDC_CLIENT_SECRET",
    "oidc.name": "TAILSWEEP_OIDC_NAME",
  };
  const oidc =
    env.TAILSWEEP_OIDC_ISSUER || env.TAILSWEEP_OIDC_CLIENT_ID
      ? {
          issuer: env.TAILSWEEP_OIDC_ISSUER ?? "",
          clientId: env.TAILSWEEP_OIDC_CLIENT_ID ?? "",
          ...(env.TAILSWEEP_OIDC_CLIENT_SECRET && { clientSecret: env.TAILSWEEP_OIDC_CLIENT_SECRET }),
          ...(env.TAILSWEEP_OIDC_NAME && { name: env.TAILSWEEP_OIDC_NAME }),
        }
      : undefined;
  const parsed = AuthSettingsSchema.safeParse({
    mode: storeKind === "postgres" ? "team" : "local",
    ...(env.TAILSWEEP_PUBLIC_URL && { publicUrl: env.TAILSWEEP_PUBLIC_URL }),
    ...(env.TAILSWEEP_SESSION_HOURS && { sessionHours: Number(env.TAILSWEEP_SESSION_HOURS) }),
    ...(oidc && { oidc }),
  });
  if (parsed.success) return parsed.data;
  // The value as it was set (secrets excepted), or why an unset one is needed: the OIDC pair is all or nothing.
  const given = (variable: string) => {
    const value = env[variable];
    if (variable === "TAILSWEEP_OIDC_CLIENT_SECRET") return "";
    if (value !== undefined && value !== "") return `, got "${value}"`;
    const other = variable === "TAILSWEEP_OIDC_ISSUER" ? "TAILSWEEP_OIDC_CLIENT_ID" : "TAILSWEEP_OIDC_ISSUER";
    return variable === "TAILSWEEP_OIDC_ISSUER" || variable === "TAILSWEEP_OIDC_CLIENT_ID"
      ? ` (unset: sign-in with a provider needs both ${variable} and ${other}, which is set)`
      : "";
  };
  const problems = describeIssues(parsed.error).map((line) => {
    const [path, ...rest] = line.split(": ");
    const variable = names[path!];
    return variable ? `${variable}: ${rest.join(": ")}${given(variable)}` : line;
  });
  throw new SettingsError(problems, "environment");
}

/** Whether a host name is this machine's loopback (embedded mode serves nothing else). */
export const isLoopbackHost = isLoopback;

/** The host name of a `Host` header (without the port; IPv6 in brackets), or "" without one. */
export function hostName(header: string | null | undefined): string {
  if (!header) return "";
  return header.startsWith("[") ? header.slice(0, header.indexOf("]") + 1) : header.split(":")[0]!;
}
