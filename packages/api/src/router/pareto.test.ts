import { parseSweepFile } from "@tailsweep/schemas";
import { expandSweep, InMemoryRunStore } from "@tailsweep/sweep";
import { scriptedResult } from "@tailsweep/sweep/testing";
import { TRPCError } from "@trpc/server";
import { describe, expect, it } from "vitest";
import { LOCAL_CALLER } from "../caller";
import { LIMITS } from "../input";
import { createCaller } from "./index";

/** A finished sweep over ν: ν = 10 leads on balanced accuracy and minority recall on every seed, by varying amounts. */
async function api(file: Record<string, unknown> = {}) {
  const store = new InMemoryRunStore();
  const spec = parseSweepFile({ name: "front", search: { nu: [5, 10] }, seeds: [1, 2, 3], ...file });
  const t0 = new Date("2026-01-01T00:00:00Z");
  await store.createSweep({ id: "front", spec, trials: expandSweep(spec), now: t0 });
  for (const t of await store.listTrials("front")) {
    const claimed = await store.claimTrial(t.id, "w", t0);
    const ahead = t.params["model.nu"] === 10 ? 0.1 + 0.01 * t.seed : 0;
    const result = scriptedResult(0.6 + 0.02 * t.seed + ahead);
    result.metrics.minorityRecall = 0.4 + 0.03 * t.seed + ahead;
    await store.completeTrial(t.id, claimed!.attempt, result, t0);
  }
  return createCaller({ store, caller: LOCAL_CALLER });
}

describe("pareto.front", () => {
  it("defaults to the sweep's own objectives, and is null for a sweep that has none", async () => {
    const objectives = [
      { metric: "minorityRecall", direction: "maximize" },
      { metric: "balancedAccuracy", direction: "maximize" },
    ];
    const own = await (await api({ objectives })).pareto.front({ id: "front" });
    expect(own?.objectives.map((o) => o.metric)).toEqual(["minorityRecall", "balancedAccuracy"]);
    expect(own?.front).toEqual(["model.nu=10"]);
    expect(await (await api()).pareto.front({ id: "front" })).toBeNull();
  });

  it("answers the sweep's front over two objectives", async () => {
    const front = await (await api()).pareto.front({
      id: "front",
      objectives: [{ metric: "balancedAccuracy" }, { metric: "minorityRecall", direction: "maximize" }],
    });
    expect(front).toMatchObject({
      sweepId: "front",
      front: ["model.nu=10"],
      correction: "holm",
      alpha: 0.05,
    });
    expect(front?.claims.map((c) => [c.dominant, c.dominated, c.backed])).toEqual([
      ["model.nu=10", "model.nu=5", true],
    ]);
  });

  it("refuses bad objectives as BAD_REQUEST naming each, and an unknown sweep as NOT_FOUND", async () => {
    const caller = await api();
    const refusal = (input: Parameters<typeof caller.pareto.front>[0]) =>
      caller.pareto.front(input).then(
        () => null,
        (e: unknown) => (e instanceof TRPCError ? [e.code, e.message] : e),
      );
    expect(
      await refusal({ id: "front", objectives: [{ metric: "pseudoClassShift", direction: "maximize" }] }),
    ).toEqual([
      "BAD_REQUEST",
      expect.stringMatching(
        /^objectives: a front needs at least 2 objectives, got 1; pseudoClassShift:max: pseudoClassShift is lower-is-better, not max; pseudoClassShift:max: no finished trial/,
      ),
    ]);
    // the sweep file's limit (OBJECTIVES_LIMITS), named with what is wrong with each: one refusal says it all
    const five = ["balancedAccuracy", "accuracy", "macroF1", "gMean", "nope"].map((metric) => ({ metric }));
    expect(await refusal({ id: "front", objectives: five })).toEqual([
      "BAD_REQUEST",
      expect.stringMatching(
        /^objectives: at most 4 objectives, got 5; nope: no finished trial of sweep front reports nope/,
      ),
    ]);
    // past the request's own bound (LIMITS.objectives) only that is said: nothing is looked up
    const many = Array.from({ length: LIMITS.objectives + 1 }, (_, i) => ({ metric: `m${i}` }));
    expect(await refusal({ id: "front", objectives: many })).toEqual([
      "BAD_REQUEST",
      `input.objectives: at most ${LIMITS.objectives} objectives per request`,
    ]);
    expect(await refusal({ id: "nope", objectives: [{ metric: "a" }, { metric: "b" }] })).toEqual([
      "NOT_FOUND",
      "no sweep with id nope",
    ]);
  });
});
