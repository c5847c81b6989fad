import { chromium } from "playwright-core";

const base = "http://127.0.0.1:31338";
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
page.on("console", (m) => m.type() === "error" && console.log("console error:", m.text()));
page.on("pageerror", (e) => console.log("page error:", e.message));
for (const [name, path] of process.argv.slice(2).map((a) => a.split("="))) {
  const t0 = Date.now();
  await page.goto(base + path, { waitUntil: "load" });
  console.log(name, path, Date.now() - t0, "ms");
  await page.screenshot({ path: `/tmp/shot-${name}.png`, fullPage: true });
}
await browser.close();
