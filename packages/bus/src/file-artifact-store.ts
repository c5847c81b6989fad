import { randomUUID } from "node:crypto";
import type { Dirent, Stats } from "node:fs";
import { mkdir, open, readdir, readFile, rename, rm, rmdir, stat, unlink } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import {
  type ArtifactInfo,
  type ArtifactStore,
  byArtifactKey,
  checkArtifactKey,
  checkArtifactPrefix,
  isArtifactKey,
} from "./artifact-store";

/**
 * Marks the folder that holds the keys below a segment: key `a/b` is the file `a+/b` and `a/b/c` the file
 * `a+/b+/c`. Without it a key and a key below it (`a/b` and `a/b/c`, which the object store holds side by side) would
 * need `a/b` to be a file and a folder at once. `+` is no key character, so no key's file is ever taken for a folder.
 * Object files keep their key's last segment as their name (`predictions.csv` opens as a CSV).
 */
const FOLDER_MARK = "+";

/** Puts made again when a `delete` or `deletePrefix` removes the folder they just made (see `put`). */
const PUT_TRIES = 5;

/** The error code of a Node file system error, if it is one. */
function errorCode(e: unknown): string | undefined {
  if (typeof e !== "object" || e === null || !("code" in e)) return undefined;
  return typeof e.code === "string" ? e.code : undefined;
}

/** Rethrows any error but a path that is not there. */
function unlessMissing(e: unknown): void {
  const code = errorCode(e);
  if (code !== "ENOENT" && code !== "ENOTDIR") throw e;
}

/**
 * The artifact store of embedded mode: one file per key under a folder (made on demand), a key's segments the
 * folders down to it (see {@link FOLDER_MARK}). A put writes a temporary file in the key's folder and renames it over
 * the old one, so a reader opens either whole file; temporary names hold `~`, no key character, so they are never
 * listed.
 */
export class FileArtifactStore implements ArtifactStore {
  private readonly root: string;

  /** A store over `directory` (made when the first put needs it). */
  constructor(directory: string) {
    this.root = resolve(directory);
  }

  async put(key: string, data: Uint8Array): Promise<ArtifactInfo> {
    const file = this.fileOf(checkArtifactKey(key));
    const folder = dirname(file);
    for (let attempt = 1; ; attempt++) {
      await mkdir(folder, { recursive: true });
      const temp = join(folder, `~${randomUUID()}.tmp`);
      try {
        const handle = await open(temp, "wx");
        let written: Stats;
        try {
          await handle.writeFile(data);
          // On disk before the rename: after a crash the key holds the old bytes or the new, never an empty file.
          await handle.sync();
          written = await handle.stat();
        } finally {
          await handle.close();
        }
        await rename(temp, file);
        return { key, bytes: written.size, modified: written.mtime };
      } catch (e) {
        await rm(temp, { force: true });
        // A delete of the folder's last key removes the folder between our mkdir and open: make it again.
        if (errorCode(e) === "ENOENT" && attempt < PUT_TRIES) continue;
        throw e;
      }
    }
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      const bytes = await readFile(this.fileOf(checkArtifactKey(key)));
      return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    } catch (e) {
      unlessMissing(e);
      return undefined;
    }
  }

  async info(key: string): Promise<ArtifactInfo | undefined> {
    const segments = checkArtifactKey(key);
    return this.infoOf(segments.join("/"), this.fileOf(segments));
  }

  async list(prefix: string): Promise<ArtifactInfo[]> {
    const segments = checkArtifactPrefix(prefix);
    const found: ArtifactInfo[] = [];
    if (segments.length > 0) {
      const self = await this.infoOf(segments.join("/"), this.fileOf(segments));
      if (self) found.push(self);
    }
    await this.walk(this.folderOf(segments), segments.join("/"), found);
    return found.sort(byArtifactKey);
  }

  async delete(key: string): Promise<boolean> {
    const file = this.fileOf(checkArtifactKey(key));
    try {
      await unlink(file);
    } catch (e) {
      unlessMissing(e);
      return false;
    }
    await this.pruneUp(dirname(file));
    return true;
  }

  async deletePrefix(prefix: string): Promise<number> {
    const segments = checkArtifactPrefix(prefix);
    let removed = 0;
    for (const { key } of await this.list(prefix)) if (await this.delete(key)) removed++;
    // Folders emptied earlier by a process that stopped half way, which no delete above came through.
    await this.removeEmptyFolders(this.folderOf(segments));
    if (segments.length > 0) await this.pruneUp(dirname(this.folderOf(segments)));
    return removed;
  }

  async close(): Promise<void> {}

  private fileOf(segments: readonly string[]): string {
    return join(this.folderOf(segments.slice(0, -1)), segments.at(-1)!);
  }

  private folderOf(segments: readonly string[]): string {
    return join(this.root, ...segments.map((s) => `${s}${FOLDER_MARK}`));
  }

  private async infoOf(key: string, file: string): Promise<ArtifactInfo | undefined> {
    try {
      const s = await stat(file);
      return s.isFile() ? { key, bytes: s.size, modified: s.mtime } : undefined;
    } catch (e) {
      unlessMissing(e); // deleted since it was listed
      return undefined;
    }
  }

  /** Adds the objects in `folder` and below, whose keys start with `keyPrefix`, to `found`. */
  private async walk(folder: string, keyPrefix: string, found: ArtifactInfo[]): Promise<void> {
    for (const entry of (await entriesOf(folder)) ?? []) {
      const isFolder = entry.isDirectory() && entry.name.endsWith(FOLDER_MARK);
      const segment = isFolder ? entry.name.slice(0, -FOLDER_MARK.length) : entry.name;
      const key = keyPrefix === "" ? segment : `${keyPrefix}/${segment}`;
      // Anything else (a temporary file, a file someone put there by hand) is not an artifact.
      if (!isArtifactKey(key)) continue;
      if (isFolder) await this.walk(join(folder, entry.name), key, found);
      else if (entry.isFile()) {
        const info = await this.infoOf(key, join(folder, entry.name));
        if (info) found.push(info);
      }
    }
  }

  /** Removes `folder` and the folders below it that hold nothing, deepest first. */
  private async removeEmptyFolders(folder: string): Promise<void> {
    const entries = await entriesOf(folder);
    if (!entries) return;
    for (const entry of entries)
      if (entry.isDirectory()) await this.removeEmptyFolders(join(folder, entry.name));
    if (folder !== this.root) await rmdir(folder).catch(() => {}); // not empty: a put's temporary file, say
  }

  /** Removes `folder` and then each folder above it that is left empty, up to (not including) the root. */
  private async pruneUp(folder: string): Promise<void> {
    for (let f = folder; f !== this.root && f.startsWith(this.root); f = dirname(f)) {
      try {
        await rmdir(f);
      } catch (e) {
        if (errorCode(e) !== "ENOENT") return; // not empty: another key, or a put in progress
      }
    }
  }
}

/** What a folder holds, or undefined when it is not there (removed since, or never made). */
async function entriesOf(folder: string): Promise<Dirent[] | undefined> {
  try {
    return await readdir(folder, { withFileTypes: true });
  } catch (e) {
    unlessMissing(e);
    return undefined;
  }
}
