import { hasErrorCode } from "@tailsweep/schemas";
import { describe, expect, it } from "vitest";
import { ARTIFACT_KEY_INVALID_CODE, type ArtifactStore } from "./artifact-store";

/** `size` bytes that differ from those of another `seed` at almost every offset. */
function bytes(size: number, seed = 1): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = (i * 31 + seed * 97 + (i >>> 8)) & 0xff;
  return out;
}

/** Compares as bytes, at once: `toEqual` on 20 MB walks them one by one in its diff-ready way. */
function expectSameBytes(actual: Uint8Array | undefined, expected: Uint8Array): void {
  expect(actual).toBeInstanceOf(Uint8Array);
  // A plain one, not a Buffer (whose `slice` shares memory): callers get the same kind from every store.
  expect(Object.getPrototypeOf(actual)).toBe(Uint8Array.prototype);
  expect(actual!.byteLength).toBe(expected.byteLength);
  expect(Buffer.from(actual!.buffer, actual!.byteOffset, actual!.byteLength).equals(expected)).toBe(true);
}

/** Which of `candidates` `actual` is, whole (-1: none of them). */
function whichOf(actual: Uint8Array | undefined, candidates: readonly Uint8Array[]): number {
  if (actual === undefined) return -1;
  const got = Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength);
  return candidates.findIndex((c) => got.equals(c));
}

const keys = (list: { key: string }[]) => list.map((i) => i.key);

/** Keys every store must refuse, and why each is bad. */
const BAD_KEYS: [string, string][] = [
  ["", "empty"],
  ["../x", "climbs out"],
  ["a/../../x", "climbs out in the middle"],
  ["./a", "a '.' segment"],
  ["/etc/passwd", "absolute"],
  ["a/", "a trailing '/'"],
  ["a//b", "an empty segment"],
  ["C:\\x", "a drive and a backslash"],
  ["a\\b", "a backslash"],
  ["a b", "a space"],
  ["ä", "a non-ASCII letter"],
  ["a*", "a wildcard"],
  ["x".repeat(201), "a segment over 200 characters"],
  [Array.from({ length: 103 }, () => "abcd").join("/"), "over 512 characters"],
];

/**
 * The behaviour every ArtifactStore must have. `makeStore` gives a fresh, empty store; the suite closes it. Needs
 * a test timeout of a few seconds for the 20 MB round trip.
 */
export function describeArtifactStore(name: string, makeStore: () => Promise<ArtifactStore>): void {
  describe(`ArtifactStore conformance: ${name}`, () => {
    it("gives back the bytes it stored: none, a few, and 20 MB (many object store chunks)", async () => {
      const store = await makeStore();
      const big = bytes(20 * 1024 * 1024 + 17, 3);
      for (const [key, data] of [
        ["empty", new Uint8Array(0)],
        ["t/small.json", new TextEncoder().encode('{"f1":0.5}')],
        ["t/weights.bin", big],
      ] as const) {
        const before = Date.now();
        const info = await store.put(key, data);
        expect(info.key).toBe(key);
        expect(info.bytes).toBe(data.byteLength);
        // File systems keep whole seconds or less; allow for a clock that rounds.
        expect(info.modified.getTime()).toBeGreaterThanOrEqual(before - 2_000);
        expect(info.modified.getTime()).toBeLessThanOrEqual(Date.now() + 2_000);
        expectSameBytes(await store.get(key), data);
      }
      expect((await store.list("")).map((i) => [i.key, i.bytes])).toEqual([
        ["empty", 0],
        ["t/small.json", 10],
        ["t/weights.bin", big.byteLength],
      ]);
      await store.close();
    });

    it("replaces the bytes under a key, a larger value by a smaller one and back", async () => {
      const store = await makeStore();
      const large = bytes(300_000, 1);
      const small = bytes(1_000, 2);
      await store.put("ckpt", large);
      await store.put("ckpt", small);
      expectSameBytes(await store.get("ckpt"), small);
      expect((await store.list("")).map((i) => [i.key, i.bytes])).toEqual([["ckpt", 1_000]]);
      await store.put("ckpt", large);
      expectSameBytes(await store.get("ckpt"), large);
      await store.close();
    });

    it("answers undefined for a key it does not hold, deleted or never stored", async () => {
      const store = await makeStore();
      expect(await store.get("never/stored")).toBeUndefined();
      await store.put("gone", bytes(10));
      await store.delete("gone");
      expect(await store.get("gone")).toBeUndefined();
      expect(await store.info("gone")).toBeUndefined();
      expect(await store.info("never/stored")).toBeUndefined();
      await store.close();
    });

    it("describes one key by name, as list describes it", async () => {
      const store = await makeStore();
      await store.put("a/b", bytes(7));
      await store.put("a/b/c", bytes(3));
      const [listed] = await store.list("a/b/c");
      const described = await store.info("a/b/c");
      expect(described).toMatchObject({ key: "a/b/c", bytes: 3 });
      expect(described?.modified.getTime()).toBe(listed?.modified.getTime());
      expect((await store.info("a/b"))?.bytes).toBe(7);
      expect(await store.info("a")).toBeUndefined(); // a prefix of keys, not a key
      await store.close();
    });

    it("lists the keys under a prefix, in whole segments, sorted, deleted ones left out", async () => {
      const store = await makeStore();
      for (const key of [
        "s1/t2/ckpt",
        "s1/t1/weights.bin",
        "s1/t1/ckpt",
        "s1/t10/ckpt",
        "s1",
        "s10/t1/ckpt",
        "s2",
      ])
        await store.put(key, bytes(5));
      await store.delete("s1/t1/ckpt");
      expect(keys(await store.list(""))).toEqual([
        "s1",
        "s1/t1/weights.bin",
        "s1/t10/ckpt",
        "s1/t2/ckpt",
        "s10/t1/ckpt",
        "s2",
      ]);
      // A prefix is the key itself and what lies below it, never a longer segment: s1/t1 is not s1/t10.
      expect(keys(await store.list("s1/t1"))).toEqual(["s1/t1/weights.bin"]);
      expect(keys(await store.list("s1/t1/"))).toEqual(["s1/t1/weights.bin"]);
      expect(keys(await store.list("s1"))).toEqual(["s1", "s1/t1/weights.bin", "s1/t10/ckpt", "s1/t2/ckpt"]);
      expect(keys(await store.list("s1/t1/weights.bin"))).toEqual(["s1/t1/weights.bin"]);
      expect(await store.list("s3")).toEqual([]);
      const [info] = await store.list("s2");
      expect(info).toMatchObject({ key: "s2", bytes: 5 });
      expect(info!.modified).toBeInstanceOf(Date);
      await store.close();
    });

    it("holds a key and keys below it side by side", async () => {
      const store = await makeStore();
      await store.put("a/b", bytes(3, 1));
      await store.put("a/b/c", bytes(4, 2));
      await store.put("a", bytes(5, 3));
      expectSameBytes(await store.get("a/b"), bytes(3, 1));
      expectSameBytes(await store.get("a/b/c"), bytes(4, 2));
      expectSameBytes(await store.get("a"), bytes(5, 3));
      expect(await store.delete("a/b")).toBe(true);
      expectSameBytes(await store.get("a/b/c"), bytes(4, 2));
      expect(keys(await store.list("a"))).toEqual(["a", "a/b/c"]);
      await store.close();
    });

    it("deletes one key, saying whether there was one", async () => {
      const store = await makeStore();
      await store.put("x/y", bytes(8));
      await store.put("x/z", bytes(8));
      expect(await store.delete("x/y")).toBe(true);
      expect(await store.delete("x/y")).toBe(false);
      expect(await store.delete("never")).toBe(false);
      expect(await store.delete("x")).toBe(false); // a prefix is not a key
      expect(keys(await store.list(""))).toEqual(["x/z"]);
      // Stored again after a delete, it is there again.
      await store.put("x/y", bytes(9));
      expect((await store.get("x/y"))?.byteLength).toBe(9);
      await store.close();
    });

    it("deletes every key under a prefix and counts them; a sibling whose name only starts the same survives", async () => {
      const store = await makeStore();
      for (const key of ["a/b", "a/b/ckpt", "a/b/out/pred.csv", "a/bc", "a/bc/ckpt", "a/b.x", "b"])
        await store.put(key, bytes(16));
      expect(await store.deletePrefix("a/b")).toBe(3);
      expect(keys(await store.list(""))).toEqual(["a/b.x", "a/bc", "a/bc/ckpt", "b"]);
      expect(await store.deletePrefix("a/b")).toBe(0);
      expect(await store.deletePrefix("nothing/here/")).toBe(0);
      // The prefix is usable again.
      await store.put("a/b/ckpt", bytes(2));
      expect(keys(await store.list("a/b"))).toEqual(["a/b/ckpt"]);
      expect(await store.deletePrefix("")).toBe(5);
      expect(await store.list("")).toEqual([]);
      await store.close();
    });

    it("refuses bad keys and prefixes with ARTIFACT_KEY_INVALID, touching nothing", async () => {
      const store = await makeStore();
      const refused = async (what: string, p: Promise<unknown>) => {
        const e = await p.then(
          () => undefined,
          (err: unknown) => err,
        );
        expect(hasErrorCode(e, ARTIFACT_KEY_INVALID_CODE), what).toBe(true);
        expect(e).toMatchObject({ category: "invalid" });
      };
      for (const [key, why] of BAD_KEYS) {
        await refused(`put ${why}`, store.put(key, bytes(1)));
        await refused(`get ${why}`, store.get(key));
        await refused(`info ${why}`, store.info(key));
        await refused(`delete ${why}`, store.delete(key));
        if (key !== "" && key !== "a/") {
          await refused(`list ${why}`, store.list(key));
          await refused(`deletePrefix ${why}`, store.deletePrefix(key));
        }
      }
      await refused("a prefix with two trailing '/'", store.list("a//"));
      expect(await store.list("")).toEqual([]);
      // The longest key allowed, of the longest segments allowed, is fine; and `...` is a name like any other.
      const longest = ["x".repeat(200), "y".repeat(200), "z".repeat(110)].join("/");
      expect(longest.length).toBe(512);
      for (const key of [longest, "a/.../b", ".hidden", "a-b_c.d/E9"]) {
        await store.put(key, bytes(1));
        expect((await store.get(key))?.byteLength).toBe(1);
      }
      await store.close();
    });

    it("ends concurrent puts of one key with one of the values, whole", async () => {
      const store = await makeStore();
      // Several object store chunks each, of different lengths, so a mix of two would show.
      const values = [1, 2, 3, 4, 5].map((seed) => bytes(400_000 + seed * 1_000, seed));
      await store.put("race", bytes(10, 9));
      await Promise.all(values.map((v) => store.put("race", v)));
      expect(whichOf(await store.get("race"), values)).toBeGreaterThanOrEqual(0);
      const listed = await store.list("race");
      expect(listed).toHaveLength(1);
      expect(values.map((v) => v.byteLength)).toContain(listed[0]!.bytes);
      await store.close();
    });

    it("lets readers see the old value or the new one, whole, while it is replaced", async () => {
      const store = await makeStore();
      const values = [1, 2, 3, 4].map((seed) => bytes(600_000, seed));
      await store.put("ckpt", values[0]!);
      let writing = true;
      const writer = (async () => {
        for (const v of [...values.slice(1), ...values]) await store.put("ckpt", v);
        writing = false;
      })();
      const seen: number[] = [];
      const reader = async () => {
        while (writing) seen.push(whichOf(await store.get("ckpt"), values));
      };
      await Promise.all([writer, reader(), reader()]);
      expect(seen.length).toBeGreaterThan(0);
      expect(seen.filter((i) => i < 0)).toEqual([]);
      await store.close();
    });
  });
}
