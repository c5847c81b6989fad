import { type AuthSettings, authSettingsFromEnv, sweepLimitsFromEnv } from "@tailsweep/api";
import { runStoreOptionsFromEnv } from "@tailsweep/db";
import { type Env, gatherSettings, type SweepLimits } from "@tailsweep/schemas";

/**
 * The dashboard's operational settings under a plain `next start` (under `tailsweep ui` the CLI's settings module
 * reads the same variables, and hands the pages its host instead):
 *
 *   DATABASE_URL              a team's PostgreSQL (postgres:// or postgresql://); unset: the embedded store
 *   TAILSWEEP_DB_DIR          the embedded store's folder (default .tailsweep/db; "memory": in memory)
 *   TAILSWEEP_MIGRATIONS_DIR  the migrations to apply (default: the repository's prisma/migrations)
 *   TAILSWEEP_MAX_TRIALS      most trials one launched sweep may expand to (default 100000, at most 1000000)
 *   TAILSWEEP_PUBLIC_URL, TAILSWEEP_SESSION_HOURS (default 168), TAILSWEEP_OIDC_ISSUER, TAILSWEEP_OIDC_CLIENT_ID,
 *   TAILSWEEP_OIDC_CLIENT_SECRET, TAILSWEEP_OIDC_NAME: sign-in (team mode, on PostgreSQL)
 *
 * Each rule lives with the package that uses the value (runStoreOptionsFromEnv, sweepLimitsFromEnv,
 * authSettingsFromEnv); this module reads process.env once, lazily (when the first page or request needs the host),
 * and fails with one error naming every bad variable and what it takes.
 */
export interface WebSettings {
  store: ReturnType<typeof runStoreOptionsFromEnv>;
  auth: AuthSettings;
  sweepLimits: SweepLimits;
}

/** Parses the dashboard's settings from `env`: one SettingsError naming every bad variable. */
export function parseWebSettings(env: Env): WebSettings {
  // DATABASE_URL's presence decides the sign-in mode even when its value is bad (that is reported too).
  const kind = env.DATABASE_URL?.trim() ? "postgres" : "embedded";
  return gatherSettings({
    store: () => runStoreOptionsFromEnv(env),
    auth: () => authSettingsFromEnv(kind, env),
    sweepLimits: () => sweepLimitsFromEnv(env),
  });
}

let parsed: WebSettings | undefined;

/** This process's dashboard settings: parsed from process.env on first use, then kept. */
export function webSettings(): WebSettings {
  parsed ??= parseWebSettings(process.env);
  return parsed;
}
