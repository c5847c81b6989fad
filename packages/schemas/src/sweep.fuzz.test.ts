// Fuzzing the sweep-file parser: whatever a file holds (JSON, or YAML with its NaN, infinities and odd keys), the
// parser answers within a second, and the only thing it throws is its documented ConfigError.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse as parseYaml, stringify as toYaml } from "yaml";
import { isConfigError } from "./errors";
import { resolveRunConfig } from "./run-config";
import { PARAM_ALIASES, parseSweepFile } from "./sweep";
import { searchableKnobs } from "./sweep-form";

/** The most one input may take: a file is refused or accepted at once, never after a long wait. */
const BUDGET_MS = 1_000;

/** Parses one input; fails the property on anything but a ConfigError, or on a slow answer. */
function answersInTime(input: unknown): void {
  const started = performance.now();
  try {
    parseSweepFile(input);
  } catch (e) {
    if (!isConfigError(e)) throw e;
    expect(e.problems.length).toBeGreaterThan(0);
  }
  expect(performance.now() - started).toBeLessThan(BUDGET_MS);
}

/** Numbers a file can hold, YAML's .nan and .inf included. */
const number = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 2 ** 31, 1e300),
);
/** Text with the characters that break things: NUL, quotes, path separators, prototype names. */
const text = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.string({ unit: "binary", maxLength: 20 }),
  fc.constantFrom("\u0000", "a\u0000b", "__proto__", "constructor", "toString", "../../etc/passwd", "tied"),
);
/** What a grid may list: numbers, text, true/false (null is refused by the file's shape, so it is rarer here). */
const gridScalar = fc.oneof(number, text, fc.boolean());
const scalar = fc.oneof(gridScalar, fc.constant(null));
const value = fc.oneof(
  { depthSize: "small" },
  scalar,
  fc.array(scalar, { maxLength: 6 }),
  fc.dictionary(text, scalar, { maxKeys: 4 }),
);
/** Knob names as a user might write them, right or wrong. */
const knob = fc.oneof(
  fc.constantFrom(...Object.keys(PARAM_ALIASES), ...searchableKnobs(), "train.seed", "model.nuu", "a.b.c"),
  text,
);
const finite = fc.oneof(
  fc.integer({ min: -5, max: 50 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);
const soundList = fc.array(fc.oneof(finite, text, fc.boolean()), { minLength: 1, maxLength: 5 });
const distribution = fc.oneof(
  fc.record({ distribution: fc.constantFrom("uniform", "loguniform", "int"), low: finite, high: finite }),
  fc.record({ distribution: fc.constant("categorical"), values: soundList }),
);
const wildDistribution = fc.oneof(
  fc.record({ distribution: fc.constantFrom("uniform", "int"), low: number, high: number }),
  fc.record({ distribution: fc.constant("categorical"), values: fc.array(gridScalar, { maxLength: 6 }) }),
  fc.record({ distribution: text, low: value }),
);
/** Mostly a sound value, sometimes a wild one: most files get past their shape to the knobs' own checks. */
const mostly = <T, U>(sound: fc.Arbitrary<T>, wild: fc.Arbitrary<U>) =>
  fc.oneof({ arbitrary: sound, weight: 9 }, { arbitrary: wild, weight: 1 });
/** A sweep file: the real fields, each with a right or wrong value, and now and then a field of no such name. */
const fields = fc.record(
  {
    name: mostly(fc.constantFrom("s", "a-b.c_1"), text),
    project: mostly(fc.constantFrom("default", "p1"), text),
    description: mostly(fc.string({ maxLength: 20 }), text),
    variant: mostly(fc.constantFrom("proposed", "gaussian", "single"), text),
    dataset: fc.dictionary(
      fc.oneof(fc.constantFrom("name", "path", "seed", "labelRatio", "classOrder"), text),
      mostly(gridScalar, value),
      { maxKeys: 3 },
    ),
    model: fc.dictionary(
      fc.oneof(fc.constantFrom("nu", "gamma", "latentDim", "encoderWidths"), text),
      mostly(gridScalar, value),
      { maxKeys: 3 },
    ),
    train: fc.dictionary(fc.oneof(fc.constantFrom("epochs", "seed"), text), mostly(gridScalar, value), {
      maxKeys: 3,
    }),
    search: fc.dictionary(
      knob,
      mostly(fc.oneof(soundList, distribution), fc.oneof(wildDistribution, value)),
      { maxKeys: 4 },
    ),
    budget: mostly(fc.integer({ min: 1, max: 100_000 }), number),
    seeds: mostly(
      fc.oneof(
        fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 1, max: 5 }),
      ),
      fc.oneof(fc.array(number, { maxLength: 5 }), number, value),
    ),
    samplerSeed: mostly(fc.integer({ min: 0, max: 1000 }), number),
    objective: mostly(
      fc.record({
        metric: fc.constantFrom("balancedAccuracy", "macroF1"),
        direction: fc.constantFrom("maximize", "minimize"),
      }),
      fc.oneof(fc.record({ metric: text, direction: text }), value),
    ),
    execution: mostly(
      fc.record({ gpu: fc.oneof(fc.boolean(), fc.dictionary(knob, soundList, { minKeys: 1, maxKeys: 2 })) }),
      value,
    ),
  },
  { requiredKeys: ["name"] },
);
const sweepFile = fc
  .tuple(fields, mostly(fc.constant({}), fc.dictionary(text, value, { maxKeys: 1 })))
  .map(([file, stray]) => ({ ...stray, ...file }));

describe("parseSweepFile under fuzzing", () => {
  it("answers any JSON value in time, throwing only ConfigError", () => {
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 4 }), answersInTime), { numRuns: 300 });
  });

  it("answers any mix of right and wrong fields in time, throwing only ConfigError", () => {
    fc.assert(fc.property(sweepFile, answersInTime), { numRuns: 400 });
  });

  it("answers whatever YAML text decodes to, NaN and the infinities included", () => {
    fc.assert(
      fc.property(sweepFile, fc.constantFrom(".nan", ".inf", "-.inf", "~", "0x1F", "1e400"), (file, raw) => {
        // Splice a YAML-only scalar into the text, where JSON could not carry it.
        const yaml = toYaml(file).replace(/: (-?\d[\d.e+-]*)$/m, `: ${raw}`);
        let decoded: unknown;
        try {
          decoded = parseYaml(yaml);
        } catch {
          return; // not YAML: the YAML reader's refusal, before the sweep parser sees anything
        }
        answersInTime(decoded);
      }),
      { numRuns: 200 },
    );
  });

  it("gives what it accepts a base run config that resolves", () => {
    fc.assert(
      fc.property(sweepFile, (file) => {
        let spec: ReturnType<typeof parseSweepFile>;
        try {
          spec = parseSweepFile(file);
        } catch (e) {
          if (isConfigError(e)) return;
          throw e;
        }
        const { variant, dataset, model, train } = spec;
        expect(() => resolveRunConfig({ variant, dataset, model, train })).not.toThrow();
      }),
      { numRuns: 200 },
    );
  });
});
