import {
  chmodSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { parseSweepFile } from "@tailsweep/schemas";
import { expandSweep } from "@tailsweep/sweep";
import { afterAll, describe, expect, it } from "vitest";
import { applyMigrations, MIGRATIONS_DIR } from "./migrate";
import { openRunStore } from "./open-run-store";
import { newPGlite, openPGlite, PGLITE_SHARED_BUFFERS, pgliteTemplate } from "./pglite-template";

/**
 * Every column of the public schema and every applied migration of a PGlite brought up to date as openRunStore does
 * (newPGlite, then applyMigrations, which finds nothing to do on a template): what a store's schema is.
 */
async function schemaOf(pglite: PGlite, migrationsDir = MIGRATIONS_DIR) {
  try {
    await applyMigrations(pglite, { dir: migrationsDir });
    const columns = await pglite.query<{ c: string }>(
      `SELECT table_name || '.' || column_name || ':' || data_type || ':' || is_nullable || ':' || coalesce(column_default, '') AS c
       FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1`,
    );
    const migrations = await pglite.query<{ migration_name: string; checksum: string }>(
      `SELECT migration_name, checksum FROM "_prisma_migrations" WHERE finished_at IS NOT NULL ORDER BY 1`,
    );
    return { columns: columns.rows.map((r) => r.c), migrations: migrations.rows };
  } finally {
    await pglite.close();
  }
}

describe("a new embedded store from the migrated template", { timeout: 120_000 }, () => {
  const root = mkdtempSync(join(tmpdir(), "tailsweep-template-test-"));
  const templates = join(root, "templates");
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("has the schema and migration history a store made by initdb and the migrations has, and keeps its data", async () => {
    const expected = await schemaOf(new PGlite());
    expect(expected.migrations.length).toBeGreaterThan(5);
    expect(await schemaOf(await newPGlite(join(root, "fresh"), MIGRATIONS_DIR, templates))).toEqual(expected);
    // the tarball, and the folder a store in a folder is copied from
    expect(readdirSync(templates).filter((f) => f.endsWith(".tar"))).toHaveLength(1);
    expect(readdirSync(templates).filter((f) => f.endsWith(".pgdata"))).toHaveLength(1);
    const [folder] = readdirSync(templates).filter((f) => f.endsWith(".pgdata"));
    // only a copy of the folder brings this file (PostgreSQL ignores it) into a new store
    writeFileSync(join(templates, folder!, "copied-from-folder"), "");
    expect(await schemaOf(await newPGlite(join(root, "copied"), MIGRATIONS_DIR, templates))).toEqual(
      expected,
    );
    expect(readdirSync(join(root, "copied"))).toContain("copied-from-folder");

    const dir = join(root, "store");
    const first = await openRunStore({ pgliteDir: dir, pgliteTemplateDir: templates });
    const spec = parseSweepFile({ name: "kept", project: "p", search: { nu: [5, 10] }, seeds: 2 });
    await first.store.createSweep({ id: "kept", spec, trials: expandSweep(spec), now: new Date() });
    await first.close();
    // An existing store opens as it is (not from the template): its sweep is still there.
    const again = await openRunStore({ pgliteDir: dir, pgliteTemplateDir: templates });
    expect((await again.store.listTrials("kept")).length).toBe(4);
    await again.close();
    // In memory too, from the same template.
    expect(await schemaOf(await newPGlite("memory", MIGRATIONS_DIR, templates))).toEqual(expected);
  });

  it("opens with the store's smaller buffer pool, new from the template, reopened and without a template", async () => {
    const sharedBuffers = async (pglite: PGlite) => {
      const { rows } = await pglite.query<{ v: string }>("select current_setting('shared_buffers') as v");
      await pglite.close();
      return rows[0]?.v;
    };
    const dir = join(root, "buffers");
    expect(await sharedBuffers(await newPGlite(dir, MIGRATIONS_DIR, templates))).toBe(PGLITE_SHARED_BUFFERS);
    expect(await sharedBuffers(await newPGlite(dir, MIGRATIONS_DIR, templates))).toBe(PGLITE_SHARED_BUFFERS);
    expect(await sharedBuffers(openPGlite("memory"))).toBe(PGLITE_SHARED_BUFFERS);
    expect(PGLITE_SHARED_BUFFERS).not.toBe("128MB"); // PostgreSQL's default, which this replaces
  });

  it("makes a new template when a migration is added, keeping the old one among the last three", async () => {
    const migrations = join(root, "migrations");
    cpSync(MIGRATIONS_DIR, migrations, { recursive: true });
    const before = readdirSync(templates);
    // a gzipped template of an earlier version goes when a template is made
    const gzipped = join(templates, `${"a".repeat(24)}.tar.gz`);
    writeFileSync(gzipped, "old");
    mkdirSync(join(migrations, "29991231000000_template_test"));
    writeFileSync(
      join(migrations, "29991231000000_template_test", "migration.sql"),
      'CREATE TABLE "template_test" ("id" TEXT PRIMARY KEY);\n',
    );
    const { columns } = await schemaOf(await newPGlite("memory", migrations, templates), migrations);
    expect(columns).toContain("template_test.id:text:NO:");
    const after = readdirSync(templates);
    expect(after).not.toContain(`${"a".repeat(24)}.tar.gz`);
    expect(after.filter((f) => f.endsWith(".tar"))).toHaveLength(2);
    expect(after).toEqual(expect.arrayContaining(before.filter((f) => !f.endsWith(".gz"))));
  });

  it("keeps the newest three templates, each tarball with its folder", async () => {
    const own = join(root, "tidy-templates");
    mkdirSync(own, { mode: 0o700 });
    const old = ["b", "c", "d"].map((c) => c.repeat(24));
    for (const [i, key] of old.entries()) {
      writeFileSync(join(own, `${key}.tar`), "old");
      mkdirSync(join(own, `${key}.pgdata`));
      utimesSync(join(own, `${key}.tar`), 1_000 + i, 1_000 + i);
    }
    mkdirSync(join(own, `${"e".repeat(24)}.pgdata`)); // a folder whose tarball is gone
    await pgliteTemplate(MIGRATIONS_DIR, own);
    expect(readdirSync(own).sort()).toEqual(
      [
        `${old[1]}.pgdata`,
        `${old[1]}.tar`,
        `${old[2]}.pgdata`,
        `${old[2]}.tar`,
        expect.stringMatching(/\.tar$/),
      ].sort(),
    );
  });

  it("copies the template's folder into a new store's folder, over a copy cut short, keeping what it held", async () => {
    const own = join(root, "copy-templates");
    await schemaOf(await newPGlite(join(root, "first-copy"), MIGRATIONS_DIR, own));
    const [folder] = readdirSync(own).filter((f) => f.endsWith(".pgdata"));
    // a file PostgreSQL ignores, that only a copy of the folder (not the tarball) brings into a store
    writeFileSync(join(own, folder!, "copied-from-folder"), "");
    const dir = join(root, "cut-short");
    // a copy that stopped before PG_VERSION, the last file copied, beside the user's own file
    const marker = join(own, folder!, "PG_VERSION");
    cpSync(join(own, folder!), dir, { recursive: true, filter: (f) => f !== marker });
    rmSync(join(dir, "global"), { recursive: true });
    rmSync(join(dir, "copied-from-folder"));
    writeFileSync(join(dir, "notes.txt"), "mine");
    expect((await schemaOf(await newPGlite(dir, MIGRATIONS_DIR, own))).migrations.length).toBeGreaterThan(5);
    expect(readFileSync(join(dir, "notes.txt"), "utf8")).toBe("mine");
    expect(readdirSync(dir)).toEqual(expect.arrayContaining(["PG_VERSION", "global", "copied-from-folder"]));
  });

  it("makes the template's folder this user's own under a umask that lets the group write", async () => {
    const own = join(root, "umask-templates");
    const previous = process.umask(0o002);
    try {
      await schemaOf(await newPGlite(join(root, "umask-store"), MIGRATIONS_DIR, own));
    } finally {
      process.umask(previous);
    }
    const [folder] = readdirSync(own).filter((f) => f.endsWith(".pgdata"));
    expect(folder).toBeDefined(); // made, and not refused for its mode
    expect(statSync(join(own, folder!)).mode & 0o077).toBe(0);
  });

  it("opens a store from the tarball when the template's folder cannot be opened, and makes the folder again", async () => {
    const own = join(root, "broken-folder-templates");
    await schemaOf(await newPGlite(join(root, "before-break"), MIGRATIONS_DIR, own));
    const [folder] = readdirSync(own).filter((f) => f.endsWith(".pgdata"));
    rmSync(join(own, folder!, "global"), { recursive: true }); // no pg_control: PostgreSQL cannot start
    const dir = join(root, "after-break");
    mkdirSync(dir);
    writeFileSync(join(dir, "notes.txt"), "mine");
    expect((await schemaOf(await newPGlite(dir, MIGRATIONS_DIR, own))).migrations.length).toBeGreaterThan(5);
    expect(readFileSync(join(dir, "notes.txt"), "utf8")).toBe("mine");
    expect(readdirSync(own)).not.toContain(folder); // dropped, and made again by the next store in a folder
    await schemaOf(await newPGlite(join(root, "after-remake"), MIGRATIONS_DIR, own));
    expect(readdirSync(join(own, folder!))).toContain("global");
  });

  it("opens a store the old way when the template cannot be read, and makes it again", async () => {
    // the newest: the template of the migrations with the added one, which this test opens with
    const [name] = readdirSync(templates)
      .map((n) => ({ n, at: statSync(join(templates, n)).mtimeMs }))
      .sort((a, b) => b.at - a.at)
      .map((e) => e.n);
    writeFileSync(join(templates, name!), "not a tarball");
    const migrations = join(root, "migrations");
    const { columns } = await schemaOf(await newPGlite("memory", migrations, templates), migrations);
    expect(columns).toContain("template_test.id:text:NO:");
    expect(readdirSync(templates)).toContain(name);
    expect(readFileSync(join(templates, name!)).length).toBeGreaterThan(1000); // made again
  });

  it("neither reads nor writes a template in a folder others can write to", async () => {
    const shared = join(root, "shared");
    mkdirSync(shared);
    chmodSync(shared, 0o777);
    expect(await pgliteTemplate(MIGRATIONS_DIR, shared)).toBeUndefined();
    expect(readdirSync(shared)).toEqual([]);
    const { migrations } = await schemaOf(await newPGlite("memory", MIGRATIONS_DIR, shared));
    expect(migrations.length).toBeGreaterThan(5); // opened the old way
  });

  it("makes a template that is not a tar archive again, and keeps what a new folder held before", async () => {
    const own = join(root, "bad-templates");
    expect(await pgliteTemplate(MIGRATIONS_DIR, own)).toBeDefined();
    const [name] = readdirSync(own);
    // a file of the right name and size that is not a tar archive
    writeFileSync(join(own, name!), Buffer.alloc(4096, 7));
    const dir = join(root, "kept-folder");
    mkdirSync(dir);
    writeFileSync(join(dir, "notes.txt"), "mine");
    expect((await schemaOf(await newPGlite(dir, MIGRATIONS_DIR, own))).migrations.length).toBeGreaterThan(5);
    expect(readFileSync(join(dir, "notes.txt"), "utf8")).toBe("mine");
    expect(readdirSync(dir)).toContain("PG_VERSION");
    expect(readFileSync(join(own, name!)).length).toBeGreaterThan(100_000); // made again
  });
});
