import { existsSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";

/**
 * What lies among the dashboard's sources without being one: its build, installed packages, test output, and the
 * type declarations Next writes itself (next-env.d.ts), which would make every build out of date at once.
 */
const NOT_SOURCES = new Set(["node_modules", ".next", "dist", "coverage", "next-env.d.ts"]);

/** Every file under `dir`, its build and installed packages left out. */
function* filesUnder(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (NOT_SOURCES.has(entry.name) || entry.name.endsWith(".tsbuildinfo")) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* filesUnder(path);
    else if (entry.isFile()) yield path;
  }
}

/**
 * Why the dashboard's build is out of date, or undefined when it is not: no build yet, or a file it is built from —
 * the dashboard's own (apps/web) or a workspace package it bundles (packages/*) — changed after the build was made.
 * A checkout that was pulled or edited since then would otherwise be served as it was built, without a word.
 */
export function staleBuildReason(web: string, packages: string): string | undefined {
  const buildId = join(web, ".next", "BUILD_ID");
  if (!existsSync(buildId)) return "no build yet";
  const builtAt = statSync(buildId).mtimeMs;
  const root = join(web, "..", "..");
  for (const dir of [web, packages])
    for (const file of filesUnder(dir))
      if (statSync(file).mtimeMs > builtAt) return `${relative(root, file)} changed since the last build`;
  return undefined;
}
