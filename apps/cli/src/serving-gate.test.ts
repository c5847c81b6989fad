import { describe, expect, it, vi } from "vitest";
import { ServingGate } from "./serving-gate";

const settled = async (p: Promise<void>) => {
  let done = false;
  void p.then(() => {
    done = true;
  });
  await new Promise((r) => setTimeout(r, 20));
  return done;
};

describe("ServingGate", () => {
  it("lets training go on at once while nothing is served", async () => {
    expect(await settled(new ServingGate().pause())).toBe(true);
  });

  it("holds training while a request is in flight, and releases it when the last one is done", async () => {
    const gate = new ServingGate();
    const first = gate.enter();
    const second = gate.enter();
    const paused = gate.pause();
    expect(await settled(paused)).toBe(false);
    first();
    first(); // a second call of the same request's done changes nothing
    expect(await settled(paused)).toBe(false);
    second();
    expect(await settled(paused)).toBe(true);
  });

  it("shares the count of requests in flight with trial threads", () => {
    const gate = new ServingGate();
    const count = () => Atomics.load(new Int32Array(gate.requests), 0);
    const first = gate.enter();
    const second = gate.enter();
    expect(count()).toBe(2);
    first();
    first();
    expect(count()).toBe(1);
    second();
    expect(count()).toBe(0);
  });

  it("does not hold training longer than maxWaitMs", async () => {
    // On the fake clock: a loaded machine's timers must not decide what is tested.
    vi.useFakeTimers();
    try {
      const gate = new ServingGate(30);
      gate.enter();
      let done = false;
      void gate.pause().then(() => {
        done = true;
      });
      await vi.advanceTimersByTimeAsync(29);
      expect(done).toBe(false);
      await vi.advanceTimersByTimeAsync(2);
      expect(done).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });
});
