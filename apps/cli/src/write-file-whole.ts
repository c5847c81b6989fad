import { randomUUID } from "node:crypto";
import { createWriteStream } from "node:fs";
import { chmod, realpath, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { pipeline } from "node:stream/promises";

/**
 * Writes streamed text to `path` so that the file is either complete or unchanged: the chunks go to a temporary file
 * beside it, renamed over `path` once the last chunk is written, and removed if the stream fails (a dropped
 * connection to the dashboard mid-export). A file that exists keeps its permissions, and a symbolic link stays one:
 * the file it points to is replaced. A path that exists and is not a regular file (`/dev/null`, a pipe) is written
 * directly, since it cannot be replaced.
 */
export async function writeFileWhole(path: string, chunks: AsyncIterable<string>): Promise<void> {
  const existing = await stat(path).catch(() => undefined);
  if (existing && !existing.isFile()) {
    await pipeline(chunks, createWriteStream(path));
    return;
  }
  const target = existing ? await realpath(path) : path;
  // unique per call, not per process: two exports to one path may run in one process (the CLI's tests do)
  const partial = join(dirname(target), `.${basename(target)}.${randomUUID().slice(0, 8)}.partial`);
  try {
    await pipeline(chunks, createWriteStream(partial));
    if (existing) await chmod(partial, existing.mode & 0o7777);
    await rename(partial, target);
  } catch (e) {
    await rm(partial, { force: true });
    throw e;
  }
}
