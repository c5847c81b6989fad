import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseSweepFile, resolveRunConfig } from "@tailsweep/schemas";
import { afterAll, describe, expect, it } from "vitest";
import { mergeLayers, parseSetting, readConfigFile } from "./config-input";

const dir = mkdtempSync(join(tmpdir(), "tailsweep-config-input-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("readConfigFile", () => {
  it("refuses a file over 256 kB before reading it, at once", () => {
    const file = join(dir, "huge.yaml");
    const values = Array.from({ length: 2_500_000 }, (_, i) => (i % 1000) + 3).join(", ");
    writeFileSync(file, `name: huge\nsearch:\n  nu: [${values}]\n`);
    const started = performance.now();
    expect(() => readConfigFile(file)).toThrow(
      /^--config .*huge\.yaml: the file is \d+ bytes, more than the 262144 bytes \(256 kB\) a sweep or config file may have$/,
    );
    expect(performance.now() - started).toBeLessThan(500);
  });

  it("reads a small file whose sweep expands to 10^6 trials, which the sweep parser then refuses in milliseconds", () => {
    // What `tailsweep sweep run|submit` does with a file: parseSweepFile(readConfigFile(path)).
    const file = join(dir, "million.yaml");
    const ten = (f: (i: number) => number) => `[${Array.from({ length: 10 }, (_, i) => f(i)).join(", ")}]`;
    writeFileSync(
      file,
      [
        "name: million",
        "search:",
        `  nu: ${ten((i) => i + 3)}`,
        `  gamma: ${ten((i) => -(i + 1) / 100)}`,
        `  beta: ${ten((i) => (i + 1) / 20)}`,
        `  rho: ${ten((i) => i + 1)}`,
        `  model.latentDim: ${ten((i) => i + 1)}`,
        `  train.learningRate: ${ten((i) => (i + 1) / 1e4)}`,
        "seeds: 1",
        "",
      ].join("\n"),
    );
    const started = performance.now();
    expect(() => parseSweepFile(readConfigFile(file))).toThrow(
      /search: this sweep expands to 1,000,000 trials .*more than the limit of 100,000 per sweep/,
    );
    expect(performance.now() - started).toBeLessThan(500);
  });

  it("says a file is empty, or holds a list or a single value, in the words of what reads it", () => {
    const sweepFile = {
      field: "sweep file s.yaml",
      holds: "a mapping of sweep settings (name, search, seeds, …)",
    };
    const write = (name: string, text: string) => {
      writeFileSync(join(dir, name), text);
      return join(dir, name);
    };
    expect(() => readConfigFile(write("empty.yaml", "# nothing yet\n"), sweepFile)).toThrow(
      "sweep file s.yaml: the file is empty: it must hold a mapping of sweep settings (name, search, seeds, …)",
    );
    expect(() => readConfigFile(write("list.yaml", "- a\n- b\n"), sweepFile)).toThrow(
      "sweep file s.yaml: it must hold a mapping of sweep settings (name, search, seeds, …), not a list",
    );
    expect(() => readConfigFile(write("word.yaml", "hello\n"))).toThrow(
      /^--config .*word\.yaml: it must hold a mapping with variant\/dataset\/model\/train keys, not a single string$/,
    );
  });
});

describe("mergeLayers", () => {
  it("keeps a section that is not a mapping, so validation names it, whatever later layers set in it", () => {
    const file = join(dir, "sections.yaml");
    writeFileSync(file, "variant: gaussian\ndataset: 5\nmodel: x\ntrain: [1, 2]\n");
    // the file, then the flags `--epochs 1 --nu 3`, then `--set dataset.labelRatio=0.2`
    const merged = mergeLayers([
      readConfigFile(file),
      { train: { epochs: 1 }, model: { nu: 3 } },
      parseSetting("dataset.labelRatio=0.2"),
    ]);
    expect(() => resolveRunConfig(merged)).toThrow(
      [
        "invalid configuration:",
        "  - dataset: must be a mapping of keys to values, got 5",
        "  - model: must be a mapping of keys to values, got 'x'",
        "  - train: must be a mapping of keys to values, got a list",
      ].join("\n"),
    );
  });

  it("merges mappings key by key, later layers winning", () => {
    const merged = mergeLayers([
      { variant: "gaussian", train: { epochs: 3, seed: 1 } },
      { train: { epochs: 5 } },
      parseSetting("train.seed=7", parseSetting("model.nu=4")),
    ]);
    expect(merged).toEqual({ variant: "gaussian", train: { epochs: 5, seed: 7 }, model: { nu: 4 } });
  });
});
