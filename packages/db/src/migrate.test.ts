import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { describe, expect, it } from "vitest";
import { applyMigrations, MIGRATIONS_DIR } from "./migrate";

describe("applyMigrations", () => {
  it("applies the repository's migrations once, recorded as Prisma records them, and refuses an edited one", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "tailsweep-migrations-"));
    cpSync(MIGRATIONS_DIR, dir, { recursive: true });
    const db = new PGlite();
    const first = await applyMigrations(db, { dir });
    expect(first.length).toBeGreaterThanOrEqual(1);
    expect(await applyMigrations(db, { dir })).toEqual([]);
    const { rows } = await db.query<{ migration_name: string; checksum: string; finished_at: Date | null }>(
      'SELECT migration_name, checksum, finished_at FROM "_prisma_migrations"',
    );
    expect(rows.map((r) => r.migration_name)).toEqual(first);
    expect(rows.every((r) => /^[0-9a-f]{64}$/.test(r.checksum) && r.finished_at !== null)).toBe(true);
    const tables = await db.query<{ tablename: string }>(
      "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
    );
    expect(tables.rows.map((r) => r.tablename)).toEqual(
      expect.arrayContaining(["epoch_metric", "project", "sweep", "trial", "trial_result", "worker"]),
    );
    writeFileSync(path.join(dir, first[0]!, "migration.sql"), "-- edited\n");
    await expect(applyMigrations(db, { dir })).rejects.toThrow(/was changed after it was applied/);
    await db.close();
  });

  it("rolls a failing migration back and says which one failed", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "tailsweep-migrations-"));
    cpSync(MIGRATIONS_DIR, dir, { recursive: true });
    const broken = path.join(dir, "99990101000000_broken");
    mkdirSync(broken);
    writeFileSync(
      path.join(broken, "migration.sql"),
      'CREATE TABLE "x" (id INT);\nSELECT no_such_function();\n',
    );
    const db = new PGlite();
    await expect(applyMigrations(db, { dir })).rejects.toThrow(/migration 99990101000000_broken failed/);
    const x = await db.query("SELECT to_regclass('public.x') AS t");
    expect((x.rows[0] as { t: unknown }).t).toBeNull();
    await db.close();
  });

  it("gives the sweeps and trials stored before annotations empty tags and notes", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "tailsweep-migrations-"));
    cpSync(MIGRATIONS_DIR, dir, { recursive: true });
    rmSync(path.join(dir, "20261204090000_annotations"), { recursive: true });
    const db = new PGlite();
    await applyMigrations(db, { dir });
    await db.exec(`
      INSERT INTO project (id) VALUES ('p');
      INSERT INTO sweep (id, project_id, name, spec, trial_count, created_at) VALUES ('s', 'p', 'old', '{}', 1, now());
      INSERT INTO trial (id, sweep_id, key, index, params, seed, config, config_key, config_label, kind, max_attempts)
        VALUES ('s:k', 's', 'k', 0, '{}', 1, '{}', 'c', 'c', 'cpu', 1);`);
    cpSync(
      path.join(MIGRATIONS_DIR, "20261204090000_annotations"),
      path.join(dir, "20261204090000_annotations"),
      {
        recursive: true,
      },
    );
    expect(await applyMigrations(db, { dir })).toEqual(["20261204090000_annotations"]);
    for (const table of ["sweep", "trial"]) {
      const { rows } = await db.query<{ tags: string[]; notes: string }>(`SELECT tags, notes FROM ${table}`);
      expect(rows, table).toEqual([{ tags: [], notes: "" }]);
    }
    await db.close();
  });
});
