// Prisma's schema engine (its wasm build) for the two commands the CLI cannot run offline here:
//   diff <name>  write prisma/migrations/<timestamp>_<name>/migration.sql: what schema.prisma adds to the migrations
//   check        exit 1 if schema.prisma and the migrations disagree (CI's drift check)
// Both run against an in-memory PGlite (the shadow database), so no server is needed.
// Usage: node --import tsx packages/db/scripts/schema-engine.ts diff <name> | check
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { bindMigrationAwareSqlAdapterFactory } from "@prisma/driver-adapter-utils";
import * as engineModule from "@prisma/schema-engine-wasm/schema_engine_bg";
import { PrismaPGlite } from "pglite-prisma-adapter";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const schemaPath = path.join(root, "prisma", "schema.prisma");
const migrationsDir = path.join(root, "prisma", "migrations");
const filters = { externalTables: [], externalEnums: [] };

async function startEngine(pglite: PGlite) {
  const require = createRequire(import.meta.url);
  const wasmFile = path.join(
    path.dirname(require.resolve("@prisma/schema-engine-wasm/schema_engine_bg")),
    "schema_engine_bg.wasm",
  );
  const bg = engineModule as unknown as Record<string, unknown> & {
    __wbg_set_wasm(exports: WebAssembly.Exports): void;
    SchemaEngine: { new: (...args: unknown[]) => Promise<Engine> };
  };
  const { instance } = await WebAssembly.instantiate(readFileSync(wasmFile), { "./schema_engine_bg.js": bg });
  bg.__wbg_set_wasm(instance.exports);
  (instance.exports.__wbindgen_start as (() => void) | undefined)?.();
  const datamodels = [[schemaPath, readFileSync(schemaPath, "utf8")]];
  return bg.SchemaEngine.new(
    { datamodels },
    () => {},
    bindMigrationAwareSqlAdapterFactory(new PrismaPGlite(pglite) as never),
  );
}

interface Engine {
  diff(params: unknown): Promise<{ stdout?: string; exitCode?: number }>;
}

function migrationsList() {
  const dirs = existsSync(migrationsDir)
    ? readdirSync(migrationsDir, { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => d.name)
        .sort()
    : [];
  const lock = path.join(migrationsDir, "migration_lock.toml");
  return {
    baseDir: migrationsDir,
    shadowDbInitScript: "",
    lockfile: { path: lock, content: existsSync(lock) ? readFileSync(lock, "utf8") : null },
    migrationDirectories: dirs.map((d) => ({
      path: d,
      migrationFile: {
        path: "migration.sql",
        content: { tag: "ok", value: readFileSync(path.join(migrationsDir, d, "migration.sql"), "utf8") },
      },
    })),
  };
}

const [command, name = "migration"] = process.argv.slice(2);
const pglite = new PGlite();
const engine = await startEngine(pglite);
const to = {
  tag: "schemaDatamodel",
  files: [{ path: schemaPath, content: readFileSync(schemaPath, "utf8") }],
};
const existing = migrationsList();
// With no migration yet, diff from an empty database (the migrations form needs migration_lock.toml).
const from =
  existing.migrationDirectories.length === 0 ? { tag: "empty" } : { tag: "migrations", ...existing };
let code = 0;
if (command === "diff") {
  const { stdout = "" } = await engine.diff({ from, to, script: true, exitCode: false, filters });
  if (!stdout.trim() || /This is an empty migration/.test(stdout)) console.log("no changes");
  else {
    mkdirSync(migrationsDir, { recursive: true });
    const lock = path.join(migrationsDir, "migration_lock.toml");
    if (!existsSync(lock)) writeFileSync(lock, 'provider = "postgresql"\n');
    const stamp = new Date().toISOString().replace(/\D/g, "").slice(0, 14);
    const dir = path.join(migrationsDir, `${stamp}_${name}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, "migration.sql"), stdout);
    console.log(`wrote ${path.relative(root, dir)}/migration.sql`);
  }
} else if (command === "check") {
  const r = await engine.diff({ from, to, script: true, exitCode: true, filters });
  if (r.exitCode === 2) {
    console.log(
      `schema.prisma has changes without a migration (run: ... schema-engine.ts diff <name>):\n${r.stdout}`,
    );
    code = 1;
  } else console.log("migrations match schema.prisma");
} else {
  console.error("usage: schema-engine.ts diff <name> | check");
  code = 2;
}
await pglite.close();
process.exit(code);
