// A trial that fails at once, as the tests need one: a real failure of the data, not a config that a launch refuses.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** What {@link writeFailingDataset} wrote, and how a trial on it fails. */
export interface FailingDataset {
  /** The manifest's absolute path: `dataset: { name: user, path }`. */
  path: string;
  /** The error every trial on it ends with (the loader's, naming the file, the row and the value). */
  error: RegExp;
}

/**
 * A team's own data set (docs/data-format.md) that a sweep accepts, and on which every trial fails as it loads: the
 * manifest is valid and every file it names is there (all that a launch checks), but row 3 of a training file says
 * "n/a" where a number belongs, as a hand-edited export might.
 */
export function writeFailingDataset(): FailingDataset {
  const dir = mkdtempSync(join(tmpdir(), "tailsweep-failing-data-"));
  for (const section of ["train", "test"]) mkdirSync(join(dir, section));
  const manifest = {
    format: "tailsweep-dataset",
    version: 1,
    name: "failing",
    classNames: ["a", "b"],
    modalities: [
      { name: "left", dim: 2 },
      { name: "right", dim: 2 },
    ],
    train: { files: { left: "train/left.csv", right: "train/right.csv" }, labels: "train/labels.csv" },
    test: { files: { left: "test/left.csv", right: "test/right.csv" }, labels: "test/labels.csv" },
  };
  writeFileSync(join(dir, "manifest.json"), JSON.stringify(manifest));
  writeFileSync(join(dir, "train", "left.csv"), "0,1\n1,0\nn/a,1\n1,1\n");
  writeFileSync(join(dir, "train", "right.csv"), "0,1\n1,0\n0,0\n1,1\n");
  writeFileSync(join(dir, "train", "labels.csv"), "0\n1\n0\n1\n");
  for (const file of ["left.csv", "right.csv"]) writeFileSync(join(dir, "test", file), "0,1\n1,0\n");
  writeFileSync(join(dir, "test", "labels.csv"), "0\n1\n");
  return { path: join(dir, "manifest.json"), error: /train\/left\.csv.*row 3.*"n\/a" is not a number/ };
}
