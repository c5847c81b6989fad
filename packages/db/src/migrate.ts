import { createHash, randomUUID } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { messageOf } from "@tailsweep/schemas";
import { fillTrialIdentity } from "./fill-trial-identity";

/** The little SQL surface the migrator needs; node-postgres clients and PGlite both provide it. */
export interface SqlConnection {
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<{ rows: R[] }>;
  exec(sql: string): Promise<unknown>;
}

/**
 * prisma/migrations of this repository: the default of `applyMigrations({ dir })`. A bundle with no repository around
 * it (the GPU kit) passes its own copy's folder (the CLI's TAILSWEEP_MIGRATIONS_DIR).
 */
export const MIGRATIONS_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../../prisma/migrations",
);

/** Prisma's own bookkeeping table, so `prisma migrate status` (where it can run) sees the same history. */
const PRISMA_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum" VARCHAR(64) NOT NULL,
  "finished_at" TIMESTAMPTZ,
  "migration_name" VARCHAR(255) NOT NULL,
  "logs" TEXT,
  "rolled_back_at" TIMESTAMPTZ,
  "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

/**
 * JavaScript run inside a migration's transaction right after its SQL, by migration name: values that SQL cannot
 * compute the way the code does (hashes of canonical JSON, the sweep's GPU rule), filled into the rows already
 * stored before a later migration makes the columns required. A failing step rolls its migration back.
 */
const DATA_STEPS: Record<string, (db: SqlConnection) => Promise<void>> = {
  "20261202040000_trial_config_identity": fillTrialIdentity,
};

/** The data steps by name with their code: part of a new store's template key (pglite-template.ts). */
export function dataStepsSignature(): string {
  return Object.entries(DATA_STEPS)
    .map(([name, step]) => `${name}\n${step.toString()}`)
    .join("\n");
}

/** A stable number for the advisory lock that serialises concurrent migrators on one database. */
const MIGRATION_LOCK_KEY = 72_707_369;

/**
 * Applies the pending migrations in order, each in its own transaction, and records them in `_prisma_migrations`
 * with the SHA-256 checksum Prisma uses (of the SQL: a migration's data step, if it has one, runs in its transaction
 * too). Refuses to go on when an applied migration's file has changed or a
 * previous one failed half-way. Returns the names it applied. `lock` takes a PostgreSQL advisory lock so that a
 * controller and workers starting together migrate once (PGlite has a single connection and needs none).
 */
export async function applyMigrations(
  db: SqlConnection,
  options: { dir?: string; lock?: boolean } = {},
): Promise<string[]> {
  const dir = options.dir ?? MIGRATIONS_DIR;
  // The migrations are read where the checkout has them, at run time: for the dashboard's build (Turbopack) a path it
  // cannot know, which it would answer by tracing the whole repository into the server's files, with a warning.
  const names = existsSync(/* turbopackIgnore: true */ dir)
    ? readdirSync(/* turbopackIgnore: true */ dir, { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => d.name)
        .sort()
    : [];
  if (options.lock) await db.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
  try {
    await db.exec(PRISMA_MIGRATIONS_TABLE);
    const { rows } = await db.query<{
      migration_name: string;
      checksum: string;
      finished_at: Date | null;
      rolled_back_at: Date | null;
    }>('SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations"');
    const applied = new Map(rows.filter((r) => r.rolled_back_at === null).map((r) => [r.migration_name, r]));
    const done: string[] = [];
    for (const name of names) {
      const sql = readFileSync(path.join(dir, name, "migration.sql"), "utf8");
      const checksum = createHash("sha256").update(sql).digest("hex");
      const previous = applied.get(name);
      if (previous) {
        if (previous.finished_at === null) {
          throw new Error(
            `migration ${name} started earlier but did not finish; repair the database before going on`,
          );
        }
        if (previous.checksum !== checksum) {
          throw new Error(
            `migration ${name} was changed after it was applied (checksum differs); add a new migration instead`,
          );
        }
        continue;
      }
      const id = randomUUID();
      await db.query('INSERT INTO "_prisma_migrations" (id, checksum, migration_name) VALUES ($1, $2, $3)', [
        id,
        checksum,
        name,
      ]);
      try {
        await db.exec("BEGIN");
        await db.exec(sql);
        await DATA_STEPS[name]?.(db);
        await db.exec("COMMIT");
      } catch (e) {
        await db.exec("ROLLBACK").catch(() => {});
        await db.query('UPDATE "_prisma_migrations" SET logs = $2 WHERE id = $1', [id, messageOf(e)]);
        throw new Error(`migration ${name} failed: ${messageOf(e)}`);
      }
      await db.query(
        'UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1',
        [id],
      );
      done.push(name);
    }
    return done;
  } finally {
    if (options.lock) await db.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]);
  }
}
