import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { chmod, realpath, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { pipeline } from "node:stream/promises";
import { codeOf, InputError } from "@tailsweep/schemas";

/** Writes streamed text to the file a {@link wholeFileWriter} was made for; resolves once it is all there. */
export type WholeFileWriter = (chunks: AsyncIterable<string | Uint8Array>) => Promise<void>;

/**
 * A writer of streamed text to `path` that leaves the file either complete or unchanged: the chunks go to a temporary
 * file beside it, renamed over `path` once the last chunk is written, and removed if the stream fails (a dropped
 * connection to the dashboard mid-export). A file that exists keeps its permissions, and a symbolic link stays one:
 * the file it points to is replaced. A path that exists and is not a regular file (`/dev/null`, a pipe) is written
 * directly, since it cannot be replaced.
 *
 * The path is looked at here, before any chunk is asked for, so the writer starts reading its chunks at once: a tRPC
 * stream read over HTTP (`httpBatchStreamLink`, tRPC 11.22) was seen to fail ("controller.getReaderResource is not a
 * function", api-modes.test.ts) when its reading began only after other I/O that followed the query's answer.
 */
export async function wholeFileWriter(path: string): Promise<WholeFileWriter> {
  const existing = await stat(path).catch(() => undefined);
  if (existing?.isDirectory())
    throw new InputError(path, "is a folder: give the name of a file to write, in it or elsewhere");
  if (existing && !existing.isFile())
    return async (chunks) => {
      await pipeline(chunks, createWriteStream(path)).catch((e: unknown) => {
        throw unwritable(e, path) ?? e;
      });
    };
  // said of the path given, not of the temporary file beside it that would fail to open
  const folder = await stat(dirname(path)).catch(() => undefined);
  if (!folder?.isDirectory())
    throw new InputError(
      path,
      `its folder ${dirname(path)} ${folder ? "is not a folder" : "does not exist"}: make it first, or write elsewhere`,
    );
  const target = existing ? await realpath(path) : path;
  return async (chunks) => {
    // unique per call, not per process: two exports to one path may run in one process (the CLI's tests do)
    const partial = join(dirname(target), `.${basename(target)}.${randomUUID().slice(0, 8)}.partial`);
    const file = createWriteStream(partial, existing && { mode: existing.mode & 0o7777 });
    try {
      await pipeline(chunks, file);
      if (existing) await chmod(partial, existing.mode & 0o7777); // the mode option is masked by the umask
      await rename(partial, target);
    } catch (e) {
      // A stream that fails at once can reject the pipeline before the file's open has finished, which would then
      // create it after the rm (a clean-clone CI run found the partial file left): wait until it is closed.
      if (!file.closed) await once(file, "close").catch(() => {});
      await rm(partial, { force: true });
      throw unwritable(e, path) ?? e;
    }
  };
}

/** Why a file cannot be made or written at all, as the system says it; other codes are not about the place. */
const UNWRITABLE: Readonly<Record<string, string>> = {
  EACCES: "this user may not write there",
  EPERM: "this user may not write there",
  EROFS: "the file system is read-only",
  ENOENT: "no file can be made there",
  ENOSPC: "the disk is full",
  EDQUOT: "the disk quota is used up",
};

/** A write that failed because of where it goes, as the InputError of `path`; undefined for any other failure. */
function unwritable(e: unknown, path: string): InputError | undefined {
  const code = codeOf(e);
  const why = code === undefined ? undefined : UNWRITABLE[code];
  return why === undefined
    ? undefined
    : new InputError(path, `cannot be written: ${why} (${code}); write elsewhere`);
}

/** {@link wholeFileWriter} of `path`, given `chunks` as soon as it is ready. */
export async function writeFileWhole(
  path: string,
  chunks: AsyncIterable<string | Uint8Array>,
): Promise<void> {
  await (await wholeFileWriter(path))(chunks);
}
