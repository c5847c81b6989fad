import { describe, expect, it } from "vitest";
import { ClaimReplySchema, WorkerEventSchema } from "./messages";
import { describeIssues, RunConfigSchema, resolveRunConfig } from "./run-config";
import { metricOf, type TrialMetrics, TrialMetricsSchema } from "./trial-metrics";

const metrics = (): TrialMetrics => ({
  test: {
    n: 300,
    accuracy: 0.8,
    balancedAccuracy: 0.7,
    macroF1: 0.65,
    gMean: 0.6,
    perClassRecall: [0.9, 0.7, 0.5],
    perClassPrecision: [0.8, 0.7, 0.6],
    confusion: [
      [90, 10, 0],
      [20, 70, 10],
      [30, 20, 50],
    ],
  },
  minorityRecall: 0.5,
  minorityClasses: [2],
  perModality: [{ modality: 0, name: "digit", accuracy: 0.7, balancedAccuracy: 0.6, macroF1: 0.55 }],
  pseudoLabels: {
    accuracy: 0.6,
    balancedAccuracy: 0.55,
    perClassRecall: [0.8, 0.5, 0.3],
    predictedShare: [0.5, 0.3, 0.2],
  },
  history: [{ epoch: 1, loss: { total: 3, labeled: 1, unlabeled: 1, classification: 1 }, seconds: 2 }],
  parameterCount: 1000,
  backendDetail: "plain-JS kernels, 1 thread",
  gpuAdapter: { vendor: "nvidia", architecture: "hopper", device: "", description: "H200", fallback: false },
});

describe("metricOf", () => {
  it("reads test metrics, minority recall and the pseudo-label metrics by the names objectives and reports use", () => {
    const m = metrics();
    expect(metricOf(m, "balancedAccuracy")).toBe(0.7);
    expect(metricOf(m, "accuracy")).toBe(0.8);
    expect(metricOf(m, "macroF1")).toBe(0.65);
    expect(metricOf(m, "gMean")).toBe(0.6);
    expect(metricOf(m, "minorityRecall")).toBe(0.5);
    expect(metricOf(m, "pseudoBalancedAccuracy")).toBe(0.55);
    expect(metricOf(m, "pseudoMinorityRecall")).toBeCloseTo(0.3, 12);
  });

  it("reads any other test key or dotted path, as `compare --metric` takes", () => {
    const m = metrics();
    expect(metricOf(m, "n")).toBe(300);
    expect(metricOf(m, "pseudoLabels.accuracy")).toBe(0.6);
    expect(metricOf(m, "parameterCount")).toBe(1000);
    expect(metricOf(m, "nonsense")).toBeUndefined();
    expect(metricOf(m, "test.confusion")).toBeUndefined();
    expect(metricOf(m, "constructor")).toBeUndefined();
  });

  it("leaves out what a result lacks and what is not finite", () => {
    const m = metrics();
    delete m.pseudoLabels;
    expect(metricOf(m, "pseudoBalancedAccuracy")).toBeUndefined();
    expect(metricOf(m, "pseudoMinorityRecall")).toBeUndefined();
    expect(metricOf({ ...m, minorityRecall: Number.NaN }, "minorityRecall")).toBeUndefined();
    expect(metricOf({ ...m, test: { ...m.test, gMean: Number.NaN } }, "gMean")).toBeUndefined();
  });
});

describe("TrialMetricsSchema", () => {
  it("takes what JSON makes of NaN (null) back as NaN, and keeps fields it does not name at the top", () => {
    const json = JSON.parse(
      JSON.stringify({ ...metrics(), minorityRecall: Number.NaN, addedLater: { x: 1 } }),
    );
    const parsed = TrialMetricsSchema.parse(json);
    expect(parsed.minorityRecall).toBeNaN();
    expect(parsed.addedLater).toEqual({ x: 1 });
    expect(parsed.test.perClassRecall).toEqual([0.9, 0.7, 0.5]);
  });

  it("refuses malformed metrics, naming the field", () => {
    const bad = {
      ...metrics(),
      test: { ...metrics().test, balancedAccuracy: "0.7" },
      minorityClasses: undefined,
    };
    const result = TrialMetricsSchema.safeParse(bad);
    expect(result.success).toBe(false);
    const lines = describeIssues(result.error!, "metrics");
    expect(lines.some((l) => l.startsWith("metrics.test.balancedAccuracy: "))).toBe(true);
    expect(lines.some((l) => l.startsWith("metrics.minorityClasses: "))).toBe(true);
  });

  it("is what a result event carries: a malformed one does not pass the bus", () => {
    const event = {
      type: "result",
      trialId: "t",
      attempt: 1,
      at: "now",
      result: { metrics: {}, backend: "cpu", seconds: 1 },
    };
    expect(WorkerEventSchema.safeParse(event).success).toBe(false);
    const ok = WorkerEventSchema.parse({ ...event, result: { ...event.result, metrics: metrics() } });
    expect(ok.type === "result" && metricOf(ok.result.metrics, "balancedAccuracy")).toBe(0.7);
  });

  it("keeps a failure whose code is no stable code, dropping the code rather than the failure", () => {
    const failed = {
      type: "failed",
      trialId: "s:t",
      attempt: 1,
      at: "now",
      reason: "refused",
      retryable: false,
    };
    expect(WorkerEventSchema.parse({ ...failed, code: "CONFIG_INVALID" })).toMatchObject({
      code: "CONFIG_INVALID",
    });
    for (const code of ["", "not a code", "X".repeat(101), 7]) {
      const event = WorkerEventSchema.parse({ ...failed, code });
      expect(event).toMatchObject({ type: "failed", reason: "refused" });
      expect(event.type === "failed" && event.code).toBeUndefined();
    }
  });
});

describe("RunConfigSchema", () => {
  it("takes a resolved config back as it was", () => {
    const config = resolveRunConfig({ variant: "gaussian", model: { nu: 5 } });
    expect(RunConfigSchema.parse(JSON.parse(JSON.stringify(config)))).toEqual(config);
  });

  it("refuses a partial or malformed config, naming the field", () => {
    expect(RunConfigSchema.safeParse({ variant: "proposed" }).success).toBe(false);
    const config = resolveRunConfig({});
    const bad = RunConfigSchema.safeParse({ ...config, model: { ...config.model, nu: 1 } });
    expect(bad.success).toBe(false);
    expect(describeIssues(bad.error!, "config")[0]).toMatch(/^config\.model\.nu: /);
    expect(RunConfigSchema.safeParse({ ...config, extra: 1 }).success).toBe(false);
  });

  it("is what a claim reply carries", () => {
    const reply = { granted: true, attempt: 1, execution: { heartbeatSeconds: 5, trialTimeoutSeconds: 60 } };
    expect(ClaimReplySchema.safeParse({ ...reply, config: { variant: "proposed" } }).success).toBe(false);
    const config = resolveRunConfig({});
    expect(ClaimReplySchema.parse({ ...reply, config })).toEqual({ ...reply, config });
  });
});
