import { describe, expect, it } from "vitest";
import { failureLines } from "./sweep-output";

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
