// Writes test/durations.json, the seconds each test file took, from vitest's results cache after a full run of the
// suite: the order test/slowest-first-sequencer.ts runs them in on a clean clone. The cache's time is the whole file's,
// its beforeAll and afterAll included (test/web.test.ts builds and starts the dashboard in one); the JSON report's
// startTime and endTime leave those out. Usage, after a full `pnpm test`:
//   node --import tsx scripts/test-durations.ts [node_modules/.vite/vitest/<hash>/results.json]
// Files that took under a second are left out: their order does not change when the run ends.
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { z } from "zod";
import { DURATIONS_FILE } from "../test/slowest-first-sequencer";

/** vitest's results cache: `[<project>:<path>, { duration (ms), failed }]` per file. */
const ResultsCacheSchema = z.object({
  results: z.array(z.tuple([z.string(), z.object({ duration: z.number(), failed: z.boolean() })])),
});

const root = resolve(import.meta.dirname, "..");
const cacheDir = join(root, "node_modules", ".vite", "vitest");
const cacheFile =
  process.argv[2] ??
  (existsSync(cacheDir)
    ? readdirSync(cacheDir).map((hash) => join(cacheDir, hash, "results.json"))
    : []
  ).find(existsSync);
if (!cacheFile) {
  process.stderr.write(
    `test-durations: no results cache under ${cacheDir}: run the whole suite first (pnpm test)\n`,
  );
  process.exit(1);
}
const { results } = ResultsCacheSchema.parse(JSON.parse(readFileSync(cacheFile, "utf8")));
const durations = Object.fromEntries(
  results
    .map(([key, { duration }]) => [key.slice(key.indexOf(":") + 1), Math.round(duration / 1000)] as const)
    // a file since renamed or removed stays in the cache
    .filter(([path, seconds]) => seconds >= 1 && existsSync(join(root, path)))
    .sort(([a, x], [b, y]) => y - x || a.localeCompare(b)),
);
writeFileSync(join(root, DURATIONS_FILE), `${JSON.stringify(durations, null, 2)}\n`);
process.stdout.write(`${DURATIONS_FILE}: ${Object.keys(durations).length} files, from ${cacheFile}\n`);
