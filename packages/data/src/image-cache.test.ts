import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import type * as fs from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import type { CachedImageSplits } from "./image-cache";

// Every temporary file a write makes, in order (the real writeFile does the writing).
const written: string[] = [];
vi.mock("node:fs/promises", async (original) => {
  const real = await original<typeof fs>();
  return {
    ...real,
    writeFile: (path: string, data: Uint8Array) => {
      written.push(path);
      return real.writeFile(path, data);
    },
  };
});

const dir = mkdtempSync(join(tmpdir(), "tailsweep-image-cache-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const split = (n: number) => ({
  n,
  rows: 2,
  cols: 2,
  pixels: new Uint8Array(n * 4).fill(7),
  labels: new Uint8Array(n),
});
const data: CachedImageSplits = { train: split(3), test: split(2) };

describe("writeImageCache", () => {
  it("gives two copies of the module (two trial threads) writing one cache in the same millisecond two temporary files", async () => {
    // Each trial thread loads its own copy of this module; they share the pid and the clock.
    vi.resetModules();
    const first = await import("./image-cache");
    vi.resetModules();
    const second = await import("./image-cache");
    expect(second).not.toBe(first);
    const path = join(dir, "same.bin");
    const now = vi.spyOn(Date, "now").mockReturnValue(1_796_426_940_230);
    try {
      await Promise.all([first.writeImageCache(path, data, 42), second.writeImageCache(path, data, 42)]);
    } finally {
      now.mockRestore();
    }
    expect(written).toHaveLength(2);
    expect(written[0]).not.toBe(written[1]);
    const read = await first.readImageCache(path, 42);
    expect(read.ok && read.data.train.n).toBe(3);
    expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });
});
