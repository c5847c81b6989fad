import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { flagProblem } from "./command";
import { buildProgram } from "./main";

/** What the command line printed on stderr while `argv` was parsed, and how commander ended it. */
async function refusal(...argv: string[]) {
  const written: string[] = [];
  vi.spyOn(process.stderr, "write").mockImplementation((chunk) => {
    written.push(String(chunk));
    return true;
  });
  const ended = await buildProgram()
    .parseAsync(["node", "tailsweep", ...argv])
    .then(
      () => ({ code: "ran" }),
      (e: { code?: string }) => ({ code: e.code }),
    );
  return { ...ended, stderr: written.join("") };
}

/** What a refusal prints: its lines, then commander's pointer to --help. */
const said = (...lines: string[]) => [...lines, "(add --help for usage)", ""].join("\n");

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

describe("a command line with several bad values", () => {
  it("names every one at once, in the order given, before the command runs or reads the environment", async () => {
    // a bad variable too: the flags are refused first, without a word about it
    vi.stubEnv("TAILSWEEP_NATS_REPLICAS", "2");
    const r = await refusal(
      "sweep",
      "extend",
      "abc",
      "--to-power",
      "2",
      "--only",
      "some",
      "--max-seeds",
      "1",
    );
    expect(r.code).toBe("commander.invalidArgument");
    expect(r.stderr).toBe(
      said(
        "tailsweep: --to-power: must be in (0, 1), got 2",
        "tailsweep: --only: must be one of all, undecided, got 'some'",
        "tailsweep: --max-seeds: must be a whole number from 2 to 1000, got 1",
      ),
    );
  });

  // (member set's role, once an argument parser's, is checked by its action with the project and the email:
  // access-commands.test.ts)
  it("says a refused required option once, not also 'not specified'", async () => {
    const required = await refusal("model", "constants", "--nu", "ten", "--n", "10", "--m", "two");
    expect(required.stderr).toBe(
      said("tailsweep: --nu: expects a number, got 'ten'", "tailsweep: --m: expects a number, got 'two'"),
    );
  });

  it("refuses a --set value that is not YAML as a bad flag, with the rest, not as a failure of the program", async () => {
    const r = await refusal("train", "--set", "model.nu=[1,", "--nu", "x");
    expect(r.code).toBe("commander.invalidArgument");
    expect(r.stderr).toBe(
      said(
        "tailsweep: --set: model.nu's value is not YAML (Flow sequence must end with a ] at line 1, column 4), got 'model.nu=[1,'",
        "tailsweep: --nu: expects a number, got 'x'",
      ),
    );
  });

  it("refuses a confirmation of fewer than two seeds as a bad --seeds, not as the API's field", async () => {
    // the line's store check asks an empty store of its own about the rest: the sweep it names is not there
    vi.stubEnv("TAILSWEEP_DB_DIR", join(mkdtempSync(join(tmpdir(), "tailsweep-refusal-")), "db"));
    for (const seeds of ["+1", "11"]) {
      const r = await refusal("sweep", "confirm", "abc", "--seeds", seeds);
      expect(r.stderr).toBe(
        said(
          `tailsweep: --seeds: a confirmation needs at least 2 fresh seeds (its own paired t-test), got "${seeds}"`,
          "tailsweep: sweep: no sweep with id abc",
        ),
      );
    }
  }, 60_000);

  it("bounds the trials at once, which a mistyped 1e9 would allocate threads for until the process died", async () => {
    const r = await refusal("sweep", "run", "examples/quick.yaml", "--workers", "1e9");
    expect(r.stderr).toMatch(/^tailsweep: --workers: must be a whole number from 1 to 256, got 1e9\n/);
  });

  it("checks tags as they are parsed, and refuses tag edits whose meaning hangs on the order they apply in", async () => {
    const tooMany = Array.from({ length: 33 }, (_, i) => `t${i}`).join(",");
    const r = await refusal("sweep", "tag", "abc", "--add", "ok,a b,<i>", "--add", tooMany, "--remove", "é!");
    expect(r.stderr).toBe(
      said(
        `tailsweep: --add: "<i>" is not a tag (each must be 1–64 letters, digits or - _ . : /), got 'ok,a b,<i>'`,
        `tailsweep: --add: at most 32 tags (this makes 33), got '${tooMany}'`,
        `tailsweep: --remove: "é!" is not a tag (each must be 1–64 letters, digits or - _ . : /)`,
      ),
    );
    const refused = (...argv: string[]) => buildProgram().parseAsync(["node", "tailsweep", ...argv]);
    await expect(refused("trial", "tag", "abc", "--set", "a", "--add", "b")).rejects.toMatchObject({
      code: "TAGS_INVALID",
      category: "invalid",
      message:
        "--set, --add: --set replaces every tag: give it alone, or change the tags with --add and --remove",
    });
    await expect(refused("sweep", "tag", "abc", "--add", "x,y,z", "--remove", "z,y")).rejects.toMatchObject({
      code: "TAGS_INVALID",
      message: '--add, --remove: "y", "z": both added and removed',
    });
    // both slips of one line at once
    await expect(
      refused("trial", "tag", "abc", "--set", "b", "--add", "c", "--remove", "c"),
    ).rejects.toMatchObject({
      code: "TAGS_INVALID",
      message:
        '--set, --add, --remove: --set replaces every tag: give it alone, or change the tags with --add and --remove; --add, --remove: "c": both added and removed',
    });
  });

  it("names every unknown option after the bad values, those after the first unknown one included", async () => {
    const r = await refusal(
      "compare",
      "--alpha",
      "5",
      "--frobnicate",
      "--correction",
      "x",
      "--metrc",
      "f1",
      "--jsn=1",
    );
    expect(r.code).toBe("commander.unknownOption");
    expect(r.stderr).toBe(
      said(
        "tailsweep: --alpha: must be in (0, 1), got 5",
        "tailsweep: --correction: must be one of holm, bh, got 'x'",
        "tailsweep: unknown option '--frobnicate'",
        "tailsweep: unknown option '--metrc' (did you mean --metric?)",
        "tailsweep: unknown option '--jsn=1' (did you mean --json?)",
      ),
    );
    // a command's parents' flags are guessed too; a line that asks for help gets it
    expect((await refusal("compare", "--versoin")).stderr).toContain("(did you mean --version?)");
    expect((await refusal("compare", "--frobnicate", "--help")).code).toBe("commander.helpDisplayed");
    // what only starts like a negative number is an unknown option too (it was refused with no reason)
    expect((await refusal("compare", "-5x", "-1.2.3")).stderr).toBe(
      said("tailsweep: unknown option '-5x'", "tailsweep: unknown option '-1.2.3'"),
    );
  });
});

describe("flagProblem", () => {
  it("names the flag once and quotes the value where the parser's message does not", () => {
    expect(flagProblem("--top", "0", "--top must be a whole number ≥ 1, got 0")).toBe(
      "--top: must be a whole number ≥ 1, got 0",
    );
    expect(flagProblem("--format", "xml", "Allowed choices are csv, json.")).toBe(
      "--format: must be one of csv, json, got 'xml'",
    );
    // a value that is a part of the rule's words is still quoted
    expect(flagProblem("--correction", "h", "Allowed choices are holm, bh.")).toBe(
      "--correction: must be one of holm, bh, got 'h'",
    );
  });
});

describe("every command's help", () => {
  it("says each option's default once (commander adds one where the option has a default value)", () => {
    const all = (c: ReturnType<typeof buildProgram>): ReturnType<typeof buildProgram>[] => [
      c,
      ...c.commands.flatMap(all),
    ];
    const twice = all(buildProgram()).flatMap((c) =>
      c
        .helpInformation()
        .split("\n")
        .filter((line) => /\(default: [^)]*\).*\(default: /.test(line)),
    );
    // `sweep watch --help` read "seconds between looks (default: 5) (default: 5)"
    expect(twice).toEqual([]);
  });
});
