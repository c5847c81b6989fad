// Runs the test files longest first, so that the two forks finish together. Vitest's own order needs its results
// cache (node_modules/.vite/vitest), which a clean clone lacks: it then runs the larger files first, and the GPU kit's
// small file, 3 minutes of work, started 23 minutes into a 26-minute run, the other fork idle before it ended.
// test/durations.json holds each file's seconds from a full run (scripts/test-durations.ts writes it from vitest's
// cache); a local cache's own duration wins over it where longer, and a file that failed there runs first, as vitest's
// own order has it. A file in neither, new or quick, runs after the timed ones in vitest's order: a stale list only
// orders worse, it changes no result. (A custom sequencer is not shuffled by --sequence.shuffle.)
import { readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { BaseSequencer, type TestSpecification } from "vitest/node";
import { z } from "zod";

/** Seconds per test file, keyed by its path from the repository root. */
export const TestDurationsSchema = z.record(z.string(), z.number().nonnegative());

/** Where the durations are, from the repository root. */
export const DURATIONS_FILE = join("test", "durations.json");

/**
 * `files` with those that failed last time first, then longest first by `seconds`; those without a duration after
 * them, in the order given (a stable sort).
 */
export function slowestFirst<T>(
  files: readonly T[],
  timing: (file: T) => { seconds: number | undefined; failed: boolean },
): T[] {
  const timed = files.map((file, at) => {
    const { seconds, failed } = timing(file);
    return { file, at, seconds: seconds ?? -1, failed: failed ? 1 : 0 };
  });
  return timed
    .sort((a, b) => b.failed - a.failed || b.seconds - a.seconds || a.at - b.at)
    .map(({ file }) => file);
}

export class SlowestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const root = this.ctx.config.root;
    const recorded = TestDurationsSchema.parse(JSON.parse(readFileSync(join(root, DURATIONS_FILE), "utf8")));
    return slowestFirst(await super.sort(files), (file) => {
      const path = relative(root, file.moduleId);
      const cached = this.ctx.cache.getFileTestResults(`${file.project.name}:${path}`);
      // the larger: a cached run of a few of a file's tests (`-t`) is no measure of the whole file
      const seconds = Math.max(cached ? cached.duration / 1000 : -1, recorded[path] ?? -1);
      return { seconds: seconds < 0 ? undefined : seconds, failed: cached?.failed ?? false };
    });
  }
}
