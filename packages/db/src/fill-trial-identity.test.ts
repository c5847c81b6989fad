import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPg } from "@prisma/adapter-pg";
import { parseSweepFile } from "@tailsweep/schemas";
import { expandSweep } from "@tailsweep/sweep";
import pg from "pg";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { describe, expect, it } from "vitest";
import { PrismaClient } from "./generated/prisma/client";
import { applyMigrations, MIGRATIONS_DIR, type SqlConnection } from "./migrate";
import { PrismaRunStore } from "./prisma-run-store";

/** The migration that adds the columns; those before it wrote trials without them. */
const ADDS_IDENTITY = "20261202040000_trial_config_identity";

/** The repository's migrations up to (not including) `before`, in a folder of their own. */
function migrationsBefore(before: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), "tailsweep-migrations-"));
  // Each migration is a folder named by its timestamp, which sorts as it applies.
  const top = (src: string) => path.relative(MIGRATIONS_DIR, src).split(path.sep)[0]!;
  cpSync(MIGRATIONS_DIR, dir, { recursive: true, filter: (src) => top(src) < before });
  return dir;
}

// Three configurations × 800 seeds: more rows than one round of the fill takes.
const gpuSpec = parseSweepFile({
  name: "old",
  project: "p",
  search: { nu: [5, 10, 20] },
  seeds: Array.from({ length: 800 }, (_, i) => i + 1),
  execution: { gpu: { nu: [10] } },
});
// A sweep stored before execution.gpu existed: its trials are cpu trials.
const plainSpec = parseSweepFile({
  name: "older",
  project: "p",
  search: { variant: ["proposed", "gaussian"] },
});
const { gpu: _, ...olderExecution } = plainSpec.execution;

/** Stores sweeps and trials as the code before the columns did (the init migration's shape). */
async function storeOldRows(db: SqlConnection): Promise<void> {
  await db.query("INSERT INTO project (id) VALUES ('p')");
  for (const [id, spec, storedSpec] of [
    ["sw-gpu", gpuSpec, gpuSpec],
    ["sw-old", plainSpec, { ...plainSpec, execution: olderExecution }],
  ] as const) {
    const plans = expandSweep(spec);
    await db.query(
      "INSERT INTO sweep (id, project_id, name, spec, trial_count, created_at) VALUES ($1, 'p', $2, $3::jsonb, $4, now())",
      [id, spec.name, JSON.stringify(storedSpec), plans.length],
    );
    const rows = plans.map((p) => ({
      id: `${id}:${p.key}`,
      sweep_id: id,
      key: p.key,
      index: p.index,
      params: p.params,
      seed: p.seed,
      config: p.config,
      max_attempts: 3,
    }));
    await db.query(
      `INSERT INTO trial (id, sweep_id, key, index, params, seed, config, max_attempts)
       SELECT id, sweep_id, key, index, params, seed, config, max_attempts
       FROM jsonb_to_recordset($1::jsonb)
         AS r(id text, sweep_id text, key text, index int, params jsonb, seed int, config jsonb, max_attempts int)`,
      [JSON.stringify(rows)],
    );
  }
}

/** The stored trials' identities, by sweep, as the store reads them, against what expansion gives today. */
async function expectIdentitiesAsPlanned(store: PrismaRunStore): Promise<void> {
  for (const [id, spec] of [
    ["sw-gpu", gpuSpec],
    ["sw-old", plainSpec],
  ] as const) {
    const trials = await store.listTrials(id);
    const plans = expandSweep(spec);
    expect(trials.map((t) => [t.key, t.configKey, t.configLabel, t.kind])).toEqual(
      plans.map((p) => [p.key, p.configKey, p.configLabel, p.kind]),
    );
  }
  // A later migration (sweep_revisions) gives each stored sweep its submission as revision 1.
  for (const id of ["sw-gpu", "sw-old"]) {
    const sweep = (await store.getSweep(id))!;
    expect(sweep.revision).toBe(1);
    expect(await store.listRevisions(id)).toEqual([
      expect.objectContaining({
        revision: 1,
        kind: "submit",
        seeds: sweep.spec.seeds,
        trialCount: sweep.trialCount,
      }),
    ]);
  }
  const counts = await store.countTrials(["sw-gpu", "sw-old"]);
  expect(counts.get("sw-gpu")).toMatchObject({ cpu: { waiting: 1600 }, gpu: { waiting: 800 } });
  expect(counts.get("sw-old")).toMatchObject({ cpu: { waiting: 6 }, gpu: { waiting: 0 } });
}

describe("trials stored before configKey, configLabel and kind existed", () => {
  it("get them on PGlite from the migration, as new trials of the same configurations would", async () => {
    const pglite = new PGlite();
    const before = migrationsBefore(ADDS_IDENTITY);
    await applyMigrations(pglite, { dir: before });
    await storeOldRows(pglite);
    const applied = await applyMigrations(pglite);
    expect(applied).toEqual(expect.arrayContaining([ADDS_IDENTITY]));
    const db = new PrismaClient({ adapter: new PrismaPGlite(pglite) });
    await expectIdentitiesAsPlanned(new PrismaRunStore(db));
    await db.$disconnect();
    await pglite.close();
    rmSync(before, { recursive: true });
  });

  it("get them on PostgreSQL from the migration, as new trials of the same configurations would", async () => {
    const server = process.env.TEST_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
    const name = `tailsweep_fill_${process.pid}`;
    const admin = new pg.Client({ connectionString: server });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${name}`);
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(server);
    url.pathname = `/${name}`;
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    const before = migrationsBefore(ADDS_IDENTITY);
    try {
      const connection: SqlConnection = {
        query: async <R>(text: string, params?: unknown[]) => ({
          rows: (await client.query(text, params)).rows as R[],
        }),
        exec: (sql: string) => client.query(sql),
      };
      await applyMigrations(connection, { dir: before, lock: true });
      await storeOldRows(connection);
      expect(await applyMigrations(connection, { lock: true })).toEqual(
        expect.arrayContaining([ADDS_IDENTITY]),
      );
      const db = new PrismaClient({ adapter: new PrismaPg({ connectionString: url.toString() }) });
      await expectIdentitiesAsPlanned(new PrismaRunStore(db));
      await db.$disconnect();
    } finally {
      await client.end();
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
      rmSync(before, { recursive: true });
    }
  });

  it("stop the migration, rolled back and naming the row, when a row's config no longer parses", async () => {
    const pglite = new PGlite();
    const before = migrationsBefore(ADDS_IDENTITY);
    await applyMigrations(pglite, { dir: before });
    await storeOldRows(pglite);
    const { rows } = await pglite.query<{ id: string }>(
      "SELECT id FROM trial WHERE sweep_id = 'sw-old' LIMIT 1",
    );
    const bad = rows[0]!.id;
    await pglite.query(`UPDATE trial SET config = jsonb_set(config, '{model,nu}', '"ten"') WHERE id = $1`, [
      bad,
    ]);
    await expect(applyMigrations(pglite)).rejects.toThrow(
      new RegExp(
        `migration ${ADDS_IDENTITY} failed: trial ${bad}: stored data is invalid:\\n {2}- config\\.model\\.nu`,
      ),
    );
    const columns = await pglite.query(
      "SELECT 1 FROM information_schema.columns WHERE table_name = 'trial' AND column_name = 'config_key'",
    );
    expect(columns.rows).toEqual([]);
    await pglite.close();
    rmSync(before, { recursive: true });
  });
});
