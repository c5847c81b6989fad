import { SERVING_MAX_WAIT_MS } from "@tailsweep/schemas/trial-thread";

/**
 * Gives the requests a process serves priority over the training it runs, on the same thread or on its trial threads. `tailsweep ui` trains
 * launched sweeps in its own process (the embedded store is one process's), and every await of a page render would
 * otherwise wait behind a training step: a sweep page took over 10 s to answer while a trial ran. Training awaits
 * `pause()` at its yield points; while requests are in flight it waits until they are done (at most `maxWaitMs`, so
 * a stream left open cannot stop training for good). Trial threads read the same count from `requests` (shared
 * memory) and hold their training likewise (trial-thread.ts): a page then has the machine's cores to itself.
 */
export class ServingGate {
  private inFlight = 0;
  private waiting: (() => void)[] = [];

  /** The requests in flight, as one Int32 that trial threads read (TrialThreadSetup's `serving`). */
  readonly requests = new SharedArrayBuffer(4);
  private readonly shared = new Int32Array(this.requests);

  constructor(private readonly maxWaitMs = SERVING_MAX_WAIT_MS) {}

  /** Counts a request from now until `done` is called (call it once, when its response closes). */
  enter(): () => void {
    this.inFlight++;
    Atomics.add(this.shared, 0, 1);
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.inFlight--;
      // a waiting thread wakes on every change and looks again
      Atomics.sub(this.shared, 0, 1);
      Atomics.notify(this.shared, 0);
      if (this.inFlight === 0) this.releaseAll();
    };
  }

  /** Resolves on the next turn of the event loop once no request is in flight (or after maxWaitMs). */
  pause = (): Promise<void> =>
    new Promise<void>((resolve) => {
      const go = () => setImmediate(resolve);
      if (this.inFlight === 0) return go();
      const release = () => {
        clearTimeout(timer);
        go();
      };
      const timer = setTimeout(() => {
        this.waiting = this.waiting.filter((w) => w !== release);
        go();
      }, this.maxWaitMs);
      this.waiting.push(release);
    });

  private releaseAll(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (const release of waiting) release();
  }
}
