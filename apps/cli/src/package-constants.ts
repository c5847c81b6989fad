import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { ExportFormat } from "@tailsweep/analysis";
import type { STORE_ENV } from "@tailsweep/db";
import type { BackendName } from "@tailsweep/model";
import type { EnvHelp } from "@tailsweep/schemas";

/**
 * Copies of the few values that commands' flags and help need from packages whose modules are slow to load: the
 * model's lives beside TensorFlow.js, the store's beside PGlite and Prisma, the export formats behind the charts. With
 * them here, `--help`, usage errors and the registration of every command load none of those packages (each command
 * loads what it uses when it runs: main.ts). The types are the packages' own, so a name that is not theirs does not
 * compile, and package-constants.test.ts checks each copy equals the package's value, order included (the help and
 * commander's "Allowed choices" list them in this order).
 */

/** The model's BACKEND_NAMES: every compute backend, in the order "auto" tries them. */
export const BACKEND_NAMES = [
  "webgpu",
  "tensorflow",
  "wasm-blas",
  "wasm",
  "cpu",
] as const satisfies readonly BackendName[];

/** The analysis package's EXPORT_FORMATS: what `sweep export` writes. */
export const EXPORT_FORMATS = ["csv", "json"] as const satisfies readonly ExportFormat[];

/**
 * The migrations the store applies unless TAILSWEEP_MIGRATIONS_DIR says otherwise: the db package's MIGRATIONS_DIR,
 * `<repo>/prisma/migrations`, found from this file as that package finds it from its own (both lie three folders
 * below the repository root).
 */
const MIGRATIONS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../../../prisma/migrations");

/** The help of the db package's STORE_ENV (its rules are parsed by that package: settings.ts). */
export const STORE_ENV_HELP = {
  DATABASE_URL: {
    help: "a team's PostgreSQL run store (the dashboard on it is a team's, with sign-in)",
    default: "unset: the embedded store in TAILSWEEP_DB_DIR",
    secret: true,
  },
  TAILSWEEP_DB_DIR: {
    help: 'the embedded run store\'s folder ("memory": in memory, gone at exit)',
    default: join(".tailsweep", "db"),
  },
  TAILSWEEP_PGLITE_TEMPLATE_DIR: {
    help: 'where a new embedded store\'s migrated template is kept ("off": none, each new store runs initdb itself)',
    default: "~/.cache/tailsweep/pglite (else the temporary folder)",
  },
  TAILSWEEP_MIGRATIONS_DIR: {
    help: "the folder of database migrations to apply (a bundle without the repository carries its own)",
    default: MIGRATIONS_DIR,
  },
} satisfies Record<keyof typeof STORE_ENV, EnvHelp>;
