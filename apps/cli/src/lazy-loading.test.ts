import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { z } from "zod";

/**
 * Every start of the CLI pays for the modules it loads (seconds for the store's, the model's and the API's), so a
 * command loads only what it uses: --help and usage errors none of the heavy packages, a command that needs no store
 * or training not the API's router or the model's trainer (main.ts, commands/lazy-action.ts). Checked on the real
 * process: a module hook registered before the CLI starts writes down every module it resolves, and a wrapper of
 * CommonJS's resolution every file it requires (the bundle requires its CommonJS dependencies: bin/bundle.mjs).
 */

const root = resolve(__dirname, "..", "..", "..");
const bin = join(__dirname, "..", "bin", "tailsweep.mjs");
const dir = mkdtempSync(join(tmpdir(), "tailsweep-loads-"));
const hooks = join(dir, "hooks.mjs");
writeFileSync(
  hooks,
  `import { appendFileSync } from "node:fs";
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  appendFileSync(process.env.TAILSWEEP_LOADED_LOG, "import " + resolved.url + "\\n");
  return resolved;
}
`,
);
const register = join(dir, "register.mjs");
// Module._resolveFilename is CommonJS's internal resolver: every require(), whoever calls it, goes through it.
writeFileSync(
  register,
  `import { appendFileSync } from "node:fs";
import Module, { register } from "node:module";
import { isAbsolute } from "node:path";
import { pathToFileURL } from "node:url";
register(${JSON.stringify(pathToFileURL(hooks).href)});
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (...args) {
  const file = resolveFilename.apply(this, args);
  if (isAbsolute(file)) appendFileSync(process.env.TAILSWEEP_LOADED_LOG, "require " + pathToFileURL(file).href + "\\n");
  return file;
};
`,
);

let runs = 0;
/** What one start of the CLI loaded: file URLs, all of them and those imported or required, and its exit code. */
interface Loaded {
  code: number;
  urls: string[];
  imported: string[];
  required: string[];
}

/**
 * The modules `tailsweep <args>` resolved, with its exit code: through bin/tailsweep.mjs (the bundle, whose own chunks
 * hide which workspace modules they hold, so only the dependencies show), or with `source` the TypeScript through
 * tsx, where every workspace module shows.
 */
function loaded(how: "bin" | "source", ...args: string[]): Promise<Loaded> {
  const log = join(dir, `loaded-${++runs}.txt`);
  writeFileSync(log, "");
  const start = how === "bin" ? [bin] : ["--import", "tsx", join(__dirname, "main.ts")];
  return new Promise((done) => {
    execFile(
      process.execPath,
      ["--import", pathToFileURL(register).href, ...start, ...args],
      {
        // `--import tsx` is found from here, where the CLI's own dependencies are.
        cwd: join(__dirname, ".."),
        env: {
          ...process.env,
          TAILSWEEP_LOADED_LOG: log,
          TAILSWEEP_DB_DIR: mkdtempSync(join(tmpdir(), "tailsweep-loads-db-")),
        },
      },
      (error) => {
        const code = error ? Number((error as { code?: unknown }).code ?? 1) : 0;
        const lines = readFileSync(log, "utf8").split("\n").filter(Boolean);
        const of = (how: string) =>
          lines.filter((l) => l.startsWith(`${how} `)).map((l) => l.slice(how.length + 1));
        const [imported, required] = [of("import"), of("require")];
        done({ code, urls: [...new Set([...imported, ...required])], imported, required });
      },
    );
  });
}

const url = (path: string) => pathToFileURL(join(root, path)).href;
/** What takes seconds to load, by the folder, entry point or dependency a URL names. */
// The db package's entry point, not the whole folder: its small modules without Prisma (folder.ts, which the settings
// check folders with; lock-file.ts) are loaded cheaply, as the api package's auth-settings.ts is.
const STORE = [
  url("packages/db/src/index.ts"),
  url("packages/db/src/generated/"),
  "@electric-sql+pglite",
  "@prisma+client",
];
const MODEL = [url("packages/model/"), "@tensorflow+tfjs"];
const API = [url("packages/api/src/index.ts"), "/openid-client", "/echarts"];
const TRAINER = [url("packages/model/src/index.ts"), url("apps/worker/")];
const OTHERS = [url("packages/analysis/"), url("apps/controller/"), url("apps/worker/")];
const HEAVY = [...STORE, ...MODEL, ...API, ...OTHERS];
/** Help, usage errors and a group without its command: nothing of what the commands use. */
const HELP_AND_USAGE = [["--help"], ["sweep", "list", "--help"], ["sweep", "list", "--bogus"], ["sweep"]];

/** The URLs that contain any of `parts`. */
const matching = (urls: string[], parts: string[]) => urls.filter((u) => parts.some((p) => u.includes(p)));

describe("what a command loads", () => {
  it("notices what it loads (the hook works)", async () => {
    const r = await loaded("source", "--help");
    expect(r.code).toBe(0);
    expect(r.urls).toContain(url("apps/cli/src/main.ts"));
    const store = await loaded("bin", "sweep", "list", "--json");
    expect(store.code).toBe(0);
    expect(matching(store.urls, ["@electric-sql+pglite"])).not.toEqual([]);
  }, 240_000);

  for (const how of ["source", "bin"] as const) {
    it(`loads none of the heavy packages for help and usage errors (${how})`, async () => {
      for (const args of HELP_AND_USAGE) {
        const r = await loaded(how, ...args);
        expect(r.code, args.join(" ")).toBe(args.includes("--help") ? 0 : 2);
        expect(matching(r.urls, HEAVY), args.join(" ")).toEqual([]);
      }
    }, 240_000);

    it(`loads neither the API nor the trainer for a command that uses neither (${how})`, async () => {
      const r = await loaded(how, "whoami");
      expect(r.code).toBe(0);
      expect(matching(r.urls, [...API, ...TRAINER, ...OTHERS])).toEqual([]);
    }, 120_000);
  }

  it("loads no charts for `sweep run`, whose every start would pay for them (≈ 0.6–0.9 s)", async () => {
    // Refused once its modules are loaded (GPU trials on the cpu backend), so nothing trains.
    const file = join(dir, "gpu.yaml");
    writeFileSync(
      file,
      "name: gpu\nsearch: { variant: [proposed, gaussian] }\nexecution: { gpu: { variant: [proposed] } }\nseeds: 2\n",
    );
    for (const how of ["bin", "source"] as const) {
      const r = await loaded(how, "sweep", "run", file, "--backend", "cpu");
      expect(r.code, how).toBe(2);
      expect(matching(r.urls, [...STORE, ...MODEL]), how).not.toEqual([]); // it did load the command's modules
      expect(matching(r.urls, ["/echarts", "/zrender", "/d3-", url("packages/charts/")]), how).toEqual([]);
    }
  }, 240_000);

  it("requires the CommonJS dependencies from the bundle, where an import would first scan each of them", async () => {
    const file = join(dir, "gpu-cjs.yaml");
    writeFileSync(file, "name: gpu\nexecution: { gpu: { variant: [proposed] } }\n");
    const r = await loaded("bin", "sweep", "run", file, "--backend", "cpu");
    expect(r.code).toBe(2);
    const tfjsCore = (urls: string[]) => matching(urls, ["/@tensorflow/tfjs-core/"]);
    expect(tfjsCore(r.required)).not.toEqual([]);
    expect(tfjsCore(r.imported)).toEqual([]);
    // an ES module is still imported
    expect(matching(r.imported, ["@electric-sql+pglite"])).not.toEqual([]);
    // ECharts, which the store's commands reach through the API's router, as its one-file CommonJS build (bundle.mjs's
    // REQUIRE_BUILD), not as the ES build's ~600 modules
    const list = await loaded("bin", "sweep", "list", "--json");
    expect(list.code).toBe(0);
    expect(matching(list.required, ["/echarts/dist/echarts.js"])).toHaveLength(1);
    // and @stdlib's hundreds of small modules inside the bundle (BUNDLED_DEPENDENCIES), not loaded one by one
    expect(matching(list.urls, ["/@stdlib+"])).toEqual([]);
    expect(matching(list.urls, ["/echarts/", "/zrender/"])).toEqual(
      matching(list.required, ["/echarts/dist/echarts.js"]),
    );
  }, 120_000);

  it("starts from the same build again when nothing changed", async () => {
    const cache = join(__dirname, "..", "node_modules", ".cache", "tailsweep-cli");
    /** The entry of the build current.json names, which a start from the bundle imports. */
    const currentEntry = () => {
      const { dir: build } = z
        .object({ dir: z.string() })
        .parse(JSON.parse(readFileSync(join(cache, "current.json"), "utf8")));
      return pathToFileURL(join(cache, build, "main.mjs")).href;
    };
    const first = await loaded("bin", "--help");
    expect(first.code).toBe(0);
    const entry = currentEntry();
    // it ran from the bundle, not through tsx (which the bin falls back to when the bundle fails to load)
    expect(first.imported).toContain(entry);
    expect(first.urls).not.toContain(url("apps/cli/src/main.ts"));
    const second = await loaded("bin", "--help");
    expect(second.code).toBe(0);
    expect(currentEntry()).toBe(entry);
    expect(second.imported).toContain(entry);
    expect(second.urls).not.toContain(url("apps/cli/src/main.ts"));
  }, 240_000);

  it("loads no trainer and no controller for a command that reads the store", async () => {
    const r = await loaded("source", "sweep", "list", "--json");
    expect(r.code).toBe(0);
    expect(r.urls).toContain(url("packages/api/src/index.ts"));
    expect(matching(r.urls, [...TRAINER, url("apps/controller/")])).toEqual([]);
  }, 120_000);
});
