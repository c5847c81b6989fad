// The CLI as a cached esbuild bundle, so that a start does not pay for tsx compiling and resolving some 200 TypeScript
// modules through its loader thread (bin/tailsweep.mjs). The bundle holds the CLI's source and the workspace packages
// it imports (@tailsweep/*); every other package stays a separate import, resolved here as Node resolves it from the
// file that imports it (pnpm gives each package its own node_modules) and written into the bundle as that file's
// absolute URL (an ES module's import) or path (a CommonJS module's require()). Code splitting keeps each command's
// `import()` (main.ts, commands/lazy-action.ts) a chunk of its own, loaded only when that command runs.
// `import.meta.url` is replaced in each source file by that file's own URL, so paths found from it (the migrations,
// the data cache, apps/web, createRequire) stay what they are under tsx.
//
// Each build has its own folder under node_modules/.cache/tailsweep-cli, and `current.json` names the one in use,
// replaced by a rename: a process never sees half a build, and one started from an older build keeps its chunks. A
// build is stale when a file it was made from, a manifest that decides resolution, the install (pnpm's record of it)
// or this file changed after it began. A build that failed is not tried again until one of the files it read changes:
// till then the CLI runs through tsx.
import { randomUUID } from "node:crypto";
import {
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { isBuiltin } from "node:module";
import { dirname, extname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { compileFunction } from "node:vm";

const cliDir = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const root = resolve(cliDir, "..", "..");
const cacheDir = join(cliDir, "node_modules", ".cache", "tailsweep-cli");
const currentFile = join(cacheDir, "current.json");
const failedFile = join(cacheDir, "failed.json");
const entry = join(cliDir, "src", "main.ts");
/**
 * The training thread's entry (`sweep run` trains trials on worker threads): a second entry point, written as
 * trial-thread.mjs beside main.mjs, where src/trial-threads.ts looks for it.
 */
const threadEntry = join(root, "apps", "worker", "src", "trial-thread.ts");
/** The namespace of the stand-in modules that require() a CommonJS dependency (workspaceBundleOptions). */
const REQUIRED = "tailsweep-require";
/** node:module's createRequire, under the name each chunk's banner imports it as, for the stand-ins. */
const CREATE_REQUIRE = "__tailsweepCreateRequire";
/** Bumped when what a build holds changes in a way its inputs do not show. */
const FORMAT = 3;
/**
 * Packages with both builds whose CommonJS one is a single file, resolved as a require() would resolve them: ECharts'
 * ES build is some 600 modules (with zrender's) that every command reading the store imported at its start, for charts
 * only `report` draws (the API's router reaches them through @tailsweep/analysis) — ≈ 0.58 s of the start, where
 * require() of dist/echarts.js takes ≈ 0.15 s. Only packages that no dependency the CLI imports outside the bundle
 * imports in turn, so a process holds one copy (the dashboard's Next build bundles its own).
 */
const REQUIRE_BUILD = new Set(["echarts"]);
/**
 * Dependencies bundled as the workspace's code is, not imported by URL: what packages/stats uses of @stdlib is some 760
 * CommonJS files of a few lines each, ≈ 0.3 s of require() at the start of every command that reads the store; in the
 * bundle they are part of a chunk. Plain code: none reads __dirname or requires a computed path (checked when added).
 */
const BUNDLED_DEPENDENCIES = ["@stdlib/"];
/**
 * Old builds are removed this long after they were replaced: a process started from one may still load its chunks
 * (a command imports its own in its first seconds).
 */
const KEEP_OLD_MS = 10 * 60 * 1000;
/** A build in progress for longer than this is taken to have died. */
const BUILD_LOCK_MS = 2 * 60 * 1000;

/** Whether `path` lies in the workspace's own code (bundled), not in a dependency (a separate import). */
function inWorkspace(path) {
  const rel = relative(root, path);
  return !rel.startsWith("..") && !rel.split(sep).includes("node_modules");
}

/**
 * The nearest package.json's "type" for each folder asked about: "module", "commonjs", or "none" where its package.json
 * has no "type" (or there is none above it).
 */
const packageTypes = new Map();

function packageType(dir) {
  if (packageTypes.has(dir)) return packageTypes.get(dir);
  const manifest = readJson(join(dir, "package.json"));
  const parent = dirname(dir);
  const type =
    manifest !== undefined ? (manifest.type ?? "none") : parent === dir ? "none" : packageType(parent);
  packageTypes.set(dir, type);
  return type;
}

/**
 * {@link isCommonJs}'s answer for each file asked about: esbuild resolves a dependency once per file that imports it,
 * and compiling tfjs-core's 1.3 MB to ask takes ≈ 65 ms.
 */
const commonJsFiles = new Map();

/**
 * Whether Node loads the dependency file `path` as CommonJS: a .cjs file, a .js one of a "commonjs" package, or a .js
 * one of a package without "type" that compiles as a CommonJS module's body — Node 20.19+ asks the same of such a
 * file, and takes one with ES module syntax (`import`, `export`, `import.meta`, a top-level `await`) for an ES module.
 */
function isCommonJs(path) {
  let commonJs = commonJsFiles.get(path);
  if (commonJs === undefined) {
    commonJs = loadsAsCommonJs(path);
    commonJsFiles.set(path, commonJs);
  }
  return commonJs;
}

function loadsAsCommonJs(path) {
  const ext = extname(path);
  if (ext === ".cjs") return true;
  if (ext !== ".js") return false;
  const type = packageType(dirname(path));
  if (type !== "none") return type === "commonjs";
  try {
    compileFunction(readFileSync(path, "utf8"), ["exports", "require", "module", "__filename", "__dirname"]);
    return true;
  } catch {
    return false;
  }
}

/** A JSON file of the cache, or undefined when it is missing or unreadable. */
function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
}

/** Writes a JSON file of the cache whole or not at all (a temporary file, then a rename). */
function writeJson(file, value) {
  const temporary = `${file}.${process.pid}.${randomUUID().slice(0, 8)}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(value)}\n`);
  renameSync(temporary, file);
}

/**
 * Every file a build made from `sources` (workspace files, absolute paths) depends on: those, the manifests of their
 * packages (their exports decide what @tailsweep/* resolves to), the compiler options, the install and this file.
 */
function dependencies(sources) {
  const packages = sources
    .map((p) => /^(apps|packages)\/[^/]+\//.exec(relative(root, p).split(sep).join("/"))?.[0])
    .filter((p) => p !== undefined)
    .map((p) => join(root, p, "package.json"));
  return [
    ...new Set([
      ...sources,
      ...packages,
      fileURLToPath(import.meta.url),
      join(root, "tsconfig.json"),
      join(root, "package.json"),
      join(root, "pnpm-lock.yaml"),
      // pnpm rewrites it on every install: the dependencies' paths (their versions) may have changed.
      join(root, "node_modules", ".modules.yaml"),
    ]),
  ];
}

/**
 * Whether a record ({ format, root, startedAt, inputs }) still stands: made for this checkout (a copied tree's cache
 * names the original's files), no input changed since `startedAt`, none is gone. The change time counts as well as
 * the modification time: a copy that keeps old mtimes (cp -p, rsync -a, tar) cannot set the ctime back.
 */
function unchanged(record) {
  if (record?.format !== FORMAT || record.root !== root || !Array.isArray(record.inputs)) return false;
  for (const file of record.inputs) {
    try {
      const stat = statSync(file);
      if (Math.max(stat.mtimeMs, stat.ctimeMs) >= record.startedAt) return false;
    } catch {
      return false; // gone: a rebuild says what became of its importers
    }
  }
  return true;
}

/**
 * The bundle to run: its entry's URL when the build in use is current; null when the last build failed and nothing
 * it read has changed since (run through tsx); undefined when a build is due.
 */
export function currentBundle() {
  const current = readJson(currentFile);
  if (typeof current?.dir === "string" && unchanged(readJson(join(cacheDir, current.dir, "manifest.json"))))
    return pathToFileURL(join(cacheDir, current.dir, "main.mjs")).href;
  return unchanged(readJson(failedFile)) ? null : undefined;
}

/**
 * Builds the bundle and makes it current; returns its entry's URL, or undefined when another process is building
 * one right now (the caller runs through tsx this time). Throws when the build fails, after noting the failure.
 */
export async function buildBundle() {
  mkdirSync(cacheDir, { recursive: true });
  const lock = join(cacheDir, "build.lock");
  try {
    writeFileSync(lock, String(process.pid), { flag: "wx" });
  } catch {
    let age = 0;
    try {
      age = Date.now() - statSync(lock).mtimeMs;
    } catch {}
    if (age < BUILD_LOCK_MS) return undefined;
    writeFileSync(lock, String(process.pid));
  }
  try {
    return await build();
  } finally {
    rmSync(lock, { force: true });
  }
}

/**
 * esbuild's options for a bundle of the workspace's code from `entryPoints` into `outdir`, as the CLI's: every
 * @tailsweep/* module bundled, every other package imported by the absolute URL Node resolves it to (required by its
 * path when Node loads it as CommonJS), and
 * `import.meta.url` in each source file replaced by that file's own URL. `read` collects the workspace files the build
 * reads. Also what bench/train-vs-pytorch.ts runs its side from, so that it measures tailsweep as the CLI runs it.
 * @param {{ entryPoints: Record<string, string>, outdir: string, read?: Set<string> }} options
 * @returns {import("esbuild").BuildOptions}
 */
export function workspaceBundleOptions({ entryPoints, outdir, read = new Set() }) {
  /** @type {import("esbuild").Plugin} */
  const workspacePlugin = {
    name: "tailsweep-workspace",
    setup(b) {
      // Dependencies: resolved from the importing file, as Node would, and imported by absolute URL at run time.
      b.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.pluginData?.resolving || args.path.startsWith("@tailsweep/")) return undefined;
        if (isBuiltin(args.path)) return { path: args.path, external: true };
        const resolved = await b.resolve(args.path, {
          kind: REQUIRE_BUILD.has(args.path) ? "require-call" : args.kind,
          resolveDir: args.resolveDir,
          importer: args.importer,
          pluginData: { resolving: true },
        });
        if (resolved.errors.length > 0) return { errors: resolved.errors };
        if (inWorkspace(resolved.path) || BUNDLED_DEPENDENCIES.some((prefix) => args.path.startsWith(prefix)))
          return { path: resolved.path };
        if (isCommonJs(resolved.path)) return { path: resolved.path, namespace: REQUIRED };
        return { path: pathToFileURL(resolved.path).href, external: true };
      });
      // A CommonJS dependency is loaded with require(), in a stand-in module that esbuild's interop reads names from.
      // Node's import of CommonJS would first scan the file for its export names (cjs-module-lexer) and try it as an
      // ES module (syntax detection): ≈ 0.3 s of every isolate's start for tfjs's bundles alone, where the require()
      // takes ≈ 0.2 s in all (docs/compute.md).
      b.onLoad({ filter: /.*/, namespace: REQUIRED }, (args) => ({
        contents: `module.exports = ${CREATE_REQUIRE}(${JSON.stringify(args.path)})(${JSON.stringify(args.path)});`,
        loader: "js",
      }));
      // Each workspace file keeps its own URL for paths found from it.
      b.onLoad({ filter: /\.[cm]?[jt]sx?$/ }, (args) => {
        if (!inWorkspace(args.path)) return undefined;
        read.add(args.path);
        const ext = extname(args.path);
        const loader = /ts/.test(ext) ? (ext.endsWith("x") ? "tsx" : "ts") : ext.endsWith("x") ? "jsx" : "js";
        const source = readFileSync(args.path, "utf8");
        return {
          contents: source.replaceAll("import.meta.url", JSON.stringify(pathToFileURL(args.path).href)),
          loader,
        };
      });
    },
  };

  return {
    entryPoints,
    outdir,
    outExtension: { ".js": ".mjs" },
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    // Node's own conditions and fields, so that the bundle resolves what Node resolves (esbuild adds "module").
    conditions: [],
    mainFields: ["main"],
    // Class and function names as written: errors' names and the like must not become `InputError2`.
    keepNames: true,
    // Read only when stacks are printed (bin/tailsweep.mjs).
    sourcemap: "linked",
    sourcesContent: false,
    metafile: true,
    absWorkingDir: root,
    tsconfig: join(root, "tsconfig.json"),
    plugins: [workspacePlugin],
    banner: { js: `import { createRequire as ${CREATE_REQUIRE} } from "node:module";` },
    logLevel: "silent",
  };
}

async function build() {
  const { build: esbuild } = await import("esbuild");
  // Taken before the build reads any file: an edit made while it runs makes the next start build again.
  const startedAt = Date.now();
  const dirName = `build-${startedAt}-${randomUUID().slice(0, 8)}`;
  const outdir = join(cacheDir, dirName);
  /** The workspace files the build read, for a failure's record (a success has the metafile). */
  const read = new Set([entry, threadEntry]);
  let result;
  try {
    result = await esbuild(
      workspaceBundleOptions({ entryPoints: { main: entry, "trial-thread": threadEntry }, outdir, read }),
    );
  } catch (e) {
    rmSync(outdir, { recursive: true, force: true });
    // With their folders: a file that was missing (an import of a module not written yet) changes one when it comes.
    const inputs = dependencies([...read]);
    writeJson(failedFile, {
      format: FORMAT,
      root,
      startedAt,
      inputs: [...new Set([...inputs, ...inputs.map(dirname)])],
    });
    throw e;
  }
  // The workspace's files: the metafile names each stand-in module too, as `<namespace>:<path>`, and the bundled
  // dependencies' files, which change only with the install (the lockfile and pnpm's record, among the inputs).
  const sources = Object.keys(result.metafile.inputs)
    .filter((p) => !p.startsWith(`${REQUIRED}:`))
    .map((p) => resolve(root, p))
    .filter(inWorkspace);
  writeFileSync(
    join(outdir, "manifest.json"),
    `${JSON.stringify({ format: FORMAT, root, startedAt, inputs: dependencies(sources) })}\n`,
  );
  const replaced = readJson(currentFile)?.dir;
  writeJson(currentFile, { dir: dirName });
  rmSync(failedFile, { force: true });
  // Its age counts from now: processes started from it a moment ago may still load its chunks.
  if (typeof replaced === "string" && replaced !== dirName) {
    const now = new Date();
    try {
      utimesSync(join(cacheDir, replaced), now, now);
    } catch {}
  }
  removeOldBuilds(dirName);
  return pathToFileURL(join(outdir, "main.mjs")).href;
}

/** Removes builds replaced more than {@link KEEP_OLD_MS} ago, and leftovers of failed ones, but never `keep`. */
function removeOldBuilds(keep) {
  for (const name of readdirSync(cacheDir)) {
    if (!name.startsWith("build-") || name === keep) continue;
    const dir = join(cacheDir, name);
    try {
      if (Date.now() - statSync(dir).mtimeMs > KEEP_OLD_MS) rmSync(dir, { recursive: true, force: true });
    } catch {}
  }
}
