import { homedir } from "node:os";
import { join } from "node:path";
// The api package's own settings module, not its entry point: that loads the whole API (routers, charts, argon2),
// seconds that --help and every command but the API's would pay for two numbers and a name.
import { AuthSettingsSchema, OidcSettingsSchema } from "@tailsweep/api/auth-settings";
import { DEFAULT_CACHE_DIR } from "@tailsweep/data";
import { folderProblem } from "@tailsweep/db/folder";
import {
  DEFAULT_MAX_TRIALS,
  type EnvHelp,
  envFlag,
  envHelpText,
  envVariable,
  MAX_TRIALS_CEILING,
} from "@tailsweep/schemas";
import { z } from "zod";
import { STORE_ENV_HELP } from "./package-constants";

/**
 * The CLI's operational settings as rules and help: every environment variable the `tailsweep` process reads (it hosts
 * the controller, workers, embedded runs and the dashboard), each with its rule and its named default. They are parsed
 * in one place, settings.ts. Packages below read no environment: they get these values as options (openRunStore,
 * NatsBus.connect) or, for what deep code uses, once per process before a command runs (configureBackend,
 * configureCacheDir: settings.ts's applySettings).
 *
 * Parsed lazily, on first use, and then kept: `--help` (which lists the variables and defaults from the tables below,
 * not from the environment) works whatever the environment holds, while every command validates the whole environment
 * before it does anything (main.ts's preAction hook), so a bad value stops the process at once with one error naming
 * every bad variable and what it takes, not later, half-way through a sweep.
 *
 * This module is cheap to load (zod and the schemas): main.ts builds every command's help from it on every start.
 * settings.ts loads the packages whose rules it runs, so it is imported only when a command is about to run.
 */

/** The subject and stream prefix on the NATS server when TAILSWEEP_NATS_PREFIX is unset. */
export const DEFAULT_NATS_PREFIX = "tailsweep";
/** Copies of each NATS stream when TAILSWEEP_NATS_REPLICAS is unset. */
export const DEFAULT_NATS_REPLICAS = 1;
/** The dashboard `tailsweep login` goes to when given no address and TAILSWEEP_URL is unset. */
export const DEFAULT_DASHBOARD_URL = "http://127.0.0.1:3000";
/** Where `tailsweep login` keeps its login under XDG_CONFIG_HOME. */
export const LOGIN_FILE = join("tailsweep", "login.json");

/** A dashboard's address, without a trailing slash. */
export const DashboardUrlSchema = z
  // http(s) only: ftp://… was taken, and then said as a dashboard that cannot be reached (exit 7)
  .url({
    protocol: /^https?$/,
    error: "must be the dashboard's http or https address, e.g. https://ml.example.org",
  })
  .transform((u) => u.replace(/\/+$/, ""));
/** An API token (`tailsweep token create`). */
export const ApiTokenSchema = z
  .string()
  .regex(
    /^tsk_[A-Za-z0-9_-]{12}_[A-Za-z0-9_-]{43}$/,
    "must be an API token as tailsweep token create prints it: tsk_, 12 characters, _ and 43 characters more (letters, digits, - and _)",
  );

/** NATS servers: comma-separated, each `host:port` or a nats://, tls://, ws:// or wss:// URL. */
const NatsServersSchema = z.string().refine(
  (text) =>
    text
      .split(",")
      .map((s) => s.trim())
      .every(
        (s) =>
          /^[^\s/]+$/.test(s) ||
          (/^(nats|tls|ws|wss):\/\/[^\s]+$/.test(s) && URL.canParse(s) && new URL(s).hostname !== ""),
      ),
  "must be NATS server addresses, comma-separated, each host:port or nats://host:port (tls://, ws://, wss://)",
);

/** A folder the process makes when absent ({@link folderProblem}: not a file, nor under one). */
const FolderSchema = z
  .string()
  .trim()
  .min(1)
  .superRefine((dir, ctx) => {
    const problem = folderProblem(dir);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });

/** The variables parsed here, with their rules and defaults. */
export const CLI_ENV = {
  NATS_URL: envVariable(NatsServersSchema.optional(), {
    help: "NATS server(s), comma-separated (every node of a cluster): workers and a controller elsewhere",
    default: "unset: an in-process bus (workers in this process only)",
  }),
  TAILSWEEP_NATS_PREFIX: envVariable(
    z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/, 'must be letters, digits, "_" or "-" (it names NATS subjects and streams)')
      .default(DEFAULT_NATS_PREFIX),
    {
      help: "prefix of subjects and streams on the NATS server (deployments sharing a server use different ones)",
      default: DEFAULT_NATS_PREFIX,
    },
  ),
  TAILSWEEP_NATS_REPLICAS: envVariable(
    z
      .enum(["1", "3", "5"], {
        error: "must be 1, 3 or 5 (copies of each NATS stream; at most the cluster's node count)",
      })
      .transform(Number)
      .default(DEFAULT_NATS_REPLICAS),
    {
      help: "copies of each stream the controller creates: 1, 3 or 5 (3 on a three-node JetStream cluster)",
      default: String(DEFAULT_NATS_REPLICAS),
    },
  ),
  TAILSWEEP_URL: envVariable(DashboardUrlSchema.optional(), {
    help: "the team dashboard's address, for TAILSWEEP_TOKEN and `tailsweep login`",
    default: `the saved login's; \`tailsweep login\` without an address: ${DEFAULT_DASHBOARD_URL}`,
  }),
  TAILSWEEP_TOKEN: envVariable(ApiTokenSchema.optional(), {
    help: "an API token (tsk_…): sweep commands go to the dashboard at TAILSWEEP_URL, overriding a saved login",
    default: "unset: the saved login, if any",
    secret: true,
  }),
  XDG_CONFIG_HOME: envVariable(z.string().default(join(homedir(), ".config")), {
    help: `where \`tailsweep login\` saves its login (${LOGIN_FILE} under it, readable by you only)`,
    default: "~/.config",
  }),
  TAILSWEEP_CACHE_DIR: envVariable(FolderSchema.optional(), {
    help: "the data cache (Fashion-MNIST converted once, then read from here)",
    default: DEFAULT_CACHE_DIR,
  }),
  TAILSWEEP_ARTIFACTS_DIR: envVariable(FolderSchema.optional(), {
    help: "where trials keep checkpoints and artifacts without NATS (with NATS_URL: the server's object store)",
    default: "artifacts/ beside TAILSWEEP_DB_DIR, or .tailsweep/artifacts on PostgreSQL",
  }),
  TAILSWEEP_DEBUG: envVariable(envFlag().default(false), {
    help: "print the stack of an error, not only its message: 1 or 0",
    default: "0",
  }),
};

const sessionHours = AuthSettingsSchema.shape.sessionHours;

/** Variables whose rule lives in the package that uses them: listed for help, parsed by that package's function. */
const PARSED_BY_PACKAGES = {
  NATS_USER: { help: "NATS user (with NATS_PASSWORD: both or neither)", default: "unset: no NATS auth" },
  NATS_PASSWORD: { help: "NATS password (with NATS_USER)", default: "unset", secret: true },
  TAILSWEEP_BACKEND: {
    help: "compute backend: auto, webgpu, tensorflow, wasm-blas, wasm or cpu (--backend overrides it)",
    default: "auto",
  },
  OPENBLAS_NUM_THREADS: {
    help: "OpenBLAS threads of the wasm-blas backend (else OMP_NUM_THREADS)",
    default: "1",
  },
  TAILSWEEP_MAX_TRIALS: {
    help: `most trials one sweep may expand to: a whole number from 1 to ${MAX_TRIALS_CEILING}`,
    default: String(DEFAULT_MAX_TRIALS),
  },
  TAILSWEEP_PUBLIC_URL: {
    help: "the dashboard's address as browsers reach it (behind a TLS proxy, the proxy's)",
    default: "unset: the address each request was sent to",
  },
  TAILSWEEP_SESSION_HOURS: {
    help: `how long a dashboard sign-in lasts: 1 to ${sessionHours.unwrap().maxValue} hours`,
    default: String(sessionHours.parse(undefined)),
  },
  TAILSWEEP_OIDC_ISSUER: {
    help: "OpenID Connect provider's issuer URL (https), for single sign-on",
    default: "unset: passwords only",
  },
  TAILSWEEP_OIDC_CLIENT_ID: { help: "the dashboard's client id at that provider", default: "unset" },
  TAILSWEEP_OIDC_CLIENT_SECRET: {
    help: "its client secret (none: a public client)",
    default: "unset",
    secret: true,
  },
  TAILSWEEP_OIDC_NAME: {
    help: 'the provider\'s name on the button "Sign in with …"',
    default: String(OidcSettingsSchema.shape.name.parse(undefined)),
  },
} satisfies Record<string, EnvHelp>;

type HelpName = keyof typeof STORE_ENV_HELP | keyof typeof CLI_ENV | keyof typeof PARSED_BY_PACKAGES;
const HELP: Record<HelpName, EnvHelp> = { ...STORE_ENV_HELP, ...CLI_ENV, ...PARSED_BY_PACKAGES };

/** The variables by what they set, for help: each command lists the groups it reads. */
export const ENV_GROUPS = {
  store: ["DATABASE_URL", "TAILSWEEP_DB_DIR", "TAILSWEEP_MIGRATIONS_DIR", "TAILSWEEP_ARTIFACTS_DIR"],
  nats: ["NATS_URL", "NATS_USER", "NATS_PASSWORD", "TAILSWEEP_NATS_PREFIX", "TAILSWEEP_NATS_REPLICAS"],
  training: ["TAILSWEEP_BACKEND", "OPENBLAS_NUM_THREADS", "TAILSWEEP_CACHE_DIR"],
  sweeps: ["TAILSWEEP_MAX_TRIALS"],
  login: ["TAILSWEEP_URL", "TAILSWEEP_TOKEN", "XDG_CONFIG_HOME"],
  dashboard: [
    "TAILSWEEP_PUBLIC_URL",
    "TAILSWEEP_SESSION_HOURS",
    "TAILSWEEP_OIDC_ISSUER",
    "TAILSWEEP_OIDC_CLIENT_ID",
    "TAILSWEEP_OIDC_CLIENT_SECRET",
    "TAILSWEEP_OIDC_NAME",
  ],
  general: ["TAILSWEEP_DEBUG"],
} as const satisfies Record<string, readonly HelpName[]>;
export type EnvGroup = keyof typeof ENV_GROUPS;

/** Help text listing the variables of these groups (all of them by default) with their defaults. */
export function envHelp(groups: readonly EnvGroup[] = Object.keys(ENV_GROUPS) as EnvGroup[]): string {
  const names = groups.flatMap((g) => ENV_GROUPS[g]);
  return `\nEnvironment:\n${envHelpText(Object.fromEntries(names.map((n) => [n, HELP[n]])))}\n`;
}
