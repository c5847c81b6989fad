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

  it("counts a request for maxWaitMs at most: a download or a stream left open does not hold training", async () => {
    vi.useFakeTimers();
    try {
      const gate = new ServingGate(30);
      const count = () => Atomics.load(new Int32Array(gate.requests), 0);
      const done = gate.enter();
      await vi.advanceTimersByTimeAsync(10);
      let paused = true;
      void gate.pause().then(() => {
        paused = false;
      });
      await vi.advanceTimersByTimeAsync(19);
      expect([count(), paused]).toEqual([1, true]); // t = 29
      await vi.advanceTimersByTimeAsync(2);
      // t = 31: the request no longer counts, and the pause begun at 10 (its own bound: 40) has ended with it
      expect([count(), paused]).toEqual([0, false]);
      done(); // its end later changes nothing
      expect(count()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it("does not hold training longer than maxWaitMs while requests keep coming", async () => {
    // On the fake clock: a loaded machine's timers must not decide what is tested.
    vi.useFakeTimers();
    try {
      const gate = new ServingGate(30);
      gate.enter(); // counts until t = 30
      await vi.advanceTimersByTimeAsync(10);
      let done = false;
      void gate.pause().then(() => {
        done = true;
      });
      await vi.advanceTimersByTimeAsync(10);
      gate.enter(); // t = 20, counts until 50: the count never falls to 0 before the pause's bound at 40
      await vi.advanceTimersByTimeAsync(15);
      gate.enter(); // t = 35
      await vi.advanceTimersByTimeAsync(4);
      expect(done).toBe(false); // t = 39
      await vi.advanceTimersByTimeAsync(2);
      expect(done).toBe(true); // t = 41
    } finally {
      vi.useRealTimers();
    }
  });
});
