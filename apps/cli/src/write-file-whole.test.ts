import { execFileSync } from "node:child_process";
import {
  chmodSync,
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { readFile } from "node:fs/promises";
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

  it("names the path given when its folder is missing or a file, not the partial file beside it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "whole-"));
    await expect(writeFileWhole(join(dir, "none", "out.csv"), chunks(["a\n"]))).rejects.toMatchObject({
      field: join(dir, "none", "out.csv"),
      problem: `its folder ${join(dir, "none")} does not exist: make it first, or write elsewhere`,
    });
    writeFileSync(join(dir, "file"), "");
    await expect(writeFileWhole(join(dir, "file", "out.csv"), chunks(["a\n"]))).rejects.toMatchObject({
      problem: `its folder ${join(dir, "file")} is not a folder: make it first, or write elsewhere`,
    });
    expect(readdirSync(dir)).toEqual(["file"]);
  });

  it("names the path, as bad input, when it is a folder or a place no file can be written", async () => {
    const dir = mkdtempSync(join(tmpdir(), "whole-"));
    await expect(writeFileWhole(dir, chunks(["a\n"]))).rejects.toMatchObject({
      code: "INPUT_INVALID",
      field: dir,
      problem: "is a folder: give the name of a file to write, in it or elsewhere",
    });
    // /proc takes no new files, whoever asks (ENOENT as root, EACCES otherwise): said of the path, not the partial
    await expect(writeFileWhole("/proc/runs.csv", chunks(["a\n"]))).rejects.toMatchObject({
      code: "INPUT_INVALID",
      field: "/proc/runs.csv",
      problem: expect.stringMatching(/^cannot be written: .* \((ENOENT|EACCES)\); write elsewhere$/),
    });
    // A failing stream is not the place's fault: its own error, as before.
    await expect(writeFileWhole(join(dir, "out.csv"), chunks(["a\n"], 0))).rejects.toThrow(
      "connection dropped",
    );
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

  it("lets two exports to one path in one process both finish, the file whole", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "whole-")), "out.json");
    await Promise.all([writeFileWhole(path, chunks(["{", "}"])), writeFileWhole(path, chunks(["{", "}"]))]);
    expect(readFileSync(path, "utf8")).toBe("{}");
  });

  it("keeps a file's permissions, and writes through a symbolic link to the file it points to", async () => {
    const dir = mkdtempSync(join(tmpdir(), "whole-"));
    const real = join(dir, "real.csv");
    writeFileSync(real, "old\n");
    chmodSync(real, 0o640);
    const link = join(dir, "link.csv");
    symlinkSync(real, link);
    await writeFileWhole(link, chunks(["new\n"]));
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(real, "utf8")).toBe("new\n");
    expect(statSync(real).mode & 0o777).toBe(0o640);
    expect(readdirSync(dir).sort()).toEqual(["link.csv", "real.csv"]);
  });

  it("writes straight into a path that is not a regular file (a named pipe)", async () => {
    const fifo = join(mkdtempSync(join(tmpdir(), "whole-")), "pipe");
    execFileSync("mkfifo", [fifo]);
    const [read] = await Promise.all([readFile(fifo, "utf8"), writeFileWhole(fifo, chunks(["a", "b"]))]);
    expect(read).toBe("ab");
    expect(lstatSync(fifo).isFIFO()).toBe(true);
  });
});
