import { describe, expect, it } from "vitest";
import { z } from "zod";
import { envFlag, envHelpText, envVariable, envWholeNumber, gatherSettings, parseEnv } from "./env-settings";
import {
  AppError,
  ConfigError,
  codeOf,
  ERROR_CATEGORIES,
  errorCategory,
  hasErrorCode,
  InputError,
  isAppError,
  isConfigError,
  isInputError,
  isSettingsError,
  NotFoundError,
  problemList,
  SettingsError,
} from "./errors";

describe("the error vocabulary", () => {
  it("matches coded errors by their fields, from any copy of the module", () => {
    const own = new NotFoundError("SWEEP_NOT_FOUND", "no sweep with id x");
    const foreign = JSON.parse(
      JSON.stringify({ code: "SWEEP_NOT_FOUND", category: "not-found", message: "x" }),
    );
    for (const e of [own, foreign]) {
      expect(isAppError(e)).toBe(true);
      expect(hasErrorCode(e, "SWEEP_NOT_FOUND")).toBe(true);
      expect(hasErrorCode(e, "TRIAL_NOT_FOUND")).toBe(false);
      expect(errorCategory(e)).toBe("not-found");
    }
    expect(isAppError({ code: "X", category: "whatever", message: "m" })).toBe(false);
    expect(isAppError(Object.assign(new Error("refused"), { code: "ECONNREFUSED" }))).toBe(false);
    expect(errorCategory(new Error("database down"))).toBe("internal");
    expect(errorCategory("a string")).toBe("internal");
    expect(ERROR_CATEGORIES).toContain(errorCategory(null));
  });

  it("fits the named errors into it", () => {
    const config = new ConfigError(["model.nu: must be > 2"]);
    expect(config).toBeInstanceOf(AppError);
    expect(config).toMatchObject({ code: "CONFIG_INVALID", category: "invalid", name: "ConfigError" });
    expect(isConfigError(config)).toBe(true);
    const settings = new SettingsError(["A: bad", "B: worse"], "environment");
    expect(settings.message).toBe("invalid environment:\n  - A: bad\n  - B: worse");
    expect(isSettingsError(settings)).toBe(true);
    expect(isSettingsError(config)).toBe(false);
    const input = new InputError("baseline", "'x' matches no configuration");
    expect(input.message).toBe("baseline: 'x' matches no configuration");
    expect(isInputError(input)).toBe(true);
    // The front end says the field in its own words, from the field and the problem, not by editing the message.
    expect(isInputError(input) && `--${input.field}: ${input.problem}`).toBe(
      "--baseline: 'x' matches no configuration",
    );
    // a problem list read by its field: an error's own, or one that came over the wire as data
    expect(problemList(config)).toEqual(["model.nu: must be > 2"]);
    expect(problemList(settings)).toEqual(["A: bad", "B: worse"]);
    expect(problemList(JSON.parse(JSON.stringify({ problems: ["a: b"] })))).toEqual(["a: b"]);
    for (const none of [input, new Error("x"), undefined, { problems: "a: b" }, { problems: [1] }])
      expect(problemList(none)).toBeUndefined();
    // an error's code field, whatever made it: Node's, a coded error's; none where it is missing or no string
    expect(codeOf(Object.assign(new Error("gone"), { code: "ENOENT" }))).toBe("ENOENT");
    expect(codeOf(input)).toBe("INPUT_INVALID");
    for (const none of [new Error("x"), null, "ENOENT", { code: 2002 }]) expect(codeOf(none)).toBeUndefined();
  });
});

describe("environment settings", () => {
  const spec = {
    COUNT: envVariable(envWholeNumber(1, 10).default(3), { help: "how many", default: "3" }),
    DEBUG: envVariable(envFlag().default(false), { help: "stacks", default: "0" }),
    SECRET: envVariable(z.string().min(8, "must be at least 8 characters").optional(), {
      help: "a password",
      default: "unset",
      secret: true,
    }),
  };

  it("takes blank as unset, and parses each variable by its rule", () => {
    expect(parseEnv(spec, { COUNT: "  ", DEBUG: "" })).toEqual({ COUNT: 3, DEBUG: false, SECRET: undefined });
    expect(parseEnv(spec, { COUNT: " 7 ", DEBUG: "ON", SECRET: "long enough" })).toEqual({
      COUNT: 7,
      DEBUG: true,
      SECRET: "long enough",
    });
  });

  it("names every bad variable in one error, echoing no secret", () => {
    let error: unknown;
    try {
      parseEnv(spec, { COUNT: "11", DEBUG: "perhaps", SECRET: "short" });
    } catch (e) {
      error = e;
    }
    expect(isSettingsError(error)).toBe(true);
    expect((error as SettingsError).problems).toEqual([
      'COUNT: must be a whole number from 1 to 10, got "11"',
      'DEBUG: must be 1 or 0 (on or off), got "perhaps"',
      "SECRET: must be at least 8 characters",
    ]);
  });

  it("gathers the problems of every part into one error", () => {
    const bad = (problem: string) => () => {
      throw new SettingsError([problem]);
    };
    expect(() => gatherSettings({ a: bad("A: bad"), b: () => 1, c: bad("C: bad") })).toThrow(
      "invalid environment:\n  - A: bad\n  - C: bad",
    );
    expect(gatherSettings({ a: () => 1, b: () => "x" })).toEqual({ a: 1, b: "x" });
    expect(() =>
      gatherSettings({
        a: () => {
          throw new TypeError("a bug");
        },
      }),
    ).toThrow(TypeError);
  });

  it("lists the variables with their defaults for help", () => {
    expect(envHelpText(spec)).toBe(
      "  COUNT   how many\n          default: 3\n  DEBUG   stacks\n          default: 0\n  SECRET  a password\n          default: unset",
    );
  });
});
