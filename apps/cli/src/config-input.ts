import { readFileSync, statSync } from "node:fs";
import { codeOf, InputError, MappingSchema, messageOf, SWEEP_FILE_LIMITS } from "@tailsweep/schemas";
import { InvalidArgumentError } from "commander";
import YAML from "yaml";

const SECTIONS = ["dataset", "model", "train"] as const;
type Section = (typeof SECTIONS)[number];
/** A partial run config as plain objects, before validation. */
export type ConfigLayer = { variant?: string } & Partial<Record<Section, Record<string, unknown>>>;
/** What a YAML or JSON file holds at its top level: any keys, checked where the file is used. */
export type FileMapping = Record<string, unknown>;

/**
 * Later layers win, key by key inside each section. A section that is not a mapping (`train: [1, 2]`) is kept as it
 * is, whatever later layers hold, so the config's validation names it: merging it away would drop what the file said
 * and train on defaults.
 */
export function mergeLayers(layers: ReadonlyArray<ConfigLayer | FileMapping>): FileMapping {
  const out: FileMapping = {};
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer)) {
      if (value === undefined) continue;
      const section = SECTIONS.find((name) => name === key);
      if (section === undefined) {
        out[key] = value;
        continue;
      }
      const before = out[section] === undefined ? {} : MappingSchema.safeParse(out[section]).data;
      // `train:` with every key commented out is null in YAML: an empty section, as it always read
      const added = value === null ? {} : MappingSchema.safeParse(value).data;
      if (before === undefined) continue;
      out[section] = added === undefined ? value : { ...before, ...added };
    }
  }
  return out;
}

/** Why a file could not be read, in a refusal: Node's code (ENOENT, EACCES, EISDIR), else the error. */
function readFailure(e: unknown): string {
  return codeOf(e) ?? String(e);
}

/**
 * A text file a flag names (`--notes`, `--file`, `--input`), read whole; one that cannot be read is that flag's
 * InputError (exit 2), not Node's raw ENOENT (exit 1).
 */
export function readFlagFile(path: string, flag: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    throw new InputError(flag, `cannot read ${path} (${readFailure(e)})`);
  }
}

/**
 * Reads a YAML or JSON run config or sweep file; errors name the file. One over SWEEP_FILE_LIMITS.fileBytes is refused
 * before it is read: YAML takes tens of seconds over megabytes, and no sound file comes near the limit.
 */
export function readConfigFile(
  path: string,
  what: { field: string; holds: string } = {
    field: `--config ${path}`,
    holds: "a mapping with variant/dataset/model/train keys",
  },
  maxBytes: number = SWEEP_FILE_LIMITS.fileBytes,
): FileMapping {
  let text: string;
  let size: number;
  try {
    size = statSync(path).size;
    text = size > maxBytes ? "" : readFileSync(path, "utf8");
  } catch (e) {
    throw new InputError(what.field, `cannot read the file (${readFailure(e)})`);
  }
  if (size > maxBytes)
    throw new InputError(
      what.field,
      `the file is ${size} bytes, more than the ${maxBytes} bytes (${maxBytes / 1024} kB) a sweep or config file may have`,
    );
  let parsed: unknown;
  try {
    parsed = YAML.parse(text);
  } catch (e) {
    throw new InputError(what.field, `not valid YAML/JSON: ${messageOf(e)}`);
  }
  if (parsed === null || parsed === undefined)
    throw new InputError(what.field, `the file is empty: it must hold ${what.holds}`);
  const mapping = MappingSchema.safeParse(parsed);
  if (!mapping.success)
    throw new InputError(
      what.field,
      `it must hold ${what.holds}, not ${Array.isArray(parsed) ? "a list" : `a single ${typeof parsed}`}`,
    );
  return mapping.data;
}

/** `--set section.key=value` with a YAML-typed value (numbers, booleans, lists, strings). */
export function parseSetting(text: string, previous: ConfigLayer = {}): ConfigLayer {
  const match = /^(dataset|model|train)\.([A-Za-z][A-Za-z0-9]*)=(.*)$/s.exec(text);
  const section = SECTIONS.find((name) => name === match?.[1]);
  const key = match?.[2];
  const raw = match?.[3];
  if (section === undefined || key === undefined || raw === undefined) {
    throw new InvalidArgumentError(
      `expected section.key=value with section dataset, model or train, got '${text}'`,
    );
  }
  let value: unknown = "";
  try {
    if (raw !== "") value = YAML.parse(raw);
  } catch (e) {
    // a refusal of this flag (so said with the others), not a failure of the program
    throw new InvalidArgumentError(
      `${section}.${key}'s value is not YAML (${messageOf(e).split("\n")[0]!.replace(/:$/, "")})`,
    );
  }
  return { ...previous, [section]: { ...previous[section], [key]: value } };
}

/** Commander parser for a number flag: names the flag, what it takes and the bad text. */
export function numberArg(flag: string, expected = "a number"): (text: string) => number {
  return (text) => {
    const value = Number(text);
    if (text.trim() === "" || !Number.isFinite(value)) {
      throw new InvalidArgumentError(`${flag} expects ${expected}, got '${text}'`);
    }
    return value;
  };
}

/** A number, or one of the given words. */
export function numberOrWord(flag: string, words: string[]): (text: string) => number | string {
  const expected = `a number or ${words.length === 1 ? words[0] : `one of ${words.join(", ")}`}`;
  return (text) => (words.includes(text) ? text : numberArg(flag, expected)(text));
}

/** A comma-separated list of integers, e.g. widths `512,256`. */
export function intListArg(flag: string): (text: string) => number[] {
  return (text) =>
    text.split(",").map((part) => {
      const v = Number(part);
      if (!Number.isInteger(v))
        throw new InvalidArgumentError(`${flag} expects integers separated by commas, got '${text}'`);
      return v;
    });
}
