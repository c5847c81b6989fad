import { constants } from "node:fs";
import { access, stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import {
  ConfigError,
  codeOf,
  hasErrorCode,
  type NamedValue,
  type SweepSpec,
  searchedValues,
} from "@tailsweep/schemas";
import { DATA_IMPORT_CODE, readUserManifest } from "./user-import";

/** A dataset knob's fixed value and every value search tries for it (grid entries, or categorical values). */
function valuesOf(spec: Pick<SweepSpec, "dataset" | "search">, knob: "name" | "path"): NamedValue[] {
  const fixed =
    spec.dataset[knob] === undefined ? [] : [{ field: `dataset.${knob}`, value: spec.dataset[knob] }];
  return [...fixed, ...(searchedValues(spec.search[`dataset.${knob}`], `dataset.${knob}`) ?? [])];
}

/** Why a file cannot be read, in words, or undefined when it can. */
async function unreadable(file: string, what: string): Promise<string | undefined> {
  try {
    if (!(await stat(file)).isFile()) return `${what} ${file} is not a file`;
    await access(file, constants.R_OK);
    return undefined;
  } catch (e) {
    const code = codeOf(e);
    if (code === "ENOENT" || code === "ENOTDIR") return `no ${what} at ${file}`;
    if (code === "EACCES" || code === "EPERM") return `${what} ${file} cannot be read (permission denied)`;
    return `${what} ${file} cannot be read (${code ?? String(e)})`;
  }
}

/** The problems of one manifest: unreadable, not a valid manifest, or naming files that cannot be read. */
async function manifestProblems(manifest: string): Promise<string[]> {
  const missing = await unreadable(manifest, "manifest");
  if (missing) return [missing];
  let parsed: Awaited<ReturnType<typeof readUserManifest>>;
  try {
    parsed = await readUserManifest(manifest);
  } catch (e) {
    if (hasErrorCode(e, DATA_IMPORT_CODE)) return [e.message];
    throw e;
  }
  const base = dirname(manifest);
  const files = (["train", "test"] as const).flatMap((section) => [
    ...Object.entries(parsed[section].files).map(([name, file]) => ({
      where: `${section}.files.${name}`,
      file,
      what: "modality file",
    })),
    { where: `${section}.labels`, file: parsed[section].labels, what: "labels file" },
  ]);
  const problems = await Promise.all(
    files.map(async ({ where, file, what }) => {
      const why = await unreadable(resolve(base, file), what);
      return why ? `${manifest}: ${where}: ${why}` : undefined;
    }),
  );
  return problems.filter((p): p is string => p !== undefined);
}

/**
 * Checks, before a sweep is stored, the files its trials will read: for a team's own data (`dataset.name: user`, fixed
 * or searched), that every manifest path (`dataset.path`, and each value of `search.dataset.path`) exists, can be read
 * and is a valid manifest, and that the files it names can be read. Relative paths are taken from `cwd`, as the
 * worker that loads them takes them from its own: call this where the workers share this process's disk and working
 * directory (`tailsweep sweep run`, a dashboard with its workers in process). Throws a ConfigError naming each field,
 * its path and what is wrong; built-in data sets read nothing here.
 */
export async function checkDatasetFiles(
  spec: Pick<SweepSpec, "dataset" | "search">,
  cwd: string = process.cwd(),
): Promise<void> {
  const names = valuesOf(spec, "name");
  // The recipe's default is a built-in set; only a trial on "user" data reads a manifest.
  if (!names.some((n) => n.value === "user")) return;
  const paths = valuesOf(spec, "path").filter(
    (p): p is { field: string; value: string } => typeof p.value === "string",
  );
  const problems: string[] = [];
  if (paths.length === 0)
    problems.push(
      `dataset.path: required when dataset.name is "user" (${names.find((n) => n.value === "user")!.field}): the path of the data's manifest`,
    );
  const seen = new Map<string, Promise<string[]>>();
  for (const { field, value } of paths) {
    const manifest = resolve(cwd, value);
    if (!seen.has(manifest)) seen.set(manifest, manifestProblems(manifest));
    const relative = value === manifest ? "" : ` (${value}, from ${cwd})`;
    for (const p of await seen.get(manifest)!) problems.push(`${field}: ${p}${relative}`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
}
