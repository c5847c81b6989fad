// `tailsweep compare --objectives` and `tailsweep report --pareto`: Pareto fronts of stored sweeps through the real
// CLI (a child process on an embedded store seeded with hand-made results), the same numbers as @tailsweep/analysis
// computes on that store.
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildStudyReport, loadSweepRuns, type SweepPareto, sweepPareto } from "@tailsweep/analysis";
import { openRunStore } from "@tailsweep/db";
import { parseSweepFile } from "@tailsweep/schemas";
import { expandSweep } from "@tailsweep/sweep";
import { scriptedResult } from "@tailsweep/sweep/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./testing/cli-process";

const dir = mkdtempSync(join(tmpdir(), "tailsweep-pareto-"));
const dbDir = join(dir, "db");
const sweepId = "pareto-0123456789abcdef";
/** A sweep with `objectives`, one of which (minorityRecall) no finished trial reports yet. */
const pendingId = "pending-0123456789abcdef";

/** A method sweep: proposed ahead of gaussian on both objectives, supervised trading accuracy for recall. */
const methodsId = "methods-0123456789abcdef";
const METHOD_SCORES: Record<string, [number, number]> = {
  proposed: [0.8, 0.6],
  gaussian: [0.72, 0.5],
  supervised: [0.6, 0.75],
};

/** ν = 10 ahead of ν = 5 on both objectives on every seed (by varying amounts); ν = 30 trades accuracy for recall. */
function scores(nu: number, seed: number): { ba: number; mr: number } {
  const wobble = [0, 0.013, -0.006, 0.009][seed]!;
  if (nu === 10) return { ba: 0.78 + wobble, mr: 0.6 + 0.01 * seed };
  if (nu === 5) return { ba: 0.7 + 0.005 * seed, mr: 0.5 + wobble };
  return { ba: 0.62 + 0.01 * seed, mr: 0.8 - wobble };
}

const tailsweep = (args: string[]) => runCli(args, { TAILSWEEP_DB_DIR: dbDir, XDG_CONFIG_HOME: dir });

describe("Pareto fronts from the CLI: compare --objectives, report --pareto", { timeout: 300_000 }, () => {
  let expected: SweepPareto;
  let expectedReport: Awaited<ReturnType<typeof buildStudyReport>>;

  beforeAll(async () => {
    const opened = await openRunStore({ pgliteDir: dbDir, databaseUrl: "" });
    try {
      const spec = parseSweepFile({
        name: "pareto",
        project: "p",
        search: { nu: [5, 10, 30] },
        seeds: [1, 2, 3],
      });
      const t0 = new Date("2026-01-01T00:00:00Z");
      await opened.store.createSweep({ id: sweepId, spec, trials: expandSweep(spec), now: t0 });
      for (const trial of await opened.store.listTrials(sweepId)) {
        await opened.store.claimTrial(trial.id, "w", t0, "cpu");
        const { ba, mr } = scores(Number(trial.params["model.nu"]), trial.seed);
        const result = scriptedResult(ba);
        result.metrics.minorityRecall = mr;
        // a count, not a share: the model's size grows with ν
        result.metrics.parameterCount = 1000 * Number(trial.params["model.nu"]) + trial.seed;
        await opened.store.completeTrial(trial.id, 1, result, t0);
      }
      const pending = parseSweepFile({
        name: "pending",
        project: "p",
        search: { nu: [5, 10] },
        seeds: [1, 2],
        objectives: [{ metric: "balancedAccuracy" }, { metric: "minorityRecall" }],
      });
      await opened.store.createSweep({ id: pendingId, spec: pending, trials: expandSweep(pending), now: t0 });
      for (const trial of await opened.store.listTrials(pendingId)) {
        await opened.store.claimTrial(trial.id, "w", t0, "cpu");
        // minority recall undefined (NaN, as for a minority class without test rows): no value of it to use
        const result = scriptedResult(0.6 + 0.01 * trial.seed);
        result.metrics.minorityRecall = Number.NaN;
        await opened.store.completeTrial(trial.id, 1, result, t0);
      }
      const methods = parseSweepFile({
        name: "methods",
        project: "p",
        search: { variant: ["proposed", "gaussian", "supervised"] },
        seeds: [1, 2, 3],
      });
      await opened.store.createSweep({ id: methodsId, spec: methods, trials: expandSweep(methods), now: t0 });
      for (const trial of await opened.store.listTrials(methodsId)) {
        await opened.store.claimTrial(trial.id, "w", t0, "cpu");
        const variant = String(trial.params.variant);
        const [ba, mr] = METHOD_SCORES[variant]!;
        // each method's own wobble per seed: paired differences that vary, as real seeds give
        const wobble = [0, 0.013, -0.006, 0.009][(trial.seed + variant.charCodeAt(0)) % 4]!;
        const result = scriptedResult(ba + wobble);
        result.metrics.minorityRecall = mr + 0.01 * trial.seed - wobble;
        // a count: 12,001–12,003 parameters for proposed and gaussian, 14,001–14,003 for supervised
        result.metrics.parameterCount = 1000 * (9 + variant.length - 5) + trial.seed;
        await opened.store.completeTrial(trial.id, 1, result, t0);
      }
      expectedReport = await buildStudyReport(opened.store, [methodsId], { pareto: {} });
      expected = sweepPareto(await loadSweepRuns(opened.store, sweepId), {
        objectives: [
          { metric: "balancedAccuracy", direction: "maximize" },
          { metric: "minorityRecall", direction: "maximize" },
        ],
      });
    } finally {
      await opened.close();
    }
  }, 300_000);

  it("prints the front with --json as analysis computes it, beside the comparison", async () => {
    const r = await tailsweep([
      "compare",
      sweepId,
      "--objectives",
      "balancedAccuracy:max,minorityRecall:max",
      "--json",
    ]);
    expect([r.code, r.stderr]).toEqual([0, expect.any(String)]);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ sweep: sweepId, metric: "balancedAccuracy" });
    expect(out.rows).toHaveLength(3); // the comparison table is still there
    expect(out.pareto).toEqual(JSON.parse(JSON.stringify(expected)));
    expect(out.pareto.front).toEqual(["model.nu=10", "model.nu=30"]);
    expect(
      out.pareto.claims.map((c: { dominated: string; backed: boolean }) => [c.dominated, c.backed]),
    ).toEqual([["model.nu=5", true]]);
  });

  it("prints the front as a table with the backed claims", async () => {
    const r = await tailsweep([
      "compare",
      sweepId,
      "--objectives",
      "balancedAccuracy:max,minorityRecall:max",
    ]);
    expect(r.code).toBe(0);
    const text = r.stdout;
    expect(text).toMatch(
      /Pareto front over balancedAccuracy \(max\) × minorityRecall \(max\): seed means with 95% t intervals; 2 of 3 configurations on it by means/,
    );
    const nu5 = expected.configurations.find((c) => c.config === "model.nu=5")!;
    const mean = (100 * nu5.estimates[0]!.summary.mean).toFixed(1);
    expect(text).toMatch(
      new RegExp(`model\\.nu=5 +${mean} \\[[0-9.]+, [0-9.]+\\] n=3 .*dominated +model\\.nu=10`),
    );
    expect(text).toMatch(/model\.nu=30 .* front/);
    expect(text).toMatch(
      /model\.nu=10 dominates model\.nu=5: backed — balancedAccuracy \+[0-9.]+ pp \(3 pairs, p adj [<0-9.]+\) \*; minorityRecall/,
    );
  });

  it("shows the table with a note, not an error, when the sweep's own objectives cannot draw a front yet", async () => {
    const text = await tailsweep(["compare", pendingId]);
    expect([text.code, text.stderr]).toEqual([
      0,
      expect.stringMatching(
        /Note: the Pareto front over the sweep's objectives is not shown: minorityRecall:max: no finished trial of sweep pending-0123456789abcdef reports minorityRecall/,
      ),
    ]);
    expect(text.stdout).toMatch(/model\.nu=10/);
    // both draw the same value at every seed: a degenerate comparison, which the correction leaves out
    expect(text.stdout).toContain(
      "vs baseline model.nu=10, nothing corrected: no comparison has a test (1 degenerate)",
    );
    expect(text.stdout).not.toMatch(/Pareto front over/);
    const json = await tailsweep(["compare", pendingId, "--json"]);
    expect(json.code).toBe(0);
    const out = JSON.parse(json.stdout);
    expect(out.rows).toHaveLength(2);
    expect(out.pareto).toBeUndefined();
    expect(out.paretoNote).toMatch(
      /^the Pareto front over the sweep's objectives is not shown: minorityRecall:max: no finished trial of sweep pending-0123456789abcdef reports minorityRecall/,
    );
    // asked for by name, the same objectives are an error, as before
    const asked = await tailsweep([
      "compare",
      pendingId,
      "--objectives",
      "balancedAccuracy,minorityRecall:max",
    ]);
    expect(asked.code).toBe(2);
    expect(asked.stderr).toMatch(
      /--objectives: minorityRecall:max: no finished trial of sweep pending-0123456789abcdef reports minorityRecall/,
    );
  });

  it("prints a metric that is not a share as it is, not in percent clipped at 100", async () => {
    const r = await tailsweep([
      "compare",
      sweepId,
      "--objectives",
      "balancedAccuracy:max,parameterCount:min",
    ]);
    expect([r.code, r.stderr]).toEqual([0, expect.any(String)]);
    // ν = 5: 5001, 5002, 5003 parameters, mean 5002, its t interval 5002 ± 2.484
    expect(r.stdout).toMatch(/model\.nu=5 +[0-9.]+ \[[0-9.]+, [0-9.]+\] n=3 +5002 \[4999\.5, 5004\.5\] n=3/);
    expect(r.stdout).not.toMatch(/500200\.0/);
    // and so does the comparison table of such a metric: its means and differences in its own units
    const table = await tailsweep([
      "compare",
      sweepId,
      "--metric",
      "parameterCount",
      "--baseline",
      "model.nu=5",
    ]);
    expect([table.code, table.stderr]).toEqual([0, ""]);
    expect(table.stdout).toMatch(/model\.nu=5 \(baseline\) +3 +5002 \[4999\.5, 5004\.5\]/);
    // ν = 10 has 5000 more parameters at every seed: a constant difference (degenerate), not +500000.00 pp
    expect(table.stdout).toMatch(/model\.nu=10 +3 +10002 \[9999\.5, 10004\] +\+5000 \[—, —\] .* degenerate/);
    expect(table.stdout).toContain("Δ and intervals in parameterCount's own units;");
    // the effect column is d_z where paired and d*_s where Welch: named for both, not "d_z"
    expect(table.stdout).toMatch(
      /^configuration +n +mean \[95% CI\] +Δ vs baseline \[95% CI\] +p +p adj +effect +seeds for 80% +verdict$/m,
    );
    expect(table.stdout).toContain("effect = Cohen's d_z of the paired differences, or d*_s");
    expect(table.stdout).not.toMatch(/‡|percentage points/);
  });

  it("names every bad objective in one error, its own syntax first and then what the sweep lacks", async () => {
    const syntax = await tailsweep(["compare", sweepId, "--objectives", "balancedAccuracy:up,:max"]);
    expect(syntax.code).toBe(2);
    expect(syntax.stderr).toMatch(
      /--objectives: 'balancedAccuracy:up': the direction must be max or min; item 2 \(':max'\) names no metric; a front needs at least 2 objectives, got 1 \(comma-separated metric:max or metric:min, at least 2, e\.g\. balancedAccuracy:max,minorityRecall:max\)/,
    );
    // the syntax, a bad value of another flag and a metric the sweep lacks, in one run: the metrics of a list
    // refused for its syntax are still looked up (balancedAccuracy's bad direction aside, it is reported)
    const all = await tailsweep([
      "compare",
      sweepId,
      "--alpha",
      "1.5",
      "--metric",
      "bogus",
      "--objectives",
      "balancedAccuracy:up,nope:min",
    ]);
    expect(all.code).toBe(2);
    expect(all.stderr).toMatch(
      /^tailsweep: --alpha: must be in \(0, 1\), got 1\.5\ntailsweep: --objectives: 'balancedAccuracy:up': the direction must be max or min \(comma-separated .*\ntailsweep: --metric: no finished trial of sweep pareto-0123456789abcdef reports the metric 'bogus' .*\ntailsweep: --objectives: nope:min: no finished trial of sweep pareto-0123456789abcdef reports nope /,
    );
    expect(all.stderr).not.toMatch(/balancedAccuracy(:max)?: no finished trial/);
    // more objectives than a front may have, and a metric the sweep lacks: one refusal, not the count alone
    const five = await tailsweep([
      "compare",
      sweepId,
      "--objectives",
      "balancedAccuracy,accuracy,macroF1,gMean,nope",
    ]);
    expect(five.code).toBe(2);
    expect(five.stderr).toMatch(
      /^tailsweep: --objectives: at most 4 objectives, got 5; nope: no finished trial of sweep pareto-0123456789abcdef reports nope /,
    );
    const lacking = await tailsweep([
      "compare",
      sweepId,
      "--objectives",
      "balancedAccuracy,nope:min,pseudoClassShift:max",
    ]);
    expect(lacking.code).toBe(2);
    expect(lacking.stderr).toMatch(
      /--objectives: nope:min: no finished trial of sweep pareto-0123456789abcdef reports nope .*; pseudoClassShift:max: pseudoClassShift is lower-is-better, not max; pseudoClassShift:max: no finished trial/,
    );
    // a bad --baseline beside them: both said at once (the table's refusal hid the front's)
    const both = await tailsweep([
      "compare",
      sweepId,
      "--baseline",
      "bogus",
      "--objectives",
      "balancedAccuracy,nope",
    ]);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(
      /^tailsweep: --baseline: 'bogus' matches no configuration; .*\n--objectives: nope(:max)?: no finished trial of sweep pareto-0123456789abcdef reports nope/,
    );
  });

  it("adds the methods' front per setting to the report with --pareto, as analysis computes it", async () => {
    const json = await tailsweep(["report", methodsId, "--pareto", "--json"]);
    expect([json.code, json.stderr]).toEqual([0, expect.any(String)]);
    const report = JSON.parse(json.stdout);
    expect(report.pareto).toEqual(JSON.parse(JSON.stringify(expectedReport.pareto)));
    expect(report.pareto[0].front.front).toEqual(["proposed", "supervised"]);
    const markdown = await tailsweep([
      "report",
      methodsId,
      "--pareto",
      "balancedAccuracy:max,minorityRecall",
    ]);
    expect(markdown.code).toBe(0);
    expect(markdown.stdout).toMatch(/## Pareto fronts: balancedAccuracy \(max\) × minorityRecall \(max\)/);
    expect(markdown.stdout).toMatch(/- proposed dominates gaussian: \*\*backed\*\*/);
    const plain = JSON.parse((await tailsweep(["report", methodsId, "--json"])).stdout);
    expect(plain.pareto).toBeUndefined();
    // a count among the objectives: its means, intervals, leads and axis in its own units, not ×100 in percent
    const out = join(dir, "count.md");
    const counted = await tailsweep([
      "report",
      methodsId,
      "--out",
      out,
      "--pareto=balancedAccuracy:max,parameterCount:min",
    ]);
    expect([counted.code, counted.stderr]).toEqual([0, expect.any(String)]);
    const md = readFileSync(out, "utf8");
    expect(md).toMatch(
      /\| proposed \| [0-9.]+ \[[0-9.]+, [0-9.]+\] \(n=3\) \| 12002 \[12000, 12004\] \(n=3\) \| front \|/,
    );
    expect(md).not.toMatch(/1200200/);
    const svg = readdirSync(join(dir, "count-figures"))
      .filter((f) => f.startsWith("pareto"))
      .map((f) => readFileSync(join(dir, "count-figures", f), "utf8"));
    expect(svg).toHaveLength(1);
    expect(svg[0]).toContain("parameterCount");
    expect(svg[0]).not.toContain("parameterCount %");
  });

  it("names a --notes or --file it cannot read as that flag's bad input, not Node's raw error", async () => {
    const none = join(dir, "none.md");
    const report = await tailsweep(["report", methodsId, "--notes", none]);
    expect([report.code, report.stderr]).toEqual([2, `tailsweep: --notes: cannot read ${none} (ENOENT)\n`]);
    const note = await tailsweep(["sweep", "note", methodsId, "--file", dir]);
    expect([note.code, note.stderr]).toEqual([2, `tailsweep: --file: cannot read ${dir} (EISDIR)\n`]);
  });

  it("names a bad --baseline and bad --pareto objectives of a report together", async () => {
    const r = await tailsweep([
      "report",
      methodsId,
      "--baseline",
      "bogus",
      "--pareto=balancedAccuracy:max,nope:max",
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^tailsweep: --baseline: 'bogus' is no method of these sweeps .*\n--pareto: nope:max: no finished trial of the report's method sweeps reports nope/,
    );
    // beside a refused value and a list refused for its syntax: every one named in one run, the list's metrics too
    const refused = await tailsweep([
      "report",
      methodsId,
      "--family",
      "some",
      "--baseline",
      "bogus",
      "--pareto=balancedAccuracy:up,nope:max",
    ]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /^tailsweep: --family: must be one of primary, all, got 'some'\ntailsweep: --pareto: 'balancedAccuracy:up': the direction must be max or min .*\ntailsweep: --baseline: 'bogus' is no method of these sweeps .*\ntailsweep: --pareto: nope:max: no finished trial of the report's method sweeps reports nope/,
    );
  });

  it("names every bad --pareto objective in one error", async () => {
    const r = await tailsweep([
      "report",
      methodsId,
      "--pareto",
      "balancedAccuracy,nope:min,pseudoClassShift:max",
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /--pareto: nope:min: no finished trial of the report's method sweeps reports nope; pseudoClassShift:max: pseudoClassShift is lower-is-better, not max; pseudoClassShift:max: no finished trial/,
    );
    // with another flag's bad value: both named, where the first refused value hid the objectives' syntax
    const syntax = await tailsweep(["report", methodsId, "--family", "some", "--pareto", "balancedAccuracy"]);
    expect(syntax.code).toBe(2);
    expect(syntax.stderr).toMatch(/^tailsweep: --family: must be one of .*, got 'some'\n/);
    expect(syntax.stderr).toMatch(
      /--pareto: a front needs at least 2 objectives, got 1 \(a word after --pareto is read as its objectives: put --pareto after the sweeps/,
    );
  });
});
