import { createWriteStream } from "node:fs";
import { rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { pipeline } from "node:stream/promises";

/**
 * Writes streamed text to `path` so that the file is either complete or unchanged: the chunks go to a temporary file
 * beside it, renamed over `path` once the last chunk is written, and removed if the stream fails (a dropped
 * connection to the dashboard mid-export). A path that exists and is not a regular file (`/dev/null`, a pipe) is
 * written directly, since it cannot be replaced.
 */
export async function writeFileWhole(path: string, chunks: AsyncIterable<string>): Promise<void> {
  const existing = await stat(path).catch(() => undefined);
  if (existing && !existing.isFile()) {
    await pipeline(chunks, createWriteStream(path));
    return;
  }
  const partial = join(dirname(path), `.${basename(path)}.${process.pid}.partial`);
  try {
    await pipeline(chunks, createWriteStream(partial));
    await rename(partial, path);
  } catch (e) {
    await rm(partial, { force: true });
    throw e;
  }
}
