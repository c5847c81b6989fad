// A new embedded store starts from a template: the data folder of a PGlite that ran initdb and every migration,
// saved once as a tarball (PGlite's dumpDataDir) and loaded into each new store (its loadDataDir). initdb
// inside wasm is most of what opening a new store costs — 3 to 7 s on the 2-core machine against about 1 s to load
// the template — and every fresh store pays it: a new TAILSWEEP_DB_DIR, an in-memory store in a test, each run of the
// quick sweep's bench. The template is keyed by PGlite's version and the migrations' names and SQL, so a new
// migration or PGlite makes a new one; it is made from an in-memory PGlite, never from a user's folder.
//
// A store in a folder starts from the template unpacked once into a folder of its own, copied file by file: PGlite's
// loader unpacks the tarball in JavaScript and writes each of its ≈ 1,000 files through its file-system layer, ≈ 1.2 s
// of the main thread at a sweep's start, where the copy takes ≈ 0.1–0.2 s (docs/compute.md).
import { createHash, randomUUID } from "node:crypto";
import {
  closeSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  openAsBlob,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  type Stats,
  statSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { assertOwn, cacheDirCandidates, ownDir } from "@tailsweep/schemas/own-cache";
import { applyMigrations, dataStepsSignature, MIGRATIONS_DIR } from "./migrate";

/**
 * Where templates are kept unless told otherwise, shared by every store of this user on this machine: the first of
 * ~/.cache/tailsweep/pglite and the temporary folder's tailsweep-pglite-<uid> that is this user's own (a template is
 * loaded as the new store's database, so nobody else may be able to put one there).
 */
function defaultTemplateDir(): string | undefined {
  for (const dir of cacheDirCandidates("pglite")) {
    try {
      return ownDir(dir);
    } catch {}
  }
  return undefined;
}

/** Bumped when what a template holds changes in a way its key does not show. */
const FORMAT = 1;

/**
 * PGlite's installed version, from its package.json (found from its entry point: its exports hide the file);
 * undefined where it cannot be found, as in a bundle that carries PGlite inside it (the GPU kit).
 */
function pgliteVersion(): string | undefined {
  try {
    let dir = path.dirname(createRequire(import.meta.url).resolve("@electric-sql/pglite"));
    for (let up = 0; up < 5; up++, dir = path.dirname(dir)) {
      const file = path.join(dir, "package.json");
      if (!existsSync(file)) continue;
      const pkg: unknown = JSON.parse(readFileSync(file, "utf8"));
      if (typeof pkg === "object" && pkg !== null && "name" in pkg && pkg.name === "@electric-sql/pglite")
        return "version" in pkg && typeof pkg.version === "string" ? pkg.version : undefined;
    }
  } catch {}
  return undefined;
}

/**
 * The template's name: a hash of the format, PGlite's version, each migration's name and SQL and the data steps'
 * code (they run on the template's empty tables today, but one that inserted rows would put them in it). Undefined
 * when PGlite's version is unknown: a key that does not change with PGlite could hand a new PGlite an old data folder.
 */
function templateKey(migrationsDir: string): string | undefined {
  const version = pgliteVersion();
  if (version === undefined) return undefined;
  const hash = createHash("sha256").update(`${FORMAT}\n${version}\n${dataStepsSignature()}\n`);
  const names = existsSync(migrationsDir)
    ? readdirSync(migrationsDir, { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => d.name)
        .sort()
    : [];
  for (const name of names)
    hash.update(`${name}\n`).update(readFileSync(path.join(migrationsDir, name, "migration.sql")));
  return hash.digest("hex").slice(0, 24);
}

/**
 * A template's file name, and a temporary one while it is written: nothing else in the folder is touched. Kept
 * uncompressed (≈ 40 MB; gzipped it was 5 MB) and handed to PGlite as a Blob backed by the file: unpacking it and
 * copying 40 MB through memory took ≈ 0.4 s of every new store's 1.3 s. Gzipped ones of earlier versions are removed
 * when a template is made.
 */
const TEMPLATE_FILE = /^[0-9a-f]{24}\.tar$/;
const TEMPORARY_FILE = /^[0-9a-f]{24}\.(tar(\.gz)?|pgdata)\.\d+\.[0-9a-f]{8}\.tmp$/;
/** A template unpacked into a folder (newPGlite copies it into a new store's folder), beside its tarball. */
const TEMPLATE_FOLDER = /^[0-9a-f]{24}\.pgdata$/;
const GZIPPED_TEMPLATE_FILE = /^[0-9a-f]{24}\.tar\.gz$/;
/** Templates kept: two checkouts with different migrations on one machine do not throw each other's away. */
const KEEP_TEMPLATES = 3;

/** A name beside `target` for a file or folder of this process's own, matched by {@link TEMPORARY_FILE}. */
function temporaryBeside(target: string): string {
  return `${target}.${process.pid}.${randomUUID().slice(0, 8)}.tmp`;
}

/** The folder a tarball's template is unpacked into (`<key>.pgdata` beside `<key>.tar`). */
function folderOf(tarball: string): string {
  return tarball.replace(/\.tar$/, ".pgdata");
}

/**
 * Removes a template folder whole: renamed out of the way first, so that no process ever copies a folder half
 * removed (one that is copying from it meanwhile fails and loads the tarball instead).
 */
function removeFolder(folder: string): void {
  const doomed = temporaryBeside(folder);
  try {
    renameSync(folder, doomed);
  } catch {
    return; // gone already
  }
  rmSync(doomed, { recursive: true, force: true });
}

/**
 * Drops all but the newest templates (a tarball's unpacked folder goes with it, or when it has none), and temporary
 * files and folders left by a process that died writing one.
 */
function tidy(templateDir: string): void {
  const entries = readdirSync(templateDir).flatMap((name) => {
    const file = path.join(templateDir, name);
    try {
      return [{ name, file, mtime: statSync(file).mtimeMs }];
    } catch {
      return []; // renamed or removed by another process since the listing
    }
  });
  const templates = entries.filter((e) => TEMPLATE_FILE.test(e.name)).sort((a, b) => b.mtime - a.mtime);
  const kept = new Set(templates.slice(0, KEEP_TEMPLATES).map((e) => e.file));
  const keptFolders = new Set([...kept].map(folderOf));
  for (const e of entries) {
    if (TEMPLATE_FOLDER.test(e.name) && !keptFolders.has(e.file)) removeFolder(e.file);
    else if (
      (TEMPLATE_FILE.test(e.name) && !kept.has(e.file)) ||
      GZIPPED_TEMPLATE_FILE.test(e.name) ||
      (TEMPORARY_FILE.test(e.name) && Date.now() - e.mtime > 10 * 60_000)
    )
      rmSync(e.file, { recursive: true, force: true });
  }
}

/**
 * Whether a file looks like a whole tar archive: "ustar" at byte 257 of its first header, a length in 512-byte blocks
 * and the two zero blocks that end an archive. Anything else (one cut short: a plain tarball has no checksum, as the
 * gzipped one had) would reach PGlite's loader, whose failures surface as unhandled stream errors.
 */
function wholeTarball(file: string, size: number): boolean {
  if (size < 3 * 512 || size % 512 !== 0) return false;
  const fd = openSync(file, "r");
  try {
    const magic = Buffer.alloc(5);
    const end = Buffer.alloc(1024);
    return (
      readSync(fd, magic, 0, 5, 257) === 5 &&
      magic.toString("latin1") === "ustar" &&
      readSync(fd, end, 0, 1024, size - 1024) === 1024 &&
      end.every((b) => b === 0)
    );
  } finally {
    closeSync(fd);
  }
}

/** A template to load, and whether its file is still the one read (another process may have renamed a new one in). */
interface Template {
  tarball: Blob;
  unchanged(): boolean;
  /** The tarball's path (its unpacked folder: {@link folderOf}). */
  file: string;
}

/** Whether `file` (or folder) is later still the one whose stats were `{ ino, mtimeMs, size }` (not replaced since). */
function fileIdentity(file: string, { ino, mtimeMs, size }: Stats): () => boolean {
  return () => {
    try {
      const now = statSync(file);
      return now.ino === ino && now.mtimeMs === mtimeMs && now.size === size;
    } catch {
      return false;
    }
  };
}

/**
 * The migrated template's tarball, from `templateDir` (a Blob backed by the file, read when PGlite loads it), made
 * there first if absent; undefined when it can be neither read nor made (the caller then runs initdb as before). Several processes may make it at once: each
 * writes its own temporary file and renames it into place, so a reader sees a whole template or none.
 */
export async function pgliteTemplate(
  migrationsDir = MIGRATIONS_DIR,
  templateDir = defaultTemplateDir(),
): Promise<Template | undefined> {
  if (templateDir === undefined) return undefined;
  try {
    ownDir(templateDir);
  } catch {
    return undefined; // another user's folder, or one anyone can write to: no template from it
  }
  const key = templateKey(migrationsDir);
  if (key === undefined) return undefined;
  const file = path.join(templateDir, `${key}.tar`);
  try {
    if (existsSync(file)) {
      assertOwn(file, "file");
      const stats = statSync(file);
      if (wholeTarball(file, stats.size))
        return { tarball: await openAsBlob(file), unchanged: fileIdentity(file, stats), file };
      throw new Error(`${file} is not a whole tar archive`);
    }
  } catch {
    rmSync(file, { force: true }); // unreadable or cut short: made again below
  }
  try {
    const pglite = new PGlite();
    let tarball: Buffer<ArrayBuffer>;
    try {
      await applyMigrations(pglite, { dir: migrationsDir });
      tarball = Buffer.from(await (await pglite.dumpDataDir("none")).arrayBuffer());
    } finally {
      await pglite.close();
    }
    const temporary = temporaryBeside(file);
    writeFileSync(temporary, tarball, { mode: 0o600 });
    renameSync(temporary, file);
    const unchanged = fileIdentity(file, statSync(file));
    try {
      tidy(templateDir);
    } catch {} // old templates left for the next tidy: this one is made
    return { tarball: new Blob([tarball]), unchanged, file };
  } catch {
    return undefined;
  }
}

/**
 * PostgreSQL's buffer pool in an embedded store. PGlite zeroes its shared memory at every start, and on the project's
 * machine kind (a Firecracker VM) the first touch of a page costs ≈ 3.4 ms per MB: Postgres's default 128 MB pool took
 * ≈ 0.45 s of each opening (docs/compute.md), about a quarter of it. The store's files sit in the OS page cache (a
 * folder) or in memory already, so a smaller pool only copies pages in more often once the working set outgrows it.
 */
export const PGLITE_SHARED_BUFFERS = "32MB";

/** A PGlite as the stores open it: `dir` ("memory" for one in memory), with the store's start parameters. */
export function openPGlite(dir: string, loadDataDir?: Blob): PGlite {
  const options = {
    startParams: [...PGlite.defaultStartParams, "-c", `shared_buffers=${PGLITE_SHARED_BUFFERS}`],
    ...(loadDataDir && { loadDataDir }),
  };
  return dir === "memory" ? new PGlite(options) : new PGlite(dir, options);
}

/**
 * The template unpacked into a folder, beside its tarball: made the first time a store in a folder asks for it, by a
 * PGlite that loads the tarball into a temporary folder and shuts down, then renamed into place (a reader sees a whole
 * folder or none; of two processes making it at once, the second keeps the first's). That first store starts PGlite
 * twice, once here and once on its copy. Undefined when it cannot be made: the caller loads the tarball as before.
 */
async function templateFolder(template: Template): Promise<string | undefined> {
  const folder = folderOf(template.file);
  const ours = () => {
    try {
      assertOwn(folder, "directory");
      return folder;
    } catch {
      return undefined; // absent, or not this user's own folder
    }
  };
  if (existsSync(folder)) {
    if (ours()) return folder;
    // The templates' folder is this user's own (pgliteTemplate checked it): what fails the check in it (a folder
    // others could write to) goes, and is made again.
    removeFolder(folder);
  }
  const temporary = temporaryBeside(folder);
  try {
    // This user's alone whatever the umask (PGlite would make it with the default mode), or assertOwn refuses it.
    mkdirSync(temporary, { mode: 0o700 });
    const pglite = openPGlite(temporary, template.tarball);
    try {
      await pglite.waitReady;
    } catch (e) {
      await pglite.close().catch(() => {});
      throw e;
    }
    await pglite.close(); // shut down: only a folder PostgreSQL closed cleanly becomes the template
    renameSync(temporary, folder);
  } catch {
    // Another process's rename came first (that folder is whole), or PGlite could not load or close it.
  } finally {
    rmSync(temporary, { recursive: true, force: true });
  }
  return ours();
}

/**
 * Copies a template folder into a store's folder. PG_VERSION goes last: a folder that holds it is taken for a
 * database, so a copy cut short is taken for a new folder again next time, and copied over.
 */
function copyTemplateFolder(folder: string, dir: string): void {
  const marker = path.join(folder, "PG_VERSION");
  cpSync(folder, dir, { recursive: true, filter: (source) => source !== marker });
  copyFileSync(marker, path.join(dir, "PG_VERSION"));
}

/**
 * A PGlite on `dir` ("memory" for one in memory): a folder that already holds a database opens as it is; a new one
 * starts from the migrated template when there is one (a folder as a copy of the template's folder).
 */
export async function newPGlite(
  dir: string,
  migrationsDir = MIGRATIONS_DIR,
  templateDir = defaultTemplateDir(),
): Promise<PGlite> {
  const fresh = dir === "memory" || !existsSync(path.join(dir, "PG_VERSION"));
  const template = fresh ? await pgliteTemplate(migrationsDir, templateDir) : undefined;
  const open = (loadDataDir?: Blob) => openPGlite(dir, loadDataDir);
  if (!template) return open();
  // What the folder held before (the store's lock, or whatever a user keeps there): never removed below.
  const before = new Set(dir !== "memory" && existsSync(dir) ? readdirSync(dir) : []);
  const removeAdded = () => {
    if (dir !== "memory" && existsSync(dir))
      for (const name of readdirSync(dir))
        if (!before.has(name)) rmSync(path.join(dir, name), { recursive: true, force: true });
  };
  const folder = dir === "memory" ? undefined : await templateFolder(template);
  if (folder) {
    try {
      const unchanged = fileIdentity(folder, statSync(folder));
      copyTemplateFolder(folder, dir);
      const pglite = open();
      try {
        await pglite.waitReady;
        return pglite;
      } catch (e) {
        await pglite.close().catch(() => {});
        // A folder this PGlite cannot open is made again from the tarball next time, unless another process has
        // already put a new one in its place.
        if (unchanged()) removeFolder(folder);
        throw e;
      }
    } catch {
      removeAdded(); // then the tarball, as before
    }
  }
  const pglite = open(template.tarball);
  try {
    await pglite.waitReady;
    return pglite;
  } catch {
    await pglite.close().catch(() => {});
    // A template this PGlite cannot load is made again next time — unless another process renamed a new one over it
    // meanwhile (a file-backed Blob fails once its file changes): that one is whole. What it unpacked into a new
    // folder goes, or the next opening would take the half-written folder for a database; then the old way.
    if (template.unchanged()) rmSync(template.file, { force: true });
    removeAdded();
    return open();
  }
}
