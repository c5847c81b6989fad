import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { numberArg } from "../config-input";

const log = (line: string) => process.stderr.write(`${line}\n`);

/** Registers `tailsweep ui`: the dashboard (apps/web) served on this store. */
export function registerUi(program: Command): void {
  program
    .command("ui")
    .description(
      "serve the dashboard on this run store: DATABASE_URL, or the embedded store in .tailsweep/db (builds the app the first time)",
    )
    .option("--port <n>", "port", numberArg("--port"), 3000)
    .option("--host <address>", "address to listen on", "127.0.0.1")
    .option("--rebuild", "build the app again before serving it")
    .action(async (o: { port: number; host: string; rebuild?: boolean }) => {
      const web = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "web");
      const next = join(web, "node_modules", ".bin", "next");
      if (!existsSync(next)) throw new Error(`the dashboard is not installed: no ${next} (run pnpm install)`);
      // Next runs in apps/web: point it at the store this command would use, by absolute path.
      const env = {
        ...process.env,
        NEXT_TELEMETRY_DISABLED: "1",
        TAILSWEEP_DB_DIR: resolve(process.env.TAILSWEEP_DB_DIR ?? join(".tailsweep", "db")),
      };
      if (o.rebuild || !existsSync(join(web, ".next", "BUILD_ID"))) {
        log("building the dashboard (once; --rebuild to redo it)…");
        const built = spawnSync(next, ["build"], { cwd: web, env, stdio: ["ignore", "ignore", "inherit"] });
        if (built.status !== 0) throw new Error(`next build failed (exit ${built.status})`);
      }
      log(
        `dashboard on http://${o.host}:${o.port} · run store: ${process.env.DATABASE_URL ? "PostgreSQL (DATABASE_URL)" : `PGlite ${env.TAILSWEEP_DB_DIR}`}`,
      );
      const server = spawn(next, ["start", "-H", o.host, "-p", String(o.port)], {
        cwd: web,
        env,
        stdio: ["ignore", "ignore", "inherit"],
      });
      for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => server.kill(signal));
      const code = await new Promise<number | null>((r) => server.once("exit", r));
      if (code) process.exitCode = code;
    });
}
