import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isConfigError, parseSweepFile } from "@tailsweep/schemas";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkDatasetFiles } from "./dataset-files";

let root: string;

/** A manifest naming one modality and its labels, with only the files in `present` written. */
async function fixture(name: string, present: string[]): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, "manifest.json"),
    JSON.stringify({
      format: "tailsweep-dataset",
      version: 1,
      classNames: ["a", "b"],
      modalities: [{ name: "x", dim: 1 }],
      train: { files: { x: "train.csv" }, labels: "train-labels.csv" },
      test: { files: { x: "test.csv" }, labels: "test-labels.csv" },
    }),
  );
  for (const file of present) await writeFile(join(dir, file), "0\n1\n");
  return join(dir, "manifest.json");
}

/** The problems checkDatasetFiles reports for a sweep file, or [] when it passes. */
async function problemsOf(file: Record<string, unknown>, cwd = root): Promise<string[]> {
  try {
    await checkDatasetFiles(parseSweepFile({ name: "s", ...file }), cwd);
    return [];
  } catch (e) {
    if (isConfigError(e)) return e.problems;
    throw e;
  }
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "tailsweep-dataset-files-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("checkDatasetFiles", () => {
  const all = ["train.csv", "train-labels.csv", "test.csv", "test-labels.csv"];

  it("passes a readable manifest whose files are all there, by an absolute path or one from cwd", async () => {
    const manifest = await fixture("ok", all);
    expect(await problemsOf({ dataset: { name: "user", path: manifest } })).toEqual([]);
    expect(await problemsOf({ dataset: { name: "user", path: "ok/manifest.json" } })).toEqual([]);
    // Built-in data sets read no path; a stray one is not the trials' to read.
    expect(await problemsOf({ dataset: { name: "mnist-2view" } })).toEqual([]);
  });

  it("names the field and the path of a manifest that is not there, fixed or searched", async () => {
    const manifest = await fixture("some", all);
    expect(await problemsOf({ dataset: { name: "user", path: "missing/manifest.json" } })).toEqual([
      `dataset.path: no manifest at ${join(root, "missing/manifest.json")} (missing/manifest.json, from ${root})`,
    ]);
    expect(
      await problemsOf({
        dataset: { name: "user", path: manifest },
        search: { "dataset.path": [manifest, join(root, "gone.json")] },
      }),
    ).toEqual([`search.dataset.path[1]: no manifest at ${join(root, "gone.json")}`]);
  });

  it("names each file a manifest lists that cannot be read, and a manifest that is not one", async () => {
    const manifest = await fixture("partial", ["train.csv", "test-labels.csv"]);
    expect(await problemsOf({ dataset: { name: "user", path: manifest } })).toEqual([
      `dataset.path: ${manifest}: train.labels: no labels file at ${join(root, "partial", "train-labels.csv")}`,
      `dataset.path: ${manifest}: test.files.x: no modality file at ${join(root, "partial", "test.csv")}`,
    ]);
    const notOne = join(root, "not-a-manifest.json");
    await writeFile(notOne, "{ nope");
    expect((await problemsOf({ dataset: { name: "user", path: notOne } }))[0]).toMatch(
      /^dataset\.path: .*not-a-manifest\.json: not valid JSON/,
    );
    expect((await problemsOf({ dataset: { name: "user", path: root } }))[0]).toMatch(
      /^dataset\.path: manifest .* is not a file$/,
    );
  });

  it.skipIf(process.getuid?.() === 0)("says when a manifest cannot be read", async () => {
    const manifest = await fixture("locked", all);
    await chmod(manifest, 0o000);
    expect(await problemsOf({ dataset: { name: "user", path: manifest } })).toEqual([
      `dataset.path: manifest ${manifest} cannot be read (permission denied)`,
    ]);
  });

  it("checks the paths when a searched data set name is user, and wants a path then", async () => {
    expect(
      await problemsOf({
        search: { "dataset.name": ["mnist-2view", "user"], "dataset.path": ["nowhere.json"] },
      }),
    ).toEqual([
      `search.dataset.path[0]: no manifest at ${join(root, "nowhere.json")} (nowhere.json, from ${root})`,
    ]);
    // parseSweepFile refuses this already; a spec that did not come through it is checked all the same.
    await expect(
      checkDatasetFiles({ dataset: {}, search: { "dataset.name": ["mnist-2view", "user"] } }, root),
    ).rejects.toMatchObject({
      problems: [
        'dataset.path: required when dataset.name is "user" (search.dataset.name[1]): the path of the data\'s manifest',
      ],
    });
  });
});
