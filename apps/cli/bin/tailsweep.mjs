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
const code = await main(process.argv);
process.exitCode = code;
// A command that failed is over, but a library may still hold a handle that keeps Node up: @nats-io/transport-node
// 3.4.0 leaves open the socket of a connect that timed out before the server's greeting (a NATS_URL naming a port
// that is not NATS), until the peer closes it — 40 s more against PostgreSQL's port, never against a silent one,
// which kept a worker under systemd from exiting, and so from being restarted. The error is written by then: let it
// reach its reader, then end.
if (code !== 0) {
  await Promise.all([process.stdout, process.stderr].map((s) => new Promise((r) => s.write("", r))));
  process.exit(code);
}
