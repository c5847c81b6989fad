import { SERVING_MAX_WAIT_MS } from "@tailsweep/schemas/trial-thread";

/**
 * Gives the requests a process serves priority over the training it runs, on the same thread or on its trial
 * threads. `tailsweep ui` trains launched sweeps in its own process (the embedded store is one process's), and every
 * await of a page render would otherwise wait behind a training step: a sweep page took over 10 s to answer while a
 * trial ran. Training awaits `pause()` at its yield points; while requests are in flight it waits until they are done.
 * Trial threads read the same count from `requests` (shared memory) and hold their training likewise
 * (trial-thread.ts), so a page does not share the cores with training. Two bounds keep training going: a request
 * counts for `maxWaitMs` at most (a long download or a stream left open is not a page to wait for), and one pause
 * lasts `maxWaitMs` at most (requests that never stop coming still let a step through now and then).
 */
export class ServingGate {
  private waiting: (() => void)[] = [];

  /** The requests in flight, as one Int32 that trial threads read (TrialThreadSetup's `serving`). */
  readonly requests = new SharedArrayBuffer(4);
  private readonly count = new Int32Array(this.requests);

  /** @param maxWaitMs how long a request counts, and one pause lasts, at most (trial threads are given the same). */
  constructor(readonly maxWaitMs = SERVING_MAX_WAIT_MS) {}

  /** Counts a request from now until `done` is called (once, when its response closes), or for maxWaitMs at most. */
  enter(): () => void {
    Atomics.add(this.count, 0, 1);
    let left = false;
    const leave = () => {
      if (left) return;
      left = true;
      clearTimeout(timer);
      // Only the last request's end can let training go: then the threads waiting on the count are woken.
      if (Atomics.sub(this.count, 0, 1) === 1) {
        Atomics.notify(this.count, 0);
        this.releaseAll();
      }
    };
    const timer = setTimeout(leave, this.maxWaitMs);
    timer.unref();
    return leave;
  }

  /** Resolves on the next turn of the event loop once no request is in flight (or after maxWaitMs). */
  pause = (): Promise<void> =>
    new Promise<void>((resolve) => {
      const go = () => setImmediate(resolve);
      if (Atomics.load(this.count, 0) === 0) return go();
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
