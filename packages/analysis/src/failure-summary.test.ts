import { parseSweepFile } from "@tailsweep/schemas";
import { expandSweep, InMemoryRunStore } from "@tailsweep/sweep";
import { describe, expect, it } from "vitest";
import { failureSummary } from "./failure-summary";

const t0 = new Date("2026-01-01T00:00:00Z");

/**
 * A sweep of one configuration whose trial on seed i + 1 failed with `errors[i]` (none recorded for undefined), and the
 * error code `codes[i]` where given.
 */
async function failedWith(
  errors: readonly (string | undefined)[],
  codes: readonly (string | undefined)[] = [],
) {
  const spec = parseSweepFile({
    name: "failing",
    search: { variant: ["proposed"] },
    seeds: errors.map((_, i) => i + 1),
  });
  const store = new InMemoryRunStore();
  await store.createSweep({ id: "sw", spec, trials: expandSweep(spec), now: t0 });
  for (const t of await store.listTrials("sw")) {
    const claimed = await store.claimTrial(t.id, "w", t0);
    const code = codes[t.seed - 1];
    await store.failTrial(t.id, claimed!.attempt, errors[t.seed - 1] ?? "", false, t0, code ? { code } : {});
  }
  // a trial that failed without a word: its error left out, as a store without one reads it
  return (await store.listTrials("sw")).map(({ error, ...t }) => (error ? { ...t, error } : t));
}

describe("failureSummary", () => {
  it("keeps a group's words as they are where every trial of it failed with the same ones", async () => {
    const trials = await failedWith(Array(4).fill("timed out after 1 s"));
    // the seconds are the limit the sweep set: `… s` would hide it
    expect(failureSummary(trials)).toEqual([
      {
        reason: "timed out after 1 s",
        count: 4,
        code: null,
        // a sample, by design, of three and one more (a list one longer says its last): `count` says how many
        trials: [1, 2, 3, 4].map((seed) => ({
          id: trials.find((t) => t.seed === seed)!.id,
          config: "variant=proposed",
          seed,
        })),
      },
    ]);
    // how many attempts each took is no part of the reason, as before
    const attempts = await failedWith([
      "out of memory (gave up after 2 attempts)",
      "out of memory (gave up after 1 attempt)",
    ]);
    expect(failureSummary(attempts).map((f) => [f.reason, f.count])).toEqual([["out of memory", 2]]);
  });

  it("groups trials lost with different numbers or workers as one line that says so", async () => {
    const trials = await failedWith([
      "timed out after 1 s",
      "timed out after 30 s",
      "no heartbeat from worker vm:101 for 41 s (gave up after 2 attempts)",
      "no heartbeat from worker vm:202 for 20 s (gave up after 1 attempt)",
      "no heartbeat from worker vm:202 for 20 s (gave up after 2 attempts)",
      undefined,
    ]);
    expect(failureSummary(trials).map((f) => [f.reason, f.count])).toEqual([
      ["no heartbeat from worker … for … s", 3],
      ["timed out after … s", 2],
      ["no reason recorded", 1],
    ]);
  });

  it("keeps the trials the model refused (CONFIG_INVALID) on one line whatever their words, each on one line", async () => {
    const refusal = (gamma: number) =>
      `invalid configuration:\n  - model.gamma: ${gamma} cannot train at ν = 10, n = 1568, latentDim 16, σ = 1`;
    const trials = await failedWith(
      [refusal(-0.04), refusal(-0.05), "timed out after 1 s", refusal(-0.04)],
      ["CONFIG_INVALID", "CONFIG_INVALID", undefined, "CONFIG_INVALID"],
    );
    expect(failureSummary(trials).map((f) => [f.reason, f.count, f.code])).toEqual([
      [
        "invalid configuration: the model refused their values (CONFIG_INVALID; each trial's error names its own)",
        3,
        "CONFIG_INVALID",
      ],
      ["timed out after 1 s", 1, null],
    ]);
    // each named trial with its own words, on one line, where they differ from the group's
    expect(failureSummary(trials)[0]!.trials.map((t) => t.reason)).toEqual([
      "invalid configuration: model.gamma: -0.04 cannot train at ν = 10, n = 1568, latentDim 16, σ = 1",
      "invalid configuration: model.gamma: -0.05 cannot train at ν = 10, n = 1568, latentDim 16, σ = 1",
      "invalid configuration: model.gamma: -0.04 cannot train at ν = 10, n = 1568, latentDim 16, σ = 1",
    ]);
    // the same words: said as they are, on one line
    const same = await failedWith([refusal(-0.04), refusal(-0.04)], ["CONFIG_INVALID", "CONFIG_INVALID"]);
    expect(failureSummary(same).map((f) => f.reason)).toEqual([
      "invalid configuration: model.gamma: -0.04 cannot train at ν = 10, n = 1568, latentDim 16, σ = 1",
    ]);
    expect(failureSummary(same)[0]!.trials.every((t) => !("reason" in t))).toBe(true);
  });
});
