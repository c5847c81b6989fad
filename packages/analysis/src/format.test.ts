import { describe, expect, it } from "vitest";
import {
  bestClaim,
  bestInResamples,
  cappedTopUpText,
  checkpointSavingsText,
  computeText,
  correctedFamilyText,
  decisionText,
  fixed,
  intervalNotes,
  intervalWriter,
  leadText,
  pct,
  pctInterval,
  pValue,
  resampleShare,
  retryTrainingText,
  seedsNeededText,
  signedDifference,
  signedPctInterval,
  soleResultText,
  tiedBestText,
  withPlus,
  withSign,
} from "./format";

describe("bestClaim", () => {
  const best = { config: "a", probabilityBest: 0.9, beatenBy: [] as string[], tiedWith: [] as string[] };
  it("says better than all only when every other was tested and beaten", () => {
    expect(bestClaim({ ...best, beatsAllOthers: true, untested: [], compared: 3 })).toBe(
      "significantly better than every other configuration",
    );
    expect(bestClaim({ ...best, beatsAllOthers: false, untested: [], compared: 3 })).toBe(
      "not significantly better than every other configuration",
    );
  });

  it("names what was not tested and why, and says when there was nothing to test against", () => {
    expect(
      bestClaim({
        ...best,
        beatsAllOthers: false,
        compared: 1,
        untested: [{ config: "b", reason: "1 seed: too few to test" }],
      }),
    ).toBe("not shown better than every other configuration: not tested against b (1 seed: too few to test)");
    expect(bestClaim({ ...best, beatsAllOthers: false, untested: [], compared: 0 })).toBe(
      "no other configuration with results to test it against",
    );
  });

  it("names the configurations significantly ahead of it on the seeds both ran", () => {
    expect(bestClaim({ ...best, beatsAllOthers: false, untested: [], compared: 2, beatenBy: ["b"] })).toBe(
      "not better than every other configuration: b is significantly ahead of it on the seeds both ran",
    );
  });

  it("says no configuration is best where others have exactly the best's mean", () => {
    const flat = { ...best, probabilityBest: 0, beatsAllOthers: false, untested: [], compared: 2 };
    expect(tiedBestText({ ...flat, tiedWith: ["b"] })).toBe(
      "No best by mean: a, b have the same mean, so none is ahead",
    );
    expect(tiedBestText(flat)).toBeUndefined();
  });

  it("says instead that a configuration is the only one with results, where no other has any", () => {
    expect(soleResultText({ ...best, beatsAllOthers: false, untested: [], compared: 0 })).toBe(
      `Only ${best.config} has results so far: nothing to compare it with`,
    );
    // another one with too few seeds to test is something to compare with, and the claim names it
    const untested = [{ config: "b", reason: "1 seed: too few to test" }];
    expect(soleResultText({ ...best, beatsAllOthers: false, untested, compared: 0 })).toBeUndefined();
    expect(soleResultText({ ...best, beatsAllOthers: true, untested: [], compared: 2 })).toBeUndefined();
  });
});

describe("fixed, pct and the signed forms", () => {
  it("writes what rounds to zero without a sign, and signs the rest", () => {
    expect(fixed(-1e-17, 2)).toBe("0.00");
    expect(fixed(-0.004, 2)).toBe("0.00");
    expect(fixed(-0.006, 2)).toBe("-0.01");
    expect(fixed(Number.NaN, 2)).toBe("—"); // a degenerate comparison's effect size
    expect(fixed(Number.POSITIVE_INFINITY, 2)).toBe("—");
    expect(fixed(0, 0)).toBe("0");
    expect(fixed(-0.4, 0)).toBe("0");
    expect(pct(-1e-19, 2)).toBe("0.00");
    expect(pct(-0.0123, 2)).toBe("-1.23");
    expect(withSign(fixed(-1e-17, 2))).toBe("+0.00");
    expect(withSign(fixed(-0.5, 1))).toBe("−0.5");
    expect(signedPctInterval(-1e-18, [-0.0131, 0.0131])).toBe("+0.00 [-1.31, 1.31]");
    expect(signedPctInterval(-0.02, [-0.03, -0.01])).toBe("-2.00 [-3.00, -1.00]");
  });
});

describe("seedsNeededText", () => {
  const paired = { method: "paired" };
  it("writes a count up to 1000 and >1000 past it, Infinity or its JSON null included, for a paired test", () => {
    expect(seedsNeededText(12, paired)).toBe("12");
    expect(seedsNeededText(1000, paired)).toBe("1000");
    expect(seedsNeededText(1001, paired)).toBe(">1000");
    expect(seedsNeededText(Number.POSITIVE_INFINITY, paired)).toBe(">1000");
    expect(seedsNeededText(null, paired)).toBe(">1000");
  });

  it("writes a dash where there is no paired test to power", () => {
    expect(seedsNeededText(Number.NaN, paired)).toBe("—");
    expect(seedsNeededText(null, { method: "welch" })).toBe("—");
    expect(
      seedsNeededText(null, { method: "paired", degenerate: "all 4 matched seeds give the same difference" }),
    ).toBe("—");
    expect(seedsNeededText(null, undefined)).toBe("—");
  });
});

describe("leadText", () => {
  it("writes the paired difference its test is about, and the seed means' beside it only where they differ", () => {
    const test = { metric: "balancedAccuracy", seeds: [1, 2, 3, 4, 5], pAdjusted: 1, significant: false };
    // A sequential design's seeds: means over 5 and 9 seeds differ by 1.79 points, the 5 pairs by nothing.
    expect(leadText({ ...test, meanDiff: 0.0179, pairedDiff: -1e-17 })).toBe(
      "balancedAccuracy +0.00 pp (5 pairs; seed means +1.79 pp, p adj 1.000)",
    );
    expect(leadText({ ...test, meanDiff: 0.03, pairedDiff: 0.03, pAdjusted: 0.01, significant: true })).toBe(
      "balancedAccuracy +3.00 pp (5 pairs, p adj 0.010) *",
    );
    expect(
      leadText({ ...test, seeds: [1], meanDiff: -0.02, pairedDiff: Number.NaN, reason: "one pair" }),
    ).toBe("balancedAccuracy -2.00 pp (1 pair, p adj 1.000: one pair)");
    // a metric that is not a share in its own units
    expect(leadText({ ...test, metric: "parameterCount", meanDiff: -5000, pairedDiff: -5000 })).toBe(
      "parameterCount -5000 (5 pairs, p adj 1.000)",
    );
  });
});

describe("cappedTopUpText", () => {
  it("says what a capped top-up leaves underpowered, and nothing when it is not capped", () => {
    const target = { seeds: 30, power: 0.8, capped: true };
    expect(cappedTopUpText({ ...target, needed: 53 }, "raise --max-seeds, or accept it")).toBe(
      "capped at 30 seeds: 80% power needs 53 seeds for the weakest comparison, which stays underpowered (raise --max-seeds, or accept it)",
    );
    for (const needed of [null, Number.POSITIVE_INFINITY])
      expect(cappedTopUpText({ ...target, needed }, "")).toMatch(
        /80% power needs more than 10,000 seeds \(or there is no effect to power\) for the weakest/,
      );
    expect(cappedTopUpText(target, "")).toMatch(/80% power needs more seeds for the weakest/);
    expect(cappedTopUpText({ ...target, capped: false, needed: 12 }, "")).toBe("");
  });
});

describe("checkpointSavingsText", () => {
  it("counts the trials in the number it names, with the training saved", () => {
    expect(checkpointSavingsText({ resumedTrials: 1, savedSeconds: 200 })).toBe(
      "checkpoints: 1 interrupted trial (retried or handed back) resumed from a checkpoint, saving 3 min 20 s of training",
    );
    expect(checkpointSavingsText({ resumedTrials: 3, savedSeconds: 45 })).toMatch(
      /^checkpoints: 3 interrupted trials .* saving 45 s of/,
    );
  });
});

describe("decisionText", () => {
  it("never reads a stop without a rejection as equality", () => {
    expect((["better", "worse", "no difference", "continue"] as const).map((d) => decisionText(d))).toEqual([
      "better",
      "worse",
      "not shown to differ",
      "undecided",
    ]);
  });
});

describe("bestInResamples", () => {
  it("says the share, or that there is none: NaN in process, null over JSON", () => {
    expect(bestInResamples(0.5)).toBe("best outright in 50% of seed resamples");
    expect(bestInResamples(0.996)).toBe("best outright in >99% of seed resamples");
    for (const none of [Number.NaN, null])
      expect(bestInResamples(none)).toBe(
        "no share of seed resamples (fewer than two seeds common to the configurations with two or more)",
      );
  });
});

describe("withPlus", () => {
  it("signs a number, and leaves a minus and a dash for no number alone", () => {
    expect(["1.20", "0.00", "-0.40", "—"].map(withPlus)).toEqual(["+1.20", "+0.00", "-0.40", "—"]);
  });
});

describe("resampleShare", () => {
  it("never rounds a share of resamples to certainty", () => {
    expect([1, 0.9951, 0.99, 0.5, 0.011, 0.004, 0].map(resampleShare)).toEqual([
      "100%",
      ">99%",
      "99%",
      "50%",
      "1%",
      "<1%",
      "0%",
    ]);
  });
});

describe("pctInterval", () => {
  it("keeps an interval inside the metric's range and says when it moved an end (issue #20: recall [−104, 122] %)", () => {
    expect(pctInterval([-1.04, 1.22])).toEqual({ text: "[0.0, 100.0]", clipped: true });
    expect(pctInterval([0.612, 0.74])).toEqual({ text: "[61.2, 74.0]", clipped: false });
    expect(pctInterval([-1.3, 0.05], [-1, 1], 2)).toEqual({ text: "[-100.00, 5.00]", clipped: true });
    expect(pctInterval([Number.NaN, Number.NaN])).toEqual({ text: "[—, —]", clipped: false });
    expect(intervalNotes(false, false)).toEqual([]);
    expect(intervalNotes(true, true).map((n) => n[0])).toEqual(["‡", "!"]);
  });
});

describe("intervalWriter and signedDifference: a number in its metric's units", () => {
  it("writes a share in percent, clipped and marked, and anything else as it is, unclipped", () => {
    const intervals = intervalWriter();
    expect(intervals.estimate("parameterCount", { mean: 1_200_200, ci: [1_100_000, 1_300_000] })).toBe(
      "1200200 [1100000, 1300000]",
    );
    expect(intervals.difference("parameterCount", -5000, [-6000, -4000])).toBe("-5000 [-6000, -4000]");
    // nothing so far was clipped: no ‡ note for a result path's interval, however far past 1 it reaches
    expect(intervals.notes([5])).toEqual([]);
    expect(intervals.estimate("balancedAccuracy", { mean: 0.95, ci: [0.9, 1.02] })).toBe(
      "95.0 [90.0, 100.0]‡",
    );
    expect(intervals.difference("balancedAccuracy", 0.0123, [0.001, 0.0236])).toBe("+1.23 [0.10, 2.36]");
    expect(intervals.notes([5]).map((n) => n[0])).toEqual(["‡"]);
    expect(signedDifference("macroF1", 0.012, [-0.004, 0.028])).toBe("+1.20 [-0.40, 2.80]");
    expect(signedDifference("parameterCount", 1200, [900, 1500])).toBe("+1200 [900, 1500]");
    expect(signedDifference("accuracy", Number.NaN, [Number.NaN, Number.NaN])).toBe("—");
  });
});

describe("computeText", () => {
  it("says at most for trials queued again whose configurations finished one, and a guess where some did not", () => {
    expect(computeText({ estimatedSeconds: 150, unmeasuredTrials: 0 }, "training", true)).toBe(
      "at most about 2 min 30 s of training",
    );
    expect(computeText({ estimatedSeconds: 150, unmeasuredTrials: 0 }, "compute", false)).toBe(
      "about 2 min 30 s of compute",
    );
    // a retry of 400-epoch trials timed from 1-epoch ones read "at most about 3 s", and took minutes
    expect(computeText({ estimatedSeconds: 3, unmeasuredTrials: 4 }, "compute", true)).toBe(
      "about 3 s of compute, a guess: 4 trials are of configurations none of whose trials succeeded, timed at the sweep's mean (large ones take far longer)",
    );
    // a retry of trials that timed out: at least what their failed attempts ran, never "at most"
    expect(
      computeText({ estimatedSeconds: 12, unmeasuredTrials: 0, timedByFailedAttempt: 6 }, "compute", true),
    ).toBe("about 12 s of compute; 6 trials are each timed at least as long as its failed attempt ran");
    expect(computeText({ estimatedSeconds: null, unmeasuredTrials: 2 }, "training", true)).toBe(
      "unknown training (no trial has succeeded yet)",
    );
  });
});

describe("correctedFamilyText", () => {
  const holm = { correction: "holm", alpha: 0.05 } as const;
  it("counts only the comparisons the correction ran over, and says which it left out", () => {
    expect(correctedFamilyText(holm, ["better", "inconclusive"])).toBe(
      "Holm-corrected across the 2 comparisons at α = 0.05",
    );
    expect(correctedFamilyText({ correction: "bh", alpha: 0.1 }, ["worse"])).toBe(
      "Benjamini–Hochberg-corrected across the 1 comparison at α = 0.1",
    );
    expect(correctedFamilyText(holm, ["inconclusive", "degenerate"])).toBe(
      "Holm-corrected across the 1 comparison with a test at α = 0.05, leaving out 1 degenerate",
    );
    expect(correctedFamilyText(holm, ["degenerate", "too few seeds", "too few seeds", "better", null])).toBe(
      "Holm-corrected across the 1 comparison with a test at α = 0.05, leaving out 1 degenerate, 2 with too few " +
        "seeds and 1 without a result",
    );
    // a report's wording of inconclusive is a test too
    expect(correctedFamilyText(holm, ["no detectable difference", undefined], "other configuration")).toBe(
      "Holm-corrected across the 1 other configuration with a test at α = 0.05, leaving out 1 without a result",
    );
  });

  it("says nothing was corrected where no comparison has a test", () => {
    expect(correctedFamilyText(holm, ["degenerate", "degenerate"])).toBe(
      "nothing corrected: no comparison has a test (2 degenerate)",
    );
    expect(correctedFamilyText(holm, [null, undefined], "selected configuration")).toBe(
      "nothing corrected: no selected configuration has a test (2 without a result)",
    );
  });
});

describe("pValue", () => {
  it("prints three decimals, and a fourth where three would land on a usual level", () => {
    expect(pValue(0.0234)).toBe("0.023");
    expect(pValue(0.0503)).toBe("0.0503");
    expect(pValue(0.0497)).toBe("0.0497");
    expect(pValue(0.05)).toBe("0.050");
    expect(pValue(0.0249)).toBe("0.0249");
    expect(pValue(0.0004)).toBe("<0.001");
    expect(pValue(Number.NaN)).toBe("—");
    expect(pValue(null)).toBe("—");
  });
});

describe("retryTrainingText", () => {
  it("gives a retry's training if they train to the end, and none where every trial is refused again at once", () => {
    const estimate = { estimatedSeconds: 150, unmeasuredTrials: 0 };
    expect(retryTrainingText(estimate, 3, 2, "training")).toBe(
      "at most about 2 min 30 s of training if they train to the end",
    );
    expect(retryTrainingText(estimate, 1, 0, "compute")).toBe(
      "at most about 2 min 30 s of compute if it trains to the end",
    );
    expect(retryTrainingText({ estimatedSeconds: 0 }, 2, 2, "compute")).toBeUndefined();
  });
});
