import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import {
  AppError,
  ConfigError,
  ERROR_CATEGORIES,
  InputError,
  isSettingsError,
  NotFoundError,
  SettingsError,
  UnavailableError,
} from "@tailsweep/schemas";
import { describe, expect, it } from "vitest";
import { EXIT_CODES, exitCodeOf } from "./main";
import { parseCliSettings } from "./settings";

const run = promisify(execFile);
const bin = join(__dirname, "..", "bin", "tailsweep.mjs");

/** Runs the real CLI in a child process with these variables on top of a clean environment. */
async function tailsweep(env: Record<string, string>, ...args: string[]) {
  const base = {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? "",
    XDG_CONFIG_HOME: "/nonexistent",
  };
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], { env: { ...base, ...env } });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

/** What parsing `env` throws. */
function refusal(env: Record<string, string>): SettingsError {
  try {
    parseCliSettings(env);
  } catch (e) {
    if (isSettingsError(e)) return e;
    throw e;
  }
  throw new Error("expected a SettingsError");
}

describe("the CLI's settings", () => {
  it("has a named default for every variable left unset or blank", () => {
    const s = parseCliSettings({ XDG_CONFIG_HOME: "/home/ada/.config", TAILSWEEP_NATS_REPLICAS: " " });
    expect(s).toMatchObject({
      store: { kind: "embedded", pgliteDir: join(".tailsweep", "db") },
      nats: { prefix: "tailsweep", replicas: 1, credentials: {} },
      login: { file: "/home/ada/.config/tailsweep/login.json" },
      backend: {},
      sweepLimits: { maxTrials: 100_000 },
      auth: { mode: "local", sessionHours: 168 },
      debug: false,
    });
    expect(s.nats.url).toBeUndefined();
    expect(s.store.databaseUrl).toBeUndefined();
  });

  it("reads what is set: PostgreSQL makes the dashboard a team's", () => {
    const s = parseCliSettings({
      DATABASE_URL: "postgresql://ts:pw@db:5432/tailsweep",
      NATS_URL: "nats://a:4222, nats://b:4222",
      NATS_USER: "worker",
      NATS_PASSWORD: "pw",
      TAILSWEEP_NATS_PREFIX: "study",
      TAILSWEEP_NATS_REPLICAS: " 3 ",
      TAILSWEEP_BACKEND: "wasm",
      TAILSWEEP_MAX_TRIALS: "500",
      TAILSWEEP_DEBUG: "1",
    });
    expect(s).toMatchObject({
      store: { kind: "postgres", databaseUrl: "postgresql://ts:pw@db:5432/tailsweep" },
      nats: { url: "nats://a:4222, nats://b:4222", prefix: "study", replicas: 3 },
      backend: { prefer: "wasm" },
      sweepLimits: { maxTrials: 500 },
      auth: { mode: "team" },
      debug: true,
    });
    expect(s.nats.credentials).toEqual({ user: "worker", pass: "pw" });
    for (const n of ["1", "3", "5"])
      expect(parseCliSettings({ TAILSWEEP_NATS_REPLICAS: n }).nats.replicas).toBe(Number(n));
    expect(parseCliSettings({ NATS_URL: "127.0.0.1:4222" }).nats.url).toBe("127.0.0.1:4222");
  });

  it("refuses bad values in one error that names every bad variable and what it takes", () => {
    const e = refusal({
      TAILSWEEP_NATS_REPLICAS: "7",
      TAILSWEEP_MAX_TRIALS: "abc",
      DATABASE_URL: "mysql://root:hunter2@db/x",
      TAILSWEEP_NATS_PREFIX: "a.b",
      TAILSWEEP_BACKEND: "gpu",
      NATS_USER: "worker",
      TAILSWEEP_SESSION_HOURS: "forever",
      TAILSWEEP_DEBUG: "maybe",
    });
    expect(e).toMatchObject({ code: "SETTINGS_INVALID", category: "invalid" });
    expect(e.problems).toEqual(
      expect.arrayContaining([
        'TAILSWEEP_NATS_REPLICAS: must be 1, 3 or 5 (copies of each NATS stream; at most the cluster\'s node count), got "7"',
        'TAILSWEEP_MAX_TRIALS: must be a whole number from 1 to 1000000, got "abc"',
        "DATABASE_URL: must be a postgres or postgresql URL, e.g. postgres://user:password@db.example.org:5432/tailsweep",
        'TAILSWEEP_NATS_PREFIX: must be letters, digits, "_" or "-" (it names NATS subjects and streams), got "a.b"',
        'TAILSWEEP_BACKEND: must be one of webgpu, tensorflow, wasm-blas, wasm, cpu, auto (unset: auto), got "gpu"',
        "NATS_PASSWORD: must be set too: NATS_USER and NATS_PASSWORD go together, or neither",
        'TAILSWEEP_SESSION_HOURS: must be a whole number of hours from 1 to 2160, got "forever"',
        'TAILSWEEP_DEBUG: must be 1 or 0 (on or off), got "maybe"',
      ]),
    );
    expect(e.problems).toHaveLength(8);
    expect(e.message).toMatch(/^invalid environment:\n {2}- /);
    // A secret is named, never echoed.
    expect(e.message).not.toContain("hunter2");
    // an issuer that is no URL is named with the rest, not a TypeError ("Invalid URL") that hid them all
    const oidc = refusal({
      TAILSWEEP_OIDC_ISSUER: "notaurl",
      TAILSWEEP_OIDC_CLIENT_ID: "tailsweep",
      TAILSWEEP_MAX_TRIALS: "-5",
    });
    expect(oidc.problems).toEqual([
      'TAILSWEEP_MAX_TRIALS: must be a whole number from 1 to 1000000, got "-5"',
      'TAILSWEEP_OIDC_ISSUER: must be the provider\'s issuer URL, got "notaurl"',
    ]);
    expect(
      refusal({ TAILSWEEP_OIDC_ISSUER: "http://sso.example.org", TAILSWEEP_OIDC_CLIENT_ID: "t" }).problems,
    ).toEqual([expect.stringMatching(/^TAILSWEEP_OIDC_ISSUER: must be https/)]);
    for (const bad of ["2", "4", "0", "3.0", "three", "-1"])
      expect(refusal({ TAILSWEEP_NATS_REPLICAS: bad }).problems).toEqual([
        expect.stringMatching(/^TAILSWEEP_NATS_REPLICAS: must be 1, 3 or 5 /),
      ]);
  });

  it("refuses artifact and cache folders that are files, and takes folders not made yet", () => {
    const dir = mkdtempSync(join(tmpdir(), "tailsweep-env-"));
    const file = join(dir, "afile");
    writeFileSync(file, "");
    expect(refusal({ TAILSWEEP_ARTIFACTS_DIR: file, TAILSWEEP_CACHE_DIR: file }).problems).toEqual([
      `TAILSWEEP_CACHE_DIR: must be a folder (made if absent), not a file, got "${file}"`,
      `TAILSWEEP_ARTIFACTS_DIR: must be a folder (made if absent), not a file, got "${file}"`,
    ]);
    const later = join(dir, "later");
    expect(parseCliSettings({ TAILSWEEP_ARTIFACTS_DIR: later, TAILSWEEP_CACHE_DIR: dir })).toMatchObject({
      artifactsDir: later,
      cacheDir: dir,
    });
  });
});

describe("the CLI's exit status", () => {
  it("follows the error's category, one table for all", () => {
    const seen = ERROR_CATEGORIES.map((category) => exitCodeOf(new AppError("SOME_CODE", category, "x")));
    expect(seen).toEqual(ERROR_CATEGORIES.map((category) => EXIT_CODES[category]));
    // the statuses --help and docs/design.md document
    expect(Object.entries(EXIT_CODES).map(([category, status]) => `${category}=${status}`)).toEqual(
      "internal=1 invalid=2 not-found=3 conflict=4 unauthorized=5 forbidden=6 unavailable=7 rate-limited=7".split(
        " ",
      ),
    );
    expect(exitCodeOf(new ConfigError(["model.nu: must be > 2"]))).toBe(2);
    expect(exitCodeOf(new SettingsError(["X: bad"]))).toBe(2);
    expect(exitCodeOf(new InputError("baseline", "matches no configuration"))).toBe(2);
    expect(exitCodeOf(new NotFoundError("SWEEP_NOT_FOUND", "no sweep with id x"))).toBe(3);
    expect(exitCodeOf(new UnavailableError("DATABASE_UNAVAILABLE", "down"))).toBe(7);
    // A coded error from another copy of the module (another bundle, or JSON from a server): matched by its fields.
    expect(exitCodeOf({ code: "SWEEP_NOT_FOUND", category: "not-found", message: "gone" })).toBe(3);
    // Anything without a category is internal: a database error is never the user's input.
    expect(exitCodeOf(Object.assign(new Error("connection terminated"), { code: "57P01" }))).toBe(1);
    expect(exitCodeOf(new TypeError("x is undefined"))).toBe(1);
    // Commander's usage errors are invalid input; its help is success.
    expect(exitCodeOf({ code: "commander.unknownOption", exitCode: 1, message: "" })).toBe(2);
    expect(exitCodeOf({ code: "commander.helpDisplayed", exitCode: 0, message: "" })).toBe(0);
  });

  it("stops with 2 and every bad variable on a bad environment, while --help works and lists the variables", async () => {
    const bad = { TAILSWEEP_NATS_REPLICAS: "7", TAILSWEEP_MAX_TRIALS: "abc" };
    const [refused, help, workerHelp, usage] = await Promise.all([
      tailsweep(bad, "sweep", "list"),
      tailsweep(bad, "--help"),
      tailsweep(bad, "worker", "--help"),
      tailsweep({}, "sweep", "list", "--no-such-flag"),
    ]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/TAILSWEEP_NATS_REPLICAS: must be 1, 3 or 5 .*got "7"/);
    expect(refused.stderr).toMatch(
      /TAILSWEEP_MAX_TRIALS: must be a whole number from 1 to 1000000, got "abc"/,
    );
    expect(refused.stderr.match(/^tailsweep: /gm)).toHaveLength(1);

    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Environment:/);
    expect(help.stdout).toMatch(/TAILSWEEP_NATS_REPLICAS +copies of each stream .*\n +default: 1\n/);
    expect(help.stdout).toMatch(/TAILSWEEP_MAX_TRIALS +most trials .*\n +default: 100000\n/);
    expect(help.stdout).toMatch(/DATABASE_URL .*\n +default: unset: the embedded store/);
    expect(help.stdout).toMatch(/Exit status:[\s\S]*2 +invalid input/);

    expect(workerHelp.code).toBe(0);
    expect(workerHelp.stdout).toMatch(/NATS_URL/);
    expect(workerHelp.stdout).toMatch(/TAILSWEEP_BACKEND .*\n +default: auto/);
    expect(workerHelp.stdout).not.toMatch(/TAILSWEEP_OIDC_ISSUER/);

    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/unknown option '--no-such-flag'/);
  }, 120_000);
});
