import { z } from "zod";
import { DatasetRecipeSchema } from "./dataset";
import { ModelConfigSchema, TrainConfigSchema } from "./model-config";
import { PARAM_ALIASES, SweepFileSchema, TRIAL_SEED_KNOB } from "./sweep";

/**
 * One field of the sweep form, derived from the zod schema the sweep file is validated with, so that the form and
 * the file cannot drift apart: `enum` is a choice, `number`/`integer` a number box with the schema's bounds,
 * `boolean` a yes/no, `text` free text, and `yaml` anything richer (lists, unions) written as a YAML value.
 */
export interface SweepFormField {
  /** Dotted path in the sweep file (e.g. `model.nu`): also the path validation errors start with. */
  path: string;
  kind: "enum" | "number" | "integer" | "boolean" | "text" | "yaml";
  /** The choices of an enum. */
  options?: string[];
  /** The schema's default, shown when the field is left empty (empty = not written to the file). */
  defaultValue?: unknown;
  /** What the schema allows, in words (e.g. "> 2, ≤ 1000000"; "tied, or > -1 and < 0"). */
  allowed?: string;
  /** The schema's description: what the field means, its unit, and a sensible range where the bounds do not say it. */
  description: string;
  /** One of the knobs a study changes ({@link COMMON_FIELDS}): shown first; the others fold away. */
  common: boolean;
}

/** The form's sections: fields grouped as the sweep file groups them, the common ones first. */
export interface SweepFormSection {
  title: string;
  fields: SweepFormField[];
}

/**
 * What a study of this model changes, shown first in the launch form: what the example sweeps and the study
 * (examples/, docs/results.md) search or set for their question and size. The rest folds away: the switches a variant
 * sets, and the platform's own settings (retries, heartbeats), even where the examples write them out.
 */
export const COMMON_FIELDS: readonly string[] = [
  // what the sweep is, and its seeds (every example)
  ...["name", "project", "description", "variant", "seeds"],
  // how configurations are chosen, and how many when they are drawn or proposed (refused without it then)
  ...["method", "budget"],
  // what the study ranks by; the direction follows (every metric is better higher)
  "objective.metric",
  // a sequential design's baseline (the rest of decide has defaults the study keeps)
  "decide.baseline",
  // the study's factors (data set, ρ, β) and the data's size
  ...["dataset.name", "dataset.imbalanceRatio", "dataset.labelRatio"],
  ...["dataset.headCount", "dataset.testPerClass"],
  // ν and γ (the sensitivity sweep), modalities (the missing-modality sweep) and the network's size
  ...["model.nu", "model.gamma", "model.modalities", "model.latentDim"],
  ...["model.encoderWidths", "model.decoderWidths", "model.classifierWidths"],
  ...["train.epochs", "train.labeledBatchSize", "train.unlabeledBatchSize", "train.learningRate"],
  // how long a trial may take, and where it runs, follow from the sweep's size
  ...["execution.trialTimeoutSeconds", "execution.gpu"],
];

type JsonSchema = {
  type?: string | string[];
  description?: string;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
};

/** Bounds in words; zod's implicit safe-integer limits of `.int()` say nothing a user needs. */
function bounds(s: JsonSchema): string {
  const parts: string[] = [];
  const said = (v: number | undefined): v is number =>
    v !== undefined && Math.abs(v) < Number.MAX_SAFE_INTEGER;
  if (said(s.exclusiveMinimum)) parts.push(`> ${s.exclusiveMinimum}`);
  if (said(s.minimum)) parts.push(`≥ ${s.minimum}`);
  if (said(s.exclusiveMaximum)) parts.push(`< ${s.exclusiveMaximum}`);
  if (said(s.maximum)) parts.push(`≤ ${s.maximum}`);
  return parts.join(", ");
}

/** A schema in words, for the hint under a `yaml` field. */
function describe(s: JsonSchema): string {
  if (s.anyOf) return s.anyOf.map(describe).join("; or ");
  if (s.const !== undefined) return String(s.const);
  if (s.enum) return s.enum.join(" | ");
  if (s.type === "array") return `a list of ${s.items ? `(${describe(s.items)})` : "values"}`;
  const range = bounds(s);
  return [s.type === "integer" ? "whole number" : s.type, range].filter(Boolean).join(" ");
}

function field(path: string, s: JsonSchema): SweepFormField {
  const base = {
    path,
    defaultValue: s.default,
    description: s.description ?? "",
    common: COMMON_FIELDS.includes(path),
  };
  if (s.enum?.every((v) => typeof v === "string"))
    return { ...base, kind: "enum", options: s.enum as string[] };
  if (s.type === "number" || s.type === "integer") return { ...base, kind: s.type, allowed: bounds(s) };
  if (s.type === "boolean") return { ...base, kind: "boolean" };
  if (s.type === "string") return { ...base, kind: "text" };
  return { ...base, kind: "yaml", allowed: describe(s) };
}

const jsonSchema = (schema: z.ZodType) =>
  z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as JsonSchema;

/**
 * One field per property; a knob that is an object of its own (`dataset.validation`) becomes one field per property of
 * it (`dataset.validation.perClass`, `dataset.validation.shape`), the way `objective` and `execution` show as
 * `objective.metric`, …, so its parts get their own widgets, defaults and bounds. With all of them empty the object is
 * not written (the form drops empty objects), which for an optional knob means "none".
 */
function flatFields(prefix: string, properties: Record<string, JsonSchema>): SweepFormField[] {
  return Object.entries(properties).flatMap(([key, s]) =>
    s.type === "object" && s.properties
      ? flatFields(`${prefix}${key}.`, s.properties)
      : [field(`${prefix}${key}`, s)],
  );
}

/** The fields of one section; each trial's seed comes from `seeds`, so a sweep has no `train.seed` to fill in. */
function fieldsOf(prefix: string, schema: z.ZodType): SweepFormField[] {
  return flatFields(prefix, jsonSchema(schema).properties ?? {}).filter((f) => f.path !== TRIAL_SEED_KNOB);
}

/** Common fields first, each group in the order of the sweep file. */
const commonFirst = (fields: SweepFormField[]) => [
  ...fields.filter((f) => f.common),
  ...fields.filter((f) => !f.common),
];

/**
 * The sweep form's sections, in the order of the sweep file, each with its common fields first; `search` is edited
 * apart (see searchableKnobs).
 */
export function sweepFormSections(): SweepFormSection[] {
  const top = jsonSchema(SweepFileSchema).properties!;
  const pick = (...keys: string[]) => keys.map((k) => field(k, top[k]!));
  const nested = (key: string) =>
    Object.entries(top[key]!.properties ?? {}).map(([k, s]) => field(`${key}.${k}`, s));
  const sections = [
    { title: "Sweep", fields: pick("name", "project", "description", "variant", "seeds") },
    { title: "Search", fields: [...pick("method", "budget", "samplerSeed"), ...nested("tpe")] },
    { title: "Objective", fields: [...nested("objective"), ...pick("objectives")] },
    // with seeds: { initial, step, max }: what the rounds decide, and at what error rate
    { title: "Decide", fields: nested("decide") },
    { title: "Dataset", fields: fieldsOf("dataset.", DatasetRecipeSchema) },
    { title: "Model", fields: fieldsOf("model.", ModelConfigSchema) },
    { title: "Training", fields: fieldsOf("train.", TrainConfigSchema) },
    { title: "Execution", fields: nested("execution") },
  ];
  return sections.map((s) => ({ ...s, fields: commonFirst(s.fields) }));
}

/**
 * Every name a search key may have: the short aliases (nu, gamma, beta, rho, …) and each section's knobs. A knob that
 * is an object (`dataset.validation`) is not one: a grid value is a number, a string, a boolean or a list of them, so
 * it is set in the sweep's fixed settings instead.
 */
export function searchableKnobs(): string[] {
  const sections: [string, z.ZodType][] = [
    ["dataset", DatasetRecipeSchema],
    ["model", ModelConfigSchema],
    ["train", TrainConfigSchema],
  ];
  return [
    ...Object.keys(PARAM_ALIASES),
    ...sections.flatMap(([name, schema]) =>
      Object.entries(jsonSchema(schema).properties ?? {})
        .filter(([, property]) => property.type !== "object")
        .map(([k]) => `${name}.${k}`)
        .filter((k) => k !== TRIAL_SEED_KNOB),
    ),
  ];
}

/**
 * Which form field a validation problem belongs to: the longest field path that the problem's path starts with
 * (`search.nu[2]: …` → `search.nu`; `model.nu: …` → `model.nu`), or undefined for problems about the whole file.
 */
export function problemField(problem: string, paths: readonly string[]): string | undefined {
  const at = problem.slice(0, problem.indexOf(":"));
  let best: string | undefined;
  for (const p of paths) {
    const follows = at.charAt(p.length);
    if (
      at.startsWith(p) &&
      (follows === "" || follows === "." || follows === "[") &&
      p.length > (best?.length ?? 0)
    )
      best = p;
  }
  return best;
}
