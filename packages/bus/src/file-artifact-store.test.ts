import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { mkdir, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hasErrorCode } from "@tailsweep/schemas";
import { afterAll, describe, expect, it } from "vitest";
import { ARTIFACT_KEY_INVALID_CODE } from "./artifact-store";
import { describeArtifactStore } from "./artifact-store-conformance";
import { FileArtifactStore } from "./file-artifact-store";

const base = mkdtempSync(join(tmpdir(), "tailsweep-artifacts-"));
let n = 0;
// A folder that does not exist yet: the store makes it on the first put.
const freshDir = () => join(base, `store${n++}`, "artifacts");

afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

describeArtifactStore("files", async () => new FileArtifactStore(freshDir()));

describe("FileArtifactStore", () => {
  it("reads an absent folder as empty and makes it on the first put", async () => {
    const dir = freshDir();
    const store = new FileArtifactStore(dir);
    expect(await store.list("")).toEqual([]);
    expect(await store.get("a")).toBeUndefined();
    expect(await store.delete("a")).toBe(false);
    expect(await store.deletePrefix("")).toBe(0);
    await store.put("s/t/predictions.csv", new Uint8Array([1]));
    // The object keeps its name (it opens as what it is); the folders of its key's segments carry the mark.
    expect(readdirSync(join(dir, "s+", "t+"))).toEqual(["predictions.csv"]);
  });

  it("writes nothing outside its folder for a key that tries to climb out", async () => {
    const root = join(base, `escape${n++}`);
    const dir = join(root, "inner");
    await mkdir(dir, { recursive: true });
    const store = new FileArtifactStore(dir);
    for (const key of ["../x", "../../x", "/tmp/x", "a/../../x", "..", "/"]) {
      const e = await store.put(key, new Uint8Array([1])).catch((err: unknown) => err);
      expect(hasErrorCode(e, ARTIFACT_KEY_INVALID_CODE), key).toBe(true);
    }
    expect(await readdir(root)).toEqual(["inner"]);
    expect(await readdir(dir)).toEqual([]);
  });

  it("lists neither a put's temporary file nor files it did not write, and deletePrefix leaves them", async () => {
    const dir = freshDir();
    const store = new FileArtifactStore(dir);
    await store.put("s/ckpt", new Uint8Array([1, 2]));
    // What a put that died between write and rename leaves behind, and a file someone copied in by hand.
    writeFileSync(join(dir, "s+", "~0b5e.tmp"), "partial");
    writeFileSync(join(dir, "notes about s.txt"), "hand-made");
    expect((await store.list("")).map((i) => i.key)).toEqual(["s/ckpt"]);
    expect(await store.deletePrefix("s")).toBe(1);
    expect(readdirSync(join(dir, "s+"))).toEqual(["~0b5e.tmp"]);
    expect(readdirSync(dir).sort()).toEqual(["notes about s.txt", "s+"]);
  });

  it("removes the folders a delete empties, up to its own folder", async () => {
    const dir = freshDir();
    const store = new FileArtifactStore(dir);
    await store.put("s/t/ckpt", new Uint8Array([1]));
    await store.put("s/u/ckpt", new Uint8Array([1]));
    await store.delete("s/t/ckpt");
    expect(readdirSync(join(dir, "s+"))).toEqual(["u+"]);
    expect(await store.deletePrefix("s/u")).toBe(1);
    expect(readdirSync(dir)).toEqual([]);
  });
});
