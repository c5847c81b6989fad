import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeFileWhole } from "./write-file-whole";

async function* chunks(parts: string[], failAfter?: number) {
  for (const [i, part] of parts.entries()) {
    if (i === failAfter) throw new Error("connection dropped");
    yield part;
  }
}

describe("writeFileWhole", () => {
  it("writes every chunk, replacing what was there", async () => {
    const dir = mkdtempSync(join(tmpdir(), "whole-"));
    const path = join(dir, "out.csv");
    writeFileSync(path, "old\n");
    await writeFileWhole(path, chunks(["a,b\n", "1,2\n"]));
    expect(readFileSync(path, "utf8")).toBe("a,b\n1,2\n");
    expect(readdirSync(dir)).toEqual(["out.csv"]);
  });

  it("leaves the file as it was, and no partial file, when the stream fails midway", async () => {
    const dir = mkdtempSync(join(tmpdir(), "whole-"));
    const path = join(dir, "out.csv");
    writeFileSync(path, "old\n");
    await expect(writeFileWhole(path, chunks(["a,b\n", "1,2\n", "3,4\n"], 2))).rejects.toThrow(
      "connection dropped",
    );
    expect(readFileSync(path, "utf8")).toBe("old\n");
    expect(readdirSync(dir)).toEqual(["out.csv"]);
    await expect(writeFileWhole(join(dir, "new.csv"), chunks(["x"], 0))).rejects.toThrow();
    expect(readdirSync(dir)).toEqual(["out.csv"]);
  });

  it("writes straight to a path that is not a regular file", async () => {
    await writeFileWhole("/dev/null", chunks(["discarded"]));
  });
});
