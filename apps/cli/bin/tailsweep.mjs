#!/usr/bin/env node
// Runs the CLI from a cached esbuild bundle of its TypeScript (bundle.mjs: rebuilt when a source changed), which
// starts in a fraction of the time that compiling and resolving every module through tsx takes. Through tsx, with no
// build step, when the build failed (until a file it read changes) or another process is building it right now;
// TAILSWEEP_DEBUG=1 prints why the build failed.
import { buildBundle, currentBundle } from "./bundle.mjs";

/** TAILSWEEP_DEBUG as the settings read it (a flag: 1, true, yes or on), read here before them. */
const debug = /^\s*(1|true|yes|on)\s*$/i.test(process.env.TAILSWEEP_DEBUG ?? "");

/** The CLI's main module: the bundle's, else the TypeScript source through tsx. */
async function load() {
  try {
    const current = currentBundle();
    if (current === null && debug)
      process.stderr.write(
        "tailsweep: running through tsx: the bundle's last build failed and no file it read changed\n",
      );
    const bundle = current === undefined ? await buildBundle() : current;
    if (bundle) {
      // Stacks that name the TypeScript files and lines, as tsx gives them, when they are printed (TAILSWEEP_DEBUG):
      // with source maps on, Node also reads those of the dependencies that have them, a tenth of a second or more.
      if (debug) process.setSourceMapsEnabled(true);
      return await import(bundle);
    }
  } catch (e) {
    if (debug) process.stderr.write(`tailsweep: running through tsx, the bundle failed: ${e?.stack ?? e}\n`);
  }
  const { register } = await import("tsx/esm/api");
  register();
  return import("../src/main.ts");
}

const { main } = await load();
process.exitCode = await main(process.argv);
