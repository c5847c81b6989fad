import { readFile } from "node:fs/promises";
import { endianness } from "node:os";
import { dirname, extname, resolve } from "node:path";
import { AppError, type ModalityInfo, type MultimodalTable } from "@tailsweep/schemas";
import { z } from "zod";

/**
 * Import of a team's own multimodal data (`name: "user"`), format in docs/data-format.md: a JSON manifest
 * naming classes, modalities and, for a train and a test section, one numeric file per modality (`.f32`
 * raw little-endian float32 or `.csv`) plus a labels file. Every problem throws a {@link DataImportError};
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

async function readFileOrFail(file: string, what: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const problem =
      code === "ENOENT" ? `${what} not found` : `${what} could not be read (${code ?? String(error)})`;
    throw new DataImportError({ file, problem });
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
    throw new DataImportError({ file, problem: `not valid JSON (${(error as Error).message})` });
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

/** Lines of a text file; one trailing newline does not start a row, so "1\n2\n" has two rows. */
function splitLines(text: string): string[] {
  if (text === "") return [];
  const lines = text.split(/\r?\n/);
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

function nonFiniteProblem(value: number): string {
  return `value is ${value} (NaN and ±Infinity are not allowed)`;
}

/** A (rows × dim) float32 matrix from raw little-endian float32, checking size and finiteness. */
function decodeF32(file: string, bytes: Buffer, dim: number): Float32Array {
  const rowBytes = dim * 4;
  if (bytes.length % rowBytes !== 0) {
    throw new DataImportError({
      file,
      problem:
        `byte length ${bytes.length} is not a multiple of dim·4 = ${rowBytes} (dim ${dim}); ` +
        `the file holds ${Math.floor(bytes.length / rowBytes)} whole rows and ${bytes.length % rowBytes} extra bytes`,
    });
  }
  const values = new Float32Array(bytes.length / 4);
  if (endianness() === "LE") {
    new Uint8Array(values.buffer).set(bytes);
  } else {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
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

/** A (rows × dim) float32 matrix from comma-separated text: no header, one row per line, dim values each. */
function decodeCsv(file: string, text: string, dim: number): Float32Array {
  const lines = splitLines(text);
  const values = new Float32Array(lines.length * dim);
  lines.forEach((line, r) => {
    const row = r + 1;
    if (line.trim() === "") throw new DataImportError({ file, row, problem: "empty line" });
    const cells = line.split(",");
    if (cells.length !== dim) {
      throw new DataImportError({ file, row, problem: `has ${cells.length} values, expected dim = ${dim}` });
    }
    cells.forEach((cell, k) => {
      const trimmed = cell.trim();
      const value = Number(trimmed);
      if (trimmed === "") throw new DataImportError({ file, row, column: k + 1, problem: "empty value" });
      if (Number.isNaN(value) && trimmed !== "NaN" && trimmed !== "nan") {
        throw new DataImportError({ file, row, column: k + 1, problem: `"${trimmed}" is not a number` });
      }
      const stored = Math.fround(value);
      // A finite double beyond float32 range would silently become ±Infinity.
      if (!Number.isFinite(stored)) {
        const problem = Number.isFinite(value) ? `${value} overflows float32` : nonFiniteProblem(value);
        throw new DataImportError({ file, row, column: k + 1, problem });
      }
      values[r * dim + k] = stored;
    });
  });
  return values;
}

/** Reads one modality file (.f32 or .csv) into a row-major float32 matrix; returns it and its row count. */
export async function readModalityFile(
  file: string,
  dim: number,
): Promise<{ rows: number; values: Float32Array }> {
  const extension = extname(file).toLowerCase();
  if (!MODALITY_FILE_EXTENSIONS.includes(extension)) {
    throw new DataImportError({ file, problem: `unsupported file type "${extension}" (use .f32 or .csv)` });
  }
  const bytes = await readFileOrFail(file, "modality file");
  const values =
    extension === ".f32" ? decodeF32(file, bytes, dim) : decodeCsv(file, bytes.toString("utf8"), dim);
  return { rows: values.length / dim, values };
}

/**
 * Reads a labels file: one integer class index per line. With `allowUnlabeled`, an empty line or −1 is an
 * unlabeled row (−1); otherwise it is an error.
 */
export async function readLabelFile(
  file: string,
  numClasses: number,
  allowUnlabeled: boolean,
): Promise<Int32Array> {
  const lines = splitLines((await readFileOrFail(file, "labels file")).toString("utf8"));
  const labels = new Int32Array(lines.length);
  lines.forEach((line, r) => {
    const row = r + 1;
    const text = line.trim();
    if (text === "" || text === "-1") {
      if (!allowUnlabeled) {
        throw new DataImportError({ file, row, problem: "test rows must be labeled (empty or −1 label)" });
      }
      labels[r] = -1;
      return;
    }
    if (!/^[+-]?\d+$/.test(text)) {
      throw new DataImportError({ file, row, problem: `"${text}" is not an integer class index` });
    }
    const label = Number(text);
    if (label < 0 || label >= numClasses) {
      throw new DataImportError({ file, row, problem: `label ${label} is out of range [0, ${numClasses})` });
    }
    labels[r] = label;
  });
  return labels;
}

async function readSection(
  manifest: UserManifest,
  baseDir: string,
  section: "train" | "test",
): Promise<MultimodalTable> {
  const spec = manifest[section];
  const labelsFile = resolve(baseDir, spec.labels);
  const y = await readLabelFile(labelsFile, manifest.classNames.length, section === "train");
  if (y.length === 0)
    throw new DataImportError({ file: labelsFile, problem: `the ${section} section has no rows` });
  const x: Float32Array[] = [];
  for (const modality of manifest.modalities) {
    const file = resolve(baseDir, spec.files[modality.name]!);
    const { rows, values } = await readModalityFile(file, modality.dim);
    if (rows !== y.length) {
      throw new DataImportError({
        file,
        row: Math.min(rows, y.length) + 1,
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
