import { readFileSync } from "node:fs";
import type { RunConfigInput } from "@tailsweep/schemas";
import { InvalidArgumentError } from "commander";
import YAML from "yaml";

type Section = "dataset" | "model" | "train";
/** A partial run config as plain objects, before validation. */
export type ConfigLayer = { variant?: string } & Partial<Record<Section, Record<string, unknown>>>;

/** Later layers win, key by key inside each section. */
export function mergeLayers(layers: ConfigLayer[]): RunConfigInput {
  const out: Record<string, unknown> & Partial<Record<Section, Record<string, unknown>>> = {};
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer)) {
      if (value === undefined) continue;
      if (key === "dataset" || key === "model" || key === "train") {
        out[key] = { ...(out[key] ?? {}), ...(value as Record<string, unknown>) };
      } else out[key] = value;
    }
  }
  return out as RunConfigInput;
}

/** Reads a YAML or JSON run config; errors name the file. */
export function readConfigFile(path: string): ConfigLayer {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new Error(`--config ${path}: cannot read the file (${(e as NodeJS.ErrnoException).code ?? e})`);
  }
  let parsed: unknown;
  try {
    parsed = YAML.parse(text);
  } catch (e) {
    throw new Error(`--config ${path}: not valid YAML/JSON: ${(e as Error).message}`);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new Error(`--config ${path}: expected a mapping with variant/dataset/model/train keys`);
  }
  return parsed as ConfigLayer;
}

/** `--set section.key=value` with a YAML-typed value (numbers, booleans, lists, strings). */
export function parseSetting(text: string, previous: ConfigLayer = {}): ConfigLayer {
  const match = /^(dataset|model|train)\.([A-Za-z][A-Za-z0-9]*)=(.*)$/s.exec(text);
  if (!match) {
    throw new InvalidArgumentError(
      `expected section.key=value with section dataset, model or train, got '${text}'`,
    );
  }
  const [, section, key, raw] = match as unknown as [string, Section, string, string];
  const value = raw === "" ? "" : YAML.parse(raw);
  return mergeLayers([previous, { [section]: { [key]: value } }]) as ConfigLayer;
}

/** Commander parser for a number flag: names the flag and the bad text. */
export function numberArg(flag: string): (text: string) => number {
  return (text) => {
    const value = Number(text);
    if (text.trim() === "" || !Number.isFinite(value)) {
      throw new InvalidArgumentError(`${flag} expects a number, got '${text}'`);
    }
    return value;
  };
}

/** A number, or one of the given words. */
export function numberOrWord(flag: string, words: string[]): (text: string) => number | string {
  return (text) => (words.includes(text) ? text : numberArg(`${flag} (or one of ${words.join(", ")})`)(text));
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
