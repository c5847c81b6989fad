import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { loadDataset } from "./load-dataset";
import { DATA_IMPORT_CODE, DataImportError, loadUserData, readModalityFile } from "./user-import";

// 13 training rows: class 0 ×5, class 1 ×3, class 2 ×3, then two unlabeled rows (empty line and −1).
const TRAIN_LABELS = ["0", "1", "0", "2", "0", "1", "0", "2", "0", "1", "2", "", "-1"];
const TEST_LABELS = ["0", "1", "2"];
const DIM_A = 4;
const DIM_B = 2;

/** Row r of modality a is [r, r+0.25, r+0.5, r+0.75]: its first value identifies the source row. */
function f32Rows(rows: number, offset = 0): Buffer {
  const values = new Float32Array(rows * DIM_A);
  for (let r = 0; r < rows; r++) for (let k = 0; k < DIM_A; k++) values[r * DIM_A + k] = offset + r + k / 4;
  return Buffer.from(values.buffer);
}

function csvRows(rows: number): string {
  return `${Array.from({ length: rows }, (_, r) => `${r * 10},${-r}`).join("\n")}\n`;
}

function manifest(overrides: Record<string, unknown> = {}) {
  return {
    format: "tailsweep-dataset",
    version: 1,
    name: "toy",
    classNames: ["cat", "dog", "bird"],
    modalities: [
      { name: "a", dim: DIM_A, shape: [2, 2], description: "raw float32" },
      { name: "b", dim: DIM_B },
    ],
    train: { files: { a: "train/a.f32", b: "train/b.csv" }, labels: "train/labels.csv" },
    test: { files: { a: "test/a.f32", b: "test/b.csv" }, labels: "test/labels.csv" },
    ...overrides,
  };
}

let root: string;
let dir: string;
let fixtureCount = 0;

/** Writes a valid fixture into a fresh folder; tests then break one file. */
async function writeFixture(): Promise<string> {
  dir = join(root, `fixture-${fixtureCount++}`);
  await mkdir(join(dir, "train"), { recursive: true });
  await mkdir(join(dir, "test"), { recursive: true });
  await writeFile(join(dir, "manifest.json"), JSON.stringify(manifest()));
  await writeFile(join(dir, "train/a.f32"), f32Rows(TRAIN_LABELS.length));
  await writeFile(join(dir, "train/b.csv"), csvRows(TRAIN_LABELS.length));
  await writeFile(join(dir, "train/labels.csv"), `${TRAIN_LABELS.join("\n")}\n`);
  await writeFile(join(dir, "test/a.f32"), f32Rows(TEST_LABELS.length, 100));
  await writeFile(join(dir, "test/b.csv"), csvRows(TEST_LABELS.length));
  await writeFile(join(dir, "test/labels.csv"), TEST_LABELS.join("\r\n"));
  return join(dir, "manifest.json");
}

async function importError(promise: Promise<unknown>): Promise<DataImportError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(DataImportError);
  return error as DataImportError;
}

const asIs = { name: "user", imbalanceRatio: 1, labelRatio: 1 } as const;

describe("user data import", () => {
  let manifestPath: string;
  beforeEach(async () => {
    root ??= await mkdtemp(join(tmpdir(), "tailsweep-user-"));
    manifestPath = await writeFixture();
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("reads a valid manifest with .f32 and .csv modalities", async () => {
    const data = await loadUserData(manifestPath);
    expect(data.train.n).toBe(13);
    expect(Array.from(data.train.y)).toEqual([0, 1, 0, 2, 0, 1, 0, 2, 0, 1, 2, -1, -1]);
    expect(Array.from(data.train.x[1]!.subarray(4, 6))).toEqual([20, -2]);
    expect(Array.from(data.test.x[0]!.subarray(0, 4))).toEqual([100, 100.25, 100.5, 100.75]);
    expect(data.modalities[0]).toEqual({ name: "a", dim: 4, shape: [2, 2], description: "raw float32" });
  });

  it("uses the labels as they are when imbalanceRatio = 1 and labelRatio = 1", async () => {
    const data = await loadDataset({ ...asIs, path: manifestPath }, { seed: 2 });
    expect(data.counts).toEqual({ labeled: [5, 3, 3], unlabeled: [0, 0, 0], test: [1, 1, 1] });
    expect(data.labeled.n).toBe(11);
    expect(Array.from(data.unlabeled.yTrue)).toEqual([-1, -1]);
    expect(Array.from(data.unlabeled.y)).toEqual([-1, -1]);
    // Every labeled row still carries its own label and its own values in both modalities.
    for (let r = 0; r < data.labeled.n; r++) {
      const sourceRow = data.labeled.x[0]![r * DIM_A]!;
      expect(data.labeled.y[r]).toBe(Number(TRAIN_LABELS[sourceRow]));
      expect(data.labeled.x[1]![r * DIM_B]).toBe(sourceRow * 10);
    }
    expect(data.recipe.seed).toBe(2);
    expect(data.name).toBe("toy");
  });

  it("applies the long-tailed subsampling to the labeled rows when asked", async () => {
    // K = 3, headCount 4, β = 0.5, ρ = 2: N = [2, floor(2·2^(−1/2)) = 1, 1], M = [2, 1, 1].
    const recipe = {
      name: "user",
      path: manifestPath,
      headCount: 4,
      labelRatio: 0.5,
      imbalanceRatio: 2,
    } as const;
    const data = await loadDataset(recipe);
    expect(data.counts.labeled).toEqual([2, 1, 1]);
    expect(data.counts.unlabeled).toEqual([2, 1, 1]);
    expect(data.unlabeled.n).toBe(6); // 4 drawn + 2 unlabeled in the file
    expect(Array.from(data.unlabeled.yTrue).filter((label) => label === -1)).toHaveLength(2);
    const rows = (x: Float32Array, n: number) => Array.from({ length: n }, (_, r) => x[r * DIM_A]!);
    const all = [
      ...rows(data.labeled.x[0]!, data.labeled.n),
      ...rows(data.unlabeled.x[0]!, data.unlabeled.n),
    ];
    expect(new Set(all).size).toBe(all.length);
    const again = await loadDataset(recipe);
    expect(Array.from(again.labeled.x[0]!)).toEqual(Array.from(data.labeled.x[0]!));
    await expect(loadDataset({ name: "user", path: manifestPath })).rejects.toThrow(
      /class 0 \("cat"\) needs 5000 training rows.*set imbalanceRatio: 1 and labelRatio: 1/,
    );
  });

  it("names a missing manifest, invalid JSON and each invalid field", async () => {
    const missing = await importError(loadUserData(join(dir, "nope.json")));
    expect(missing.file).toBe(join(dir, "nope.json"));
    expect(missing.problem).toMatch(/manifest not found/);

    await writeFile(manifestPath, "{ not json");
    expect((await importError(loadUserData(manifestPath))).problem).toMatch(/not valid JSON/);

    const badFields = manifest({
      modalities: [
        { name: "a", dim: "four" },
        { name: "b", dim: 6, shape: [2, 2] },
      ],
      test: { files: { a: "test/a.f32" }, labels: "test/labels.csv" },
    });
    await writeFile(manifestPath, JSON.stringify(badFields));
    const invalid = await importError(loadUserData(manifestPath));
    expect(invalid.file).toBe(manifestPath);
    expect(invalid.problem).toMatch(/modalities\[0\]\.dim: /);
    expect(invalid.problem).toMatch(/modalities\[1\]\.shape: shape must multiply out to dim/);
    expect(invalid.message).toContain(manifestPath);

    // Cross-field checks run once the fields themselves are valid.
    const badFiles = manifest({
      test: { files: { a: "test/a.npy", c: "c.csv" }, labels: "test/labels.csv" },
    });
    await writeFile(manifestPath, JSON.stringify(badFiles));
    const crossField = await importError(loadUserData(manifestPath));
    expect(crossField.problem).toMatch(/test\.files: no file for modality "b"/);
    expect(crossField.problem).toMatch(
      /test\.files\.a: unsupported file type "\.npy" \(use \.f32 or \.csv\)/,
    );
    expect(crossField.problem).toMatch(/test\.files\.c: "c" is not one of the modalities \(a, b\)/);
  });

  it("names a missing data file", async () => {
    await rm(join(dir, "train/b.csv"));
    const missing = await importError(loadUserData(manifestPath));
    expect(missing.file).toBe(join(dir, "train/b.csv"));
    expect(missing.problem).toMatch(/modality file not found/);

    await writeFile(join(dir, "train/b.csv"), csvRows(TRAIN_LABELS.length));
    await rm(join(dir, "test/labels.csv"));
    const missingLabels = await importError(loadUserData(manifestPath));
    expect(missingLabels.file).toBe(join(dir, "test/labels.csv"));
    expect(missingLabels.problem).toBe("labels file not found");
  });

  it("rejects a .f32 whose byte length is not a multiple of dim·4", async () => {
    await writeFile(join(dir, "train/a.f32"), Buffer.concat([f32Rows(13), Buffer.alloc(3)]));
    const error = await importError(loadUserData(manifestPath));
    expect(error.file).toBe(join(dir, "train/a.f32"));
    expect(error.problem).toMatch(/byte length 211 is not a multiple of dim·4 = 16/);
  });

  it("rejects row counts that differ between a modality and the labels", async () => {
    await writeFile(join(dir, "train/b.csv"), csvRows(12));
    const error = await importError(loadUserData(manifestPath));
    expect(error.file).toBe(join(dir, "train/b.csv"));
    expect(error.row).toBe(13);
    expect(error.problem).toMatch(/has 12 rows but the labels file .*labels\.csv has 13/);
  });

  it("rejects NaN in .f32 and Infinity in .csv, with row and column", async () => {
    const values = new Float32Array(f32Rows(13).buffer.slice(0));
    values[2 * DIM_A + 1] = Number.NaN;
    await writeFile(join(dir, "train/a.f32"), Buffer.from(values.buffer));
    const nan = await importError(loadUserData(manifestPath));
    expect([nan.row, nan.column]).toEqual([3, 2]);
    expect(nan.problem).toMatch(/NaN/);
    expect(nan.message).toMatch(/a\.f32, row 3, column 2: value is NaN/);

    await writeFile(join(dir, "train/a.f32"), f32Rows(13));
    const lines = csvRows(13).split("\n");
    lines[4] = "40,Infinity";
    await writeFile(join(dir, "train/b.csv"), lines.join("\n"));
    const inf = await importError(loadUserData(manifestPath));
    expect([inf.file, inf.row, inf.column]).toEqual([join(dir, "train/b.csv"), 5, 2]);
    expect(inf.problem).toMatch(/Infinity/);
  });

  it("rejects malformed CSV rows: wrong width, non-numbers, float32 overflow", async () => {
    const write = async (row: number, text: string) => {
      const lines = csvRows(13).split("\n");
      lines[row - 1] = text;
      await writeFile(join(dir, "train/b.csv"), lines.join("\n"));
      return importError(loadUserData(manifestPath));
    };
    const wide = await write(2, "1,2,3");
    expect([wide.row, wide.problem]).toEqual([2, "has 3 values, expected dim = 2"]);
    const word = await write(6, "1,abc");
    expect([word.row, word.column]).toEqual([6, 2]);
    expect(word.problem).toMatch(/"abc" is not a number/);
    expect((await write(7, "1e39,0")).problem).toMatch(/overflows float32/);
    expect((await write(8, "1,")).problem).toBe("empty value");
  });

  it("rejects labels out of range or not integers, and unlabeled test rows", async () => {
    const labels = [...TRAIN_LABELS];
    labels[3] = "3";
    await writeFile(join(dir, "train/labels.csv"), labels.join("\n"));
    const range = await importError(loadUserData(manifestPath));
    expect([range.file, range.row]).toEqual([join(dir, "train/labels.csv"), 4]);
    expect(range.problem).toBe("label 3 is out of range [0, 3)");

    labels[3] = "1.5";
    await writeFile(join(dir, "train/labels.csv"), labels.join("\n"));
    expect((await importError(loadUserData(manifestPath))).problem).toMatch(/"1\.5" is not an integer/);

    await writeFile(join(dir, "train/labels.csv"), TRAIN_LABELS.join("\n"));
    await writeFile(join(dir, "test/labels.csv"), "");
    const empty = await importError(loadUserData(manifestPath));
    expect([empty.file, empty.problem]).toEqual([
      join(dir, "test/labels.csv"),
      "the test section has no rows",
    ]);

    await writeFile(join(dir, "test/labels.csv"), "0\n\n2\n");
    const unlabeledTest = await importError(loadUserData(manifestPath));
    expect([unlabeledTest.file, unlabeledTest.row]).toEqual([join(dir, "test/labels.csv"), 2]);
    expect(unlabeledTest.problem).toMatch(/test rows must be labeled/);
  });
  it("reads CSV as Excel, pandas and R write it: BOM, CRLF, quoted values, a header row", async () => {
    const plain = await loadUserData(manifestPath);
    // Excel's "CSV UTF-8": a byte-order mark and \r\n; R's write.csv and pandas' QUOTE_ALL: every field quoted;
    // pandas' default header of column names (0, 1) and a header naming the labels column.
    const excel = (rows: number) =>
      `\uFEFF"first, ""x""","sec\r\nond"\r\n${Array.from({ length: rows }, (_, r) => `"${r * 10}","${-r}"`).join("\r\n")}\r\n`;
    await writeFile(join(dir, "train/b.csv"), excel(TRAIN_LABELS.length));
    await writeFile(join(dir, "test/b.csv"), excel(TEST_LABELS.length));
    await writeFile(
      join(dir, "train/labels.csv"),
      `\uFEFFlabel\r\n${TRAIN_LABELS.map((l) => `"${l}"`).join("\r\n")}\r\n`,
    );
    await writeFile(join(dir, "test/labels.csv"), `"label"\n${TEST_LABELS.join("\n")}`);
    await writeFile(manifestPath, JSON.stringify(manifest({ csv: { header: true } })));
    const read = await loadUserData(manifestPath);
    expect(Array.from(read.train.y)).toEqual(Array.from(plain.train.y));
    expect(Array.from(read.train.x[1]!)).toEqual(Array.from(plain.train.x[1]!));
    expect(Array.from(read.test.x[1]!)).toEqual(Array.from(plain.test.x[1]!));
    expect(Array.from(read.test.y)).toEqual([0, 1, 2]);
    // the .f32 files have no header whatever the manifest says
    expect(Array.from(read.train.x[0]!)).toEqual(Array.from(plain.train.x[0]!));
  });

  it("accepts a BOM and mixed line ends without a header, and a .txt labels file never has one", async () => {
    const plain = await loadUserData(manifestPath);
    const lines = csvRows(TRAIN_LABELS.length).trimEnd().split("\n");
    await writeFile(
      join(dir, "train/b.csv"),
      `\uFEFF${lines.map((l, i) => `${l}${i % 2 ? "\r\n" : "\n"}`).join("")}`,
    );
    await writeFile(join(dir, "test/labels.txt"), `\uFEFF${TEST_LABELS.join("\r\n")}\r\n`);
    await writeFile(
      manifestPath,
      JSON.stringify(
        manifest({
          csv: { header: false },
          test: { files: { a: "test/a.f32", b: "test/b.csv" }, labels: "test/labels.txt" },
        }),
      ),
    );
    const read = await loadUserData(manifestPath);
    expect(Array.from(read.train.x[1]!)).toEqual(Array.from(plain.train.x[1]!));
    expect(Array.from(read.test.y)).toEqual([0, 1, 2]);

    // with csv.header the .txt labels still start at their first line; the .csv files lose their first row
    await writeFile(join(dir, "test/b.csv"), `u,v\n${csvRows(TEST_LABELS.length)}`);
    await writeFile(join(dir, "train/b.csv"), `u,v\n${csvRows(TRAIN_LABELS.length)}`);
    await writeFile(join(dir, "train/labels.csv"), `y\n${TRAIN_LABELS.join("\n")}\n`);
    const raw = JSON.parse(await readFile(manifestPath, "utf8"));
    await writeFile(manifestPath, JSON.stringify({ ...raw, csv: { header: true } }));
    const headed = await loadUserData(manifestPath);
    expect(Array.from(headed.test.y)).toEqual([0, 1, 2]);
    expect(Array.from(headed.train.x[1]!)).toEqual(Array.from(plain.train.x[1]!));
  });

  it("names bad cells by file, row (the header counts, a quoted line break does not) and column", async () => {
    await writeFile(manifestPath, JSON.stringify(manifest({ csv: { header: true } })));
    const rows = csvRows(TRAIN_LABELS.length).trimEnd().split("\n");
    rows[2] = '"20","x\ny"'; // data row 3, a value holding a line break
    rows[5] = "50,abc"; // data row 6: never reached
    await writeFile(join(dir, "train/b.csv"), `"a\nb",c\n${rows.join("\n")}\n`);
    await writeFile(join(dir, "train/labels.csv"), `label\n${TRAIN_LABELS.join("\n")}\n`);
    await writeFile(join(dir, "test/labels.csv"), `label\n${TEST_LABELS.join("\n")}\n`);
    const quoted = await importError(loadUserData(manifestPath));
    expect([quoted.file, quoted.row, quoted.column]).toEqual([join(dir, "train/b.csv"), 4, 2]);
    expect(quoted.problem).toBe('"x\ny" is not a number');
    expect(quoted.code).toBe(DATA_IMPORT_CODE);
    expect(quoted.category).toBe("invalid");
    expect(quoted.message).toBe(`${join(dir, "train/b.csv")}, row 4, column 2: "x\ny" is not a number`);

    rows[2] = "20,-2";
    rows[5] = "50,-5";
    await writeFile(join(dir, "train/b.csv"), `a,b,c\n${rows.join("\n")}\n`);
    const width = await importError(loadUserData(manifestPath));
    expect([width.row, width.problem]).toEqual([1, "header has 3 names, expected dim = 2"]);

    // a row count mismatch names the file's own row: data row 13 is row 14 after the header
    await writeFile(join(dir, "train/b.csv"), `a,b\n${rows.slice(0, 12).join("\n")}\n`);
    const short = await importError(loadUserData(manifestPath));
    expect([short.row, short.problem]).toEqual([
      14,
      expect.stringMatching(/has 12 rows but the labels file/),
    ]);

    await writeFile(join(dir, "train/labels.csv"), `label\n0\n"7"\n`);
    const label = await importError(loadUserData(manifestPath));
    expect([label.file, label.row, label.problem]).toEqual([
      join(dir, "train/labels.csv"),
      3,
      "label 7 is out of range [0, 3)",
    ]);
  });

  it("reports a header it was not told about, and CSV syntax errors, on their row", async () => {
    await writeFile(join(dir, "train/b.csv"), `u,v\n${csvRows(TRAIN_LABELS.length)}`);
    const headed = await importError(loadUserData(manifestPath));
    expect([headed.row, headed.column]).toEqual([1, 1]);
    expect(headed.problem).toBe(
      '"u" is not a number (if row 1 names the columns, set "csv": { "header": true } in the manifest)',
    );

    const rows = csvRows(TRAIN_LABELS.length).trimEnd().split("\n");
    rows[4] = '40,"-4';
    await writeFile(join(dir, "train/b.csv"), `${rows.join("\n")}\n`);
    const unclosed = await importError(loadUserData(manifestPath));
    expect([unclosed.file, unclosed.row]).toEqual([join(dir, "train/b.csv"), 5]);
    expect(unclosed.problem).toMatch(/^not valid CSV: .*CSV_QUOTE_NOT_CLOSED/);

    rows[4] = '40,4"2"';
    await writeFile(join(dir, "train/b.csv"), `${rows.join("\n")}\n`);
    const stray = await importError(loadUserData(manifestPath));
    expect([stray.row, stray.problem]).toEqual([
      5,
      expect.stringMatching(/^not valid CSV: .*INVALID_OPENING_QUOTE/),
    ]);

    await writeFile(join(dir, "train/b.csv"), csvRows(TRAIN_LABELS.length));
    await writeFile(join(dir, "test/labels.csv"), "label\n0\n1\n2\n");
    const labels = await importError(loadUserData(manifestPath));
    expect([labels.row, labels.problem]).toEqual([
      1,
      expect.stringMatching(/^"label" is not an integer class index \(if row 1 names/),
    ]);
  });

  it("reads a file larger than one stream chunk the same, with or without the expected row count", async () => {
    const rows = 20_000;
    const text = Array.from({ length: rows }, (_, r) => `${r},${r / 8}`).join("\r\n");
    const file = join(dir, "big.csv");
    await writeFile(file, text);
    expect(text.length).toBeGreaterThan(64 * 1024);
    for (const expectedRows of [undefined, 1, rows, rows + 10]) {
      const { rows: n, values } = await readModalityFile(file, 2, expectedRows ? { expectedRows } : {});
      expect(n).toBe(rows);
      expect(values.length).toBe(2 * rows);
      expect([values[2 * 4321], values[2 * 4321 + 1]]).toEqual([4321, 4321 / 8]);
    }
    await mkdir(join(dir, "folder.csv"));
    const error = await importError(readModalityFile(join(dir, "folder.csv"), 2));
    expect(error.problem).toBe("modality file could not be read (EISDIR)");
  });
});
