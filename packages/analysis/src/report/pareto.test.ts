import { parseSweepFile } from "@tailsweep/schemas";
import { expandSweep, InMemoryRunStore } from "@tailsweep/sweep";
import { scriptedResult, topUp } from "@tailsweep/sweep/testing";
import { describe, expect, it } from "vitest";
import { paretoFront } from "../pareto";
import { buildStudyReport } from "./build";
import { renderStudyMarkdown } from "./markdown";

const t0 = new Date("2026-01-01T00:00:00Z");
// per method: balanced accuracy and minority recall before the seed's wobble. In ρ=10 proposed leads gaussian on both;
// supervised trades accuracy for recall. In ρ=100 gaussian is behind proposed by less than the seeds' spread.
const LEVELS: Record<string, Record<number, [number, number]>> = {
  proposed: { 10: [0.8, 0.6], 100: [0.7, 0.5] },
  gaussian: { 10: [0.72, 0.5], 100: [0.69, 0.49] },
  supervised: { 10: [0.6, 0.75], 100: [0.55, 0.7] },
};
const wobble = (method: string, seed: number) => (((seed * 7 + method.charCodeAt(0)) % 5) - 2) * 0.01;

/** A method sweep over ρ with 4 seeds, its results from LEVELS. */
async function store() {
  const s = new InMemoryRunStore();
  const spec = parseSweepFile({
    project: "p",
    name: "main",
    search: { variant: ["proposed", "gaussian", "supervised"], rho: [10, 100] },
    seeds: 4,
  });
  await s.createSweep({ id: "m", spec, trials: expandSweep(spec), now: t0 });
  for (const t of await s.listTrials("m")) {
    await s.claimTrial(t.id, "w", t0, "cpu");
    const method = String(t.params.variant);
    const [ba, mr] = LEVELS[method]![Number(t.params["dataset.imbalanceRatio"])]!;
    const r = scriptedResult(ba + wobble(method, t.seed));
    r.metrics.minorityRecall = mr + wobble(method, t.seed + 2);
    await s.completeTrial(t.id, 1, r, t0);
  }
  return s;
}

describe("the study report's Pareto section", () => {
  it("is there only when asked, with one front of the methods per setting", async () => {
    const runs = await store();
    expect((await buildStudyReport(runs, ["m"], { now: t0 })).pareto).toBeUndefined();
    const report = await buildStudyReport(runs, ["m"], { now: t0, pareto: {} });
    expect(report.pareto!.map((f) => [f.setting, f.front.front])).toEqual([
      ["ρ=10", ["proposed", "supervised"]],
      ["ρ=100", ["proposed", "supervised"]],
    ]);
    const standing = (i: number) =>
      Object.fromEntries(report.pareto![i]!.front.configurations.map((c) => [c.config, c.status]));
    expect(standing(0)).toEqual({ gaussian: "dominated", proposed: "front", supervised: "front" });
    expect(standing(1).gaussian).toBe("not separable");
    // the same front as paretoFront on the setting's own values
    const observations = [1, 2, 3, 4].flatMap((seed) =>
      Object.entries(LEVELS).flatMap(([method, at]) => [
        { config: method, seed, metric: "balancedAccuracy", value: at[10]![0] + wobble(method, seed) },
        { config: method, seed, metric: "minorityRecall", value: at[10]![1] + wobble(method, seed + 2) },
      ]),
    );
    const direct = paretoFront(observations, [
      { metric: "balancedAccuracy", direction: "maximize" },
      { metric: "minorityRecall", direction: "maximize" },
    ]);
    const { claims, ...rest } = report.pareto![0]!.front;
    expect({ ...rest, claims: claims.map(({ posthocRevisions: _, ...c }) => c) }).toEqual(direct);
    // no seed was added after looking: nothing marked, nothing to note
    expect(claims.map((c) => c.posthocRevisions)).toEqual(claims.map(() => []));
    expect(report.pareto!.map((f) => f.notes)).toEqual([[], []]);
  });

  it("marks the claims whose pairs use seeds a post-hoc top-up added, in their setting only, and notes it", async () => {
    const runs = await store();
    // seeds 5–6 for ρ=100's methods only, added after looking at the results
    const rho100 = (await runs.listTrials("m")).filter((t) => t.params["dataset.imbalanceRatio"] === 100);
    await topUp(runs, "m", [5, 6], { configKeys: [...new Set(rho100.map((t) => t.configKey))] });
    for (const t of await runs.listTrials("m")) {
      if (t.state !== "waiting") continue;
      await runs.claimTrial(t.id, "w", t0, "cpu");
      const method = String(t.params.variant);
      const [ba, mr] = LEVELS[method]![100]!;
      const r = scriptedResult(ba + wobble(method, t.seed));
      r.metrics.minorityRecall = mr + wobble(method, t.seed + 2);
      await runs.completeTrial(t.id, 1, r, t0);
    }
    const report = await buildStudyReport(runs, ["m"], { now: t0, pareto: {} });
    const [rho10, rho100Front] = report.pareto!;
    // ρ=10 ran seeds 1–4 only: the same method and seed in ρ=100 is another trial, and marks nothing here
    expect(rho10!.front.claims.map((c) => c.posthocRevisions)).toEqual(rho10!.front.claims.map(() => []));
    expect(rho10!.notes).toEqual([]);
    expect(rho100Front!.front.claims.length).toBeGreaterThan(0);
    expect(rho100Front!.front.claims.map((c) => c.posthocRevisions)).toEqual(
      rho100Front!.front.claims.map(() => [2]),
    );
    expect(rho100Front!.notes).toEqual([expect.stringMatching(/post-hoc top-up.*optimistic/)]);
    const { markdown } = renderStudyMarkdown(report);
    const section = markdown.slice(markdown.indexOf("### main: ρ=100"));
    expect(section).toMatch(/- proposed dominates gaussian: .* †\n/);
    expect(section).toMatch(/- note: \d+ claims? pairs? seeds added after looking at the results/);
    expect(
      markdown.slice(markdown.indexOf("### main: ρ=10\n"), markdown.indexOf("### main: ρ=100")),
    ).not.toContain("†");
  });

  it("renders a table, the claims and a figure per setting", async () => {
    const report = await buildStudyReport(await store(), ["m"], { now: t0, pareto: {} });
    const { markdown, figures } = renderStudyMarkdown(report);
    expect(markdown).toContain("## Pareto fronts: balancedAccuracy (max) × minorityRecall (max)");
    expect(markdown).toContain("### main: ρ=10");
    expect(markdown).toMatch(/\| gaussian \| [\d.]+ \[[\d.]+, [\d.]+\] \(n=4\) \| [\d.]+ .* \| dominated \|/);
    expect(markdown).toMatch(/- proposed dominates gaussian: \*\*backed\*\* — balancedAccuracy \+/);
    expect(markdown).toMatch(/- proposed dominates gaussian: by means only — /);
    const svgs = [...figures.keys()].filter((name) => name.startsWith("pareto"));
    expect(svgs).toHaveLength(2);
    expect(figures.get(svgs[0]!)).toMatch(/^<svg/);
  });
});
