import { TrialMetricsSchema } from "@tailsweep/schemas";
import { describe, expect, it } from "vitest";
import { trialDetail } from "./trial-detail";

const metrics = TrialMetricsSchema.parse({
  test: {
    n: 10,
    accuracy: 0.7,
    balancedAccuracy: 0.625,
    macroF1: 0.6,
    gMean: 0.55,
    perClassRecall: [0.75, 0.5],
    perClassPrecision: [0.75, 0.5],
    confusion: [
      [6, 2],
      [1, 1],
    ],
  },
  minorityRecall: 0.5,
  minorityClasses: [1],
  perModality: [
    { modality: 0, name: "left", accuracy: 0.6, balancedAccuracy: 0.5, macroF1: 0.5 },
    { modality: 1, name: "right", accuracy: 0.6, balancedAccuracy: 0.55, macroF1: 0.5 },
  ],
  pseudoLabels: {
    accuracy: 0.8,
    balancedAccuracy: 0.7,
    perClassRecall: [0.9, 0.5],
    predictedShare: [0.7, 0.3],
  },
});
const epochs = [1, 2, 3].map((epoch) => ({
  epoch,
  loss: { total: 10 - epoch, labeled: 5 - epoch, unlabeled: 4, classification: 1 },
  seconds: 1,
  ...(epoch === 2 && { test: { accuracy: 0.6, balancedAccuracy: 0.5, macroF1: 0.5 } }),
}));

describe("trialDetail", () => {
  it("lists the final metrics, the per-class view with the tail marked, and the confusion matrix by true class", () => {
    const d = trialDetail(metrics, epochs);
    expect(d.final.map((m) => [m.metric, m.on, m.value])).toEqual([
      ["accuracy", "test, every modality", 0.7],
      ["balanced accuracy", "test, every modality", 0.625],
      ["macro-F1", "test, every modality", 0.6],
      ["G-mean", "test, every modality", 0.55],
      ["minority recall", "test, tail classes 1", 0.5],
      ["balanced accuracy", "test, left only", 0.5],
      ["balanced accuracy", "test, right only", 0.55],
      ["pseudo-label accuracy", "unlabeled training rows", 0.8],
      ["pseudo-label balanced accuracy", "unlabeled training rows", 0.7],
    ]);
    expect(d.perClass).toEqual([
      {
        classIndex: 0,
        support: 8,
        minority: false,
        recall: 0.75,
        precision: 0.75,
        pseudoRecall: 0.9,
        pseudoShare: 0.7,
      },
      {
        classIndex: 1,
        support: 2,
        minority: true,
        recall: 0.5,
        precision: 0.5,
        pseudoRecall: 0.5,
        pseudoShare: 0.3,
      },
    ]);
    expect(d.confusionPercent).toEqual([
      [75, 25],
      [50, 50],
    ]);
  });

  it("charts every loss term per epoch, and the test metrics only where they were evaluated", () => {
    const d = trialDetail(metrics, epochs);
    for (const term of ["total", "labeled", "unlabeled", "classification"])
      expect(d.lossChart?.svg).toContain(term);
    expect(d.lossChart?.option.series?.map((s) => s.name)).toEqual([
      "total",
      "labeled",
      "unlabeled",
      "classification",
    ]);
    expect(d.lossChart?.unit).toBe("");
    expect(d.testChart?.svg).toContain("balancedAccuracy");
    expect(d.testChart?.unit).toBe("%");
    expect(trialDetail(undefined, [])).toEqual({
      final: [],
      perClass: [],
      confusionPercent: [],
      lossChart: null,
      testChart: null,
      validationChart: null,
      selection: null,
    });
    // without a result (a running trial), the charts still come from its epochs
    expect(trialDetail(undefined, epochs).lossChart?.svg).toContain("<svg");
  });

  it("says which epoch's weights were tested when the trial chose on a validation set", () => {
    const validation = { accuracy: 0.8, balancedAccuracy: 0.75, macroF1: 0.7 };
    const validated = epochs.map((e) => ({ ...e, test: undefined, validation }));
    const chosen = {
      ...metrics,
      selection: {
        rule: "best" as const,
        metric: "validation.balancedAccuracy" as const,
        epoch: 1,
        value: 0.75,
        evaluated: epochs.length,
      },
    };
    const d = trialDetail(chosen, validated);
    expect(d.selection).toBe(
      `tested with epoch 1's weights: the best validation balanced accuracy (75.0 %) of ${epochs.length} validated epochs (train.select: best)`,
    );
    expect(d.final.at(-1)).toEqual({
      metric: "balanced accuracy",
      on: "validation, epoch 1 (chosen on it)",
      value: 0.75,
    });
    expect(d.validationChart?.svg).toContain("validation metrics per epoch");
    expect(d.testChart).toBeNull();
  });
});
