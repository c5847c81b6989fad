// The README's dashboard picture, from a real sweep: runs examples/quick.yaml (8 trials: the Student-t model against
// its Gaussian baseline at two label ratios) into a new embedded store in a temporary folder, serves it read-only with
// `tailsweep ui --workers 0 --read-only`, and photographs the sweep page in Chromium (1280 px wide, the top 1,600 px).
// Usage: node --import tsx scripts/dashboard-screenshot.ts [--out docs/images/dashboard-sweep.png] [--rebuild]
// About 2 min with the dashboard already built (5 more to build it); needs Debian's chromium (CHROMIUM_PATH).
import { execFileSync, execSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { chromium } from "playwright-core";
import { z } from "zod";

const { values } = parseArgs({
  options: {
    out: { type: "string", default: "docs/images/dashboard-sweep.png" },
    rebuild: { type: "boolean", default: false },
  },
});
const repo = join(dirname(fileURLToPath(import.meta.url)), "..");
const cli = join(repo, "apps", "cli", "bin", "tailsweep.mjs");
const work = mkdtempSync(join(tmpdir(), "tailsweep-screenshot-"));
const env = { ...process.env, TAILSWEEP_DB_DIR: join(work, "db"), DATABASE_URL: "", NATS_URL: "" };
const port = 3900 + (process.pid % 90);

const run = JSON.parse(
  execFileSync(process.execPath, [cli, "sweep", "run", join(repo, "examples", "quick.yaml"), "--json"], {
    env,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  }),
);
const sweepId = z.object({ sweep: z.object({ id: z.string() }) }).parse(run).sweep.id;
const ui = spawn(
  process.execPath,
  [
    cli,
    "ui",
    "--read-only",
    "--workers",
    "0",
    "--port",
    String(port),
    ...(values.rebuild ? ["--rebuild"] : []),
  ],
  { env, stdio: ["ignore", "inherit", "inherit"], detached: true },
);
const stop = () => {
  if (ui.pid && ui.exitCode === null) process.kill(-ui.pid, "SIGTERM");
};
process.on("exit", () => {
  stop();
  rmSync(work, { recursive: true, force: true });
});

const base = `http://127.0.0.1:${port}`;
for (let waited = 0; ; waited += 1_000) {
  const ok = await fetch(`${base}/`).then(
    (r) => r.ok,
    () => false,
  );
  if (ok) break;
  if (waited > 600_000 || ui.exitCode !== null) throw new Error("the dashboard did not answer");
  await new Promise((r) => setTimeout(r, 1_000));
}
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? execSync("command -v chromium").toString().trim(),
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--no-first-run"],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
  await page.goto(`${base}/sweeps/${sweepId}`, { waitUntil: "networkidle" });
  await page.getByRole("heading", { name: "Which configuration is better" }).waitFor({ state: "visible" });
  mkdirSync(dirname(join(repo, values.out)), { recursive: true });
  await page.screenshot({ path: join(repo, values.out), clip: { x: 0, y: 0, width: 1280, height: 1600 } });
  console.log(`${values.out}: sweep ${sweepId} (examples/quick.yaml)`);
} finally {
  await browser.close();
  stop();
}
