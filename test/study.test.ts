// The study end to end in miniature: the three sweep files of the first edition (examples/study/first-edition/), shrunk to tiny data, networks and
// epochs with 2 seeds, run by `tailsweep sweep run` on an embedded store; then `tailsweep report` writes the
// Markdown and its figures, and every number checked here is recomputed from the run store with @tailsweep/stats.
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { formatSummary, REPORT_METRICS, type StudyReport } from "@tailsweep/analysis";
import { openRunStore } from "@tailsweep/db";
import { metricOf } from "@tailsweep/schemas";
import { adjustPValues, comparePaired, summarize } from "@tailsweep/stats";
import type { TrialRecord, TrialResult } from "@tailsweep/sweep";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";

const run = promisify(execFile);
const root = join(import.meta.dirname, "..");
const cli = join(root, "apps", "cli", "bin", "tailsweep.mjs");
const dir = mkdtempSync(join(tmpdir(), "tailsweep-study-"));
const env = { ...process.env, TAILSWEEP_DB_DIR: join(dir, "db"), TAILSWEEP_BACKEND: "wasm", NATS_URL: "" };

/** A study file at test size: tiny data and networks, one short epoch, 2 seeds, and fewer settings. */
function miniature(name: string, search: Record<string, unknown>): string {
  const file = parse(readFileSync(join(root, "examples", "study", "first-edition", `${name}.yaml`), "utf8"));
  file.dataset = { ...file.dataset, headCount: 60, testPerClass: 10 };
  file.model = { ...file.model, encoderWidths: [8], decoderWidths: [8], classifierWidths: [8], latentDim: 2 };
  file.train = { ...file.train, epochs: 1, maxStepsPerEpoch: 2, labeledBatchSize: 8, unlabeledBatchSize: 8 };
  file.search = { ...file.search, ...search };
  file.seeds = 2;
  const path = join(dir, `${name}.yaml`);
  writeFileSync(path, stringify(file));
  return path;
}

async function tailsweep(...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [cli, ...args], { env, cwd: root, maxBuffer: 64 << 20 });
  return stdout;
}

const ids: string[] = [];
let report: StudyReport;
let markdown: string;
const trials = new Map<string, TrialRecord[]>();
const results = new Map<string, TrialResult>();

beforeAll(async () => {
  const files = [
    miniature("main", { rho: [100], beta: [0.1, 0.3] }),
    miniature("gamma-nu", { nu: [5, 10], gamma: ["tied", -0.002] }),
    miniature("missing-modality", {}),
  ];
  for (const f of files) ids.push(JSON.parse(await tailsweep("sweep", "run", f, "--json")).sweep.id);
  await tailsweep("report", ...ids, "--out", join(dir, "results.md"), "--title", "Mini study");
  markdown = readFileSync(join(dir, "results.md"), "utf8");
  // the 8-character id prefixes the tables show are enough
  report = JSON.parse(await tailsweep("report", ...ids.map((id) => id.slice(0, 8)), "--json"));
  const opened = await openRunStore({ pgliteDir: join(dir, "db"), databaseUrl: "" });
  try {
    for (const id of ids) {
      trials.set(id, await opened.store.listTrials(id));
      for (const [k, v] of await opened.store.listResults(id)) results.set(k, v);
    }
  } finally {
    await opened.close();
  }
}, 600_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Seed → value of one metric for trials matching `where`, straight from the stored results. */
function valuesBySeed(
  sweep: string,
  where: (t: TrialRecord) => boolean,
  value: (r: TrialResult) => number | undefined,
) {
  const out = new Map<number, number>();
  for (const t of trials.get(sweep)!) {
    const r = results.get(t.id);
    const v = r && where(t) ? value(r) : undefined;
    if (v !== undefined) out.set(t.seed, v);
  }
  return out;
}

describe("the study in miniature: sweeps → tailsweep report", () => {
  it("ran every trial of the three sweeps", () => {
    expect([...trials.values()].map((t) => t.length)).toEqual([2 * 2 * 6 * 2, 4 * 2, 2 * 2 * 2]);
    for (const list of trials.values()) expect(list.every((t) => t.state === "succeeded")).toBe(true);
    expect(report.sweeps.map((s) => s.counts.succeeded)).toEqual([48, 8, 8]);
  });

  it("reports each method's mean and t interval per setting as the stored results give them", () => {
    const [main] = ids;
    const mc = report.methodComparisons[0]!;
    expect(mc.settings.map((s) => s.label)).toEqual([
      "mnist-2view ρ=100 β=0.1",
      "mnist-2view ρ=100 β=0.3",
      "mnist-fashion ρ=100 β=0.1",
      "mnist-fashion ρ=100 β=0.3",
    ]);
    let checked = 0;
    for (const setting of mc.settings) {
      for (const metric of REPORT_METRICS) {
        for (const cell of setting.metrics[metric.id]!) {
          const stored = valuesBySeed(
            main!,
            (t) =>
              t.params.variant === cell.method &&
              t.params["dataset.name"] === setting.params["dataset.name"] &&
              t.params["dataset.labelRatio"] === setting.params["dataset.labelRatio"],
            (r) => metricOf(r.metrics, metric.id),
          );
          const expected = summarize([...stored.values()]);
          expect(cell.summary.n).toBe(expected.n);
          expect(cell.summary.mean).toBeCloseTo(expected.mean, 12);
          if (expected.n >= 2) expect(cell.summary.ci[1]).toBeCloseTo(expected.ci[1], 12);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThanOrEqual(4 * REPORT_METRICS.length * 5);
    // and the Markdown table prints them
    const fashion = mc.settings[2]!.metrics.balancedAccuracy!;
    const row = markdown.split("\n").find((l) => l.startsWith("| mnist-fashion ρ=100 β=0.1 |"))!;
    for (const cell of fashion) expect(row).toContain(formatSummary(cell.summary));
  });

  it("pairs each baseline with the proposed model by seed and Holm-corrects across the baselines", () => {
    const [main] = ids;
    const setting = report.methodComparisons[0]!.settings[0]!;
    const where = (method: string) => (t: TrialRecord) =>
      t.params.variant === method &&
      t.params["dataset.name"] === "mnist-2view" &&
      t.params["dataset.labelRatio"] === 0.1;
    const balanced = (r: TrialResult) => metricOf(r.metrics, "balancedAccuracy");
    const proposed = valuesBySeed(main!, where("proposed"), balanced);
    const baselines = ["gaussian", "concat", "mixture", "single", "supervised"];
    const comparisons = baselines.map((b) => {
      const other = valuesBySeed(main!, where(b), balanced);
      const seeds = [...proposed.keys()].filter((s) => other.has(s)).sort();
      return comparePaired(
        seeds.map((s) => proposed.get(s)!),
        seeds.map((s) => other.get(s)!),
        { resamples: 0 },
      );
    });
    const holm = adjustPValues(
      comparisons.map((c) => c.t.p),
      "holm",
    );
    baselines.forEach((b, i) => {
      const v = setting.metrics.balancedAccuracy!.find((c) => c.method === b)!.versus!;
      const c = comparisons[i]!;
      if (Number.isFinite(c.meanDiff)) expect(v.diff).toBeCloseTo(c.meanDiff, 12);
      if (Number.isFinite(c.t.p)) expect(v.p).toBeCloseTo(c.t.p, 12);
      if (Number.isFinite(holm[i]!)) expect(v.pHolm).toBeCloseTo(holm[i]!, 12);
      if (Number.isFinite(c.dz)) expect(v.effect).toBeCloseTo(c.dz, 9);
      // two seeds of a tiny model can give the same difference twice: no spread, a degenerate comparison
      const expected = c.degenerate
        ? "degenerate"
        : holm[i]! <= 0.05
          ? c.meanDiff > 0
            ? "better"
            : "worse"
          : "no detectable difference";
      expect(v.verdict).toBe(expected);
    });
    // the verdict counts add up to the settings
    for (const b of baselines) {
      const t = report.methodComparisons[0]!.tally.balancedAccuracy![b]!;
      expect(t.proposedBetter + t.proposedWorse + t.undecided + t.degenerate + t.tooFewSeeds).toBe(4);
    }
  });

  it("reads per-class pseudo-label recall and minority recall from the stored pseudo-labels", () => {
    const [main] = ids;
    const setting = report.methodComparisons[0]!.settings[0]!;
    const proposed = setting.pseudoPerClass.find((p) => p.method === "proposed")!;
    const perSeed = [...trials.get(main!)!]
      .filter(
        (t) =>
          t.params.variant === "proposed" &&
          t.params["dataset.name"] === "mnist-2view" &&
          t.params["dataset.labelRatio"] === 0.1,
      )
      .map((t) => results.get(t.id)!.metrics.pseudoLabels!.perClassRecall);
    expect(proposed.perClass).toHaveLength(10);
    proposed.perClass.forEach((s, c) => {
      const expected = summarize(perSeed.map((r) => r[c]!)).mean;
      // A class with no unlabeled rows in some seed has no recall there (NaN; null in the report's JSON), not 0.
      if (Number.isNaN(expected)) expect(s.mean ?? Number.NaN).toBeNaN();
      else expect(s.mean).toBeCloseTo(expected, 12);
    });
    expect(setting.minorityClasses.length).toBeGreaterThan(0);
    expect(markdown).toContain("### Per-class pseudo-label recall");
    // a per-class table for every setting (4), plus the two highlighted ones above their charts
    expect(markdown.match(/^\| method \| 0\*? \| 1\*? \|/gm)).toHaveLength(6);
  });

  it("compares every γ × ν cell with the default configuration", () => {
    const s = report.sensitivities[0]!;
    expect(s.reference).toBe("model.gamma=tied model.nu=10");
    expect(s.referenceIsDefault).toBe(true);
    expect(s.configs.map((c) => c.label)).toEqual([
      "model.gamma=tied model.nu=5",
      "model.gamma=tied model.nu=10",
      "model.gamma=-0.002 model.nu=5",
      "model.gamma=-0.002 model.nu=10",
    ]);
    const [, gammaNu] = ids;
    for (const c of s.configs) {
      const stored = valuesBySeed(
        gammaNu!,
        (t) =>
          t.params["model.nu"] === c.params["model.nu"] &&
          t.params["model.gamma"] === c.params["model.gamma"],
        (r) => metricOf(r.metrics, "balancedAccuracy"),
      );
      expect(c.summary.mean).toBeCloseTo(summarize([...stored.values()]).mean, 12);
    }
    // two values each: γ gives the rows (the first key), ν the columns
    expect(markdown).toMatch(/\| γ \\ ν \| 5 \| 10 \|\n\| --- \| --- \| --- \|\n\| tied \|/);
  });

  it("sets the multimodal models with one modality observed beside models trained on it alone", () => {
    const groups = report.missingModality;
    expect(groups.map((g) => g.label)).toEqual(["mnist-2view ρ=100 β=0.1", "mnist-fashion ρ=100 β=0.1"]);
    const [main, , single] = ids;
    const g = groups[0]!;
    const digit = g.columns.find((c) => c.key === "0")!;
    expect(digit.cells.map((c) => c.method)).toEqual([
      "proposed",
      "gaussian",
      "concat",
      "mixture",
      "supervised",
      "trained on digit only",
    ]);
    const observedDigit = valuesBySeed(
      main!,
      (t) =>
        t.params.variant === "concat" &&
        t.params["dataset.name"] === "mnist-2view" &&
        t.params["dataset.labelRatio"] === 0.1,
      (r) =>
        (r.metrics as { perModality: { modality: number; balancedAccuracy: number }[] }).perModality.find(
          (p) => p.modality === 0,
        )?.balancedAccuracy,
    );
    expect(digit.cells[2]!.summary.mean).toBeCloseTo(summarize([...observedDigit.values()]).mean, 12);
    const alone = valuesBySeed(
      single!,
      (t) =>
        t.params["dataset.name"] === "mnist-2view" && JSON.stringify(t.params["model.modalities"]) === "[0]",
      (r) => metricOf(r.metrics, "balancedAccuracy"),
    );
    expect(digit.cells[5]!.summary.mean).toBeCloseTo(summarize([...alone.values()]).mean, 12);
    expect(markdown).toContain("## Missing modality");
  });

  it("writes the figures the Markdown links to, and states what differs from the paper preset", () => {
    const links = [...markdown.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)].map((m) => m[1]!);
    expect(links.length).toBeGreaterThanOrEqual(8);
    for (const link of links) {
      const file = join(dir, link);
      expect(existsSync(file), link).toBe(true);
      expect(readFileSync(file, "utf8")).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
    }
    expect(readdirSync(join(dir, "results-figures"))).toHaveLength(links.length);
    expect(markdown).toContain("differ from the paper preset:");
    expect(markdown).toContain("train.epochs 1 (50)");
  });

  it("refuses an unknown sweep id, naming it", async () => {
    await expect(tailsweep("report", "no-such-sweep")).rejects.toThrow(
      /sweeps\[0\]: no sweep with id no-such-sweep/,
    );
  });
});
