// Which configurations a TPE search's decision stage takes (docs/sweeps.md, "TPE with a sequential design"): the best
// `decide.top` by their mean on every search seed, ties in proposal order, none that failed a seed, and never the
// baseline or a proposal that is the baseline's model under another key.
import { parseSweepFile } from "@tailsweep/schemas";
import { describe, expect, it } from "vitest";
import { decisionStageStart } from "./decision-stage";
import { planTrials } from "./expand";
import { InMemoryRunStore } from "./in-memory-run-store";
import { scriptedResult } from "./testing";

const spec = parseSweepFile({
  name: "d",
  project: "p",
  method: "tpe",
  budget: 6,
  search: { nu: { distribution: "loguniform", low: 3, high: 100 }, variant: ["gaussian", "proposed"] },
  seeds: { initial: 2, step: 1, max: 3 },
  // ν stays unnamed (the model's default, 10): a proposal of gaussian at ν = 10 is the baseline's model
  decide: { baseline: "variant=gaussian", top: 3 },
});

/** A search whose proposals score `scores[i]` on seed 1 and 2 (undefined: that seed failed). */
async function searched(
  points: Record<string, unknown>[],
  scores: [number | undefined, number | undefined][],
) {
  const store = new InMemoryRunStore();
  const t0 = new Date("2026-01-01T00:00:00Z");
  const id = "0123456789abcdef0123456789abcdef";
  await store.createSweep({ id, spec, trials: planTrials(spec, points), now: t0 });
  for (const t of await store.listTrials(id)) {
    const i = points.findIndex(
      (p) => p["model.nu"] === t.params["model.nu"] && p.variant === t.params.variant,
    );
    const score = scores[i]![t.seed - 1];
    await store.claimTrial(t.id, "w", t0);
    if (score === undefined) await store.failTrial(t.id, 1, "diverged", false, t0);
    else await store.completeTrial(t.id, 1, scriptedResult(score), t0);
  }
  return decisionStageStart(spec, await store.listTrials(id), await store.listResults(id));
}

describe("decisionStageStart", () => {
  it("takes the best by mean on every search seed, ties in proposal order, leaving out failures and the baseline's twin", async () => {
    const points = [
      { "model.nu": 5, variant: "proposed" },
      { "model.nu": 10, variant: "gaussian" }, // the baseline's model: best, yet never compared with itself
      { "model.nu": 7, variant: "proposed" },
      { "model.nu": 9, variant: "proposed" }, // failed on seed 2: no mean over every search seed
      { "model.nu": 11, variant: "gaussian" },
      { "model.nu": 13, variant: "proposed" },
    ];
    const start = await searched(points, [
      [0.6, 0.7],
      [0.95, 0.95],
      [0.7, 0.6],
      [0.99, undefined],
      [0.5, 0.5],
      [0.8, 0.8],
    ]);
    expect(start.proposed).toBe(6);
    expect(start.complete).toBe(5);
    // 0.8, then the tie at 0.65 in proposal order (ν = 5 before ν = 7)
    expect(start.chosen.map((c) => c.params["model.nu"])).toEqual([13, 5, 7]);
    expect(start.chosen.map((c) => c.mean)).toEqual([
      0.8,
      expect.closeTo(0.65, 12),
      expect.closeTo(0.65, 12),
    ]);
    expect(start.baseline.params).toEqual({ variant: "gaussian" });
    expect(start.seeds).toEqual([3, 4]);
  });

  it("takes fewer than top when fewer finished every seed, and none when none did", async () => {
    const points = [
      { "model.nu": 5, variant: "proposed" },
      { "model.nu": 7, variant: "proposed" },
    ];
    expect(
      (
        await searched(points, [
          [0.6, 0.6],
          [0.7, undefined],
        ])
      ).chosen,
    ).toHaveLength(1);
    expect(
      (
        await searched(points, [
          [undefined, 0.6],
          [0.7, undefined],
        ])
      ).chosen,
    ).toEqual([]);
  });
});
