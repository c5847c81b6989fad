import { afterEach, describe, expect, it, vi } from "vitest";
import { failureLines, printRanking } from "./sweep-output";

const objective = { metric: "balancedAccuracy", direction: "maximize" } as const;

function printed(ranked: Parameters<typeof printRanking>[1], uneven?: string | null): string {
  const lines: string[] = [];
  vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
    lines.push(String(chunk));
    return true;
  });
  printRanking(objective, ranked, uneven);
  vi.restoreAllMocks();
  return lines.join("");
}

afterEach(() => vi.restoreAllMocks());

describe("printRanking", () => {
  it("says when the means cover different seeds, and marks those that include a post-hoc top-up's", () => {
    const text = printed([
      { config: "variant=supervised", seeds: 5, mean: 0.151, sd: 0.029 },
      { config: "variant=gaussian", seeds: 9, mean: 0.145, sd: 0.038, posthoc: true },
    ]);
    expect(text.split("\n")).toEqual([
      "",
      "balancedAccuracy (maximize), mean ± sd over seeds:",
      "   15.1 ±  2.9  (5 seeds)  variant=supervised",
      "   14.5 ±  3.8  (9 seeds) †  variant=gaussian",
      "  note: the means cover 5 to 9 seeds per configuration, so the order is no matched comparison; † the mean includes seeds a post-hoc top-up added after looking at the results; tailsweep compare pairs the configurations seed by seed",
      "",
    ]);
  });

  it("takes the store's word on uneven seeds where it gives one: equal counts of different seeds, or none", () => {
    const ranked = [
      { config: "variant=proposed", seeds: 3, mean: 0.2, sd: 0.01 },
      { config: "variant=gaussian", seeds: 3, mean: 0.1, sd: 0.01 },
    ];
    expect(printed(ranked, "the means cover 3 seeds each, not the same ones")).toContain(
      "  note: the means cover 3 seeds each, not the same ones, so the order is no matched comparison;",
    );
    expect(printed([{ ...ranked[0]!, seeds: 5 }, ranked[1]!], null)).not.toContain("note:");
  });

  it("adds no note where every configuration ran the same seeds, none added post hoc", () => {
    const text = printed([
      { config: "variant=proposed", seeds: 3, mean: 0.2, sd: 0.01, posthoc: false },
      { config: "variant=gaussian", seeds: 3, mean: 0.1, sd: null },
    ]);
    expect(text).not.toContain("note:");
    expect(text).toContain("   10.0 ±  n/a  (3 seeds)  variant=gaussian\n");
  });
});

describe("failureLines", () => {
  it("says under a group the model refused what each named configuration's refusal says, once per configuration", () => {
    const refusal = (gamma: number) => `invalid configuration: model.gamma: ${gamma} cannot train at ν = 5`;
    const lines = failureLines(
      [
        {
          reason:
            "invalid configuration: the model refused their values (CONFIG_INVALID; each trial's error names its own)",
          count: 3,
          code: "CONFIG_INVALID",
          trials: [
            { config: "model.gamma=-0.1", seed: 1, reason: refusal(-0.1) },
            { config: "model.gamma=-0.1", seed: 2, reason: refusal(-0.1) },
            { config: "model.gamma=-0.2", seed: 1, reason: refusal(-0.2) },
          ],
        },
        {
          reason: "no heartbeat from worker … for … s",
          count: 2,
          code: null,
          trials: [
            { config: "model.gamma=-0.01", seed: 1, reason: "no heartbeat from worker a for 31 s" },
            { config: "model.gamma=-0.01", seed: 2, reason: "no heartbeat from worker b for 40 s" },
          ],
        },
      ],
      "s1",
      "completed",
    );
    expect(lines).toEqual([
      "  3 trials failed: invalid configuration: the model refused their values (CONFIG_INVALID; each trial's error names its own) (model.gamma=-0.1 seed 1; model.gamma=-0.1 seed 2; model.gamma=-0.2 seed 1)",
      `    model.gamma=-0.1: ${refusal(-0.1)}`,
      `    model.gamma=-0.2: ${refusal(-0.2)}`,
      // a worker's name and the seconds are not said trial by trial
      "  2 trials failed: no heartbeat from worker … for … s (model.gamma=-0.01 seed 1; model.gamma=-0.01 seed 2)",
      "  tailsweep sweep retry s1 queues them again as new attempts",
      "  (3 of them failed because the model refused their configurations (CONFIG_INVALID), and fail the same way again unless the code that refused them changed)",
    ]);
  });
});
