// The committed study rebuilt without training, as a reader would: `FROM_EXPORT=1 bash scripts/study.sh` imports the
// exported run store (docs/results-data/*.json.gz, written by the study's own run) into a fresh embedded store and
// writes the report from it. Everything but the line that says when and where it was generated must be the committed
// docs/results.md, figures included: the archives are the study, and the report is a function of them.
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const root = join(import.meta.dirname, "..");
const dir = mkdtempSync(join(tmpdir(), "tailsweep-study-archive-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The report without its "Generated … by `command`" line, which names the time and the output path. */
const body = (markdown: string) =>
  markdown
    .split("\n")
    .filter((line) => !line.startsWith("Generated "))
    .join("\n");

describe("the study's exported run store", () => {
  it("rebuilds docs/results.md and its figures exactly", { timeout: 180_000 }, async () => {
    const out = join(dir, "results.md");
    await run("bash", ["scripts/study.sh"], {
      cwd: root,
      env: { ...process.env, FROM_EXPORT: "1", OUT: out },
      maxBuffer: 16 << 20,
    });
    expect(body(readFileSync(out, "utf8"))).toBe(
      body(readFileSync(join(root, "docs", "results.md"), "utf8")),
    );
    const committed = join(root, "docs", "results-figures");
    const rebuilt = join(dir, "results-figures");
    expect(readdirSync(rebuilt).sort()).toEqual(readdirSync(committed).sort());
    for (const file of readdirSync(committed))
      expect(readFileSync(join(rebuilt, file), "utf8"), file).toBe(
        readFileSync(join(committed, file), "utf8"),
      );
  });
});
