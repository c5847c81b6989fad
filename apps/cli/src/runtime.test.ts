import { afterEach, describe, expect, it, vi } from "vitest";
import { natsReplicas } from "./runtime";

describe("TAILSWEEP_NATS_REPLICAS", () => {
  afterEach(() => vi.unstubAllEnvs());

  it("is 1 when unset or empty, and takes 1, 3 or 5", () => {
    vi.stubEnv("TAILSWEEP_NATS_REPLICAS", undefined);
    expect(natsReplicas()).toBe(1);
    vi.stubEnv("TAILSWEEP_NATS_REPLICAS", "");
    expect(natsReplicas()).toBe(1);
    for (const n of [1, 3, 5]) {
      vi.stubEnv("TAILSWEEP_NATS_REPLICAS", ` ${n} `);
      expect(natsReplicas()).toBe(n);
    }
  });

  it("refuses anything else, naming the variable and the counts it takes", () => {
    for (const bad of ["2", "4", "0", "6", "3.0", "three", "-1"]) {
      vi.stubEnv("TAILSWEEP_NATS_REPLICAS", bad);
      expect(() => natsReplicas(), bad).toThrow(/^TAILSWEEP_NATS_REPLICAS: must be 1, 3 or 5 .*got "/);
    }
  });
});
