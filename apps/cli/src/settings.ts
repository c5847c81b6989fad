import { join } from "node:path";
// The packages' settings modules, not their entry points, where the entry point loads far more than the rules: the
// API's (routers, charts, argon2) and the model's (training). Every command parses the whole environment before it
// runs, so each of them would pay for those seconds, the ones that never use the API or train too.
import { type AuthSettings, authSettingsFromEnv } from "@tailsweep/api/auth-settings";
import { sweepLimitsFromEnv } from "@tailsweep/api/sweep-settings";
import { natsCredentialsFromEnv } from "@tailsweep/bus";
import { configureCacheDir } from "@tailsweep/data";
import { runStoreOptionsFromEnv } from "@tailsweep/db";
import { type BackendDefaults, backendDefaultsFromEnv, configureBackend } from "@tailsweep/model/backend";
import { type Env, gatherSettings, parseEnv, type SweepLimits } from "@tailsweep/schemas";
import { CLI_ENV, LOGIN_FILE } from "./settings-spec";

/**
 * The CLI's settings parsed from its environment (the variables, rules and help: settings-spec.ts). This module loads
 * the packages whose rules it runs (the store's, the bus's, the model's, the API's), so main.ts imports it when a
 * command is about to run, never for --help or a usage error.
 */

/** The CLI's settings, parsed from its environment. */
export interface CliSettings {
  /** Where the run store is: openRunStore's options, and its kind (PostgreSQL when DATABASE_URL is set). */
  store: ReturnType<typeof runStoreOptionsFromEnv>;
  nats: {
    /** Unset: the in-process bus. */
    url?: string;
    prefix: string;
    replicas: number;
    credentials: { user?: string; pass?: string };
  };
  /** The team dashboard the CLI talks to, from the environment (the saved login is read where it is used). */
  login: { url?: string; token?: string; file: string };
  backend: BackendDefaults;
  /** Unset: the data package's default. */
  cacheDir?: string;
  /** Where checkpoints and artifacts go without NATS; unset: beside the embedded store (see runtime.ts). */
  artifactsDir?: string;
  sweepLimits: SweepLimits;
  /** The dashboard's sign-in (`tailsweep ui`): team mode on PostgreSQL. */
  auth: AuthSettings;
  debug: boolean;
}

/** Parses the CLI's settings from `env`: one SettingsError naming every bad variable and what it takes. */
export function parseCliSettings(env: Env): CliSettings {
  // DATABASE_URL's presence decides the store's kind (and so the sign-in mode) even when its value is bad.
  const kind = env.DATABASE_URL?.trim() ? "postgres" : "embedded";
  const parts = gatherSettings({
    store: () => runStoreOptionsFromEnv(env),
    own: () => parseEnv(CLI_ENV, env),
    credentials: () => natsCredentialsFromEnv(env),
    backend: () => backendDefaultsFromEnv(env),
    sweepLimits: () => sweepLimitsFromEnv(env),
    auth: () => authSettingsFromEnv(kind, env),
  });
  const own = parts.own;
  return {
    store: parts.store,
    nats: {
      ...(own.NATS_URL && { url: own.NATS_URL }),
      prefix: own.TAILSWEEP_NATS_PREFIX,
      replicas: own.TAILSWEEP_NATS_REPLICAS,
      credentials: parts.credentials,
    },
    login: {
      ...(own.TAILSWEEP_URL && { url: own.TAILSWEEP_URL }),
      ...(own.TAILSWEEP_TOKEN && { token: own.TAILSWEEP_TOKEN }),
      file: join(own.XDG_CONFIG_HOME, LOGIN_FILE),
    },
    backend: parts.backend,
    ...(own.TAILSWEEP_CACHE_DIR && { cacheDir: own.TAILSWEEP_CACHE_DIR }),
    ...(own.TAILSWEEP_ARTIFACTS_DIR && { artifactsDir: own.TAILSWEEP_ARTIFACTS_DIR }),
    sweepLimits: parts.sweepLimits,
    auth: parts.auth,
    debug: own.TAILSWEEP_DEBUG,
  };
}

let parsed: CliSettings | undefined;

/** This process's settings: parsed from process.env on first use, then kept. */
export function settings(): CliSettings {
  parsed ??= parseCliSettings(process.env);
  return parsed;
}

/**
 * Validates the settings and hands the packages that need them deep down their values (the compute backend's
 * default, the data cache): called once before any command runs.
 */
export function applySettings(): CliSettings {
  const s = settings();
  configureBackend(s.backend);
  configureCacheDir(s.cacheDir);
  return s;
}

/** Whether to print stacks: TAILSWEEP_DEBUG, or off when the settings themselves are what failed. */
export function debugOn(): boolean {
  try {
    return settings().debug;
  } catch {
    return false;
  }
}
