import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
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
});
