// Writes test/durations.json, the seconds each test file took, from a full run's JSON report: the order
// test/slowest-first-sequencer.ts runs them in. Usage, after a full run of the suite:
//   TAILSWEEP_TEST_REPORT=/tmp/vitest.json pnpm test && node --import tsx scripts/test-durations.ts /tmp/vitest.json
// Files under a second are left out: their order does not change when the run ends.
import { readFileSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { z } from "zod";
import { DURATIONS_FILE } from "../test/slowest-first-sequencer";

const ReportSchema = z.object({
  testResults: z.array(z.object({ name: z.string(), startTime: z.number(), endTime: z.number() })),
});

const reportPath = process.argv[2];
if (!reportPath) {
  process.stderr.write("usage: node --import tsx scripts/test-durations.ts <vitest JSON report>\n");
  process.exit(2);
}
const report = ReportSchema.parse(JSON.parse(readFileSync(reportPath, "utf8")));
const root = resolve(import.meta.dirname, "..");
const durations = Object.fromEntries(
  report.testResults
    .map((file) => [relative(root, file.name), Math.round((file.endTime - file.startTime) / 1000)] as const)
    .filter(([, seconds]) => seconds >= 1)
    .sort(([a, x], [b, y]) => y - x || a.localeCompare(b)),
);
writeFileSync(join(root, DURATIONS_FILE), `${JSON.stringify(durations, null, 2)}\n`);
process.stdout.write(`${DURATIONS_FILE}: ${Object.keys(durations).length} files\n`);
