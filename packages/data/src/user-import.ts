import { type FileHandle, open, readFile } from "node:fs/promises";
import { endianness } from "node:os";
import { dirname, extname, resolve } from "node:path";
import { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { AppError, codeOf, type ModalityInfo, type MultimodalTable, messageOf } from "@tailsweep/schemas";
import { CsvError, parse } from "csv-parse";
import { z } from "zod";

/**
 * Import of a team's own multimodal data (`name: "user"`), format in docs/data-format.md: a JSON manifest
 * naming classes, modalities and, for a train and a test section, one numeric file per modality (`.f32`
 * raw little-endian float32 or `.csv`, read with csv-parse) plus a labels file. Every problem throws a {@link DataImportError};
 * nothing is dropped or repaired silently.
 */

/** The stable code of {@link DataImportError}. */
export const DATA_IMPORT_CODE = "DATA_IMPORT_INVALID";

/** Why user data could not be imported: which file, which row (1-based) if any, and what is wrong. */
export class DataImportError extends AppError {
  /** The file at fault (the manifest for manifest errors), as resolved on disk. */
  readonly file: string;
  /** 1-based row of the file, where the problem is in one row. */
  readonly row?: number;
  /** 1-based column (value within a row), where the problem is in one value. */
  readonly column?: number;
  /** What is wrong, without the location. */
  readonly problem: string;

  constructor(details: { file: string; row?: number; column?: number; problem: string }) {
    const where = [
      details.file,
      details.row !== undefined ? `row ${details.row}` : undefined,
      details.column !== undefined ? `column ${details.column}` : undefined,
    ]
      .filter(Boolean)
      .join(", ");
    super(DATA_IMPORT_CODE, "invalid", `${where}: ${details.problem}`);
    this.name = "DataImportError";
    this.file = details.file;
    if (details.row !== undefined) this.row = details.row;
    if (details.column !== undefined) this.column = details.column;
    this.problem = details.problem;
  }
}

/** File types a modality file may have (docs/data-format.md). */
const MODALITY_FILE_EXTENSIONS = [".f32", ".csv"];

const ModalitySpecSchema = z
  .object({
    name: z.string().min(1),
    dim: z.number().int().positive(),
    shape: z.array(z.number().int().positive()).min(1).optional(),
    description: z.string().optional(),
  })
  .strict()
  .refine((m) => !m.shape || m.shape.reduce((a, b) => a * b, 1) === m.dim, {
    message: "shape must multiply out to dim",
    path: ["shape"],
  });

const SplitSpecSchema = z
  .object({
    /** Modality name → numeric file (.f32 or .csv), relative to the manifest's folder. */
    files: z.record(z.string(), z.string().min(1)),
    /** One integer class index per line; in train, an empty line or −1 marks an unlabeled row. */
    labels: z.string().min(1),
  })
  .strict();

/** The user-data manifest (docs/data-format.md). */
export const UserManifestSchema = z
  .object({
    format: z.literal("tailsweep-dataset"),
    version: z.literal(1),
    name: z.string().min(1).optional(),
    classNames: z.array(z.string().min(1)).min(2),
    modalities: z.array(ModalitySpecSchema).min(1),
    /** How the `.csv` files are written: `header: true` when each starts with a row of column names. */
    csv: z.object({ header: z.boolean().optional() }).strict().optional(),
    train: SplitSpecSchema,
    test: SplitSpecSchema,
  })
  .strict()
  .superRefine((manifest, ctx) => {
    const duplicates = (values: string[]) => values.filter((v, i) => values.indexOf(v) !== i);
    for (const name of duplicates(manifest.classNames)) {
      ctx.addIssue({ code: "custom", path: ["classNames"], message: `class name "${name}" appears twice` });
    }
    const modalityNames = manifest.modalities.map((m) => m.name);
    for (const name of duplicates(modalityNames)) {
      ctx.addIssue({
        code: "custom",
        path: ["modalities"],
        message: `modality name "${name}" appears twice`,
      });
    }
    for (const section of ["train", "test"] as const) {
      const files = manifest[section].files;
      for (const name of modalityNames) {
        if (!(name in files)) {
          ctx.addIssue({
            code: "custom",
            path: [section, "files"],
            message: `no file for modality "${name}"`,
          });
        }
      }
      for (const [name, file] of Object.entries(files)) {
        if (!MODALITY_FILE_EXTENSIONS.includes(extname(file).toLowerCase())) {
          ctx.addIssue({
            code: "custom",
            path: [section, "files", name],
            message: `unsupported file type "${extname(file)}" (use .f32 or .csv)`,
          });
        }
        if (!modalityNames.includes(name)) {
          ctx.addIssue({
            code: "custom",
            path: [section, "files", name],
            message: `"${name}" is not one of the modalities (${modalityNames.join(", ")})`,
          });
        }
      }
    }
  });
/** A parsed user-data manifest. */
export type UserManifest = z.infer<typeof UserManifestSchema>;

/** User data as read from disk: train rows (y = −1 where unlabeled) and fully labeled test rows. */
export interface UserData {
  name: string;
  classNames: string[];
  modalities: ModalityInfo[];
  train: MultimodalTable;
  test: MultimodalTable;
}

function formatIssuePath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((text, key) => {
    if (typeof key === "number") return `${text}[${key}]`;
    return text ? `${text}.${String(key)}` : String(key);
  }, "");
}

/** A file system error as the problem of `what` (e.g. "modality file"): not found, or why it could not be read. */
function ioProblem(error: unknown, what: string): string {
  const code = codeOf(error);
  return code === "ENOENT" ? `${what} not found` : `${what} could not be read (${code ?? String(error)})`;
}

async function readFileOrFail(file: string, what: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    throw new DataImportError({ file, problem: ioProblem(error, what) });
  }
}

async function openOrFail(file: string, what: string): Promise<FileHandle> {
  try {
    return await open(file, "r");
  } catch (error) {
    throw new DataImportError({ file, problem: ioProblem(error, what) });
  }
}

/** Reads and validates a manifest; errors name the manifest file and each offending field. */
export async function readUserManifest(manifestPath: string): Promise<UserManifest> {
  const file = resolve(manifestPath);
  const text = (await readFileOrFail(file, "manifest")).toString("utf8");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new DataImportError({ file, problem: `not valid JSON (${messageOf(error)})` });
  }
  const parsed = UserManifestSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => {
      const field = formatIssuePath(issue.path);
      return field ? `${field}: ${issue.message}` : issue.message;
    });
    throw new DataImportError({ file, problem: `invalid manifest: ${issues.join("; ")}` });
  }
  return parsed.data;
}

/** How the manifest's `.csv` files are written (its `csv` field, docs/data-format.md). */
export interface CsvOptions {
  /** The first row names the columns and holds no data (what pandas, R and most spreadsheets write). */
  header?: boolean;
}

/** A typed array with room for at least `length` values: itself, or a copy twice as large (or larger). */
function withRoom<A extends Float32Array | Int32Array>(array: A, length: number): A {
  if (length <= array.length) return array;
  const grown = new (array.constructor as new (n: number) => A)(Math.max(length, 2 * array.length));
  grown.set(array);
  return grown;
}

/** The first `length` values of `array`: itself when it is exactly that long (no copy), else a copy. */
function trimmed<A extends Float32Array | Int32Array>(array: A, length: number): A {
  return array.length === length ? array : (array.slice(0, length) as A);
}

/** The hint added to a problem in row 1 that a header would explain. */
const HEADER_HINT = ' (if row 1 names the columns, set "csv": { "header": true } in the manifest)';

/**
 * Streams a CSV file through csv-parse (RFC 4180: quoted fields with commas, doubled quotes and line breaks; a
 * UTF-8 byte-order mark; `\n` or `\r\n` line ends, mixed too) and calls `onRow` with each record's fields and its
 * 1-based row (records, not lines: a quoted line break does not start a row). Records are handed over as they are
 * parsed, in file order, and not kept, so memory does not grow with the file. A problem `onRow` throws stops the
 * read; a syntax error (an unclosed quote, say) is reported on the row it is in, an unreadable file as such.
 */
async function readCsvRows(
  file: string,
  what: string,
  maxRecordSize: number,
  onRow: (cells: string[], row: number) => void,
): Promise<void> {
  const handle = await openOrFail(file, what);
  let row = 0;
  const parser = parse({
    bom: true,
    delimiter: ",",
    record_delimiter: ["\r\n", "\n"],
    // Rows of the wrong width and empty rows are reported by the callers, in their own words.
    relax_column_count: true,
    skip_empty_lines: false,
    // An unclosed quote would otherwise read the rest of the file into one field.
    max_record_size: maxRecordSize,
    on_record: (record: string[]) => {
      onRow(record, ++row);
      return null; // nothing is buffered downstream
    },
  });
  try {
    await pipeline(
      handle.createReadStream(),
      parser,
      new Writable({ objectMode: true, write: (_, __, done) => done() }),
    );
  } catch (error) {
    if (error instanceof DataImportError) throw error;
    if (error instanceof CsvError) {
      throw new DataImportError({ file, row: row + 1, problem: `not valid CSV: ${csvProblem(error)}` });
    }
    throw new DataImportError({ file, problem: ioProblem(error, what) });
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** csv-parse's message without its own position (the error names the row). */
function csvProblem(error: CsvError): string {
  const message = error.message.replace(/^[^:]*:\s*/, "");
  return `${message} (${error.code})`;
}

function nonFiniteProblem(value: number): string {
  return `value is ${value} (NaN and ±Infinity are not allowed)`;
}

/** A (rows × dim) float32 matrix from raw little-endian float32, checking size and finiteness; read in place. */
async function readF32(file: string, dim: number): Promise<Float32Array> {
  const handle = await openOrFail(file, "modality file");
  let values: Float32Array;
  try {
    const { size } = await handle.stat();
    const rowBytes = dim * 4;
    if (size % rowBytes !== 0) {
      throw new DataImportError({
        file,
        problem:
          `byte length ${size} is not a multiple of dim·4 = ${rowBytes} (dim ${dim}); ` +
          `the file holds ${Math.floor(size / rowBytes)} whole rows and ${size % rowBytes} extra bytes`,
      });
    }
    // Read straight into the matrix: no second copy of the file.
    values = new Float32Array(size / 4);
    const bytes = new Uint8Array(values.buffer);
    for (let at = 0; at < size; ) {
      const { bytesRead } = await handle.read(bytes, at, Math.min(size - at, 1 << 30), at);
      if (bytesRead === 0)
        throw new DataImportError({ file, problem: "modality file shrank while being read" });
      at += bytesRead;
    }
  } catch (error) {
    if (error instanceof DataImportError) throw error;
    throw new DataImportError({ file, problem: ioProblem(error, "modality file") });
  } finally {
    await handle.close().catch(() => undefined);
  }
  if (endianness() !== "LE") {
    const view = new DataView(values.buffer);
    for (let i = 0; i < values.length; i++) values[i] = view.getFloat32(i * 4, true);
  }
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i]!)) {
      throw new DataImportError({
        file,
        row: Math.floor(i / dim) + 1,
        column: (i % dim) + 1,
        problem: nonFiniteProblem(values[i]!),
      });
    }
  }
  return values;
}

/**
 * A (rows × dim) float32 matrix from a CSV file: dim numbers per row, after a header row where `header` is set.
 * `expectedRows` (the labels' count) sizes the matrix up front, so a file of that many rows is never copied.
 */
async function readCsvMatrix(
  file: string,
  dim: number,
  { header = false, expectedRows = 1024 }: CsvOptions & { expectedRows?: number },
): Promise<Float32Array> {
  let values = new Float32Array(Math.max(1, expectedRows) * dim);
  let rows = 0;
  await readCsvRows(file, "modality file", Math.max(1 << 20, 256 * dim), (cells, row) => {
    if (header && row === 1) {
      if (cells.length !== dim)
        throw new DataImportError({
          file,
          row,
          problem: `header has ${cells.length} names, expected dim = ${dim}`,
        });
      return;
    }
    if (cells.length === 1 && cells[0]!.trim() === "")
      throw new DataImportError({ file, row, problem: "empty line" });
    if (cells.length !== dim) {
      throw new DataImportError({ file, row, problem: `has ${cells.length} values, expected dim = ${dim}` });
    }
    values = withRoom(values, (rows + 1) * dim);
    const offset = rows * dim;
    for (let k = 0; k < dim; k++) {
      const trimmedCell = cells[k]!.trim();
      const value = Number(trimmedCell);
      if (trimmedCell === "") throw new DataImportError({ file, row, column: k + 1, problem: "empty value" });
      if (Number.isNaN(value) && trimmedCell !== "NaN" && trimmedCell !== "nan") {
        const hint = row === 1 && !header ? HEADER_HINT : "";
        throw new DataImportError({
          file,
          row,
          column: k + 1,
          problem: `"${trimmedCell}" is not a number${hint}`,
        });
      }
      const stored = Math.fround(value);
      // A finite double beyond float32 range would silently become ±Infinity.
      if (!Number.isFinite(stored)) {
        const problem = Number.isFinite(value) ? `${value} overflows float32` : nonFiniteProblem(value);
        throw new DataImportError({ file, row, column: k + 1, problem });
      }
      values[offset + k] = stored;
    }
    rows++;
  });
  return trimmed(values, rows * dim);
}

/**
 * Reads one modality file (.f32 or .csv) into a row-major float32 matrix; returns it and its row count. Both are
 * streamed: a `.f32` straight into the matrix, a `.csv` row by row through csv-parse, so neither is held as a whole
 * in memory beside the matrix. `options.header`: the `.csv` file's first row names the columns.
 */
export async function readModalityFile(
  file: string,
  dim: number,
  options: CsvOptions & { expectedRows?: number } = {},
): Promise<{ rows: number; values: Float32Array }> {
  const extension = extname(file).toLowerCase();
  if (!MODALITY_FILE_EXTENSIONS.includes(extension)) {
    throw new DataImportError({ file, problem: `unsupported file type "${extension}" (use .f32 or .csv)` });
  }
  const values = extension === ".f32" ? await readF32(file, dim) : await readCsvMatrix(file, dim, options);
  return { rows: values.length / dim, values };
}

/**
 * Reads a labels file: one integer class index per row (read as CSV, so a BOM, `\r\n` and a quoted value are
 * fine; after a header row where `options.header` is set). With `allowUnlabeled`, an empty row or −1 is an
 * unlabeled row (−1); otherwise it is an error.
 */
export async function readLabelFile(
  file: string,
  numClasses: number,
  allowUnlabeled: boolean,
  options: CsvOptions = {},
): Promise<Int32Array> {
  let labels = new Int32Array(1024);
  let rows = 0;
  await readCsvRows(file, "labels file", 1 << 20, (cells, row) => {
    if (options.header && row === 1) return;
    const text = cells.join(",").trim();
    let label = -1;
    if (text === "" || text === "-1") {
      if (!allowUnlabeled) {
        throw new DataImportError({ file, row, problem: "test rows must be labeled (empty or −1 label)" });
      }
    } else {
      if (!/^[+-]?\d+$/.test(text)) {
        const hint = row === 1 && !options.header ? HEADER_HINT : "";
        throw new DataImportError({ file, row, problem: `"${text}" is not an integer class index${hint}` });
      }
      label = Number(text);
      if (label < 0 || label >= numClasses) {
        throw new DataImportError({
          file,
          row,
          problem: `label ${label} is out of range [0, ${numClasses})`,
        });
      }
    }
    labels = withRoom(labels, rows + 1);
    labels[rows++] = label;
  });
  return trimmed(labels, rows);
}

async function readSection(
  manifest: UserManifest,
  baseDir: string,
  section: "train" | "test",
): Promise<MultimodalTable> {
  const spec = manifest[section];
  const header = manifest.csv?.header ?? false;
  /** Whether `file`'s first row is a header: a `.csv` file (not `.f32`, not a `.txt` labels file) when asked. */
  const hasHeader = (file: string) => header && extname(file).toLowerCase() === ".csv";
  const labelsFile = resolve(baseDir, spec.labels);
  const y = await readLabelFile(labelsFile, manifest.classNames.length, section === "train", {
    header: hasHeader(labelsFile),
  });
  if (y.length === 0)
    throw new DataImportError({ file: labelsFile, problem: `the ${section} section has no rows` });
  const x: Float32Array[] = [];
  for (const modality of manifest.modalities) {
    const file = resolve(baseDir, spec.files[modality.name]!);
    const { rows, values } = await readModalityFile(file, modality.dim, {
      header: hasHeader(file),
      expectedRows: y.length,
    });
    if (rows !== y.length) {
      throw new DataImportError({
        file,
        // the file's own row number: its header row counts
        row: Math.min(rows, y.length) + 1 + (hasHeader(file) ? 1 : 0),
        problem: `has ${rows} rows but the labels file ${labelsFile} has ${y.length}`,
      });
    }
    x.push(values);
  }
  return { n: y.length, x, y };
}

/** Reads a manifest and all its files; paths in the manifest are relative to the manifest's folder. */
export async function loadUserData(manifestPath: string): Promise<UserData> {
  const manifest = await readUserManifest(manifestPath);
  const baseDir = dirname(resolve(manifestPath));
  const train = await readSection(manifest, baseDir, "train");
  const test = await readSection(manifest, baseDir, "test");
  return {
    name: manifest.name ?? "user",
    classNames: manifest.classNames,
    modalities: manifest.modalities.map((m) => ({
      name: m.name,
      dim: m.dim,
      ...(m.shape ? { shape: m.shape } : {}),
      ...(m.description ? { description: m.description } : {}),
    })),
    train,
    test,
  };
}
