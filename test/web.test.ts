// The dashboard built and served for real: a tiny sweep run by the CLI into an embedded store, then `tailsweep ui`
// (next build + next start) on that store; the pages and the tRPC endpoint answer with the stored sweep.
import { type ChildProcess, execFile, execSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const root = join(__dirname, "..");
const cli = join(root, "apps", "cli", "bin", "tailsweep.mjs");
const port = 31_337;
const dir = mkdtempSync(join(tmpdir(), "tailsweep-web-"));
const env = {
  ...process.env,
  NEXT_TELEMETRY_DISABLED: "1",
  TAILSWEEP_DB_DIR: join(dir, "db"),
  TAILSWEEP_BACKEND: "cpu",
  DATABASE_URL: "",
  NATS_URL: "",
};
let server: ChildProcess | undefined;

beforeAll(async () => {
  const file = join(dir, "tiny.yaml");
  writeFileSync(
    file,
    [
      "name: tiny-web",
      "project: web",
      "dataset: { name: mnist-2view, headCount: 60, testPerClass: 10, imbalanceRatio: 10, labelRatio: 0.2 }",
      "model: { encoderWidths: [8], decoderWidths: [8], classifierWidths: [8], latentDim: 2 }",
      "train: { epochs: 1, maxStepsPerEpoch: 2 }",
      "search: { variant: [proposed, gaussian], nu: [5, 30] }",
      "seeds: 2",
    ].join("\n"),
  );
  await run(process.execPath, [cli, "sweep", "run", file], { env });
  // `tailsweep ui` as a user runs it, in its own process group so the server it starts stops with it
  server = spawn(process.execPath, [cli, "ui", "--rebuild", "--port", String(port)], {
    env,
    detached: true,
    stdio: "ignore",
  });
  for (let i = 0; ; i++) {
    if (
      await fetch(`http://127.0.0.1:${port}/`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    if (i > 600) throw new Error("tailsweep ui did not answer");
    await new Promise((r) => setTimeout(r, 200));
  }
}, 240_000);

afterAll(() => {
  if (server?.pid) process.kill(-server.pid, "SIGKILL");
});

describe("the dashboard (tailsweep ui on an embedded store)", () => {
  it("lists the stored sweep with its progress and best configuration", async () => {
    const html = await (await fetch(`http://127.0.0.1:${port}/`)).text();
    expect(html).toMatch(/web<!-- -->\/<!-- -->tiny-web/);
    expect(html).toContain("completed");
    expect(html).toMatch(/8<!-- -->\/<!-- -->8/);
    expect(html).toMatch(/variant=(proposed|gaussian) \(\d+\.\d balancedAccuracy\)/);
  });

  it("shows a sweep's comparison table and its trials, and 404 for an unknown sweep", async () => {
    const html = await (await fetch(`http://127.0.0.1:${port}/`)).text();
    const href = html.match(/href="(\/sweeps\/[^"]+)"/)![1]!;
    const page = await (await fetch(`http://127.0.0.1:${port}${href}`)).text();
    expect(page).toContain("against <!-- -->model.nu=30 variant=gaussian");
    expect(page).toMatch(/variant=proposed.*(better|worse|inconclusive)/s);
    expect(page.match(/<td>succeeded<\/td>/g)).toHaveLength(8);
    // server-rendered charts: learning curves with their bands, and the heatmap over the two swept parameters
    expect(page).toMatch(/data-testid="curves"><svg/);
    expect(page).toMatch(/data-testid="heatmap"><svg/);
    expect((await fetch(`http://127.0.0.1:${port}/sweeps/nope`)).status).toBe(404);
  });

  it("answers tRPC over HTTP: the sweeps, the comparison table, and 404 for an unknown sweep", async () => {
    type Trpc<T> = { result: { data: T } };
    const list = (await (await fetch(`http://127.0.0.1:${port}/api/trpc/sweeps.list`)).json()) as Trpc<
      { id: string }[]
    >;
    const [sweep] = list.result.data;
    const input = encodeURIComponent(JSON.stringify({ id: sweep!.id }));
    const response = await fetch(`http://127.0.0.1:${port}/api/trpc/sweeps.compare?input=${input}`);
    const compared = (await response.json()) as Trpc<{ baseline: string; rows: unknown[] }>;
    expect(compared.result.data.baseline).toBe("model.nu=30 variant=gaussian");
    expect(compared.result.data.rows).toHaveLength(4);
    const bad = await fetch(
      `http://127.0.0.1:${port}/api/trpc/sweeps.get?input=${encodeURIComponent('{"id":"nope"}')}`,
    );
    expect(bad.status).toBe(404);
  });

  it("renders in Chromium: the sweeps list links to the sweep page, whose table shows the API's numbers", async () => {
    // Screenshots go where CI says (TAILSWEEP_ARTIFACTS, printed at the end of .ci/run), else next to the store.
    const artifacts = process.env.TAILSWEEP_ARTIFACTS ?? join(dir, "artifacts");
    mkdirSync(artifacts, { recursive: true });
    const browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? execSync("command -v chromium").toString().trim(),
      headless: true,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
      await page.goto(`http://127.0.0.1:${port}/`);
      await page.screenshot({ path: join(artifacts, "sweeps.png"), fullPage: true });
      const started = Date.now();
      await page.click("text=web/tiny-web");
      await page.waitForSelector("[data-testid=comparison]");
      const firstRender = Date.now() - started;
      await page.screenshot({ path: join(artifacts, "sweep.png"), fullPage: true });
      // the p-value the page shows for the proposed variant is the API's, rounded as displayed
      const id = new URL(page.url()).pathname.split("/").pop()!;
      const input = encodeURIComponent(JSON.stringify({ id }));
      const api = (await (
        await fetch(`http://127.0.0.1:${port}/api/trpc/sweeps.compare?input=${input}`)
      ).json()) as {
        result: { data: { rows: { config: string; vsBaseline?: { p: number } }[] } };
      };
      const p = api.result.data.rows.find((r) => r.config === "model.nu=5 variant=proposed")!.vsBaseline!.p;
      const row = page.locator("[data-testid=comparison] tr", { hasText: "model.nu=5 variant=proposed" });
      const cells = await row.locator("td").allInnerTexts();
      expect(cells[4]).toBe(p < 0.001 ? "<0.001" : p.toFixed(3));
      expect(firstRender).toBeLessThan(2_000);
      // a trial: its epochs and its reproducibility record
      await page.click("[data-testid=trials] a >> nth=0");
      await page.waitForSelector("[data-testid=epochs]");
      expect(await page.locator("[data-testid=epochs] tbody tr").count()).toBe(1);
      expect(await page.textContent("body")).toContain("gitCommit");
      await page.screenshot({ path: join(artifacts, "trial.png"), fullPage: true });
    } finally {
      await browser.close();
    }
  });
});
